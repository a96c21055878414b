"""Piccolo's configuration: the engine comes from DATABASE_URL (see core/settings.py for the default)."""

import os

from piccolo.conf.apps import AppRegistry

from core.settings import DEFAULT_DATABASE_URL
from db.engine import engine_from_url

DB = engine_from_url(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)

APP_REGISTRY = AppRegistry(apps=["db.piccolo_app"])
