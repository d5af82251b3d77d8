"""Norwegian working days: weekdays that are no public holiday."""

from __future__ import annotations

from datetime import date

import pytest

from designer.services import workdays


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),  # the latest possible date
        (2285, date(2285, 3, 22)),  # the earliest possible date
    ],
)
def test_easter_sunday(year: int, easter: date) -> None:
    assert workdays.easter_sunday(year) == easter


def test_the_holidays_of_2026() -> None:
    assert sorted(workdays.public_holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 4, 2),  # Maundy Thursday
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),
        date(2026, 5, 14),  # Ascension Day
        date(2026, 5, 17),
        date(2026, 5, 25),  # Whit Monday
        date(2026, 12, 25),
        date(2026, 12, 26),
    ]


def test_working_days() -> None:
    assert workdays.is_working_day(date(2026, 12, 24))  # Christmas Eve is a working day
    assert not workdays.is_working_day(date(2026, 12, 25))
    assert not workdays.is_working_day(date(2026, 12, 27))  # a Sunday
    assert workdays.working_days_before(date(2026, 4, 7), 1) == date(2026, 4, 1)
    assert workdays.working_days_before(date(2026, 4, 7), 0) == date(2026, 4, 7)
    assert workdays.working_days_before(date(2027, 1, 4), 5) == date(2026, 12, 24)
