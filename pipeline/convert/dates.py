"""Find date expressions in English text and normalise them to TEI date attributes.

The calendars, their change-over and the default for single dates come from the
edition's settings (``[tool.edition.encoding.calendar]``) and each text's sidecar. In
short: ``when``/``from``/``to``/``notBefore``/``notAfter`` are always
Gregorian ISO 8601; a date that is, or is read as, Julian also gets its Julian form in the
``-custom`` attributes with ``datingMethod="#julian"``; ``calendar`` names the calendar(s)
the text itself uses. Which half of a dual date is Old Style is derived from the
Julian/Gregorian relation at that date, never from its position.

Reading rules the guide leaves open, decided here:

- A year written once after a dual date belongs to the first-written half; the other
  half's year follows from the conversion (``December 19 (January 1), 1917`` is
  1917-12-19 O.S. = 1918-01-01 N.S.).
- In a range written with one year at the end, the start takes that year, or the year
  before if it would otherwise fall after the end (``December 20 to January 5, 1906``).
- Seasons are meteorological; "winter of Y" is December Y-1 to February Y.
- A single date falls under ``DateContext.default_calendar`` if, as written, it is on or
  before ``DateContext.change_over`` (the last day of the old calendar, from the
  edition's settings); later dates are in the new calendar. An override for the exact
  expression text wins over an explicit "O.S."/"N.S." marker, which wins over that
  default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from pipeline.convert.calendar import (
    Day,
    add_days,
    days_in_month,
    gregorian_to_julian,
    is_valid,
    julian_offset,
    julian_to_gregorian,
)
from pipeline.structure.reading import MONTHS

__all__ = ["DateContext", "DateMatch", "DateProblem", "find_dates"]

_CALENDAR_NAMES = ("julian", "gregorian")

ATTRIBUTE_ORDER = (
    "when",
    "from",
    "to",
    "notBefore",
    "notAfter",
    "when-custom",
    "from-custom",
    "to-custom",
    "notBefore-custom",
    "notAfter-custom",
    "datingMethod",
    "calendar",
    "cert",
)


@dataclass(frozen=True)
class DateContext:
    """How the single dates of one text are read (from the settings and the sidecar)."""

    year: int | None = None
    default_calendar: str = "gregorian"
    overrides: Mapping[str, str] = field(default_factory=dict)
    change_over: Day | None = None  # the last day of the old calendar, written in it
    new_calendar: str = "gregorian"
    # Why single dates take ``default_calendar``: "default" (the edition's, no evidence),
    # "place" (where the text was written or sent) or "sidecar" (declared).
    default_source: str = "default"


@dataclass(frozen=True)
class DateMatch:
    start: int
    end: int
    attrs: tuple[tuple[str, str], ...]
    year_from_context: bool
    # How a single date's calendar was chosen: "default", "place", "sidecar", "local"
    # (the date of a publication), "override", "marker", "after-change"; None for a dual
    # date, a year or a date whose calendar does not matter.
    calendar_source: str | None = None
    qualifier: str | None = None  # "not earlier than", "early in", ... as written


@dataclass(frozen=True)
class DateProblem:
    start: int
    end: int
    text: str
    message: str


# A calendar that applies at one position of a text (the date of a foreign
# publication), or None.
LocalCalendar = Callable[[int], str | None]

# --- lexical pieces -------------------------------------------------------------------

_MONTH_NAMES = list(MONTHS)
_MONTH_NUMBERS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_MONTH_NUMBERS.update(
    {
        "Jan": 1,
        "Feb": 2,
        "Mar": 3,
        "Apr": 4,
        "Jun": 6,
        "Jul": 7,
        "Aug": 8,
        "Sep": 9,
        "Sept": 9,
        "Oct": 10,
        "Nov": 11,
        "Dec": 12,
    }
)
# Capitalised only: "march" and "may" in running text are verbs far more often than months.
_MONTH_RE = re.compile(
    r"(?<![A-Za-z])(?:(?P<full>" + "|".join(_MONTH_NAMES) + r")"
    r"|(?P<abbr>Sept|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.?)(?![A-Za-z])"
)

_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
_TEENS = [
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
]
_ORDINAL_WORDS = {word: n for n, word in enumerate(_UNITS + _TEENS, 1)}
_ORDINAL_WORDS["twentieth"] = 20
_ORDINAL_WORDS.update({f"twenty-{word}": 20 + n for n, word in enumerate(_UNITS, 1)})
_ORDINAL_WORDS["thirtieth"] = 30
_ORDINAL_WORDS["thirty-first"] = 31
_ORDINAL_RE = re.compile(
    r"(?<![A-Za-z-])(?P<word>"
    + "|".join(sorted((w.replace("-", "[- ]") for w in _ORDINAL_WORDS), key=len, reverse=True))
    + r")(?![A-Za-z-])",
    re.IGNORECASE,
)

# A day number: one or two digits, not part of a longer number, a decimal or "80,000".
_DAY_RE = re.compile(r"(?<![\d.,])(?P<day>\d{1,2})(?P<suffix>st|nd|rd|th)?(?![\d\w])(?![.,]\d)")
_YEAR_TEXT = r"(?:1[5-9]\d\d|20\d\d)"
_YEAR_RE = re.compile(r"(?<![\d\w])(?<!\d,)(?<!\d\.)(?P<year>" + _YEAR_TEXT + r")(?![\d\w])(?!,\d)")
_YEAR_RANGE_RE = re.compile(
    r"(?<![\d\w])(?<!\d,)(?P<first>" + _YEAR_TEXT + r")\s*[-–]\s*(?P<last>\d{4}|\d{2})"
    r"(?![\d\w])(?![-–]\d)"
)
_SEASON_RE = re.compile(
    r"(?<![A-Za-z])(?P<season>spring|summer|autumn|winter|fall)(?![A-Za-z])", re.IGNORECASE
)
# First and last month; winter starts in December of the year before.
_SEASON_MONTHS = {
    "spring": (3, 5),
    "summer": (6, 8),
    "autumn": (9, 11),
    "fall": (9, 11),
    "winter": (12, 2),
}

# "26.X.1917", "26/X/1917", "26 X 1917": a day, the month in Roman numerals, a year.
_ROMAN_MONTHS = {
    "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6,
    "VII": 7, "VIII": 8, "IX": 9, "X": 10, "XI": 11, "XII": 12,
}  # fmt: skip
_ROMAN_DATE_RE = re.compile(
    r"(?<![\d.])(?P<day>\d{1,2})\s*(?P<sep>[./]|\s)\s*(?P<month>XII|XI|IX|X|VIII|VII|VI|IV|V|III|II|I)"
    r"\s*(?P=sep)\s*(?P<year>" + _YEAR_TEXT + r")(?![\d\w])"
)
# Words before a date that qualify it; kept inside the date element.
_QUALIFIER_RE = re.compile(
    r"(?<![A-Za-z])(?P<q>not\s+earlier\s+than|no\s+earlier\s+than|not\s+later\s+than"
    r"|no\s+later\s+than|not\s+before|not\s+after|before|after|between"
    r"|early\s+in|late\s+in|in\s+the\s+middle\s+of|(?:the\s+)?(?:beginning|middle|end)\s+of"
    r"|early|late)\s+$",
    re.IGNORECASE,
)
_BETWEEN_AND = re.compile(r"\s*,?\s+and\s+")
_AND_DAYS = re.compile(r"\s+and\s+")
_AFTER_BETWEEN = re.compile(r"(?<![A-Za-z])between\s+$", re.IGNORECASE)
_WS = re.compile(r"\s+")
_OPT_WS = re.compile(r"\s*")
_OF = re.compile(r"\s+of(?![A-Za-z])")
_YEAR_SEP = re.compile(r",?\s+|,")
_ALT_SEP = re.compile(r"\s+or\s+")
_DASH_SEP = re.compile(r"\s*[-–]\s*")
_TO_SEP = re.compile(r"\s+(?:to|till|until)\s+|\s*[-–]\s*")
_OPEN = re.compile(r"\s*\(\s*")
_CLOSE = re.compile(r"\s*\)")
_SLASH = re.compile(r"\s*/\s*")
_AND_OR = re.compile(r"\s*,?\s+(?:and|or)\s+")
_COMMA = re.compile(r"\s*,\s*")
_MARKER_RE = re.compile(
    r"\s*(?:\(\s*(?P<p>O\.\s?S\.|N\.\s?S\.|[Oo]ld [Ss]tyle|[Nn]ew [Ss]tyle)\s*\)"
    r"|,?\s*(?P<b>O\.\s?S\.|N\.\s?S\.))"
)
# Numbers after these are pages, volumes or issues, never days or years.
_NOT_A_DATE_BEFORE = re.compile(
    r"(?:\b(?:Nos?|pp?|pages?|Vols?|Volumes?|issues?|numbers?)\.?\s*)$",
    re.IGNORECASE,
)


# --- parsed structures ----------------------------------------------------------------


@dataclass
class _Written:
    """One date as written in one calendar; a missing month or year is inferred later."""

    month: int | None
    day: int
    year: int | None = None


@dataclass
class _Slot:
    """A point of the expression: a single date, or one end of a range or alternative."""

    primary: _Written
    secondary: _Written | None = None


@dataclass
class _DayExpr:
    kind: str  # "point", "alt" (uncertain day) or "range"
    slots: list[_Slot]
    marker: str | None = None


@dataclass
class _Days:
    kind: str
    days: list[int]


@dataclass
class _Half:
    """One calendar's part of a written date: month (if written), days, year (if written)."""

    month: int | None
    days: _Days
    year: int | None = None


@dataclass
class _Simple:
    kind: str  # "month", "season", "year", "years"
    start: int
    end: int
    values: tuple[int, ...]  # (month, year), (year,) or (first year, last year)
    marker: str | None = None
    season: str = ""


class _Scanner:
    """Recursive-descent recogniser over the raw string: each method returns the parsed
    value and the position after it, or ``None``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.between = False  # the expression follows "between": "2 and 4" is a range

    def _re(self, pattern: re.Pattern[str], pos: int) -> re.Match[str] | None:
        return pattern.match(self.text, pos)

    def month(self, pos: int) -> tuple[int, int] | None:
        found = self._re(_MONTH_RE, pos)
        if not found:
            return None
        name = found.group("full") or found.group("abbr")
        return _MONTH_NUMBERS[name], found.end()

    def day(self, pos: int) -> tuple[int, int] | None:
        found = self._re(_DAY_RE, pos)
        if not found or not 1 <= int(found.group("day")) <= 31:
            return None
        return int(found.group("day")), found.end()

    def year(self, pos: int) -> tuple[int, int] | None:
        found = self._re(_YEAR_RE, pos)
        if not found:
            return None
        return int(found.group("year")), found.end()

    def days(self, pos: int) -> tuple[_Days, int] | None:
        """``5``, ``5 or 6``, ``2-4``; after "between", ``2 and 4``."""
        first = self.day(pos)
        if not first:
            return None
        separators = [(_ALT_SEP, "alt"), (_DASH_SEP, "range")]
        if self.between:
            separators.append((_AND_DAYS, "range"))
        for sep, kind in separators:
            gap = self._re(sep, first[1])
            if gap:
                second = self.day(gap.end())
                if second:
                    return _Days(kind, [first[0], second[0]]), second[1]
        return _Days("point", [first[0]]), first[1]

    def ordinal_day(self, pos: int) -> tuple[int, int] | None:
        """``Ninth of`` (words only name a day when "of MONTH" follows)."""
        found = self._re(_ORDINAL_RE, pos)
        if not found:
            return None
        key = re.sub(r"\s+", "-", found.group("word").lower())
        return _ORDINAL_WORDS[key], found.end()

    def month_first(self, pos: int) -> tuple[_Half, int] | None:
        """``November 5``, ``November 5 or 6``, ``November 2-4``, ``January 9th``."""
        month = self.month(pos)
        if not month:
            return None
        gap = self._re(_WS, month[1])
        if not gap:
            return None
        days = self.days(gap.end())
        if not days:
            return None
        return _Half(month[0], days[0]), days[1]

    def day_first(
        self, pos: int, with_secondary_days: bool
    ) -> tuple[_Half, _Days | None, int] | None:
        """``24 October``, ``9th of January``, ``Ninth of January``, ``6 (19) November``."""
        ordinal = self.ordinal_day(pos)
        secondary: _Days | None = None
        if ordinal:
            of = self._re(_OF, ordinal[1])
            if not of:
                return None
            days, end = _Days("point", [ordinal[0]]), of.end()
        else:
            parsed = self.days(pos)
            if not parsed:
                return None
            days, end = parsed
            if with_secondary_days:
                inner = self.bracketed_days(end)
                if inner:
                    secondary, end = inner
            of = self._re(_OF, end)
            if of:
                end = of.end()
        gap = self._re(_WS, end)
        if not gap:
            return None
        month = self.month(gap.end())
        if not month:
            return None
        return _Half(month[0], days), secondary, month[1]

    def bracketed_days(self, pos: int) -> tuple[_Days, int] | None:
        """``(19)`` or ``/19`` between the days and the month of a day-first date."""
        opening = self._re(_OPEN, pos)
        if opening:
            days = self.days(opening.end())
            closing = days and self._re(_CLOSE, days[1])
            return (days[0], closing.end()) if days and closing else None
        slash = self._re(_SLASH, pos)
        if slash:
            return self.days(slash.end())
        return None

    def half(self, pos: int, allow_year: bool) -> tuple[_Half, int] | None:
        """The part of a dual date in brackets or after a slash: days, maybe month and year."""
        parsed = self.month_first(pos)
        if not parsed:
            day_first = self.day_first(pos, with_secondary_days=False)
            if day_first:
                parsed = day_first[0], day_first[2]
            else:
                days = self.days(pos)
                parsed = (_Half(None, days[0]), days[1]) if days else None
        if not parsed:
            return None
        half, end = parsed
        year = self._year_after(end) if allow_year else None
        if year:
            half.year, end = year
        return half, end

    def secondary(self, pos: int) -> tuple[_Half, int] | None:
        opening = self._re(_OPEN, pos)
        if opening:
            inner = self.half(opening.end(), allow_year=True)
            closing = inner and self._re(_CLOSE, inner[1])
            return (inner[0], closing.end()) if inner and closing else None
        slash = self._re(_SLASH, pos)
        if slash:
            # After a slash a year ends the whole expression: "November 6/19, 1917".
            return self.half(slash.end(), allow_year=False)
        return None

    def _year_after(self, pos: int) -> tuple[int, int] | None:
        gap = self._re(_YEAR_SEP, pos)
        if not gap:
            return None
        return self.year(gap.end())

    def endpoint(self, pos: int) -> tuple[_Half, _Half | None, int] | None:
        """A written date with an optional dual half: ``October 29 (November 11)``."""
        primary: _Half
        secondary: _Half | None = None
        parsed = self.month_first(pos)
        if parsed:
            primary, end = parsed
        else:
            day_first = self.day_first(pos, with_secondary_days=True)
            if not day_first:
                return None
            primary, inner_days, end = day_first
            if inner_days is not None:
                secondary = _Half(None, inner_days)
        if secondary is None:
            year = self._year_after(end)
            after_year = end
            if year:
                primary.year, after_year = year
            dual = self.secondary(after_year)
            if dual:
                secondary, end = dual
            else:
                end = after_year
        return primary, secondary, end

    def roman(self, pos: int) -> tuple[_DayExpr, int] | None:
        """``26.X.1917``: day, Roman month, year."""
        found = self._re(_ROMAN_DATE_RE, pos)
        if not found or not 1 <= int(found["day"]) <= 31:
            return None
        written = _Written(_ROMAN_MONTHS[found["month"]], int(found["day"]), int(found["year"]))
        expr = _DayExpr("point", [_Slot(written)])
        marker = self.marker(found.end())
        end = found.end()
        if marker:
            expr.marker, end = marker
        return expr, end

    def marker(self, pos: int) -> tuple[str, int] | None:
        found = self._re(_MARKER_RE, pos)
        if not found:
            return None
        word = (found.group("p") or found.group("b")).lower()
        calendar = "julian" if word.startswith("o") else "gregorian"
        return calendar, found.end()

    def dated(self, pos: int) -> tuple[_DayExpr | str, int] | None:
        """A date naming a day (or days); returns an error message for a malformed one."""
        first = self.endpoint(pos)
        if not first:
            return None
        endpoints = [first]
        sep = self._re(_TO_SEP, first[2])
        if sep:
            second = self.endpoint(sep.end())
            if (
                second
                and first[0].days.kind == second[0].days.kind == "point"
                and (first[1] is None) == (second[1] is None)
                and (first[1] is None or first[1].days.kind == "point")
                and (second[1] is None or second[1].days.kind == "point")
            ):
                endpoints.append(second)
        last_primary, last_secondary, end = endpoints[-1]
        # Without a dual half, endpoint() has already looked for the year.
        if last_secondary is not None and last_primary.year is None and last_secondary.year is None:
            year = self._year_after(end)
            if year:
                last_primary.year, end = year
        marker = self.marker(end)
        calendar = None
        if marker:
            calendar, end = marker
        built = _build_day_expr(endpoints)
        if isinstance(built, str):
            return built, end
        built.marker = calendar
        return built, end

    def simple(self, pos: int) -> tuple[list[_Simple], int] | None:
        """Months with a year (also coordinated), seasons, years, year ranges."""
        season = self._re(_SEASON_RE, pos)
        if season:
            of = self._re(_OF, season.end())
            after = of.end() if of else season.end()
            gap = self._re(_WS, after)
            if gap and (of or season.group("season").lower() != "fall"):
                years = self._re(_YEAR_RANGE_RE, gap.end())
                name = season.group("season").lower()
                # "winter of 1905-06" names the winter that ends in the second year.
                if name == "winter" and years and _year_range_end(years) == int(years["first"]) + 1:
                    last = (int(years["first"]) + 1,)
                    return [_Simple("season", pos, years.end(), last, season=name)], years.end()
                year = self.year(gap.end())
                if year:
                    return [_Simple("season", pos, year[1], (year[0],), season=name)], year[1]
            return None
        months = self._coordinated_months(pos)
        if months:
            return months
        years = self._re(_YEAR_RANGE_RE, pos)
        if years:
            last = _year_range_end(years)
            if last is not None:
                first = int(years.group("first"))
                return [_Simple("years", pos, years.end(), (first, last))], years.end()
        year = self.year(pos)
        if year:
            return [_Simple("year", pos, year[1], (year[0],))], year[1]
        return None

    def _month_year(self, pos: int) -> tuple[int, int, int] | None:
        month = self.month(pos)
        if not month:
            return None
        sep = self._re(_OF, month[1]) or self._re(_YEAR_SEP, month[1])
        if not sep:
            return None
        gap = self._re(_OPT_WS, sep.end())
        year = self.year(gap.end() if gap else sep.end())
        if not year:
            return None
        return month[0], year[0], year[1]

    def _coordinated_months(self, pos: int) -> tuple[list[_Simple], int] | None:
        """``May 1905`` or ``August and November 1905`` (each month is its own date)."""
        bare: list[tuple[int, int, int]] = []
        cursor = pos
        while True:
            whole = self._month_year(cursor)
            if whole:
                month, year, end = whole
                items = [_Simple("month", s, e, (m, year)) for m, s, e in bare]
                items.append(_Simple("month", cursor, end, (month, year)))
                marker = self.marker(end)
                if marker and not bare:
                    items[0].marker, end = marker
                    items[0].end = end
                return items, end
            month = self.month(cursor)
            if not month:
                return None
            bare.append((month[0], cursor, month[1]))
            sep = self._re(_AND_OR, month[1]) or self._re(_COMMA, month[1])
            if not sep:
                return None
            cursor = sep.end()


def _year_range_end(found: re.Match[str]) -> int | None:
    first = int(found.group("first"))
    last_text = found.group("last")
    if len(last_text) == 4:
        last = int(last_text)
        return last if first < last <= 2099 else None
    last = first // 100 * 100 + int(last_text)
    return last if last > first else None


def _build_day_expr(endpoints: list[tuple[_Half, _Half | None, int]]) -> _DayExpr | str:
    if len(endpoints) == 2:
        slots = []
        for primary, secondary, _ in endpoints:
            slots.append(_Slot(_written(primary, 0), _written(secondary, 0) if secondary else None))
        return _DayExpr("range", slots)
    primary, secondary, _ = endpoints[0]
    if secondary is not None and len(secondary.days.days) != len(primary.days.days):
        return "dual date pairs a different number of days in its two calendars"
    if secondary is not None and secondary.days.kind != primary.days.kind:
        return "dual date mixes a range and alternative days"
    slots = [
        _Slot(_written(primary, i), _written(secondary, i) if secondary else None)
        for i in range(len(primary.days.days))
    ]
    return _DayExpr(primary.days.kind, slots)


def _written(half: _Half, index: int) -> _Written:
    return _Written(half.month, half.days.days[index], half.year)


# --- resolution to attributes ---------------------------------------------------------


def _iso(day: Day) -> str:
    return f"{day[0]:04d}-{day[1]:02d}-{day[2]:02d}"


def _convert(day: Day, calendar: str) -> Day:
    """The same day in the other calendar."""
    return julian_to_gregorian(day) if calendar == "julian" else gregorian_to_julian(day)


def _is_neighbour_month(month: int, other: int) -> bool:
    return (month - other) % 12 in (0, 1, 11)


def _ordered(attrs: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((name, attrs[name]) for name in ATTRIBUTE_ORDER if name in attrs)


_NAMES = {"point": ("when",), "alt": ("notBefore", "notAfter"), "range": ("from", "to")}


class _Resolver:
    def __init__(self, text: str, context: DateContext, local: LocalCalendar | None) -> None:
        self.text = text
        self.context = context
        self.local = local
        self.source: str | None = None  # how the last single date's calendar was chosen

    def problem(self, start: int, end: int, message: str) -> DateProblem:
        return DateProblem(start, end, self.text[start:end], message)

    def single_calendar(self, start: int, end: int, first: Day, marker: str | None) -> str:
        """The calendar of a single date: a declared override, the text's own O.S./N.S.,
        the date of a publication, else the text's default up to the change-over."""
        override = self.context.overrides.get(self.text[start:end])
        if override is not None:
            self.source = "override"
            return override
        if marker is not None:
            self.source = "marker"
            return marker
        change_over = self.context.change_over
        if change_over is not None and first > change_over:
            self.source = "after-change"
            return self.context.new_calendar
        local = self.local(start) if self.local is not None else None
        if local is not None:
            self.source = "local"
            return local
        self.source = self.context.default_source
        return self.context.default_calendar

    def day_expr(self, start: int, end: int, expr: _DayExpr) -> DateMatch | DateProblem:
        quoted = f"'{self.text[start:end]}'"
        from_context = False
        # Years: written on the point, else on the last point, else the document's year.
        written_years = [slot.primary.year for slot in expr.slots if slot.primary.year]
        if written_years:
            default_year = written_years[-1]
        elif self.context.year is not None:
            default_year, from_context = self.context.year, True
        else:
            return self.problem(start, end, f"date {quoted} has no year and none is known")
        primaries: list[Day] = []
        for slot in expr.slots:
            month = slot.primary.month
            assert month is not None
            primaries.append((slot.primary.year or default_year, month, slot.primary.day))
        first_year_written = expr.slots[0].primary.year is not None
        if (
            expr.kind == "range"
            and not first_year_written
            and primaries[0][1] != primaries[1][1]
            and primaries[0][1:] > primaries[1][1:]
        ):
            primaries[0] = (primaries[0][0] - 1, *primaries[0][1:])
        if expr.slots[0].secondary is not None:
            result = self.dual(start, end, expr, primaries)
        else:
            result = self.single(start, end, expr, primaries)
        if isinstance(result, DateProblem):
            return result
        if from_context:
            result["cert"] = "medium"
        source = self.source if expr.slots[0].secondary is None else None
        return DateMatch(start, end, _ordered(result), from_context, source)

    def dual(
        self, start: int, end: int, expr: _DayExpr, primaries: list[Day]
    ) -> dict[str, str] | DateProblem:
        quoted = f"'{self.text[start:end]}'"
        readings: list[tuple[str, list[Day], list[Day]]] = []
        for calendar in _CALENDAR_NAMES:
            pairs = self._pairs(expr, primaries, calendar)
            if pairs is not None:
                readings.append((calendar, *pairs))
        if expr.marker is not None:
            marked = [r for r in readings if r[0] == expr.marker]
            if readings and not marked:
                style = "O.S." if expr.marker == "julian" else "N.S."
                return self.problem(
                    start, end, f"dual date {quoted} is marked {style} but its first date is not"
                )
            readings = marked
        if len(readings) != 1:
            if not readings and not all(is_valid(p, "julian") for p in primaries):
                return self.problem(
                    start, end, f"dual date {quoted} names a day that does not exist"
                )
            try:
                offset = julian_offset(primaries[0], "julian")
            except ValueError:
                offset = julian_offset(primaries[0], "gregorian")
            reason = "fits neither order of" if not readings else "fits both orders of"
            return self.problem(
                start,
                end,
                f"dual date {quoted} {reason} the {offset}-day Julian/Gregorian relation",
            )
        _, julian, gregorian = readings[0]
        attrs = self._attrs(expr.kind, julian, gregorian)
        if isinstance(attrs, str):
            return self.problem(start, end, f"date {quoted} {attrs}")
        attrs["calendar"] = "#julian #gregorian"
        return attrs

    def _pairs(
        self, expr: _DayExpr, primaries: list[Day], calendar: str
    ) -> tuple[list[Day], list[Day]] | None:
        """Julian and Gregorian days if the first-written dates are in ``calendar``."""
        julian: list[Day] = []
        gregorian: list[Day] = []
        for slot, primary in zip(expr.slots, primaries, strict=True):
            secondary = slot.secondary
            assert secondary is not None
            if not is_valid(primary, calendar):
                return None
            other = _convert(primary, calendar)
            if secondary.day != other[2]:
                return None
            if secondary.month is None:
                if not _is_neighbour_month(primary[1], other[1]):
                    return None
            elif secondary.month != other[1]:
                return None
            if secondary.year is not None and secondary.year != other[0]:
                return None
            pair = (primary, other) if calendar == "julian" else (other, primary)
            julian.append(pair[0])
            gregorian.append(pair[1])
        return julian, gregorian

    def _attrs(
        self, kind: str, julian: list[Day] | None, gregorian: list[Day]
    ) -> dict[str, str] | str:
        if kind == "range" and gregorian[0] > gregorian[1]:
            return "ends before it starts"
        if kind == "alt":
            gregorian = sorted(gregorian)
            julian = sorted(julian) if julian else None
        attrs: dict[str, str] = {}
        for name, day in zip(_NAMES[kind], gregorian, strict=True):
            attrs[name] = _iso(day)
        if julian is not None:
            for name, day in zip(_NAMES[kind], julian, strict=True):
                attrs[f"{name}-custom"] = _iso(day)
            attrs["datingMethod"] = "#julian"
        return attrs

    def single(
        self, start: int, end: int, expr: _DayExpr, primaries: list[Day]
    ) -> dict[str, str] | DateProblem:
        quoted = f"'{self.text[start:end]}'"
        calendar = self.single_calendar(start, end, primaries[0], expr.marker)
        for day in primaries:
            if not is_valid(day, calendar):
                return self.problem(start, end, f"date {quoted} is not a valid {calendar} date")
        if calendar == "julian":
            attrs = self._attrs(expr.kind, primaries, [julian_to_gregorian(d) for d in primaries])
        else:
            attrs = self._attrs(expr.kind, None, primaries)
        if isinstance(attrs, str):
            return self.problem(start, end, f"date {quoted} {attrs}")
        attrs["calendar"] = f"#{calendar}"
        return attrs

    def simple(self, item: _Simple) -> DateMatch | DateProblem:
        self.source = None
        if item.kind == "year":
            attrs = {"when": f"{item.values[0]:04d}"}
        elif item.kind == "years":
            attrs = {"from": f"{item.values[0]:04d}", "to": f"{item.values[1]:04d}"}
        else:
            if item.kind == "month":
                month, year = item.values
                first: Day = (year, month, 1)
                last_month: tuple[int, int] = (year, month)
            else:
                (year,) = item.values
                low, high = _SEASON_MONTHS[item.season]
                first = (year - 1 if low > high else year, low, 1)
                last_month = (year, high)
            calendar = self.single_calendar(item.start, item.end, first, item.marker)
            last: Day = (*last_month, days_in_month(*last_month, calendar))
            attrs = {}
            if calendar == "julian":
                attrs["notBefore"] = _iso(julian_to_gregorian(first))
                attrs["notAfter"] = _iso(julian_to_gregorian(last))
                if item.kind == "month":
                    attrs["when-custom"] = _iso(first)[:7]
                else:
                    attrs["notBefore-custom"] = _iso(first)
                    attrs["notAfter-custom"] = _iso(last)
                attrs["datingMethod"] = "#julian"
            elif item.kind == "month":
                attrs["when"] = _iso(first)[:7]
            else:
                attrs["notBefore"] = _iso(first)
                attrs["notAfter"] = _iso(last)
            attrs["calendar"] = f"#{calendar}"
        source = self.source if item.kind in ("month", "season") else None
        return DateMatch(item.start, item.end, _ordered(attrs), False, source)


def _check_context(context: DateContext) -> None:
    if context.default_calendar not in _CALENDAR_NAMES:
        raise ValueError(
            f"default calendar must be 'julian' or 'gregorian', not {context.default_calendar!r}"
        )
    for key, value in context.overrides.items():
        if value not in _CALENDAR_NAMES:
            raise ValueError(f"override for {key!r} must be 'julian' or 'gregorian', not {value!r}")


_TOKEN_START = re.compile(r"(?<![A-Za-z\d])[A-Za-z\d]")

# What a candidate span holds until it is chosen: a malformed dated expression (message),
# a parsed dated expression, or months, seasons and years.
_Payload = str | _DayExpr | list[_Simple]


def _candidates(text: str) -> list[tuple[int, int, _Payload]]:
    scanner = _Scanner(text)
    found: list[tuple[int, int, _Payload]] = []
    for token in _TOKEN_START.finditer(text):
        pos = token.start()
        if text[pos].isdigit() and _NOT_A_DATE_BEFORE.search(text, max(0, pos - 12), pos):
            continue
        scanner.between = bool(_AFTER_BETWEEN.search(text, max(0, pos - 12), pos))
        dated = scanner.dated(pos) or (scanner.roman(pos) if text[pos].isdigit() else None)
        if dated:
            found.append((pos, dated[1], dated[0]))
        simple = scanner.simple(pos)
        if simple:
            found.append((pos, simple[1], simple[0]))
    return found


def find_dates(
    text: str, context: DateContext, local: LocalCalendar | None = None
) -> tuple[list[DateMatch], list[DateProblem]]:
    """Every date expression in ``text``, normalised; and the ones that cannot be read.

    Expressions never overlap: where candidates compete, the longest wins. A qualifier
    before a date ("not earlier than", "early in", "between ... and ...") is part of it.
    ``local`` gives the calendar that applies at a position, where one does (the date of
    a foreign publication).
    """
    _check_context(context)
    resolver = _Resolver(text, context, local)
    candidates = _candidates(text)
    # Longest first; ties go to the earlier start.
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken: list[tuple[int, int]] = []
    results: list[DateMatch | DateProblem] = []
    for start, end, payload in candidates:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        if isinstance(payload, str):
            results.append(resolver.problem(start, end, f"date '{text[start:end]}': {payload}"))
        elif isinstance(payload, _DayExpr):
            results.append(resolver.day_expr(start, end, payload))
        else:
            results.extend(resolver.simple(item) for item in payload)
    results.sort(key=lambda r: r.start)
    matches = _qualified(text, [r for r in results if isinstance(r, DateMatch)])
    problems = [r for r in results if isinstance(r, DateProblem)]
    return matches, problems


# --- qualifiers -----------------------------------------------------------------------

# The part of a month or a year that "early in", "the middle of" and "late in" name:
# thirds of a month (days 1-10, 11-20, 21-end), quarters of a year (January-March,
# April-September for the middle, October-December).
QUALIFIER_SPANS = (
    "early in / the beginning of a month: days 1-10; the middle: days 11-20; late in / "
    "the end of: day 21 to the last; of a year: January-March, April-September, "
    "October-December. 'before' and 'after' exclude the day, month or year named."
)


def _bounds(value: str, calendar: str) -> tuple[Day, Day]:
    """First and last day of an ISO value of any precision, in ``calendar``."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return (parts[0], parts[1], parts[2]), (parts[0], parts[1], parts[2])
    if len(parts) == 2:
        last = days_in_month(parts[0], parts[1], calendar)
        return (parts[0], parts[1], 1), (parts[0], parts[1], last)
    return (parts[0], 1, 1), (parts[0], 12, 31)


def _span(attrs: dict[str, str], suffix: str, calendar: str) -> tuple[Day, Day] | None:
    first = (
        attrs.get("when" + suffix) or attrs.get("from" + suffix) or attrs.get("notBefore" + suffix)
    )
    last = attrs.get("when" + suffix) or attrs.get("to" + suffix) or attrs.get("notAfter" + suffix)
    if not first or not last:
        return None
    return _bounds(first, calendar)[0], _bounds(last, calendar)[1]


def _part(kind: str, first: Day, last: Day, calendar: str) -> tuple[Day, Day] | None:
    """The part of a month or year that ``kind`` (early | middle | late) names."""
    year, month, _ = first
    whole_month = (
        first[:2] == last[:2] and first[2] == 1 and last[2] == days_in_month(year, month, calendar)
    )
    whole_year = first == (year, 1, 1) and last == (year, 12, 31)
    if whole_month:
        days = {"early": (1, 10), "middle": (11, 20), "late": (21, last[2])}[kind]
        return (year, month, days[0]), (year, month, days[1])
    if whole_year:
        months = {"early": (1, 3), "middle": (4, 9), "late": (10, 12)}[kind]
        return (year, months[0], 1), (year, months[1], days_in_month(year, months[1], calendar))
    return None


def _qualify(q: str, first: Day, last: Day, calendar: str) -> tuple[Day | None, Day | None] | None:
    q = " ".join(q.lower().split())
    if q in ("not earlier than", "no earlier than", "not before"):
        return first, None
    if q in ("not later than", "no later than", "not after"):
        return None, last
    if q == "before":
        return None, add_days(first, -1, calendar)
    if q == "after":
        return add_days(last, 1, calendar), None
    if q in ("between",):
        return first, last
    kind = (
        "early"
        if q.startswith(("early", "beginning", "the beginning"))
        else "late"
        if q.startswith(("late", "end", "the end"))
        else "middle"
    )
    return _part(kind, first, last, calendar)


def _qualified_attrs(
    q: str, attrs: dict[str, str], end_attrs: dict[str, str] | None = None
) -> dict[str, str] | None:
    julian = attrs.get("datingMethod") == "#julian"
    calendar = "julian" if julian else "gregorian"
    suffix = "-custom" if julian else ""
    span = _span(attrs, suffix, calendar)
    if end_attrs is not None:
        if (end_attrs.get("datingMethod") == "#julian") != julian:
            return None
        end_span = _span(end_attrs, suffix, calendar)
        if span is None or end_span is None or end_span[1] < span[0]:
            return None
        span = (span[0], end_span[1])
    if span is None:
        return None
    bounds = _qualify(q, span[0], span[1], calendar)
    if bounds is None:
        return None
    out: dict[str, str] = {}
    for name, day in zip(("notBefore", "notAfter"), bounds, strict=True):
        if day is None:
            continue
        if julian:
            out[name] = _iso(julian_to_gregorian(day))
            out[name + "-custom"] = _iso(day)
        else:
            out[name] = _iso(day)
    if julian:
        out["datingMethod"] = "#julian"
    last = end_attrs if end_attrs is not None else attrs
    if "calendar" in attrs:
        out["calendar"] = attrs["calendar"]
    if "cert" in last:  # the year of "between A and B, 1917" is written on B
        out["cert"] = last["cert"]
    return out


def _qualified(text: str, matches: list[DateMatch]) -> list[DateMatch]:
    """Dates with the qualifier written before them, as notBefore/notAfter ranges."""
    out: list[DateMatch] = []
    index = 0
    while index < len(matches):
        match = matches[index]
        index += 1
        found = _QUALIFIER_RE.search(text, max(0, match.start - 40), match.start)
        if not found or (out and found.start() < out[-1].end):
            out.append(match)
            continue
        q = found["q"]
        end_match = None
        attrs_now = dict(match.attrs)
        if q.lower() == "between" and not ("from" in attrs_now or "from-custom" in attrs_now):
            following = matches[index] if index < len(matches) else None
            gap = following and _BETWEEN_AND.fullmatch(text, match.end, following.start)
            if not gap:
                out.append(match)
                continue
            end_match = following
        attrs = _qualified_attrs(q, dict(match.attrs), dict(end_match.attrs) if end_match else None)
        if attrs is None:
            out.append(match)
            continue
        if end_match is not None:
            index += 1
        end = end_match.end if end_match else match.end
        out.append(
            replace(
                match,
                start=found.start(),
                end=end,
                attrs=_ordered(attrs),
                qualifier=" ".join(q.split()),
            )
        )
    return out
