"""Officers' e-mail notice choices and when their daily summary was last sent (add column: valid on SQLite and
PostgreSQL)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T18:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Officers' notice choices"

_PARAMS = {
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)
    manager.add_column(
        table_class_name="StaffMember",
        tablename="staff_member",
        column_name="notices",
        db_column_name="notices",
        column_class_name="JSON",
        column_class=JSON,
        params={**_PARAMS, "default": "{}", "null": False},
        schema=None,
    )
    manager.add_column(
        table_class_name="StaffMember",
        tablename="staff_member",
        column_name="digest_sent_at",
        db_column_name="digest_sent_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={**_PARAMS, "default": None, "null": True},
        schema=None,
    )
    return manager
