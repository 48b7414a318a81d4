"""One source text (+ sidecar, registers, config) in, one TEI document out.

The stages are plain functions over data: read the layout, build annotated blocks,
apply interventions, tag dates and names, place notes, then assemble the TEI tree.
No I/O happens here; the command reads and writes files.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from lxml import etree

from pipeline.config import CalendarConfig, EditionConfig
from pipeline.convert import header
from pipeline.convert.annotate import (
    Located,
    apply_interventions,
    lower_case_words,
    tag_dates,
    tag_names,
    unknown_capitalised,
)
from pipeline.convert.calendar import last_day_before
from pipeline.convert.dates import DateContext, DateMatch, find_dates
from pipeline.convert.markup import BlockBuilder, MarkupBlock, Span, render_block
from pipeline.convert.registers import NameMatcher
from pipeline.convert.report import TextReport
from pipeline.convert.segment import (
    ArchiveStyle,
    HeadLine,
    Layout,
    PageBreak,
    Paragraph,
    Removed,
    SectionBreak,
    collapse,
    read_layout,
)
from pipeline.convert.sidecar import NoteRule, Sidecar
from pipeline.convert.source import SourceText
from pipeline.errors import EditionError
from pipeline.structure import source_slug
from pipeline.structure.registers import RegisterEntry
from pipeline.xmltools import TEI_NS, XML_ID, XML_LANG, tei


def date_context(calendar: CalendarConfig, sidecar: Sidecar, year: int | None) -> DateContext:
    """How a text's single dates are read: the edition's calendars, the sidecar's word."""
    change_over = None
    if calendar.change_over:
        first_new = tuple(int(part) for part in calendar.change_over.split("-"))
        change_over = last_day_before(first_new, calendar.new, calendar.old)  # type: ignore[arg-type]
    return DateContext(
        year=year,
        default_calendar=sidecar.default_calendar,
        overrides=sidecar.date_overrides,
        change_over=change_over,
        new_calendar=calendar.new,
        default_source="sidecar" if sidecar.calendar_declared else "default",
    )


@dataclass(frozen=True)
class Place:
    """Where the text was written or sent, and what says so."""

    entry: RegisterEntry
    name: str  # as written
    origin: str  # "the sidecar", "the header (source line 5)", ...
    calendar: str | None  # the calendar in force there on the text's date


# A word the frequency list of the language has seen this often is a common word of it;
# rarer entries of the list are mostly names ("Lenin", "Kerensky").
COMMON_WORD_FREQUENCY = 150


@functools.cache
def _word_frequencies(tag: str):
    from spellchecker import SpellChecker

    try:
        return SpellChecker(language=tag).word_frequency
    except ValueError:  # no frequency list for this language
        return None


def common_word_test(language: str | None, lower: frozenset[str]) -> Callable[[str], bool]:
    """Whether a word is a common word of the language: the text writes it in lower case,
    or the language's frequency list (pyspellchecker's) has seen it often."""
    frequencies = _word_frequencies(language.split("-")[0].lower()) if language else None

    def common(word: str) -> bool:
        word = word.lower()
        if word in lower:
            return True
        return frequencies is not None and frequencies[word] >= COMMON_WORD_FREQUENCY

    return common


@dataclass
class Creation:
    match: DateMatch | None
    text: str  # what the creation element says, verbatim
    origin: str  # written | title | sidecar | none
    block: MarkupBlock | None = None


@dataclass
class Text:
    """Everything the header and body builders need about one converted text."""

    doc_id: str
    source: SourceText
    sidecar: Sidecar
    layout: Layout
    head: list[tuple[HeadLine, MarkupBlock]]
    body: list[tuple[Paragraph | PageBreak | SectionBreak, MarkupBlock | None]]
    opener: list[tuple[HeadLine, MarkupBlock]]
    closer: list[tuple[HeadLine, MarkupBlock]]
    postscripts: list[tuple[Paragraph, MarkupBlock]]
    authors: list[tuple[str, str | None]]  # (name as written, register ref)
    creation: Creation
    metadata_blocks: list[MarkupBlock]
    interventions: list
    unanchored: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    context: DateContext | None = None
    supplied_title: str | None = None  # the title the editors supply, with no title line
    place: Place | None = None
    interjections: bool = False
    page_joins: int = 0  # page breaks inferred from hard breaks in mid-sentence


def _block(
    pieces: list, style: ArchiveStyle, markers: bool, edition: str | None = None
) -> BlockBuilder:
    builder = BlockBuilder(style.note_marker if markers else None)
    for index, piece in enumerate(pieces):
        if index:
            builder.line_break()
        if isinstance(piece, PageBreak):
            builder.add_cue("pb", _pb_attrs(piece, edition))
        else:
            builder.add_text(piece)
    return builder


def _pb_attrs(piece: PageBreak, edition: str | None = None) -> dict[str, str]:
    attrs = {"n": piece.n} if piece.n else {}
    if piece.inferred:
        attrs.update({"type": "inferred", "cert": "medium", "resp": "#editors"})
    if edition:
        attrs["edRef"] = f"#{edition}"
    return attrs


def _paged_edition(sidecar: Sidecar, doc_id: str) -> str | None:
    """The id of the printed edition whose pages the text's page lines are, if declared."""
    for index, edition in enumerate(sidecar.sources, 1):
        if edition.page_breaks:
            return f"{doc_id}-ed{index}"
    return None


def convert_text(
    source: SourceText,
    sidecar: Sidecar,
    registers: NameMatcher,
    style: ArchiveStyle,
    config: EditionConfig,
    source_name: str,
    source_pointer: str | None = None,
) -> tuple[etree._Element, TextReport]:
    """Convert one source; returns the TEI root element and the text's report."""
    doc_id = source_slug(source.path.stem)
    report = TextReport(source=source_name, output=f"{doc_id}.xml", id=doc_id)
    layout = read_layout(source.lines, style, registers)
    if not any(isinstance(item, Paragraph) for item in layout.body):
        raise EditionError(
            "no paragraph of text found: the source has only title, header or apparatus lines",
            source.path,
        )
    if sidecar.path is None:
        report.warn(
            "no-sidecar", "no sidecar: genre, note responsibility and interventions are undeclared"
        )
    _pull_quotes(layout, report)
    for meta in layout.metadata:
        if meta.field == "unrecognised":
            report.warn(
                "unrecognised-header",
                f"header line '{meta.line}' is of no known kind; kept in the header as it stands",
                meta.number,
            )

    edition = _paged_edition(sidecar, doc_id)

    def build(pieces: list, markers: bool = True) -> MarkupBlock:
        return _block(pieces, style, markers, edition).build()

    head = [(line, build([line.text], line.kind in ("title", "subtitle"))) for line in layout.head]
    body: list = []
    for item in layout.body:
        body.append((item, build(item.pieces) if isinstance(item, Paragraph) else None))
    opener = [(line, build([line.text], False)) for line in layout.opener]
    closer = [(line, build([line.text], False)) for line in layout.closer]
    postscripts = [(p, build(p.pieces)) for p in layout.postscripts]
    note_blocks = {
        note.n: [(p, build(p.pieces, False)) for p in note.paragraphs] for note in layout.notes
    }
    metadata_blocks = [build([m.value], False) for m in layout.metadata]

    located = [Located(b, h.number) for h, b in head]
    located += [Located(b, h.number) for h, b in opener]
    located += [Located(b, item.number) for item, b in body if b is not None]
    located += [Located(b, p.number) for p, b in postscripts]
    located += [Located(b, h.number) for h, b in closer]
    note_located = [Located(b, p.number) for paras in note_blocks.values() for p, b in paras]
    interventions = apply_interventions(located + note_located, sidecar.interventions, sidecar.path)
    interjections = _tag_interjections(
        [b for _, b in body if b is not None] + [b for _, b in postscripts], style
    )

    calendar = config.encoding.calendar
    base = date_context(calendar, sidecar, None)
    first = _creation(layout, head, sidecar, metadata_blocks, base)
    place = _place_of_writing(layout, metadata_blocks, opener, closer, sidecar, registers, first)
    text_context = base
    if place is not None and place.calendar and not sidecar.calendar_declared:
        text_context = replace(base, default_calendar=place.calendar, default_source="place")
    creation = _creation(layout, head, sidecar, metadata_blocks, text_context)
    if creation.match is None:
        report.warn("no-date", "no creation date found in the text or the sidecar")
    year = _year(creation.match)
    context = replace(text_context, year=year)
    notes_context = replace(base, year=year)
    on_date = _iso(creation.match)

    counts = {
        "paragraphs": 0,
        "notes": len(layout.notes),
        "dates": 0,
        "interventions": len(interventions),
        "page-breaks": 0,
    }
    names: dict[str, int] = {}
    unknown: dict[str, list[int]] = {}
    meta_located = [Located(b, m.number) for b, m in zip(metadata_blocks, layout.metadata)]
    all_blocks = located + note_located + meta_located
    counts["dates"] += _supply_dates(all_blocks, sidecar, context)
    names_by_rule = _name_rules(all_blocks, sidecar, registers)
    _links(all_blocks, sidecar)
    for tag, n in names_by_rule.items():
        names[tag] = names.get(tag, 0) + n
    note_ids = {id(located_note.block) for located_note in note_located}
    author_notes = sidecar.notes.resp == "author"
    for block_at in all_blocks:  # publications first: a year in a title is no date
        for tag, n in tag_names(block_at.block, registers, on_date, ("bibl",)).items():
            names[tag] = names.get(tag, 0) + n
    for block_at in all_blocks:
        in_note = id(block_at.block) in note_ids
        block_context = notes_context if in_note and not author_notes else context
        local = _publication_calendars(block_at.block.text, registers, on_date)
        matches, problems = tag_dates(block_at.block, block_context, local)
        counts["dates"] += len(matches)
        for problem in problems:
            report.warn("unparsed-date", problem.message, block_at.line)
        for match in matches:
            _report_calendar(report, block_at, match, block_context, place, calendar, registers)
    for block_at in all_blocks:
        for word in _relative_dates(block_at.block):
            report.warn(
                "relative-date",
                f"'{word}' names a day the text does not state: supply it in the sidecar "
                "([[dates.supply]]) to tag it",
                block_at.line,
            )
    titles = {id(b) for line, b in head if line.kind in ("title", "subtitle")}
    lower = common_word_test(
        sidecar.language or config.encoding.language, lower_case_words([source.text])
    )
    meta_ids = {id(b) for b in metadata_blocks}
    for block_at in all_blocks:
        people = ("person", "place", "org")
        for tag, n in tag_names(block_at.block, registers, on_date, people).items():
            names[tag] = names.get(tag, 0) + n
        if id(block_at.block) in meta_ids:
            continue
        title = id(block_at.block) in titles
        for word in unknown_capitalised(block_at.block, config.common_capitalised, lower, title):
            unknown.setdefault(word, []).append(block_at.line)
    for word, lines in sorted(unknown.items()):
        report.warn(
            "unknown-name",
            f"capitalised '{word}' is in no register ({len(lines)} time(s))",
            lines[0],
        )
    counts.update({f"names-{tag}": n for tag, n in sorted(names.items())})
    report.counts = counts
    counts["paragraphs"] = sum(1 for item, _ in body if isinstance(item, Paragraph))
    counts["page-breaks"] = sum(
        1 for _, b in body if b is not None for s in b.spans if s.tag == "pb"
    ) + sum(1 for item, _ in body if isinstance(item, PageBreak))
    joins = sum(
        1
        for item, _ in body
        if isinstance(item, Paragraph)
        for piece in item.pieces
        if isinstance(piece, PageBreak) and piece.inferred
    )
    if joins:
        report.warn(
            "page-join",
            f"{joins} hard line break(s) in mid-sentence read as page joins of the printed "
            "edition (pb type='inferred')",
            next(
                piece.number
                for item, _ in body
                if isinstance(item, Paragraph)
                for piece in item.pieces
                if isinstance(piece, PageBreak) and piece.inferred
            ),
        )

    authors = _authors(layout, head, closer, sidecar, registers, report)
    supplied = None
    if not any(line.kind == "title" for line, _ in head):
        supplied = _supplied_title(layout, body, sidecar, report)
    text = Text(
        doc_id,
        source,
        sidecar,
        layout,
        head,
        body,
        opener,
        closer,
        postscripts,
        authors,
        creation,
        metadata_blocks,
        interventions,
        context=context,
        supplied_title=supplied,
        place=place,
        interjections=interjections,
        page_joins=joins,
    )
    _place_notes(text, note_blocks, registers, report)
    report.warnings.sort(key=lambda w: w.line or 0)
    root = _assemble(text, registers, config, source_name, source_pointer)
    return root, report


_PULL_QUOTE_EDGES = "\"“”«»'‘’ "


def _pull_quotes(layout: Layout, report: TextReport) -> None:
    """An "epigraph" that repeats a sentence of the text is the web page's pull-quote,
    not the author's: it is removed as apparatus and declared."""
    body_text = " ".join(
        collapse(" ".join(p for p in item.pieces if isinstance(p, str)))
        for item in layout.body
        if isinstance(item, Paragraph)
    )
    for line in list(layout.head):
        quoted = line.text.strip(_PULL_QUOTE_EDGES)
        if line.kind == "epigraph" and len(quoted) > 20 and quoted in body_text:
            layout.head.remove(line)
            layout.removed.append(
                Removed(
                    "pull-quote",
                    line.text,
                    "pull-quote of the web page: it repeats a sentence of the text",
                    line.number,
                )
            )
            report.warn(
                "pull-quote",
                "a quotation above the text repeats a sentence of it: removed as the web "
                "page's pull-quote",
                line.number,
            )


def _tag_interjections(blocks: list[MarkupBlock], style: ArchiveStyle) -> bool:
    """Reported reactions of the audience ("(Storm of applause.)") as ``stage``."""
    found = False
    for block in blocks:
        for match in style.interjection.finditer(block.text):
            if block.overlaps(match.start(), match.end()):
                continue
            block.spans.append(Span(match.start(), match.end(), "stage", {"type": "interjection"}))
            found = True
    return found


def _whole_interjection(block: MarkupBlock | None) -> bool:
    return (
        block is not None
        and len(block.spans) == 1
        and block.spans[0].tag == "stage"
        and block.spans[0].start == 0
        and block.spans[0].end == len(block.text)
    )


def _place_of_writing(
    layout: Layout, metadata_blocks, opener, closer, sidecar: Sidecar, registers, first
) -> Place | None:
    """Where the text was written or sent: the sidecar's word, else the header's "Written"
    or "Delivered" line, else the letter's place of sending, else its dateline."""
    candidates: list[tuple[str, str]] = []
    if sidecar.place:
        candidates.append((sidecar.place, "the sidecar"))
    for meta, block in zip(layout.metadata, metadata_blocks):
        if meta.field in ("written", "delivered"):
            candidates += [
                (block.text[m.start : m.end], f"the header (source line {meta.number})")
                for m in registers.find(block.text)
                if m.entry.kind == "place" and not m.derived
            ]
    if sidecar.correspondence is not None and sidecar.correspondence.place:
        candidates.append((sidecar.correspondence.place, "the sidecar's place of sending"))
    for line, block in opener + closer:
        if line.kind == "dateline":
            candidates += [
                (block.text[m.start : m.end], f"the dateline (source line {line.number})")
                for m in registers.find(block.text)
                if m.entry.kind == "place" and not m.derived
            ]
    entry = None
    for name, origin in candidates:
        mentions = [
            m for m in registers.find(name) if m.start == 0 and m.end == len(name) and not m.derived
        ]
        if mentions and mentions[0].entry.kind == "place":
            entry = mentions[0].entry
            break
        if origin == "the sidecar":
            raise EditionError(
                f"sidecar [creation] place: '{name}' is no place of the registers",
                sidecar.path,
                sidecar.lines.get("place"),
            )
    if entry is None:
        return None  # an unknown place of sending is reported with its own line
    iso = _iso(first.match)
    if iso is not None:
        calendar = entry.calendar_on(iso)
    else:
        kinds = {c for c, _, _ in entry.calendars}
        calendar = kinds.pop() if len(kinds) == 1 else None
    return Place(entry, name, origin, calendar)


_SENTENCE_BREAK = re.compile(r"[!?;]|\.\s+[A-Z]")


def _publication_calendars(text: str, registers: NameMatcher, on_date: str | None):
    """The calendar of a date that follows a publication's title in the same sentence:
    that of the publication's place (the date of a foreign newspaper is New Style)."""
    spots = []
    for mention in registers.find(text, on_date):
        entry = mention.entry
        if entry.kind != "bibl" or not entry.pub_place:
            continue
        place = registers.entries.get(entry.pub_place)
        if place is None:
            continue
        calendar = place.calendar_on(on_date) if on_date else None
        if calendar is None:
            kinds = {c for c, _, _ in place.calendars}
            calendar = kinds.pop() if len(kinds) == 1 else None
        if calendar:
            spots.append((mention.end, calendar))
    if not spots:
        return None

    def local(position: int) -> str | None:
        before = [(end, cal) for end, cal in spots if end <= position]
        if not before:
            return None
        end, calendar = before[-1]
        return None if _SENTENCE_BREAK.search(text, end, position) else calendar

    return local


_RELATIVE_DAY = re.compile(
    r"\b(?:(?:last|next|this|on)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"|yesterday|the day before yesterday|tomorrow)\b(?!,?\s*(?:the\s+)?\d|,?\s*[A-Z][a-z]+ \d)",
    re.IGNORECASE,
)


def _relative_dates(block: MarkupBlock) -> list[str]:
    """Words that name a day relative to the writing ("last Sunday") and are no date yet;
    one followed by the date itself ("yesterday, November 4") needs none."""
    dated = [s for s in block.spans if s.tag == "date" and not s.empty]
    return [
        match.group(0)
        for match in _RELATIVE_DAY.finditer(block.text)
        if not any(s.start <= match.start() < s.end for s in dated)
    ]


def _report_calendar(report, block_at, match, context, place, calendar, registers) -> None:
    source = match.calendar_source
    if source not in ("default", "place", "local"):
        return
    attrs = dict(match.attrs)
    used = (attrs.get("calendar") or "").lstrip("#")
    name = calendar.names.get(used, used)
    written = block_at.block.text[match.start : match.end]
    if source == "default":
        report.warn(
            "calendar-default",
            f"date '{written}' read in the {name} calendar by the edition's default: "
            "no place of writing or other evidence",
            block_at.line,
        )
    elif source == "place":
        if place.origin.startswith("the sidecar"):
            return  # declared by the editors, with their reason, in the header
        report.warn(
            "calendar-inferred",
            f"date '{written}' read in the {name} calendar: the text was written in "
            f"{place.name} ({place.origin}), where the registers say it was in force",
            block_at.line,
        )
    else:
        report.warn(
            "calendar-inferred",
            f"date '{written}' read in the {name} calendar: the date of a publication whose "
            "place of publication used it (registers)",
            block_at.line,
        )


def _find_declared(blocks, text: str, context: str | None, table: str, sidecar, line):
    """Where a sidecar's ``text`` (pinned by ``context``) stands, once: (block, start)."""
    needle = collapse(context or text)
    offset = needle.index(collapse(text))
    hits = [
        (located, match.start() + offset)
        for located in blocks
        for match in re.finditer(re.escape(needle), located.block.text)
    ]
    if len(hits) != 1:
        raise EditionError(
            f"[[{table}]] '{text}' matches {len(hits)} times in the text "
            "(it must match once; add 'context')",
            sidecar.path,
            line,
        )
    return hits[0]


def _check_nesting(block, start, end, key, text, sidecar, line) -> None:
    if block.overlaps(start, end):
        raise EditionError(
            f"{key} '{text}' crosses an intervention or a note; choose text that nests",
            sidecar.path,
            line,
        )


def _supply_dates(blocks, sidecar: Sidecar, context: DateContext) -> int:
    """Dates the sidecar supplies for expressions that name none ("last Sunday")."""
    count = 0
    for item in sidecar.supplied_dates:
        found = _find_declared(blocks, item.text, item.context, "dates.supply", sidecar, item.line)
        matches, _ = find_dates(item.date, context)
        if len(matches) != 1 or matches[0].end - matches[0].start != len(item.date.strip()):
            raise EditionError(
                f"[[dates.supply]] date '{item.date}' is not one date", sidecar.path, item.line
            )
        located, start = found
        attrs = dict(matches[0].attrs)
        attrs.pop("cert", None)
        attrs.update({"resp": "#editors", "evidence": item.evidence})
        end = start + len(collapse(item.text))
        _check_nesting(located.block, start, end, "[[dates.supply]]", item.text, sidecar, item.line)
        located.block.spans.append(Span(start, end, "date", attrs))
        count += 1
    return count


def _name_rules(blocks, sidecar: Sidecar, registers: NameMatcher) -> dict[str, int]:
    """Mentions the sidecar identifies ("the last Congress of Soviets" is the Second)."""
    counts: dict[str, int] = {}
    for rule in sidecar.names:
        entry = registers.entries.get(rule.ref)
        if entry is None:
            raise EditionError(
                f"[[name]] ref '{rule.ref}': no register entry has this id",
                sidecar.path,
                rule.line,
            )
        found = _find_declared(blocks, rule.text, rule.context, "name", sidecar, rule.line)
        located, start = found
        tag = {"person": "persName", "place": "placeName", "org": "orgName"}.get(entry.kind, "rs")
        end = start + len(collapse(rule.text))
        _check_nesting(located.block, start, end, "[[name]]", rule.text, sidecar, rule.line)
        located.block.spans.append(Span(start, end, tag, {"ref": registers.ref(entry)}))
        counts[tag] = counts.get(tag, 0) + 1
    return counts


def _links(blocks, sidecar: Sidecar) -> None:
    """Cross-references to other texts of the edition, as the sidecar declares them."""
    for link in sidecar.links:
        found = _find_declared(blocks, link.text, link.context, "link", sidecar, link.line)
        located, start = found
        end = start + len(collapse(link.text))
        _check_nesting(located.block, start, end, "[[link]]", link.text, sidecar, link.line)
        target = f"{link.target}.xml#{link.target}"
        located.block.spans.append(Span(start, end, "ref", {"target": target}, seq=-1))


def _supplied_title(layout: Layout, body, sidecar: Sidecar, report: TextReport) -> str:
    """A title for a text with no title line: the sidecar's, else its first words."""
    if sidecar.title:
        return sidecar.title
    first = next((b for item, b in body if b is not None), None)
    words = first.text.split() if first is not None else []
    incipit = " ".join(words[:8]).rstrip(",;:") + (" …" if len(words) > 8 else "")
    line = next((item.number for item, b in body if b is not None), None)
    report.warn(
        "supplied-title",
        f"no title line: the editors' title '{incipit}' (the first words) is supplied",
        line,
    )
    return incipit


def _creation(layout: Layout, head, sidecar: Sidecar, metadata_blocks, context) -> Creation:
    if sidecar.creation:
        matches, _ = find_dates(sidecar.creation, context)
        if matches:
            return Creation(matches[0], sidecar.creation, "sidecar")
    for meta, block in sorted(
        zip(layout.metadata, metadata_blocks), key=lambda mb: mb[0].field != "written"
    ):
        if meta.field in ("written", "delivered"):
            matches, _ = find_dates(block.text, context)
            if matches:
                match = matches[0]
                return Creation(match, block.text[match.start : match.end], "written", block)
    for line in layout.opener + layout.closer:  # a letter's dateline
        if line.kind == "dateline":
            matches, _ = find_dates(line.text, context)
            if matches:
                match = matches[0]
                return Creation(match, line.text[match.start : match.end], "dateline")
    for line, block in head:
        if line.kind == "title":
            matches, _ = find_dates(block.text, context)
            dated = [m for m in matches if "cert" not in dict(m.attrs)]
            if dated and any(k in dict(dated[-1].attrs) for k in ("when", "notBefore", "from")):
                match = dated[-1]
                return Creation(match, block.text[match.start : match.end], "title")
    return Creation(None, "", "none")


def _iso(match: DateMatch | None) -> str | None:
    if match is None:
        return None
    attrs = dict(match.attrs)
    return attrs.get("when") or attrs.get("notBefore") or attrs.get("from")


def _year(match: DateMatch | None) -> int | None:
    attrs = dict(match.attrs) if match else {}
    value = (
        attrs.get("when-custom")
        or attrs.get("notBefore-custom")
        or attrs.get("from-custom")
        or _iso(match)
    )
    return int(value[:4]) if value else None


def _authors(layout, head, closer, sidecar, registers, report) -> list:
    """The authors, each by the register's name (never an upper-case signature form)."""
    found: list[tuple[str, str | None]] = []

    def add(text: str) -> None:
        for mention in registers.match_whole(text) or []:
            ref = registers.ref(mention.entry)
            if ref not in {r for _, r in found}:
                found.append((mention.entry.name, ref))

    declared = []
    for name in sidecar.authors:  # every name the sidecar gives must be in the registers
        mentions = registers.match_whole(name)
        if not mentions:
            raise EditionError(
                f"sidecar [author] names: '{name}' is no person of the registers",
                sidecar.path,
                sidecar.lines.get("author"),
            )
        declared.append((mentions[0].entry.name, registers.ref(mentions[0].entry)))
    signatures = [b for line, b in closer if line.kind == "signature"]
    for line, block in head:
        if line.kind == "author":
            add(block.text)
            if re.search(r"\bet al\b", block.text):
                for sig in signatures:
                    add(sig.text)
    if not found:
        found = declared
    if not found:
        for sig in signatures:
            add(sig.text)
    if not found:
        report.warn("no-author", "no author line, signature or sidecar author")
    return found


def _note_element(text: Text, n: str, paragraphs, rule: NoteRule, registers) -> etree._Element:
    attrs = {XML_ID: f"{text.doc_id}-n{n}", "n": n, "place": rule.place}
    if rule.resp == "author" and text.authors and text.authors[0][1]:
        attrs["resp"] = text.authors[0][1]
    else:
        attrs["resp"] = "#source-editors"
    note = etree.Element(tei("note"), attrs)
    for k, (_, block) in enumerate(paragraphs, 1):
        render_block(block, etree.SubElement(note, tei("p"), {XML_ID: f"{text.doc_id}-n{n}-p{k}"}))
    return note


def _place_notes(text: Text, note_blocks, registers: NameMatcher, report: TextReport) -> None:
    sidecar = text.sidecar
    markers: list[Span] = []
    for _, block in text.head:
        markers += [s for s in block.spans if s.tag == "noteref"]
    for _, block in text.body:
        if block is not None:
            markers += [s for s in block.spans if s.tag == "noteref"]
    for _, block in text.postscripts:
        markers += [s for s in block.spans if s.tag == "noteref"]
    placed = set()
    for span in markers:
        n = span.attrs["n"]
        if n in note_blocks and n not in placed:
            rule = sidecar.note_overrides.get(n, sidecar.notes)
            span.tag = "note"
            span.payload = _note_element(text, n, note_blocks[n], rule, registers)
            placed.add(n)
        else:
            span.tag = "anchor"
            anchor_id = f"{text.doc_id}-a{n}" + (f"-{len(text.missing) + 1}" if n in placed else "")
            span.attrs = {XML_ID: anchor_id, "n": n}
            text.missing.append(n)
            editorial = etree.Element(
                tei("note"),
                {
                    XML_ID: f"{anchor_id}-missing",
                    "type": "editorial",
                    "resp": "#editors",
                    "target": f"#{anchor_id}",
                },
            )
            editorial.text = f"The source has a marker [{n}] here but no note {n}."
            span.payload = None
            # the editorial note follows its anchor at the same place
            holder = next(b for b in _all_blocks(text) if span in b.spans)
            holder.spans.append(
                Span(span.start, span.start, "note", payload=editorial, seq=span.seq)
            )
            report.warn("unmatched-marker", f"note marker [{n}] has no note text")
    title_block = next((b for line, b in text.head if line.kind == "title"), None)
    if title_block is None:  # no title line: the note goes with the first paragraph
        title_block = next(b for _, b in text.body if b is not None)
    for n, paragraphs in note_blocks.items():
        if n in placed:
            continue
        rule = sidecar.note_overrides.get(n, sidecar.notes)
        note = _note_element(text, n, paragraphs, rule, registers)
        note.set("type", "unanchored")
        text.unanchored.append(n)
        title_block.spans.append(
            Span(
                len(title_block.text),
                len(title_block.text),
                "note",
                payload=note,
                seq=10_000 + int(n),
            )
        )
        report.warn(
            "unanchored-note",
            f"note {n} has no marker in the text; attached to the title",
            paragraphs[0][0].number,
        )
    for n in note_blocks:
        if sidecar.path is not None and sidecar.notes == NoteRule() and not sidecar.source_editors:
            report.warn("note-resp", f"note {n}: responsibility not declared in the sidecar")
            break


def _all_blocks(text: Text):
    for _, block in text.head + text.opener:
        yield block
    for _, block in text.body:
        if block is not None:
            yield block
    for _, block in text.postscripts + text.closer:
        yield block


def _assemble(
    text: Text,
    registers: NameMatcher,
    config: EditionConfig,
    source_name: str,
    source_pointer: str | None,
):
    attributes = {XML_ID: text.doc_id}
    language = text.sidecar.language or config.encoding.language
    if language:
        attributes[XML_LANG] = language
    root = etree.Element(tei("TEI"), attributes, nsmap={None: TEI_NS})
    root.append(header.build_header(text, registers, config, source_name, source_pointer))
    body = etree.SubElement(etree.SubElement(root, tei("text")), tei("body"))
    ids = {"title": "title", "subtitle": "subtitle", "epigraph": "epigraph", "author": "byline"}
    for line, block in text.head:
        element_id = f"{text.doc_id}-{ids[line.kind]}"
        if line.kind == "title":
            render_block(block, etree.SubElement(body, tei("head"), {XML_ID: element_id}))
        elif line.kind == "subtitle":
            render_block(
                block, etree.SubElement(body, tei("head"), {XML_ID: element_id, "type": "sub"})
            )
        elif line.kind == "epigraph":
            epigraph = etree.SubElement(body, tei("epigraph"), {XML_ID: element_id})
            render_block(block, etree.SubElement(epigraph, tei("quote")))
        else:
            byline = etree.SubElement(body, tei("byline"), {XML_ID: element_id})
            render_block(block, etree.SubElement(byline, tei("docAuthor")))
    _opener(body, text)
    number = 0
    for item, block in text.body:
        if isinstance(item, PageBreak):
            etree.SubElement(
                body, tei("pb"), _pb_attrs(item, _paged_edition(text.sidecar, text.doc_id))
            )
        elif isinstance(item, SectionBreak):
            etree.SubElement(body, tei("milestone"), {"unit": "section", "rend": "asterism"})
        elif _whole_interjection(block):
            stage = block.spans[0]
            element = etree.SubElement(body, tei("stage"), stage.attrs)
            element.text = block.text
        else:
            number += 1
            render_block(
                block, etree.SubElement(body, tei("p"), {XML_ID: f"{text.doc_id}-p{number}"})
            )
    _closer(body, text)
    for k, (_, block) in enumerate(text.postscripts, 1):
        postscript = etree.SubElement(body, tei("postscript"), {XML_ID: f"{text.doc_id}-ps{k}"})
        render_block(
            block, etree.SubElement(postscript, tei("p"), {XML_ID: f"{text.doc_id}-ps{k}-p1"})
        )
    return root


def _opener(body: etree._Element, text: Text) -> None:
    if not text.opener:
        return
    opener = etree.SubElement(body, tei("opener"), {XML_ID: f"{text.doc_id}-opener"})
    address = None
    for line, block in text.opener:
        if line.kind == "address":
            if address is None:
                address = etree.SubElement(opener, tei("address"))
            render_block(block, etree.SubElement(address, tei("addrLine")))
            continue
        address = None
        render_block(block, etree.SubElement(opener, tei(line.kind)))


def _closer(body: etree._Element, text: Text) -> None:
    """Closing salutation, signatures (names, and offices as roleName) and dateline."""
    if not text.closer:
        return
    closer = etree.SubElement(body, tei("closer"), {XML_ID: f"{text.doc_id}-closer"})
    signed = None
    for line, block in text.closer:
        if line.kind in ("signature", "office"):
            if signed is None:
                signed = etree.SubElement(closer, tei("signed"))
            else:
                etree.SubElement(signed, tei("lb"))
            if line.kind == "office":
                render_block(block, etree.SubElement(signed, tei("roleName")))
            else:
                render_block(block, signed)
            continue
        signed = None
        render_block(block, etree.SubElement(closer, tei(line.kind)))
