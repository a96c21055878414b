"""The organisation index on cases only for cases made for an organisation; raw SQL valid on SQLite and PostgreSQL.

Most cases have no organisation, so a full index looks useless to SQLite's planner (every NULL counts as the same
value) and it scans every case to find a representative's; the partial index is small and has honest statistics."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T02:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Partial index for cases made for an organisation"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)

    async def partial():
        await engine_finder().run_ddl("DROP INDEX case_record_organisation")
        await engine_finder().run_ddl(
            "CREATE INDEX case_record_organisation ON case_record (organisation, received_at) "
            "WHERE organisation IS NOT NULL"
        )

    async def full():
        await engine_finder().run_ddl("DROP INDEX case_record_organisation")
        await engine_finder().run_ddl("CREATE INDEX case_record_organisation ON case_record (organisation, received_at)")

    manager.add_raw(partial)
    manager.add_raw_backwards(full)
    return manager
