"""The chronology: every dated thing in the collection, in order, and a timeline.

The timeline is an SVG drawn here, at build time, so the page needs no chart library
and no script: a bar per month (or per year, where only the year is known) with the
number of dates it holds, and a text description of the same for screen readers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from markupsafe import Markup, escape

from pipeline.render.dates import MONTHS, DateInfo
from pipeline.render.documents import DocumentPage

KIND_LABELS = {
    "written": "date of writing",
    "source": "in the source description",
    "text": "in the text",
    "note": "in a note",
}


@dataclass(frozen=True)
class Dated:
    info: DateInfo
    written: str
    kind: str
    doc: DocumentPage
    href: str  # from the site root
    where: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Year:
    year: int
    anchor: str
    items: tuple[Dated, ...]


def collect(documents: list[DocumentPage]) -> list[Dated]:
    """Every date with a normalised value, in calendar order (ties: text order)."""
    found: list[tuple[tuple, int, int, Dated]] = []
    for doc_index, doc in enumerate(documents):
        for position, mention in enumerate(doc.dates):
            if mention.info.start is None:
                continue
            where = "header" if mention.kind in ("written", "source") else mention.where
            item = Dated(
                mention.info,
                mention.written,
                mention.kind,
                doc,
                f"{doc.page}#{mention.html_id}",
                where,
            )
            found.append((mention.info.sort_key, doc_index, position, item))
    found.sort(key=lambda t: (t[0], t[1], t[2]))
    return [t[3] for t in found]


def by_year(items: list[Dated]) -> list[Year]:
    years: dict[int, list[Dated]] = {}
    for item in items:
        years.setdefault(item.info.start[0], []).append(item)
    return [Year(y, f"y{y}" if y >= 0 else f"y-bc{-y}", tuple(v)) for y, v in years.items()]


_SLOT = 16  # width of one month's bar
_DETAIL_FROM = 4  # dates a year needs to be drawn month by month
_GAP = 22  # between years
_TOP = 26
_BAR_MAX = 120
_BOTTOM = 44


def timeline_svg(years: list[Year]) -> Markup:
    """Bars of dates per month, one block of months per year, as inline SVG."""
    if not years:
        return Markup("")
    blocks = []
    peak = 1
    for year in years:
        months = Counter(item.info.start[1] for item in year.items)
        # A year with only a few dates is one bar: twelve empty months say nothing.
        detailed = any(m for m in months) and len(year.items) >= _DETAIL_FROM
        if not detailed:
            months = Counter({0: len(year.items)})
        peak = max(peak, *months.values())
        blocks.append((year, months, detailed))
    x = 8
    shapes: list[str] = []
    summary: list[str] = []
    base = _TOP + _BAR_MAX
    for year, months, detailed in blocks:
        slots = (
            [(0, "year")] + [(m, MONTHS[m - 1]) for m in range(1, 13)]
            if detailed
            else [(0, "year")]
        )
        if detailed and not months.get(0):
            slots = slots[1:]
        start_x = x
        for month, label in slots:
            count = months.get(month, 0)
            height = round(_BAR_MAX * count / peak) if count else 0
            when = f"{label} {year.year}" if month else str(year.year)
            if count:
                shapes.append(
                    f'<rect class="bar" x="{x + 2}" y="{base - height}" width="{_SLOT - 4}" '
                    f'height="{max(height, 2)}"><title>{escape(when)}: {count} '
                    f"date{'s' if count != 1 else ''}</title></rect>"
                    f'<text class="count" x="{x + _SLOT / 2}" y="{base - height - 4}">'
                    f"{count}</text>"
                )
            else:
                shapes.append(
                    f'<rect class="empty" x="{x + 2}" y="{base - 1}" width="{_SLOT - 4}" height="1"/>'
                )
            if month or detailed:
                initial = label[0] if month else "yr"
                shapes.append(
                    f'<text class="month" x="{x + _SLOT / 2}" y="{base + 14}">{initial}</text>'
                )
            x += _SLOT
        shapes.append(
            f'<text class="year" x="{(start_x + x) / 2}" y="{base + 34}">{year.year}</text>'
            f'<line class="axis" x1="{start_x}" x2="{x}" y1="{base}" y2="{base}"/>'
        )
        busiest = sorted(((c, m) for m, c in months.items() if m), reverse=True)[:3]
        detail = ", ".join(f"{MONTHS[m - 1]} {c}" for c, m in busiest)
        total = len(year.items)
        summary.append(f"{year.year}: {total}" + (f" (most in {detail})" if detail else ""))
        x += _GAP
    width = x
    height = base + _BOTTOM
    desc = "Number of dated items per year and month. " + "; ".join(summary) + "."
    return Markup(
        f'<svg class="timeline" role="img" aria-labelledby="timeline-title timeline-desc" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="timeline-title">Timeline of the dates in the edition</title>'
        f'<desc id="timeline-desc">{escape(desc)}</desc>{"".join(shapes)}</svg>'
    )
