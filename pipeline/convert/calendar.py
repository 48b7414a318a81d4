"""Exact conversion between the Julian (Old Style) and Gregorian (New Style) calendars.

Both calendars are proleptic: their leap-year rules are applied to every year, with
astronomical year numbering (year 0 is 1 BC). Dates are turned into a shared day number
(the proleptic Gregorian ordinal, so 0001-01-01 Gregorian is day 1, as ``date.toordinal``)
and back, so the difference between the calendars is computed, never assumed.
"""

from __future__ import annotations

Day = tuple[int, int, int]

_CALENDARS = ("julian", "gregorian")

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# Both day counts start their years on 1 March, so the leap day is the last day of a
# year and the month lengths March..February follow the 153-days-per-5-months pattern.
_GREGORIAN_CYCLE = 146097  # days in 400 Gregorian years
_JULIAN_CYCLE = 1461  # days in 4 Julian years
# Day numbers of 0000-03-01 in each calendar: Julian 0000-03-01 fell on Gregorian 0000-02-28.
_GREGORIAN_EPOCH = -305
_JULIAN_EPOCH = -307


def _check_calendar(calendar: str) -> None:
    if calendar not in _CALENDARS:
        raise ValueError(f"unknown calendar {calendar!r}: expected 'julian' or 'gregorian'")


def _is_leap(year: int, calendar: str) -> bool:
    if calendar == "julian":
        return year % 4 == 0
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int, calendar: str) -> int:
    """Length of a month; February has 29 days in a leap year of that calendar."""
    _check_calendar(calendar)
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not in 1..12")
    if month == 2 and _is_leap(year, calendar):
        return 29
    return _MONTH_DAYS[month - 1]


def is_valid(day: Day, calendar: str) -> bool:
    """True if ``day`` names a real day of ``calendar`` (e.g. 1900-02-29 is Julian only)."""
    _check_calendar(calendar)
    try:
        year, month, dom = day
    except (TypeError, ValueError):
        return False
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (year, month, dom)):
        return False
    if not 1 <= month <= 12:
        return False
    return 1 <= dom <= days_in_month(year, month, calendar)


def _require_valid(day: Day, calendar: str) -> None:
    if not is_valid(day, calendar):
        raise ValueError(f"{day!r} is not a valid {calendar} date")


def _march_based(day: Day) -> tuple[int, int]:
    """(year counted from 1 March, day of that year counted from 0)."""
    year, month, dom = day
    if month <= 2:
        year -= 1
    shifted = (month + 9) % 12  # March is 0, February is 11
    return year, (153 * shifted + 2) // 5 + dom - 1


def _from_march_based(year: int, day_of_year: int) -> Day:
    shifted = (5 * day_of_year + 2) // 153
    dom = day_of_year - (153 * shifted + 2) // 5 + 1
    month = shifted + 3 if shifted < 10 else shifted - 9
    return (year + 1 if month <= 2 else year, month, dom)


def _day_number(day: Day, calendar: str) -> int:
    year, day_of_year = _march_based(day)
    if calendar == "gregorian":
        cycle, year_in_cycle = divmod(year, 400)
        days = year_in_cycle * 365 + year_in_cycle // 4 - year_in_cycle // 100
        return _GREGORIAN_EPOCH + cycle * _GREGORIAN_CYCLE + days + day_of_year
    cycle, year_in_cycle = divmod(year, 4)
    return _JULIAN_EPOCH + cycle * _JULIAN_CYCLE + year_in_cycle * 365 + day_of_year


def _from_day_number(number: int, calendar: str) -> Day:
    if calendar == "gregorian":
        cycle, days = divmod(number - _GREGORIAN_EPOCH, _GREGORIAN_CYCLE)
        # The corrections make the 366th day of a leap year stay in its own year.
        year_in_cycle = (days - days // 1460 + days // 36524 - days // 146096) // 365
        day_of_year = days - (365 * year_in_cycle + year_in_cycle // 4 - year_in_cycle // 100)
        return _from_march_based(cycle * 400 + year_in_cycle, day_of_year)
    cycle, days = divmod(number - _JULIAN_EPOCH, _JULIAN_CYCLE)
    year_in_cycle = (days - days // 1460) // 365
    return _from_march_based(cycle * 4 + year_in_cycle, days - 365 * year_in_cycle)


def julian_to_gregorian(day: Day) -> Day:
    """The Gregorian date of the day whose Julian date is ``day``."""
    _require_valid(day, "julian")
    return _from_day_number(_day_number(day, "julian"), "gregorian")


def gregorian_to_julian(day: Day) -> Day:
    """The Julian date of the day whose Gregorian date is ``day``."""
    _require_valid(day, "gregorian")
    return _from_day_number(_day_number(day, "gregorian"), "julian")


def julian_offset(day: Day, calendar: str = "julian") -> int:
    """Days the Gregorian date is ahead of the Julian date on ``day`` (given in ``calendar``).

    Measured on the Gregorian label: how much later the same year-month-day falls in the
    Julian calendar. It is 10 from 1582-10-15 G, 11 from 1700-03-01 G, 12 from 1800-03-01 G
    and 13 from 1900-03-01 G (= 1900-02-17 J) until 2100-02-28 G; negative in early centuries.
    """
    _require_valid(day, calendar)
    gregorian = day if calendar == "gregorian" else julian_to_gregorian(day)
    return _day_number(gregorian, "julian") - _day_number(gregorian, "gregorian")


def convert_day(day: Day, source: str, target: str) -> Day:
    """The date in ``target`` of the day written ``day`` in ``source``."""
    _require_valid(day, source)
    _check_calendar(target)
    return _from_day_number(_day_number(day, source), target)


def last_day_before(change_over: Day, new: str, old: str) -> Day:
    """The last day of the old calendar, written in it, before ``change_over`` (the first
    day of the new calendar, written in the new one)."""
    _require_valid(change_over, new)
    return _from_day_number(_day_number(change_over, new) - 1, old)


def add_days(day: Day, days: int, calendar: str) -> Day:
    """The date ``days`` later (earlier when negative) in the same calendar."""
    _require_valid(day, calendar)
    return _from_day_number(_day_number(day, calendar) + days, calendar)
