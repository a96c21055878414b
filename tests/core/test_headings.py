"""The heading check itself: it must find what it is there to find."""

from tests.headings import heading_problems


def test_nested_headings_pass():
    html = "<h1>A</h1><section><h2>B</h2><h3>C</h3><section><h3>D</h3><h4>E</h4></section></section><h2>F</h2>"
    assert heading_problems(html) == []


def test_a_heading_as_high_as_its_sections_heading_is_found():
    html = "<h1>Ärende</h1><section><h2>Din ansökan</h2><h2>Steg 1</h2></section>"
    assert heading_problems(html) == ["h2 “Steg 1” sits inside a section headed by an h2"]


def test_a_skipped_level_is_found():
    assert heading_problems("<h1>A</h1><h3>B</h3>") == ["h3 “B” follows an h1: a level is skipped"]
