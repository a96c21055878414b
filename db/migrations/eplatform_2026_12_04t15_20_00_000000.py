"""When the population register last failed to answer at a login (SPAR timed out or answered with an error): the
account keeps the data it had and Mina sidor says so. Add column: valid on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T15:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Account: population register failure time"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)
    manager.add_column(
        table_class_name="UserAccount",
        tablename="user_account",
        column_name="register_failed_at",
        db_column_name="register_failed_at",
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
    return manager
