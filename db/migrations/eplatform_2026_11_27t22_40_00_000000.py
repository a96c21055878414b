"""Indexes Piccolo cannot declare portably; raw SQL valid on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-27T22:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique (e_service, filename) for related documents"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)

    async def create_index():
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX related_document_filename_unique ON related_document (e_service, filename)"
        )

    async def drop_index():
        await engine_finder().run_ddl("DROP INDEX related_document_filename_unique")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
