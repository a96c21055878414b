from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-11-28T00:40:06:346619"
VERSION = "1.38.0"
DESCRIPTION = "Draft expiry notice; indexes for the retention job"

# Raw SQL valid on SQLite and PostgreSQL: the retention job looks drafts and closed cases up per e-service and age.
INDEXES = {
    "draft_service_activity": "draft (e_service, last_activity_at)",
    "case_record_service_closed": "case_record (e_service, closed_at)",
}


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="eplatform", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Draft",
        tablename="draft",
        column_name="expiry_notice_at",
        db_column_name="expiry_notice_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    async def create_indexes():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX {name} ON {target}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
