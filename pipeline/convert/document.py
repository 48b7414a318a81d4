"""One source text (+ sidecar, registers, config) in, one TEI document out.

The stages are plain functions over data: read the layout, build annotated blocks,
apply interventions, tag dates and names, place notes, then assemble the TEI tree.
No I/O happens here; the command reads and writes files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from pipeline.config import CalendarConfig, EditionConfig
from pipeline.convert import header
from pipeline.convert.annotate import (
    Located,
    apply_interventions,
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
    SectionBreak,
    read_layout,
)
from pipeline.convert.sidecar import NoteRule, Sidecar
from pipeline.convert.source import SourceText
from pipeline.structure import source_slug
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
    )


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
    signatures: list[tuple[HeadLine, MarkupBlock]]
    authors: list[tuple[str, str | None]]  # (name as written, register ref)
    creation: Creation
    metadata_blocks: list[MarkupBlock]
    interventions: list
    unanchored: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    context: DateContext | None = None


def _block(pieces: list, style: ArchiveStyle, markers: bool) -> BlockBuilder:
    builder = BlockBuilder(style.note_marker if markers else None)
    for index, piece in enumerate(pieces):
        if index:
            builder.line_break()
        if isinstance(piece, PageBreak):
            builder.add_cue("pb", {"n": piece.n})
        else:
            builder.add_text(piece)
    return builder


def convert_text(
    source: SourceText,
    sidecar: Sidecar,
    registers: NameMatcher,
    style: ArchiveStyle,
    config: EditionConfig,
    source_name: str,
) -> tuple[etree._Element, TextReport]:
    """Convert one source; returns the TEI root element and the text's report."""
    doc_id = source_slug(source.path.stem)
    report = TextReport(source=source_name, output=f"{doc_id}.xml", id=doc_id)
    layout = read_layout(source.lines, style, registers)
    if sidecar.path is None:
        report.warn(
            "no-sidecar", "no sidecar: genre, note responsibility and interventions are undeclared"
        )

    def build(pieces: list, markers: bool = True) -> MarkupBlock:
        return _block(pieces, style, markers).build()

    head = [(line, build([line.text], line.kind in ("title", "subtitle"))) for line in layout.head]
    body: list = []
    for item in layout.body:
        body.append((item, build(item.pieces) if isinstance(item, Paragraph) else None))
    signatures = [(line, build([line.text], False)) for line in layout.signatures]
    note_blocks = {
        note.n: [(p, build(p.pieces, False)) for p in note.paragraphs] for note in layout.notes
    }
    metadata_blocks = [build([m.value], False) for m in layout.metadata]

    located = [Located(b, h.number) for h, b in head]
    located += [Located(b, item.number) for item, b in body if b is not None]
    located += [Located(b, h.number) for h, b in signatures]
    located += [Located(b, p.number) for paras in note_blocks.values() for p, b in paras]
    interventions = apply_interventions(located, sidecar.interventions, sidecar.path)

    calendar = config.encoding.calendar
    creation = _creation(layout, head, sidecar, metadata_blocks, calendar)
    if creation.match is None:
        report.warn("no-date", "no creation date found in the text or the sidecar")
    year = _year(creation.match)
    context = date_context(calendar, sidecar, year)
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
    for block_at in located + [
        Located(b, m.number) for b, m in zip(metadata_blocks, layout.metadata)
    ]:
        matches, problems = tag_dates(block_at.block, context)
        counts["dates"] += len(matches)
        for problem in problems:
            report.warn("unparsed-date", problem.message, block_at.line)
    headings = {id(b) for line, b in head if line.kind in ("title", "subtitle")}
    headings |= {id(b) for b in metadata_blocks}
    for block_at in located + [
        Located(b, m.number) for b, m in zip(metadata_blocks, layout.metadata)
    ]:
        for tag, n in tag_names(block_at.block, registers, on_date).items():
            names[tag] = names.get(tag, 0) + n
        if id(block_at.block) in headings:
            continue
        for word in unknown_capitalised(block_at.block, config.common_capitalised):
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

    authors = _authors(layout, head, signatures, sidecar, registers, report)
    text = Text(
        doc_id,
        source,
        sidecar,
        layout,
        head,
        body,
        signatures,
        authors,
        creation,
        metadata_blocks,
        interventions,
        context=context,
    )
    _place_notes(text, note_blocks, registers, report)
    root = _assemble(text, registers, config, source_name)
    return root, report


def _creation(
    layout: Layout, head, sidecar: Sidecar, metadata_blocks, calendar: CalendarConfig
) -> Creation:
    context = date_context(calendar, sidecar, None)
    if sidecar.creation:
        matches, _ = find_dates(sidecar.creation, context)
        if matches:
            return Creation(matches[0], sidecar.creation, "sidecar")
    for meta, block in zip(layout.metadata, metadata_blocks):
        if meta.field == "written":
            matches, _ = find_dates(block.text, context)
            if matches:
                match = matches[0]
                return Creation(match, block.text[match.start : match.end], "written", block)
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


def _authors(layout, head, signatures, sidecar, registers, report) -> list:
    authors: list[tuple[str, str | None]] = []
    for line, block in head:
        if line.kind == "author":
            for mention in registers.match_whole(block.text) or []:
                authors.append(
                    (block.text[mention.start : mention.end], registers.ref(mention.entry))
                )
            if re.search(r"\bet al\b", block.text):
                for _, sig in signatures:
                    for mention in registers.match_whole(sig.text) or []:
                        ref = registers.ref(mention.entry)
                        if ref not in {r for _, r in authors}:
                            authors.append((sig.text[mention.start : mention.end], ref))
    if not authors:
        for name in sidecar.authors:
            mentions = registers.match_whole(name)
            authors.append((name, registers.ref(mentions[0].entry) if mentions else None))
    if not authors:
        for _, sig in signatures:
            for mention in registers.match_whole(sig.text) or []:
                authors.append(
                    (sig.text[mention.start : mention.end], registers.ref(mention.entry))
                )
    if not authors:
        report.warn("no-author", "no author line, signature or sidecar author")
    return authors


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
    for _, block in text.head:
        yield block
    for _, block in text.body:
        if block is not None:
            yield block


def _assemble(text: Text, registers: NameMatcher, config: EditionConfig, source_name: str):
    attributes = {XML_ID: text.doc_id}
    language = text.sidecar.language or config.encoding.language
    if language:
        attributes[XML_LANG] = language
    root = etree.Element(tei("TEI"), attributes, nsmap={None: TEI_NS})
    root.append(header.build_header(text, registers, config, source_name))
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
    number = 0
    for item, block in text.body:
        if isinstance(item, PageBreak):
            etree.SubElement(body, tei("pb"), {"n": item.n})
        elif isinstance(item, SectionBreak):
            etree.SubElement(body, tei("milestone"), {"unit": "section", "rend": "asterism"})
        else:
            number += 1
            render_block(
                block, etree.SubElement(body, tei("p"), {XML_ID: f"{text.doc_id}-p{number}"})
            )
    if text.signatures:
        closer = etree.SubElement(body, tei("closer"), {XML_ID: f"{text.doc_id}-closer"})
        signed = etree.SubElement(closer, tei("signed"))
        for index, (_, block) in enumerate(text.signatures):
            if index:
                etree.SubElement(signed, tei("lb"))
            render_block(block, signed)
    return root
