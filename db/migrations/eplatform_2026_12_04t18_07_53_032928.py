"""Operating notices get a scope (one e-service, or all when empty), a level (info or warning) and whether they close
their scope for new applications. Add columns, nullable or with defaults: valid on SQLite and PostgreSQL, expand only
(the previous release reads the table without them)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import Boolean
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class EService(Table, tablename="e_service", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name=None,
        secret=False,
    )


ID = "2026-12-04T18:07:53:032928"
VERSION = "1.38.0"
DESCRIPTION = "Operating notice: e-service, level, closed for new applications"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="eplatform", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="OperatingNotice",
        tablename="operating_notice",
        column_name="closed_for_new",
        db_column_name="closed_for_new",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
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

    manager.add_column(
        table_class_name="OperatingNotice",
        tablename="operating_notice",
        column_name="e_service",
        db_column_name="e_service",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": EService,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
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

    manager.add_column(
        table_class_name="OperatingNotice",
        tablename="operating_notice",
        column_name="level",
        db_column_name="level",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 20,
            "default": "info",
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
