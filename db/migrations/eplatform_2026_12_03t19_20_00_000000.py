"""An e-service's noun: what a resident sends in (ansökan, anmälan, e-förslag, ...; core.nouns). Add column: valid on
SQLite and PostgreSQL; existing e-services get "ansökan"."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T19:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "E-service noun"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)
    manager.add_column(
        table_class_name="EService",
        tablename="e_service",
        column_name="noun",
        db_column_name="noun",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 40,
            "default": "ansökan",
            "null": False,
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
