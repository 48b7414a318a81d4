"""Julian <-> Gregorian conversion: known equivalences, exhaustive round trips, properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.convert.calendar import (
    Day,
    convert_day,
    days_in_month,
    gregorian_to_julian,
    is_valid,
    julian_offset,
    julian_to_gregorian,
    last_day_before,
)


def _next_julian(day: Day) -> Day:
    year, month, dom = day
    if dom < days_in_month(year, month, "julian"):
        return (year, month, dom + 1)
    if month < 12:
        return (year, month + 1, 1)
    return (year + 1, 1, 1)


def _as_day(value: date) -> Day:
    return (value.year, value.month, value.day)


@pytest.mark.parametrize(
    ("julian", "gregorian"),
    [
        ((1917, 10, 25), (1917, 11, 7)),
        ((1582, 10, 5), (1582, 10, 15)),
        ((1582, 10, 4), (1582, 10, 14)),
        ((1900, 2, 29), (1900, 3, 13)),
        ((1918, 1, 31), (1918, 2, 13)),
        ((1918, 2, 1), (1918, 2, 14)),
        ((1870, 4, 10), (1870, 4, 22)),
        # 1700 is a Julian leap year only: Julian 18 Feb is still 10 days behind.
        ((1700, 2, 18), (1700, 2, 28)),
        ((1700, 2, 19), (1700, 3, 1)),
        ((1700, 2, 29), (1700, 3, 11)),
        ((1905, 1, 9), (1905, 1, 22)),
        ((1917, 12, 31), (1918, 1, 13)),
        ((1, 1, 3), (1, 1, 1)),
        ((200, 3, 1), (200, 3, 1)),
    ],
)
def test_known_equivalences(julian: Day, gregorian: Day) -> None:
    assert julian_to_gregorian(julian) == gregorian
    assert gregorian_to_julian(gregorian) == julian


@pytest.mark.parametrize(
    "change_over", [(1918, 2, 14), (1582, 10, 15), (1752, 9, 14), (1923, 3, 1)]
)
def test_last_old_day_before_a_change_over(change_over: Day) -> None:
    # Russia (1918), Rome (1582), Britain (1752), Greece (1923): the Julian day after the
    # last Old Style day is the first New Style day, whatever the date of the change.
    last = last_day_before(change_over, "gregorian", "julian")
    assert julian_to_gregorian(_next_julian(last)) == change_over
    assert convert_day(last, "julian", "gregorian") < change_over


def test_convert_day_between_and_within_calendars() -> None:
    assert convert_day((1917, 10, 25), "julian", "gregorian") == (1917, 11, 7)
    assert convert_day((1917, 11, 7), "gregorian", "julian") == (1917, 10, 25)
    assert convert_day((1917, 11, 7), "gregorian", "gregorian") == (1917, 11, 7)


@pytest.mark.parametrize(
    ("day", "calendar", "offset"),
    [
        ((1582, 10, 15), "gregorian", 10),
        ((1582, 10, 5), "julian", 10),
        ((1700, 2, 28), "gregorian", 10),
        ((1700, 3, 1), "gregorian", 11),
        ((1800, 2, 28), "gregorian", 11),
        ((1800, 3, 1), "gregorian", 12),
        ((1870, 4, 10), "julian", 12),
        ((1900, 2, 28), "gregorian", 12),
        ((1900, 3, 1), "gregorian", 13),
        ((1900, 2, 16), "julian", 12),
        ((1900, 2, 17), "julian", 13),
        ((1917, 10, 25), "julian", 13),
        ((2099, 12, 31), "gregorian", 13),
        ((2100, 3, 1), "gregorian", 14),
        ((1, 1, 1), "gregorian", -2),
    ],
)
def test_offsets(day: Day, calendar: str, offset: int) -> None:
    assert julian_offset(day, calendar) == offset


def test_offset_defaults_to_julian() -> None:
    assert julian_offset((1917, 10, 25)) == 13


def test_leap_rules_differ() -> None:
    assert is_valid((1900, 2, 29), "julian")
    assert not is_valid((1900, 2, 29), "gregorian")
    assert is_valid((2000, 2, 29), "gregorian")
    assert is_valid((2000, 2, 29), "julian")
    assert days_in_month(1900, 2, "julian") == 29
    assert days_in_month(1900, 2, "gregorian") == 28
    assert days_in_month(1917, 11, "julian") == 30


@pytest.mark.parametrize(
    "day",
    [(1917, 2, 30), (1917, 13, 1), (1917, 0, 1), (1917, 4, 31), (1917, 1, 0), (1900, 2, 29)],
)
def test_invalid_gregorian_dates_raise(day: Day) -> None:
    assert not is_valid(day, "gregorian")
    with pytest.raises(ValueError):
        gregorian_to_julian(day)


def test_invalid_julian_dates_raise() -> None:
    with pytest.raises(ValueError):
        julian_to_gregorian((1917, 2, 29))
    with pytest.raises(ValueError):
        julian_offset((1917, 6, 31))


def test_unknown_calendar_raises() -> None:
    with pytest.raises(ValueError):
        is_valid((1917, 1, 1), "hebrew")
    with pytest.raises(ValueError):
        days_in_month(1917, 13, "julian")


def test_every_gregorian_day_1582_to_2100_round_trips() -> None:
    day = date(1582, 1, 1)
    last = date(2100, 12, 31)
    previous_julian = gregorian_to_julian(_as_day(day - timedelta(days=1)))
    while day <= last:
        gregorian = _as_day(day)
        julian = gregorian_to_julian(gregorian)
        assert is_valid(julian, "julian")
        assert julian_to_gregorian(julian) == gregorian
        # Consecutive Gregorian days must be consecutive Julian days: no gaps, no repeats.
        assert julian == _next_julian(previous_julian)
        previous_julian = julian
        day += timedelta(days=1)


def test_every_julian_day_1582_to_2100_round_trips() -> None:
    julian: Day = (1582, 1, 1)
    gregorian = date(*julian_to_gregorian(julian))
    count = 0
    while julian <= (2100, 12, 31):
        assert julian_to_gregorian(julian) == _as_day(gregorian)
        assert gregorian_to_julian(_as_day(gregorian)) == julian
        julian = _next_julian(julian)
        gregorian += timedelta(days=1)
        count += 1
    assert count > 189_000


@st.composite
def calendar_days(draw: st.DrawFn, calendar: str) -> Day:
    year = draw(st.integers(min_value=1, max_value=9999))
    month = draw(st.integers(min_value=1, max_value=12))
    dom = draw(st.integers(min_value=1, max_value=days_in_month(year, month, calendar)))
    return (year, month, dom)


@given(calendar_days("julian"))
def test_julian_round_trip_any_year(julian: Day) -> None:
    gregorian = julian_to_gregorian(julian)
    assert is_valid(gregorian, "gregorian")
    assert gregorian_to_julian(gregorian) == julian


@given(calendar_days("gregorian"))
def test_gregorian_round_trip_any_year(gregorian: Day) -> None:
    julian = gregorian_to_julian(gregorian)
    assert is_valid(julian, "julian")
    assert julian_to_gregorian(julian) == gregorian


@given(calendar_days("gregorian"))
def test_offset_matches_century_rule(gregorian: Day) -> None:
    # Independent closed form: the calendars drift by one day per Gregorian-skipped leap day,
    # which falls at the end of February, so January and February count with the year before.
    year = gregorian[0] - (1 if gregorian[1] <= 2 else 0)
    expected = year // 100 - year // 400 - 2
    assert julian_offset(gregorian, "gregorian") == expected
    julian = gregorian_to_julian(gregorian)
    assert julian_offset(julian, "julian") == expected


@given(calendar_days("gregorian"))
def test_gregorian_successor_is_julian_successor(gregorian: Day) -> None:
    value = date(*gregorian)
    if value == date.max:
        return
    following = _as_day(value + timedelta(days=1))
    assert gregorian_to_julian(following) == _next_julian(gregorian_to_julian(gregorian))
