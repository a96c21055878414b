"""The template environment: fixed texts translated when a template compiles, rows read as dicts, and the cache of
rendered fragments."""

from __future__ import annotations

from datetime import datetime

import pytest
from jinja2 import UndefinedError

from core.settings import PROJECT_ROOT
from web.static_assets import StaticAssets
from web.templating import FragmentCache, build_environments


@pytest.fixture(scope="module")
def environment(settings):
    return build_environments(settings, StaticAssets(PROJECT_ROOT / "static"))["sv"]


def render(environment, source: str, **context) -> str:
    return environment.from_string(source).render(**context)


def test_fixed_texts_are_translated_and_their_variables_escaped(environment):
    assert render(environment, '{{ _("Log in") }}') == "Logga in"
    assert render(environment, '{{ pgettext("case status", "Received") }}') == "Inkommen"
    assert render(environment, "{% trans %}Log in{% endtrans %}") == "Logga in"
    untrusted = '"><script>'
    # The translation's own link stays markup; what goes into it is escaped, as with gettext at render time.
    source = (
        '{{ _("If you are not satisfied with how we handle your comments, you can <a href=\\"%(url)s\\">report it '
        'to Digg</a>.", url=url) }}'
    )
    html = render(environment, source, url=untrusted)
    assert '<a href="&#34;&gt;&lt;script&gt;">anmäla till Digg</a>' in html
    assert render(environment, "{% trans when=moment %}Read {{ when }}{% endtrans %}", moment="<i>") == (
        "Läst den &lt;i&gt;"
    )


def test_texts_chosen_at_render_time_are_still_translated(environment):
    assert render(environment, "{{ _(text) }}", text="Log in") == "Logga in"
    assert render(environment, '{{ ngettext("%(num)d unread message", "%(num)d unread messages", 2) }}') == (
        "2 olästa meddelanden"
    )


def test_rows_are_read_as_dicts_and_a_missing_column_is_an_error(environment):
    row = {"title": "Bygglov", "items": "a column named like a dict method"}
    assert render(environment, "{{ row.title }}", row=row) == "Bygglov"
    assert render(environment, "{{ row.items()|list|length }}", row=row) == "2"  # the method, as in Jinja
    with pytest.raises(UndefinedError):
        render(environment, "{{ row.missing }}", row=row)


def test_a_fragment_is_rendered_once_per_arguments_and_again_when_a_column_changes():
    rendered = []

    def macro(row, viewer):
        rendered.append(row["id"])
        return f"{row['id']}:{row['read_at']}:{viewer}"

    cache = FragmentCache(1000)
    row = {"id": 1, "read_at": None, "files": [{"name": "a.pdf"}]}
    assert cache(macro, row, 7) == cache(macro, dict(row), 7) == "1:None:7"
    assert rendered == [1]
    read = {**row, "read_at": datetime(2026, 11, 28, 10, 0)}
    assert cache(macro, read, 7) == "1:2026-11-28 10:00:00:7"
    assert cache(macro, row, 8) == "1:None:8"  # another viewer
    assert cache(macro, {**row, "files": [{"name": "b.pdf"}]}, 7) == "1:None:7"  # a nested change counts too
    assert rendered == [1, 1, 1, 1]


def test_the_cache_keeps_to_its_budget_and_does_not_keep_what_is_too_long():
    rendered = []

    def macro(number, length=4):
        rendered.append(number)
        return f"{number:0{length}d}"

    cache = FragmentCache(16 * 4)  # at most four characters each: sixteen of these
    for number in range(20):
        cache(macro, number)
    cache(macro, 19)
    cache(macro, 0)  # among the oldest: gone
    assert rendered == [*range(20), 0]
    cache(macro, 7, 5)
    cache(macro, 7, 5)
    assert rendered[-2:] == [7, 7]


def test_a_fragment_with_its_own_key_is_rendered_again_only_when_the_key_changes():
    cache = FragmentCache(1000)
    assert cache(lambda text: text.upper(), "hej", key=(1, None)) == "HEJ"
    assert cache(lambda text: text.upper(), "hej", key=(1, None)) == "HEJ"  # a new lambda: another macro
    macro = str.upper
    assert cache(macro, "hej", key=(1, None)) == "HEJ"
    assert cache(macro, "ignored while the key is the same", key=(1, None)) == "HEJ"
    assert cache(macro, "läst", key=(1, "read")) == "LÄST"
