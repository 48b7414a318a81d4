"""The chronology: what the texts and their notes date, with the sentence that says what
happened, and the births and deaths of the persons in the registers.

It is made from each document's analysis (the dates its text and notes give, each with
its sentence and the passage it stands in) and from the registers, never from the TEI
trees themselves. A date of the header (when a text was written, when its source was
published, its licence) or of a bibliographic entry is no event: the dates of writing
are listed in a band of their own, the others not at all.

The same date given in several places is one entry, with each distinct sentence under
it. The timeline is an SVG drawn here (a bar per year, its height the square root of
the count, the registers' life dates stacked on the texts' dates), in a narrow and a
wide drawing so that it is legible from 320 px up; each bar is a link to its year, so
the keyboard can move along it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from pipeline.render.dates import DateInfo, date_info
from pipeline.render.documents import DocumentPage
from pipeline.render.registers import KINDS, RegisterLinks
from pipeline.structure import paging
from pipeline.xmltools import NSMAP

EVENT_KINDS = ("text", "note")  # the kinds of date that are events
KIND_LABELS = {
    "text": "in the text",
    "note": "in a note",
    "born": "birth (register)",
    "died": "death (register)",
}


@dataclass(frozen=True)
class Passage:
    """Where a text gives a date: the sentence, split around the date as written."""

    before: str
    written: str
    after: str
    doc: DocumentPage
    href: str  # from the site root: the paragraph or note
    where: str  # "¶ 3", "note 2"
    kind: str  # "text" or "note"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class LifeDate:
    """A birth or death of a person in the registers."""

    kind: str  # "born" or "died"
    name: str
    href: str  # the register entry, from the site root
    written: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class Event:
    """One date, and everything the edition says happened then."""

    info: DateInfo
    anchor: str
    passages: list[Passage] = field(default_factory=list)
    lives: list[LifeDate] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.passages) + len(self.lives)


@dataclass(frozen=True)
class Year:
    year: int
    anchor: str
    events: tuple[Event, ...]

    @property
    def in_texts(self) -> int:
        return sum(len(e.passages) for e in self.events)

    @property
    def lives(self) -> int:
        return sum(len(e.lives) for e in self.events)


def _split(sentence: str, written: str) -> tuple[str, str, str]:
    """The sentence around the date as written (the date alone if it is not found)."""
    at = sentence.find(written) if written else -1
    if at < 0:
        return "", written, ""
    return sentence[:at], written, sentence[at + len(written) :]


def _event_anchor(info: DateInfo) -> str:
    def part(value: tuple[int, int, int]) -> str:
        year, month, day = value
        sign = "bc" if year < 0 else ""
        return f"{sign}{abs(year):04d}{month:02d}{day:02d}"

    start = info.start or (0, 0, 0)
    end = info.end or start
    return f"e{part(start)}" + (f"-{part(end)}" if end != start else "")


def events(
    documents: Sequence[DocumentPage], registers: RegisterLinks | None = None
) -> list[Event]:
    """Every dated passage of the texts and notes, and the registers' life dates, one
    entry per date, in calendar order."""
    found: dict[tuple, Event] = {}

    def event(info: DateInfo) -> Event:
        key = (info.start, info.end or info.start)
        if key not in found:
            found[key] = Event(info, _event_anchor(info))
        elif info.julian and not found[key].info.julian:
            found[key].info = info  # the fuller statement of the same date
        return found[key]

    for doc in documents:
        for mention in doc.dates:
            if mention.kind not in EVENT_KINDS or mention.info.start is None:
                continue
            entry = event(mention.info)
            before, written, after = _split(mention.sentence, mention.written)
            target = mention.anchor or mention.html_id
            passage = Passage(
                before,
                written,
                after,
                doc,
                f"{doc.page}#{target}",
                mention.where,
                mention.kind,
            )
            # The same sentence giving the same date twice ("November 2 (15)") is one.
            said = mention.sentence or mention.written
            if not any(
                p.doc is doc and (p.before + p.written + p.after) == said for p in entry.passages
            ):
                entry.passages.append(passage)
    for info, life in life_dates(registers):
        entry = event(info)
        if life not in entry.lives:
            entry.lives.append(life)
    return [found[key] for key in sorted(found, key=lambda k: (k[0], k[1]))]


def life_dates(registers: RegisterLinks | None) -> list[tuple[DateInfo, LifeDate]]:
    """The dated births and deaths of the registers' entries, by entry."""
    out: list[tuple[DateInfo, LifeDate]] = []
    if registers is None:
        return out
    for key, entry in registers.entries.items():
        if entry.kind not in KINDS:
            continue
        for tag, kind in (("birth", "born"), ("death", "died")):
            for event_el in entry.element.findall(f"tei:{tag}", NSMAP):
                dated = event_el.find("tei:date", NSMAP)
                source = dated if dated is not None else event_el
                info = date_info(source)
                if info.start is None:
                    continue
                written = " ".join("".join(source.itertext()).split())
                out.append((info, LifeDate(kind, entry.name, registers.href(key), written)))
    return out


def by_year(items: Sequence[Event]) -> list[Year]:
    years: dict[int, list[Event]] = {}
    for item in items:
        years.setdefault(item.info.start[0], []).append(item)
    return [Year(y, f"y{y}" if y >= 0 else f"y-bc{-y}", tuple(v)) for y, v in years.items()]


@dataclass(frozen=True)
class ChronologyPage:
    """What one page of the chronology shows: part of the band of writing dates, and
    the years (or the part of a year) that follow, down to single passages."""

    written: tuple[DocumentPage, ...]
    years: tuple[Year, ...]
    continues: bool  # the first year began on an earlier page


def paginate(
    written: Sequence[DocumentPage], years: Sequence[Year], size: int
) -> list[ChronologyPage]:
    """The band and the events in pages of at most ``size`` lines (a text written, a
    passage, a birth or death); a date whose lines go on over pages is shown on each."""
    lines: list[tuple[Year | None, Event | None, object]] = [(None, None, d) for d in written]
    for year in years:
        for event in year.events:
            lines += [(year, event, line) for line in (*event.passages, *event.lives)]
    pages = []
    previous_year: int | None = None
    for chunk in paging.split(lines, size):
        band = tuple(line for year, _, line in chunk if year is None)
        shown: list[Year] = []
        for year, event, line in chunk:
            if year is None or event is None:
                continue
            if not shown or shown[-1].year != year.year:
                shown.append(Year(year.year, year.anchor, ()))
            last = shown[-1]
            if not last.events or last.events[-1].anchor != event.anchor:
                last = Year(last.year, last.anchor, (*last.events, Event(event.info, event.anchor)))
                shown[-1] = last
            part = last.events[-1]
            (part.lives if isinstance(line, LifeDate) else part.passages).append(line)
        continues = bool(shown) and shown[0].year == previous_year
        if shown:
            previous_year = shown[-1].year
        pages.append(ChronologyPage(band, tuple(shown), continues))  # type: ignore[arg-type]
    return pages


def written_band(documents: Sequence[DocumentPage]) -> list[DocumentPage]:
    """The texts with a date of writing (from their headers), in order."""
    return [d for d in documents if d.creation is not None and d.creation.start]


# --- the timeline ------------------------------------------------------------------------

_TOP = 18
_BARS = 96  # height of the tallest bar
_BELOW = 30  # room for the year labels


@dataclass(frozen=True)
class Drawing:
    """One drawing of the timeline: its width in units, the years between labels."""

    name: str
    width: int
    label_every: int


NARROW = Drawing("narrow", 360, 20)
WIDE = Drawing("wide", 760, 10)


def timeline_svg(
    years: Sequence[Year], drawing: Drawing, pages: Mapping[int, str] | None = None
) -> Markup:
    """Bars of dates per year, from the first year to the last, as inline SVG; each bar
    with dates is a link to its year (on its page, in ``pages``, where that is another
    page), named by what it counts."""
    pages = pages or {}
    if not years:
        return Markup("")
    first, last = years[0].year, years[-1].year
    span = last - first + 1
    margin = 10
    slot = (drawing.width - 2 * margin) / span
    peak = max(max(y.in_texts + y.lives for y in years), 1)
    base = _TOP + _BARS
    shapes: list[str] = []
    for year in years:
        x = margin + (year.year - first) * slot
        width = max(slot - (1 if slot > 3 else 0), 1.2)
        # Heights by the square root of the count, so that a year of one date still
        # shows beside the busiest.
        total = year.in_texts + year.lives
        height = _BARS * math.sqrt(total / peak)
        texts_h = height * year.in_texts / total
        lives_h = height * year.lives / total
        parts = []
        if year.in_texts:
            parts.append(_count(year.in_texts, "date in the texts", "dates in the texts"))
        if year.lives:
            parts.append(_count(year.lives, "birth or death", "births or deaths"))
        label = f"{year.year}: " + ", ".join(parts)
        bars = []
        if texts_h:
            bars.append(
                f'<rect class="bar" x="{x:.1f}" y="{base - texts_h:.1f}" '
                f'width="{width:.1f}" height="{max(texts_h, 1.5):.1f}"/>'
            )
        if lives_h:
            top = base - texts_h - lives_h
            bars.append(
                f'<rect class="bar-life" x="{x:.1f}" y="{top:.1f}" '
                f'width="{width:.1f}" height="{max(lives_h, 1.5):.1f}"/>'
            )
        # A target as tall as the chart, so a bar of one date is easy to hit.
        bars.append(
            f'<rect class="hit" x="{x - 1:.1f}" y="{_TOP:.1f}" width="{width + 2:.1f}" '
            f'height="{_BARS:.1f}"/>'
        )
        shapes.append(
            f'<a class="year-bar" href="{escape(pages.get(year.year, ""))}#{year.anchor}" '
            f'aria-label="{escape(label)}">'
            f"<title>{escape(label)}</title>{''.join(bars)}</a>"
        )
    axis = (
        f'<line class="axis" x1="{margin}" x2="{drawing.width - margin}" '
        f'y1="{base + 0.5}" y2="{base + 0.5}"/>'
    )
    labels = []
    start_label = first - first % drawing.label_every
    for label_year in range(start_label, last + 1, drawing.label_every):
        if label_year < first:
            continue
        x = margin + (label_year - first + 0.5) * slot
        labels.append(
            f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 4}"/>'
            f'<text class="year" x="{x:.1f}" y="{base + 18}">{label_year}</text>'
        )
    height = base + _BELOW
    title_id = f"timeline-title-{drawing.name}"
    return Markup(
        f'<svg class="timeline timeline-{drawing.name}" role="group" '
        f'aria-labelledby="{title_id}" viewBox="0 0 {drawing.width} {height}" '
        f'width="{drawing.width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}">Timeline: dates per year, {first} to {last}</title>'
        f"{axis}{''.join(labels)}{''.join(shapes)}</svg>"
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
