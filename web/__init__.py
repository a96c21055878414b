"""HTTP plumbing shared by every area: templates, static assets, security headers, htmx helpers, error pages.

Areas live in `routes/` (handlers), `templates/` and `db/`; this package holds what none of them owns.
"""
