"""The staff register's validity window: a member of staff has access from `valid_from` through `valid_to` (dates
in Swedish time, both optional). Add columns: expand-only, valid on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T19:01:37:000000"
VERSION = "1.38.0"
DESCRIPTION = "Staff member: valid_from, valid_to"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)
    for name in ("valid_from", "valid_to"):
        manager.add_column(
            table_class_name="StaffMember",
            tablename="staff_member",
            column_name=name,
            db_column_name=name,
            column_class_name="Date",
            column_class=Date,
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
    return manager
