"""Indexes that keep the inbox's cost flat as a unit's history grows (benchmarks/case_handling.py): the open cases
alone, by e-service and newest first (the tabs "Att hantera", "Mina", "Ej tilldelade" read only these); cases by
e-service and status (the filter); an officer's bookmarks ("Flaggade"); e-services by unit (every query of the inbox); and on PostgreSQL a trigram index for the
search's `LIKE '%word%'` (pg_trgm, a trusted extension: the database's owner may create it). Raw SQL; SQLite has
partial indexes too, but no trigram index: its search reads the unit's cases."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-03T19:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes for the inbox at scale"

INDEXES = (
    "CREATE INDEX case_record_open ON case_record (e_service, received_at, id) WHERE status <> 'closed'",
    "CREATE INDEX case_record_service_status ON case_record (e_service, status_id, received_at)",
    'CREATE INDEX bookmark_officer ON bookmark (officer, "case")',
    "CREATE INDEX e_service_unit ON e_service (unit)",
)
POSTGRES_INDEXES = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX case_record_search ON case_record USING gin (search_text gin_trgm_ops)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in INDEXES + (POSTGRES_INDEXES if isinstance(engine, PostgresEngine) else ()):
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        names = [statement.split()[2] for statement in INDEXES]
        if isinstance(engine, PostgresEngine):
            names.append("case_record_search")
        for name in names:
            await engine.run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
