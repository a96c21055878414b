"""Unique indexes of the previous migration's tables (Piccolo cannot declare them across columns): one external id
per case, client and system; one delivery per case and client. Raw SQL valid on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T19:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique (case, client, system) external ids and (case, client) deliveries"

INDEXES = {
    "case_external_id_unique": 'ON case_external_id ("case", client, system)',
    "case_delivery_unique": 'ON case_delivery ("case", client)',
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)

    async def create_indexes():
        for name, where in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE UNIQUE INDEX {name} {where}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
