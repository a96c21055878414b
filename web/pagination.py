"""Pages of a long list. Page numbers come from the URL (`?sida=`), so they are parsed leniently."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from web.params import parse_int

T = TypeVar("T")


# Far beyond any list's last page (pages past the end show the last one); keeps OFFSET within the database's range.
MAX_PAGE_NUMBER = 1_000_000


def parse_page_number(raw: str | None) -> int:
    return max(1, parse_int(raw or "1", maximum=MAX_PAGE_NUMBER) or 1)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    size: int
    total: int
    more: bool = False  # there are more than `total` (the list was counted only so far)

    @property
    def count(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count

    @property
    def first_index(self) -> int:
        """1-based position of the first item on this page (0 when the list is empty)."""
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.number * self.size, self.total)

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and `around` either side of this one; None marks a gap."""
        wanted = {1, self.count, *range(self.number - around, self.number + around + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.count)
        shown: list[int | None] = []
        for number in numbers:
            previous = shown[-1] if shown else None
            if previous is not None and number - previous == 2:
                shown.append(previous + 1)  # a gap of one page: show the page, not an ellipsis
            elif previous is not None and number - previous > 2:
                shown.append(None)
            shown.append(number)
        return shown

    @classmethod
    def of(cls, sequence: Sequence[T], number: int, size: int) -> Page[T]:
        """The requested page of `sequence`, clamped to the pages that exist."""
        count = max(1, math.ceil(len(sequence) / size))
        number = min(max(1, number), count)
        start = (number - 1) * size
        return cls(sequence[start : start + size], number, size, len(sequence))
