"""The Jinja2 environment: translations, formatting filters and the globals every template may use."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup, escape

from core import clock, i18n
from core.settings import PROJECT_ROOT, Settings
from db.catalogue_index import render_markdown
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
        auto_reload=settings.template_reload,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext, pgettext=_template_pgettext
    )
    env.globals.update(static=assets.url, settings=settings, current_locale=i18n.current_locale, now=clock.now)
    env.filters.update(
        date=i18n.format_date,
        datetime=i18n.format_datetime,
        number=i18n.format_number,
        filesize=i18n.format_filesize,
        tel_href=i18n.tel_href,
        markdown=render_markdown,
    )
    return env


# Jinja's own newstyle wrappers cost a quarter of a page's render time; these keep their semantics (the result is
# Markup, always %-formatted with the keyword arguments) and remember each translated message per locale.
_translated: dict[tuple, Markup] = {}


def _translated_markup(key: tuple, translate) -> Markup:
    markup = _translated.get(key)
    if markup is None:
        markup = _translated[key] = Markup(translate())  # noqa: S704 - our own catalogue, formatted with escaping
    return markup


def _format(markup: Markup, variables: dict) -> Markup:
    return markup % variables if variables or "%" in markup else markup


def _template_gettext(message: str, /, **variables) -> Markup:
    locale = i18n.current_locale()
    return _format(_translated_markup((locale, message), lambda: i18n.gettext(message)), variables)


def _template_ngettext(singular: str, plural: str, count: int, /, **variables) -> Markup:
    variables.setdefault("num", count)
    return Markup(i18n.ngettext(singular, plural, count)) % variables  # noqa: S704 - as above, not cached per count


def _template_pgettext(context: str, message: str, /, **variables) -> Markup:
    locale = i18n.current_locale()
    return _format(_translated_markup((locale, context, message), lambda: i18n.pgettext(context, message)), variables)


def template_config(environment: Environment) -> TemplateConfig:
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment))


def render_fragment(request: Request, template_name: str, context: dict) -> Markup:
    """Render a template to HTML now (to cache it, to place it in a page, or outside a handler's response), with the
    same `request` and `csrf_input` a Template response would give it."""
    context = {"request": request, "csrf_input": csrf_input(request), **context}
    html = request.app.template_engine.get_template(template_name).render(**context)
    return Markup(html)  # noqa: S704 - autoescaped template output


def csrf_input(request: Request) -> Markup:
    token = ScopeState.from_scope(request.scope).csrf_token
    token = "" if token is Empty else token
    return Markup(f'<input type="hidden" name="_csrf_token" value="{escape(token)}">')  # noqa: S704 - escaped
