"""Page windows: a long list links the first, the last and the pages around the current one."""

from __future__ import annotations

import pytest

from web.pagination import Page, parse_page_number


@pytest.mark.parametrize(
    ("number", "count", "expected"),
    [
        (1, 1, [1]),
        (1, 5, [1, 2, 3, 4, 5]),
        (1, 50, [1, 2, 3, None, 50]),
        (25, 50, [1, None, 23, 24, 25, 26, 27, None, 50]),
        (50, 50, [1, None, 48, 49, 50]),
        (4, 50, [1, 2, 3, 4, 5, 6, None, 50]),
    ],
)
def test_window_shows_ends_and_neighbours(number, count, expected):
    page = Page.of(list(range(count * 10)), number, 10)
    assert page.window() == expected


def test_requested_page_is_clamped_to_the_existing_pages():
    assert Page.of(list(range(25)), 9, 10).number == 3
    assert Page.of([], 4, 10).number == 1
    assert Page.of(list(range(25)), 3, 10).items == list(range(20, 25))


@pytest.mark.parametrize(("raw", "expected"), [("2", 2), ("", 1), (None, 1), ("x", 1), ("-4", 1), ("0", 1)])
def test_page_numbers_from_the_url_are_parsed_leniently(raw, expected):
    assert parse_page_number(raw) == expected
