"""The application factory: `uvicorn --factory app:create_app`."""

from __future__ import annotations

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.plugins.htmx import HTMXPlugin

from core.logging import configure_logging
from core.settings import PROJECT_ROOT, Settings
from db import engine
from db.catalogue_index import CatalogueCache
from routes import all_route_handlers
from web.errors import EXCEPTION_HANDLERS
from web.security import security_headers_hook
from web.static_assets import StaticAssets
from web.templating import build_environment, template_config


def create_app(settings: Settings | None = None) -> Litestar:
    settings = (settings or Settings.from_env()).check()
    configure_logging(settings.log_level)
    assets = StaticAssets(PROJECT_ROOT / "static")

    async def start_database() -> None:
        await engine.start(settings.db_pool_min, settings.db_pool_max)

    return Litestar(
        route_handlers=all_route_handlers(),
        template_config=template_config(build_environment(settings, assets)),
        plugins=[HTMXPlugin()],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="__Host-csrf" if settings.secure_cookies else "csrf",
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
            exclude=["/static/", "/healthz", "/livez"],
        ),
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=500, gzip_compress_level=6, exclude="/static/"
        ),
        before_send=[security_headers_hook(settings)],
        exception_handlers=EXCEPTION_HANDLERS,
        on_startup=[start_database],
        on_shutdown=[engine.stop],
        state=State(
            {"settings": settings, "assets": assets, "catalogue": CatalogueCache(settings.catalogue_refresh_seconds)}
        ),
        openapi_config=None,
        logging_config=None,
        debug=False,
    )
