"""The teiHeader of a converted text (ENCODING.md §2), from text, sidecar and config."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from pipeline import __version__
from pipeline.config import EditionConfig
from pipeline.convert.dates import QUALIFIER_SPANS
from pipeline.convert.markup import MarkupBlock, Span, render_block
from pipeline.convert.registers import NameMatcher
from pipeline.errors import EditionError
from pipeline.xmltools import XML_ID, tei

if TYPE_CHECKING:
    from pipeline.convert.document import Text

BIBL_TYPES = {
    "first-published": "first-published",
    "published": "published",
    "source": "source",
    "online-version": "online-version",
}
# Parts of a bibliographic line: "Volume 10", "No. 201", "pages 17-28", "p. 1".
_SCOPE = re.compile(
    r"(?<![\w.])(?P<label>Vol(?:ume)?s?\.?|Nos?\.|(?:pp?\.|pages?))\s*"
    r"(?P<from>\d+)(?:\s*[-–]\s*(?P<to>\d+))?(?!\d)"
)
_SCOPE_UNITS = {"v": "volume", "n": "issue", "p": "page"}
DC_DATE = "http://purl.org/dc/terms/date"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str):
    element = etree.SubElement(parent, tei(tag), {k.replace("_", "-"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _p(parent: etree._Element, text: str) -> etree._Element:
    return _sub(parent, "p", text)


def build_header(
    text: Text,
    registers: NameMatcher,
    config: EditionConfig,
    source_name: str,
    source_pointer: str | None = None,
):
    header = etree.Element(tei("teiHeader"))
    _file_desc(header, text, config, source_name, registers)
    _encoding_desc(header, text, config, registers)
    _profile_desc(header, text, registers, config)
    revision = _sub(header, "revisionDesc")
    change = _sub(revision, "change", None, when=config.release_date, who="#editors")
    if source_pointer is not None:
        # Which source this TEI is made from: a build removes the TEI of a removed source.
        change.set("source", source_pointer)
    sidecar = " and its editorial sidecar" if text.sidecar.path is not None else ""
    # Said first for readers; then the program and the file, for whoever rebuilds it.
    change.text = (
        "Encoded in TEI from the transcription of the source and the editors' declared "
        "corrections, names, dates and notes; never edited by hand (made by the program "
        f"edition convert {__version__} from the file {source_name}{sidecar})."
    )
    return header


def _policy(sentence: str, **values: str) -> str:
    """A policy sentence from the settings with its placeholders filled in."""
    for name, value in values.items():
        sentence = sentence.replace("{" + name + "}", value)
    return sentence


def _file_desc(
    header, text: Text, config: EditionConfig, source_name: str, registers: NameMatcher
) -> None:
    file_desc = _sub(header, "fileDesc")
    title_stmt = _sub(file_desc, "titleStmt")
    for line, block in text.head:
        if line.kind in ("title", "subtitle"):
            title = _sub(title_stmt, "title", type="main" if line.kind == "title" else "sub")
            render_block(_phrase(block), title)
    if text.supplied_title is not None:
        _sub(
            title_stmt,
            "title",
            text.supplied_title,
            type="main",
            subtype="supplied",
            resp="#editors",
        )
    for name, ref in text.authors:
        author = _sub(title_stmt, "author")
        pers = _sub(author, "persName", name)
        if ref:
            pers.set("ref", ref)
    for name in config.editors:
        _sub(title_stmt, "editor", name)
    resp = _sub(title_stmt, "respStmt")
    resp.set(XML_ID, "editors")
    _sub(resp, "resp", "TEI encoding, editorial interventions and editorial notes")
    for name in config.editors:
        _sub(resp, "name", name)
    if not config.editors:
        # No editor is named in the settings: the edition itself is responsible.
        _sub(resp, "orgName", config.title)
        _sub(resp, "note", "the edition does not name its editors")
    if text.layout.notes:
        source_editors = _sub(title_stmt, "respStmt")
        source_editors.set(XML_ID, "source-editors")
        _sub(source_editors, "resp", "notes of the printed source, reproduced")
        _sub(source_editors, "name", text.sidecar.source_editors or "editors of the source")
    for meta in text.layout.metadata:
        if meta.field == "credit":
            credit = _sub(title_stmt, "respStmt")
            _sub(credit, "resp", meta.label)
            _sub(credit, "name", meta.value)

    publication = _sub(file_desc, "publicationStmt")
    if config.publisher:
        _sub(publication, "publisher", config.publisher)
    else:
        _sub(publication, "authority", config.title)
    _sub(publication, "date", config.release_date, when=config.release_date)
    _sub(publication, "idno", f"{config.id_prefix}:{text.doc_id}", type="local")
    if config.base_url:
        _sub(publication, "idno", f"{config.base_url}texts/{text.doc_id}.html", type="URI")
    licences = [m for m in text.layout.metadata if m.field == "licence"]
    availability = _sub(publication, "availability", status="free" if licences else "unknown")
    for meta, block in zip(text.layout.metadata, text.metadata_blocks):
        if meta.field == "licence":
            render_block(block, _sub(availability, "licence"))
    if not licences:
        _p(availability, "The source states no licence for the text.")
    ours = _sub(availability, "licence", f"The TEI encoding of this edition: {config.licence}.")
    if config.licence_url:
        ours.set("target", config.licence_url)

    notes = [
        (m, b)
        for m, b in zip(text.layout.metadata, text.metadata_blocks)
        if m.field in ("nature", "unrecognised")
    ]
    if notes:
        notes_stmt = _sub(file_desc, "notesStmt")
        for meta, block in notes:
            kind = "nature" if meta.field == "nature" else "source-header"
            render_block(
                block if kind == "nature" else _plain_block(meta.line),
                _sub(notes_stmt, "note", type=kind),
            )

    source_desc = _sub(file_desc, "sourceDesc")
    bibls = [
        (m, b) for m, b in zip(text.layout.metadata, text.metadata_blocks) if m.field in BIBL_TYPES
    ]
    editions = text.sidecar.sources
    if bibls or editions:
        list_bibl = _sub(source_desc, "listBibl")
        for index, edition in enumerate(editions, 1):
            _edition_bibl(list_bibl, edition, f"{text.doc_id}-ed{index}", text, registers)
        editors = _bibl_editors(registers)
        for meta, block in bibls:
            _structure_bibl(block, editors)
            render_block(block, _sub(list_bibl, "bibl", type=BIBL_TYPES[meta.field]))
    else:
        _p(
            source_desc,
            "The source names no bibliographic source: a plain-text transcription "
            f"received as {source_name}.",
        )


def _phrase(block: MarkupBlock) -> MarkupBlock:
    """A heading's text for the header: its names and dates, without notes or cues."""
    return MarkupBlock(block.text, [s for s in block.spans if not s.empty])


def _plain_block(text: str) -> MarkupBlock:
    return MarkupBlock(text, [])


def _bibl_editors(registers: NameMatcher) -> frozenset[str]:
    """The persons the registers list as editors of a publication (by their ref)."""
    refs = set()
    for entry in registers.entries.values():
        if entry.kind != "bibl":
            continue
        for pers in entry.element.iterfind(".//{*}editor/{*}persName[@ref]"):
            person = registers.entries.get(pers.get("ref").rpartition("#")[2])
            if person is not None:
                refs.add(registers.ref(person))
    return frozenset(refs)


def _structure_bibl(block: MarkupBlock, editors: frozenset[str]) -> None:
    """The parts of a bibliographic line: volume, issue and page ranges as biblScope,
    places as pubPlace, organisations as publisher, persons as author or editor."""
    for match in _SCOPE.finditer(block.text):
        if block.overlaps(match.start(), match.end()) or block.within(
            match.start(), match.end(), ("date", "title")
        ):
            continue
        unit = _SCOPE_UNITS[match["label"][0].lower()]
        attrs = {"unit": unit}
        if match["to"]:
            attrs.update({"from": match["from"], "to": match["to"]})
        else:
            attrs["n"] = match["from"]
        block.spans.append(Span(match.start(), match.end(), "biblScope", attrs))
    wrappers = {"placeName": "pubPlace", "orgName": "publisher", "persName": "author"}
    for span in list(block.spans):
        wrapper = wrappers.get(span.tag)
        if wrapper is None or block.within(span.start, span.end, ("title",)):
            continue
        if wrapper == "author" and span.attrs.get("ref") in editors:
            wrapper = "editor"
        block.spans.append(Span(span.start, span.end, wrapper, {}, seq=-1))


def _edition_bibl(parent, edition, xml_id: str, text: Text, registers: NameMatcher) -> None:
    """A printed edition the sidecar names, as a structured bibl that reads as a citation:
    "V. I. Lenin, Collected Works, vol. 26, pp. 19-21. Moscow: Progress Publishers, 1964."""
    bibl = _sub(parent, "bibl", type="printed-edition")
    bibl.set(XML_ID, xml_id)

    def tail(value: str) -> None:
        bibl[-1].tail = value

    for role, names in (("author", edition.authors), ("editor", edition.editors)):
        for name in names:
            _sidecar_name(_sub(bibl, role), name, "person", role, edition, text, registers)
            tail(" (ed.), " if role == "editor" else ", ")
    _sub(bibl, "title", edition.title, level="m")
    for unit, value, label in (
        ("volume", edition.volume, "vol. "),
        ("page", edition.pages, "pp. " if edition.pages and "-" in edition.pages else "p. "),
    ):
        if not value:
            continue
        tail(", ")
        scope = _sub(bibl, "biblScope", label + value, unit=unit)
        first, _, last = value.partition("-")
        if last:
            scope.set("from", first.strip())
            scope.set("to", last.strip())
        else:
            scope.set("n", value)
    tail(".")
    if edition.place:
        tail(". ")
        _sidecar_name(
            _sub(bibl, "pubPlace"), edition.place, "place", "place", edition, text, registers
        )
        tail(": " if edition.publisher else ".")
    if edition.publisher:
        if not edition.place:
            tail(". ")
        _sidecar_name(
            _sub(bibl, "publisher"), edition.publisher, "org", "publisher", edition, text, registers
        )
        tail(".")
    if edition.date:
        bibl[-1].tail = bibl[-1].tail.rstrip(".") + ", "
        _sub(bibl, "date", edition.date, when=edition.date)
        tail(".")
    if edition.reason:
        bibl[-1].tail += " "
        _sub(bibl, "note", edition.reason)


def _sidecar_name(
    parent, name: str, kind: str, key: str, edition, text: Text, registers: NameMatcher
) -> None:
    """A name the sidecar gives, tagged with its entry; one no register has is an error
    naming the sidecar's line."""
    whole = [
        m for m in registers.find(name) if m.start == 0 and m.end == len(name) and not m.derived
    ]
    if not whole or whole[0].entry.kind != kind:
        what = {"person": "person", "place": "place", "org": "organisation"}[kind]
        raise EditionError(
            f"sidecar [[source]] {key}: '{name}' is no {what} of the registers",
            text.sidecar.path,
            edition.lines.get(key) or edition.line,
        )
    element = {"person": "persName", "place": "placeName", "org": "orgName"}[kind]
    _sub(parent, element, name, ref=registers.ref(whole[0].entry))


def _plain(block) -> str:
    return block.text


def _encoding_desc(header, text: Text, config: EditionConfig, registers: NameMatcher) -> None:
    policy = config.encoding.policy
    encoding = _sub(header, "encodingDesc")
    project = _sub(encoding, "projectDesc")
    _p(
        project,
        policy.project
        or (f"{config.title}: {config.subtitle}." if config.subtitle else config.title),
    )
    decl = _sub(encoding, "editorialDecl")

    normalization = _sub(decl, "normalization")
    _p(normalization, policy.normalization)
    regs = [(i, line) for i, line in text.interventions if i.type == "reg"]
    _intervention_list(
        normalization,
        regs,
        "Regularisations of transcription artefacts, encoded as choice/orig/reg:",
    )
    correction = _sub(decl, "correction", status="high", method="markup")
    _p(correction, policy.correction)
    corrs = [(i, line) for i, line in text.interventions if i.type == "corr"]
    _intervention_list(correction, corrs, "Corrections:")
    hyphenation = _sub(decl, "hyphenation", eol="none")
    _p(hyphenation, policy.hyphenation)
    segmentation = _sub(decl, "segmentation")
    _p(segmentation, policy.segmentation)
    interpretation = _sub(decl, "interpretation")
    _p(interpretation, _policy(policy.names, registers=registers.file_name))
    calendars = config.encoding.calendar
    default = text.sidecar.default_calendar
    _p(
        interpretation,
        _policy(policy.dates, default_calendar=calendars.names.get(default, default)),
    )
    _calendar_evidence(interpretation, text, calendars)
    _p(
        interpretation,
        "A qualified date ('not earlier than', 'not later than', 'before', 'after', "
        "'between ... and ...', 'early in', 'the beginning of', 'the middle of', 'late in', "
        f"'the end of') keeps its qualifier and is encoded as notBefore/notAfter: "
        f"{QUALIFIER_SPANS}",
    )
    for supplied in text.sidecar.supplied_dates:
        _p(
            interpretation,
            f"Declared: '{supplied.text}' is dated by the editors as {supplied.date} "
            f"(evidence {supplied.evidence}): {supplied.reason}",
        )
    for link in text.sidecar.links:
        _p(
            interpretation,
            f"Declared: '{link.text}' refers to the text '{link.target}' of this edition "
            f"and is linked to it: {link.reason}",
        )
    for rule in text.sidecar.names:
        _p(
            interpretation,
            f"Declared: '{rule.text}' is identified by the editors as the register entry "
            f"'{rule.ref}': {rule.reason}",
        )
    if text.supplied_title is not None:
        origin = (
            f"from the sidecar: {text.sidecar.title_reason}".rstrip(": ")
            if text.sidecar.title
            else "from its first words"
        )
        _p(
            interpretation,
            f"The source has no title line; the title is supplied by the editors {origin}.",
        )
    if text.page_joins:
        _p(
            segmentation,
            "The source gives its paragraphs one to a line; a hard line break in mid-sentence "
            "is the join of two pages of the printed edition and is encoded as pb "
            "type='inferred' (cert='medium'), numbered back from the next page line where "
            "there is one.",
        )
    if text.interjections:
        _p(
            interpretation,
            "Reported reactions of the audience, such as applause, are encoded as stage "
            "type='interjection'.",
        )
    for expression, cal in sorted(text.sidecar.date_overrides.items()):
        _p(interpretation, f"Declared: the date '{expression}' is read in the {cal} calendar.")
    if text.creation.origin == "sidecar":
        _p(
            interpretation,
            f"The date of writing is not stated in the source; it is supplied "
            f"by the editors: {text.sidecar.creation_reason}".rstrip(": "),
        )
    letter = text.sidecar.correspondence
    if letter is not None and letter.reason:
        _p(
            interpretation,
            f"Sender, addressee and place of sending are supplied by the editors: {letter.reason}",
        )
    if text.sidecar.authors and text.sidecar.authors_reason:
        _p(
            interpretation,
            f"The author is not named in the source; supplied by the editors: "
            f"{text.sidecar.authors_reason}",
        )
    quotation = _sub(decl, "quotation", marks="all")
    _p(quotation, policy.quotation)
    if text.unanchored or text.missing:
        notes = _p(decl, "Notes: ")
        parts = [
            f"note {n} has no marker in the source and is attached to the title"
            for n in text.unanchored
        ]
        parts += [
            f"marker [{n}] has no note text in the source; an anchor and an editorial note keep it"
            for n in text.missing
        ]
        notes.text += "; ".join(parts) + "."

    removed = text.layout.removed
    if removed:
        p = _p(decl, "Removed web apparatus (not part of the document), verbatim:")
        items = _sub(p, "list", type="removed")
        for entry in removed:
            item = _sub(items, "item", n=entry.kind)
            _sub(item, "quote", entry.text)
            item[-1].tail = f" ({entry.reason}; source line {entry.number})"
    moved = text.layout.metadata
    if moved:
        p = _p(
            decl,
            "Lines of the source that state facts about the document, encoded in this "
            "header, verbatim:",
        )
        items = _sub(p, "list", type="moved-to-header")
        for meta in moved:
            for number, line in meta.parts or ((meta.number, meta.line),):
                item = _sub(items, "item", n=meta.field)
                _sub(item, "quote", line)
                item[-1].tail = f" (source line {number})"

    refs = _sub(encoding, "refsDecl")
    blocks = _sub(
        refs, "citeStructure", unit="block", match="/TEI/text/body/*[@xml:id]", use="@xml:id"
    )
    # Each unit's dates travel with it through DTS, in both calendars (see dts/citations.py).
    _sub(blocks, "citeData", property=DC_DATE, use=".//date[not(ancestor::note)]")
    notes = _sub(blocks, "citeStructure", unit="note", match=".//note[@xml:id]", use="@xml:id")
    _sub(notes, "citeData", property=DC_DATE, use=".//date")


def _calendar_evidence(interpretation, text: Text, calendars) -> None:
    """Why the text's single dates are read in the calendar they are."""
    context = text.context
    if context is None:
        return
    name = calendars.names.get(context.default_calendar, context.default_calendar)
    if context.default_source == "sidecar":
        reason = text.sidecar.calendar_reason
        _p(
            interpretation,
            f"Declared: the text's single dates are read in the {name} calendar"
            + (f": {reason}" if reason else "."),
        )
    elif context.default_source == "place" and text.place is not None:
        notes = (
            " The notes of the printed source keep the edition's default."
            if text.layout.notes and text.sidecar.notes.resp != "author"
            else ""
        )
        _p(
            interpretation,
            f"The text's single dates are read in the {name} calendar: it was written in "
            f"{text.place.name} (as {text.place.origin} says), where the registers say that "
            f"calendar was in force.{notes}",
        )
    _p(
        interpretation,
        "A date that follows the title of a publication in the same sentence is read in "
        "the calendar of the publication's place, where the registers give one (the date of "
        "a foreign newspaper is New Style).",
    )


def _intervention_list(parent, items, intro: str) -> None:
    if not items:
        return
    p = _p(parent, intro)
    listing = _sub(p, "list")
    for intervention, line in items:
        item = _sub(listing, "item")
        _sub(item, "quote", intervention.orig)
        item[-1].tail = " → "
        _sub(item, "quote", intervention.reading)
        item[-1].tail = f" (source line {line}): {intervention.reason}"


def _profile_desc(header, text: Text, registers: NameMatcher, config: EditionConfig) -> None:
    profile = _sub(header, "profileDesc")
    creation = _sub(profile, "creation")
    if text.creation.block is not None:
        render_block(text.creation.block, creation)
    elif text.creation.match is not None:
        date = _sub(creation, "date", text.creation.text)
        for key, value in _supplied(text):
            date.set(key, value)
    else:
        creation.text = "Date of writing unknown."
    encoding = config.encoding
    used = [
        text.sidecar.language or encoding.language,
        text.sidecar.original_language or encoding.original_language,
    ]
    tags = [tag for tag in dict.fromkeys(used) if tag]
    if tags:
        languages = _sub(profile, "langUsage")
        for tag in tags:
            _sub(languages, "language", encoding.language_names.get(tag, tag), ident=tag)
    if text.sidecar.genre:
        text_class = _sub(profile, "textClass")
        keywords = _sub(text_class, "keywords", scheme=f"{registers.file_name}#genres")
        _sub(
            keywords,
            "term",
            text.sidecar.genre,
            ref=f"{registers.file_name}#genre-{text.sidecar.genre}",
        )
    if text.sidecar.correspondence is not None:
        _corresp_desc(profile, text, registers)
    calendars = _sub(profile, "calendarDesc")
    for key, description in config.encoding.calendar.descriptions.items():
        calendar = _sub(calendars, "calendar")
        calendar.set(XML_ID, key)
        _p(calendar, description)


def _supplied(text: Text) -> list[tuple[str, str]]:
    """The creation date's attributes; a date the sidecar supplies says who and on what."""
    attrs = list(text.creation.match.attrs)
    if text.creation.origin == "sidecar":
        attrs += [("resp", "#editors"), ("evidence", text.sidecar.creation_evidence)]
    return attrs


_ELEMENT_OF_KIND = {"person": "persName", "org": "orgName", "place": "placeName"}


def _named(parent, name: str, registers: NameMatcher, where: str, text: Text) -> None:
    """A name from the sidecar, tagged with its register entry; unknown names are errors."""
    mentions = registers.find(name)
    whole = [m for m in mentions if m.start == 0 and m.end == len(name) and not m.derived]
    if not whole or whole[0].entry.kind not in _ELEMENT_OF_KIND:
        letter = text.sidecar.correspondence
        raise EditionError(
            f"sidecar [correspondence] {where}: '{name}' is no person, "
            "organisation or place of the registers",
            text.sidecar.path,
            letter.lines.get(where) if letter is not None else None,
        )
    entry = whole[0].entry
    _sub(parent, _ELEMENT_OF_KIND[entry.kind], name, ref=registers.ref(entry))


def _corresp_desc(profile, text: Text, registers: NameMatcher) -> None:
    letter = text.sidecar.correspondence
    corresp = _sub(profile, "correspDesc")
    sent = _sub(corresp, "correspAction", type="sent")
    for name in letter.senders:
        _named(sent, name, registers, "sender", text)
    if letter.place:
        _named(sent, letter.place, registers, "place", text)
    if text.creation.match is not None:
        date = _sub(sent, "date", text.creation.text)
        for key, value in _supplied(text):
            date.set(key, value)
    received = _sub(corresp, "correspAction", type="received")
    for name in letter.addressees:
        _named(received, name, registers, "addressee", text)
