"""Indexes for the audit log's searches by case and by staff member (/admin/logg; the time already has one). The
log is a big table in production: on PostgreSQL they are built CONCURRENTLY, outside a transaction."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-04T15:46:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Audit log: indexes by target and by actor"

INDEXES = {
    "audit_entry_target": "audit_entry (target, at)",
    "audit_entry_actor": "audit_entry (actor, at)",
}


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="eplatform", description=DESCRIPTION, wrap_in_transaction=False
    )

    def concurrently() -> str:
        return " CONCURRENTLY" if isinstance(engine_finder(), PostgresEngine) else ""

    async def create():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX{concurrently()} {name} ON {target}")

    async def drop():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX{concurrently()} {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
