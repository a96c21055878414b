"""The Jinja2 environment: translations, formatting filters and the globals every template may use."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from core import i18n
from core.settings import PROJECT_ROOT, Settings
from web.static_assets import StaticAssets

TEMPLATES_DIR = PROJECT_ROOT / "templates"


def build_environment(settings: Settings, assets: StaticAssets) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=not settings.is_production,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, pgettext=i18n.pgettext, newstyle=True
    )
    env.globals.update(static=assets.url, settings=settings, current_locale=i18n.current_locale)
    env.filters.update(
        date=i18n.format_date,
        datetime=i18n.format_datetime,
        number=i18n.format_number,
        filesize=i18n.format_filesize,
        tel_href=i18n.tel_href,
    )
    return env


def template_config(environment: Environment) -> TemplateConfig:
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment))
