"""Checks that a page's headings nest: one level per nesting, and no level skipped.

A `<section>` or `<article>` is headed by its first heading; every other heading inside it must be of a lower rank
(a higher number) than that one, so the answers' step headings inside "Din ansökan" (h2) are h3. Through the whole
page a heading is at most one level below the one before it (h2 then h4 skips h3)."""

from __future__ import annotations

from html.parser import HTMLParser

SECTIONING = {"section", "article"}
HEADINGS = {f"h{n}": n for n in range(1, 7)}


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[list[int]] = []  # per open section: its heading's level (empty until it has one)
        self.previous = 0
        self.problems: list[str] = []
        self._heading: tuple[int, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SECTIONING:
            self.sections.append([])
        elif tag in HEADINGS:
            self._heading = (HEADINGS[tag], [])

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in SECTIONING and self.sections:
            self.sections.pop()
        elif tag in HEADINGS and self._heading is not None:
            level, parts = self._heading
            self._heading = None
            self._check(level, " ".join("".join(parts).split()))

    def _check(self, level: int, text: str) -> None:
        if self.previous and level > self.previous + 1:
            self.problems.append(f"h{level} “{text}” follows an h{self.previous}: a level is skipped")
        self.previous = level
        for depth, section in enumerate(self.sections):
            innermost = depth == len(self.sections) - 1
            if innermost and not section:
                section.append(level)  # this section's own heading
            elif section and level <= section[0]:
                self.problems.append(f"h{level} “{text}” sits inside a section headed by an h{section[0]}")


def heading_problems(html: str) -> list[str]:
    """What is wrong with the page's heading levels (empty when they nest)."""
    outline = _Outline()
    outline.feed(html)
    return outline.problems


def assert_headings_nest(html: str) -> None:
    problems = heading_problems(html)
    assert not problems, "headings do not nest:\n" + "\n".join(problems)
