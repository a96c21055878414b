"""Piccolo app registration: every table of the platform, and where the migrations live."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from db.catalogue import CacheStamp, Category, EService, OperatingNotice, RelatedDocument

APP_CONFIG = AppConfig(
    app_name="eplatform",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Category, EService, RelatedDocument, OperatingNotice, CacheStamp],
    migration_dependencies=[],
    commands=[],
)
