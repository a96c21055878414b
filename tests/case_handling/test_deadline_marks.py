"""The inbox keeps each rendered row keyed by its values (web/templating.FragmentCache): a row's deadline marks must
stay the same from one view to the next while what they show stays the same, or no row is ever rendered from the
cache (as when they carried the share of the handling time used, which changes every second)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.case_handling import deadline_info


def test_the_marks_change_only_with_what_the_inbox_shows():
    received = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    case = {"status": "received", "received_at": received, "deadline": received + timedelta(days=5), "handling_days": 5}
    now = received + timedelta(days=3, hours=1)
    first, a_second_later = deadline_info(case, now), deadline_info(case, now + timedelta(seconds=1))
    assert first == a_second_later and hash(first) == hash(a_second_later)
    assert (first.days_left, first.mark, first.long_open) == (1, "60", False)
    next_day = deadline_info(case, now + timedelta(days=1, hours=12))
    assert next_day != first and (next_day.days_left, next_day.mark) == (0, "90")
