"""Piccolo tables, migrations and the queries of each area (one module per area)."""
