"""Indexes for messages, supplements and organisations; raw SQL valid on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T00:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes for messages, supplements, representations and organisation cases"

INDEXES = {
    "message_case": 'message ("case", created_at)',
    "supplement_request_case": 'supplement_request ("case", created_at)',
    "representation_user": 'representation ("user")',
    "representation_organisation": "representation (organisation)",
    "representation_unique": 'representation ("user", organisation)',
    "case_record_organisation": "case_record (organisation, received_at)",
    "attachment_message": "attachment (message_id)",
}
UNIQUE = {"representation_unique"}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            unique = "UNIQUE " if name in UNIQUE else ""
            await engine_finder().run_ddl(f"CREATE {unique}INDEX {name} ON {target}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
