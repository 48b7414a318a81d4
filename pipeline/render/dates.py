"""Reading TEI dates for display: both calendars, in words, with a sort key.

TEI keeps ``@when``, ``@from``/``@to`` and ``@notBefore``/``@notAfter`` in the Gregorian
calendar; the edition puts the Julian (Old Style) equivalent in the ``-custom`` variants
with ``@datingMethod="#julian"``. Nothing here converts between calendars: the page shows
what the TEI states, so a reader sees the editors' decision, not a recomputation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from pipeline.structure import reading
from pipeline.structure.reading import MONTHS

_ISO = re.compile(r"^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[0-9:.+Z-]*)?$")

Partial = tuple[int, int, int]  # year, month or 0, day or 0


@dataclass(frozen=True)
class DateInfo:
    """One date as the edition shows it."""

    gregorian: str  # in words, "" when the TEI gives no normalised value
    julian: str  # in words, "" when the TEI gives no Old Style equivalent
    machine: str  # value for <time datetime>, "" when none is valid
    start: Partial | None
    end: Partial | None
    certainty: str  # @cert, or ""
    # The Julian (Old Style) equivalent the TEI states (the -custom attributes).
    julian_start: Partial | None = None
    julian_end: Partial | None = None

    @property
    def sort_key(self) -> tuple[Partial, Partial]:
        start = self.start or (9999, 99, 99)
        return start, self.end or start

    @property
    def year(self) -> int | None:
        return self.start[0] if self.start else None

    def gloss(self) -> str:
        """Both calendars in one line: the tooltip and the screen-reader text."""
        parts = []
        if self.gregorian:
            parts.append(f"New Style (Gregorian): {self.gregorian}")
        if self.julian:
            parts.append(f"Old Style (Julian): {self.julian}")
        if self.certainty and self.certainty not in ("high", "unknown"):
            parts.append(f"certainty: {self.certainty}, partly supplied by the editors")
        return "; ".join(parts)


def parse_iso(value: str | None) -> Partial | None:
    """``1917``, ``1917-11`` or ``1917-11-14`` (time parts ignored) as a tuple."""
    if not value:
        return None
    match = _ISO.match(value.strip())
    if not match:
        return None
    year = int(match.group(1))
    month = int(match.group(2) or 0)
    day = int(match.group(3) or 0)
    if month > 12 or day > 31 or (day and not month):
        return None
    return year, month, day


def _machine(value: Partial) -> str:
    year, month, day = value
    if year < 1:  # HTML dates have no year 0 or BC
        return ""
    if not month:
        return f"{year:04d}"
    if not day:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def in_words(value: Partial) -> str:
    year, month, day = value
    shown_year = str(year) if year > 0 else f"{1 - year} BC"
    if not month:
        return shown_year
    if not day:
        return f"{MONTHS[month - 1]} {shown_year}"
    return f"{day} {MONTHS[month - 1]} {shown_year}"


def _bounds(el: etree._Element, suffix: str = "") -> tuple[Partial | None, Partial | None]:
    for first, last in (("when", "when"), ("from", "to"), ("notBefore", "notAfter")):
        start, end = parse_iso(el.get(first + suffix)), parse_iso(el.get(last + suffix))
        if start or end:
            return start, end
    return None, None


def date_info(el: etree._Element) -> DateInfo:
    """The normalised values of a TEI ``date``/``time``/``origDate``/``birth`` element.

    The words for each calendar come from the reading model, so the HTML and the
    plain-text exports always give a date the same way.
    """
    words = reading.read_date(el)
    start, end = _bounds(el)
    julian_start, julian_end = _bounds(el, "-custom") if words.julian else (None, None)
    return DateInfo(
        gregorian=words.gregorian or "",
        julian=words.julian or "",
        machine=_machine(start) if start else "",
        start=start,
        end=end,
        certainty=el.get("cert") or "",
        julian_start=julian_start,
        julian_end=julian_end,
    )


def _day_keys(value: Partial | None) -> list[str]:
    """Search keys of a date: the day (where known) and its month."""
    if value is None or value[0] < 1 or not value[1]:
        return []
    year, month, day = value
    keys = [f"dt{year:04d}{month:02d}"]
    if day:
        keys.insert(0, f"dt{year:04d}{month:02d}{day:02d}")
    return keys


def date_keys(info: DateInfo) -> str:
    """The search keys of a date in every calendar the edition gives it in (the first
    and last day of a range, and their months): ``dt19171107 dt191711 dt19171025
    dt191710`` for 7 November 1917 N.S. = 25 October O.S. The search page turns a date
    typed in either calendar into its key."""
    keys: list[str] = []
    for value in (info.start, info.end, info.julian_start, info.julian_end):
        keys += _day_keys(value)
    return " ".join(dict.fromkeys(keys))
