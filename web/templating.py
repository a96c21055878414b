"""The Jinja2 environment: translations, formatting filters and the globals every template may use."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, StrictUndefined, nodes
from jinja2 import TemplateNotFound as JinjaTemplateNotFound
from jinja2.compiler import CodeGenerator, Frame
from jinja2.visitor import NodeTransformer
from litestar import Request
from litestar.exceptions import TemplateNotFoundException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup, escape

from core import clock, i18n, nouns
from core.markdown import render_markdown
from core.settings import PROJECT_ROOT, Settings
from forms.uploads import describe_kinds
from web.static_assets import StaticAssets

TEMPLATES_DIR = PROJECT_ROOT / "templates"


def build_environments(settings: Settings, assets: StaticAssets) -> dict[str, Environment]:
    """One environment per supported locale, each compiling the templates with that locale's fixed texts already
    translated; they share their globals and filters, so what Litestar registers reaches all of them."""
    environments = {locale: _Environment(locale, settings) for locale in i18n.SUPPORTED_LOCALES}
    first, *others = environments.values()
    first.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext, pgettext=_template_pgettext
    )
    first.globals.update(static=assets.url, settings=settings, current_locale=i18n.current_locale, now=clock.now)
    first.globals.update(cached=FragmentCache(FRAGMENT_CACHE_CHARS))
    first.globals.update(for_noun=_template_for_noun, for_noun_plural=_template_for_noun_plural)
    first.filters.update(
        date=i18n.format_date,
        datetime=i18n.format_datetime,
        number=i18n.format_number,
        filesize=i18n.format_filesize,
        tel_href=i18n.tel_href,
        markdown=render_markdown,
        file_kinds=describe_kinds,
    )
    for environment in others:
        environment.globals = first.globals
        environment.filters = first.filters
    return environments


class _Environment(Environment):
    def __init__(self, locale: str, settings: Settings) -> None:
        super().__init__(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=True,
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=settings.template_reload,
        )
        self.locale = locale
        self.policies["ext.i18n.trimmed"] = True
        self.newstyle_gettext = True  # type: ignore[attr-defined]

    def getattr(self, obj, attribute: str):
        # Rows are dicts: Jinja tries the attribute first and pays for an AttributeError on every `row.column`.
        # Same outcome as Jinja's order, for every name that is not a dict method.
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def make_globals(self, d):
        # A plain dict per template instead of Jinja's ChainMap: every render, include and import walks these keys,
        # and a ChainMap walks them in Python. All globals are set before the first template loads.
        return {**self.globals, **(d or {})}


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _TranslatedConstants(NodeTransformer):
    """Replaces `_("literal")`, `gettext(...)`, `pgettext("context", "literal")` and `{% trans %}` blocks (all of which
    compile to such calls) with their translation as a Markup constant, %-formatted with the keyword arguments at
    render time exactly as `_template_gettext` would. Jinja folds the constants into the template's output, so fixed
    texts cost nothing when a page renders. `ngettext` depends on its count and stays a call."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def visit_Call(self, node: nodes.Call) -> nodes.Expr:
        self.generic_visit(node)
        if not isinstance(node.node, nodes.Name) or node.dyn_args or node.dyn_kwargs:
            return node
        arguments = [argument.value for argument in node.args if isinstance(argument, nodes.Const)]
        if len(arguments) != len(node.args) or not all(isinstance(argument, str) for argument in arguments):
            return node
        translations = i18n.translations(self.locale)
        if node.node.name in ("_", "gettext") and len(arguments) == 1:
            text = translations.gettext(arguments[0])
        elif node.node.name == "pgettext" and len(arguments) == 2:
            text = translations.pgettext(*arguments)
        else:
            return node
        markup = Markup(text)  # noqa: S704 - our own catalogue
        if not node.kwargs:
            return nodes.MarkSafe(nodes.Const(_format(markup, {})), lineno=node.lineno)
        variables = nodes.Dict([nodes.Pair(nodes.Const(kw.key), kw.value) for kw in node.kwargs], lineno=node.lineno)
        return nodes.Mod(nodes.MarkSafe(nodes.Const(markup)), variables, lineno=node.lineno)


class _TranslatingCodeGenerator(CodeGenerator):
    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        _TranslatedConstants(self.environment.locale).visit(node)
        super().visit_Template(node, frame)


_Environment.code_generator_class = _TranslatingCodeGenerator


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


def _template_for_noun(noun: str, message: str, /, **variables) -> Markup:
    """A sentence that names what the e-service's resident sends in, translated for its noun (core.nouns)."""
    return _format(Markup(nouns.for_noun(noun, message)), variables)  # noqa: S704 - our own catalogue


def _template_for_noun_plural(noun: str, singular: str, count: int, /, **variables) -> Markup:
    return Markup(nouns.for_noun_plural(noun, singular, count, **{k: escape(v) for k, v in variables.items()}))  # noqa: S704


FRAGMENT_CACHE_CHARS = 16 * 1024 * 1024  # per worker; a thread's latest messages take about 10 kB


class FragmentCache:
    """`{{ cached(macro, *arguments) }}` in a template: the macro's output, rendered once for these arguments and
    the locale, for fragments shown again unchanged on every view (a thread's messages, the items of case lists).
    The arguments are the whole key (rows frozen with every column), so a changed row renders anew and nothing is
    ever stale; only for macros whose output follows from their arguments alone (no now(), no request). Where
    freezing the rows costs too much, `key=` gives a cheaper key that must change whenever the output would (as
    `db.messages.thread_key`)."""

    def __init__(self, chars: int) -> None:
        self.chars = chars  # the budget: the fragments' total length
        self._fragments: dict[tuple, Markup] = {}
        self._used = 0

    def __call__(self, macro, *arguments, key=None) -> Markup:
        key = (macro, i18n.current_locale(), _frozen(arguments) if key is None else key)
        fragment = self._fragments.get(key)
        if fragment is None:
            fragment = macro(*arguments)
            if len(fragment) <= self.chars // 16:  # a whole long thread is rendered as it comes, not kept
                self._fragments[key] = fragment
                self._used += len(fragment)
                # The oldest go first (moving a hit to the end, as an LRU would, costs hashing its key again).
                while self._used > self.chars:
                    self._used -= len(self._fragments.pop(next(iter(self._fragments))))
        return fragment


def _frozen(value):
    # Written for speed: the key of every item of a list is built on every view.
    kind = type(value)
    if kind is dict:
        items = tuple(value.items())
        try:
            hash(items)  # a row of plain values: as it is
            return items
        except TypeError:  # a list or dict among the values
            return tuple([(name, _frozen(item)) if type(item) in _CONTAINERS else (name, item) for name, item in items])
    if kind is list or kind is tuple:
        return tuple([_frozen(item) if type(item) in _CONTAINERS else item for item in value])
    return value


_CONTAINERS = (dict, list, tuple)


def template_config(environments: dict[str, Environment]) -> TemplateConfig:
    return TemplateConfig(engine=_LocalisedTemplateEngine(environments))


class _LocalisedTemplateEngine(JinjaTemplateEngine):
    """Litestar's Jinja engine, taking each template from the environment of the request's locale."""

    def __init__(self, environments: dict[str, Environment]) -> None:
        super().__init__(engine_instance=environments[i18n.DEFAULT_LOCALE])
        self.environments = environments

    def get_template(self, template_name: str):
        try:
            return self.environments[i18n.current_locale()].get_template(template_name)
        except JinjaTemplateNotFound as exc:
            raise TemplateNotFoundException(template_name=template_name) from exc

    def render_string(self, template_string: str, context) -> str:
        return self.environments[i18n.current_locale()].from_string(template_string).render(context)


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
