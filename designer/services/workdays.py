"""Norwegian working days: Monday to Friday except the public holidays.

The holidays are those of lov om helligdager og helligdagsfred § 2 that can fall on a weekday
(1 January, Maundy Thursday, Good Friday, Easter Monday, Ascension Day, Whit Monday, 25 and
26 December) and the two days of lov om 1. og 17. mai. Easter is computed (the Gregorian
computus), so every year is known without a table to keep up to date.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Oslo")
UTC = ZoneInfo("UTC")


def local_date(moment: datetime) -> date:
    """The Norwegian date of a naive UTC moment (the database's): 23:30 UTC on 4 January is
    5 January in Norway. Deadlines and lists count in these days."""
    return moment.replace(tzinfo=UTC).astimezone(ZONE).date()


def easter_sunday(year: int) -> date:
    """Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm)."""
    golden = year % 19
    century, rest = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    moon_fix = (century + 8) // 25
    moon = (19 * golden + century - leap_centuries - (century - moon_fix + 1) // 3 + 15) % 30
    quarter, quarter_rest = divmod(rest, 4)
    weekday = (32 + 2 * century_rest + 2 * quarter - moon - quarter_rest) % 7
    shift = (golden + 11 * moon + 22 * weekday) // 451
    month, day = divmod(moon + weekday - 7 * shift + 114, 31)
    return date(year, month, day + 1)


@functools.lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """The public holidays of `year` in Norway (Sundays are not listed: no weekday)."""
    easter = easter_sunday(year)
    # Maundy Thursday, Good Friday, Easter Monday, Ascension Day, Whit Monday.
    moving = (-3, -2, 1, 39, 50)
    fixed = ((1, 1), (5, 1), (5, 17), (12, 25), (12, 26))
    return frozenset(
        [easter + timedelta(days=offset) for offset in moving]
        + [date(year, month, day) for month, day in fixed]
    )


def is_working_day(day: date) -> bool:
    """True on a weekday that is no public holiday."""
    return day.weekday() < 5 and day not in public_holidays(day.year)


def working_days_before(day: date, count: int) -> date:
    """The working day `count` working days before `day` (`day` itself if count is 0)."""
    found = day
    while count > 0:
        found -= timedelta(days=1)
        if is_working_day(found):
            count -= 1
    return found
