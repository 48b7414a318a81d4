"""From a TEI document to what its page shows: header facts, reading text, notes.

``analyse`` is the stage: one parsed ``TEI`` element in, one ``DocumentPage`` out. It reads
nothing from disk. The facts come from the document itself (title, authors and editors
by their names, dates in both calendars, sources, responsibilities, licences,
languages); the header is also shown in full, as a generic listing, so another
project's header loses nothing either. A manuscript description is shown as a
description of its own, and the text's own lists of persons, places and works as its
index.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from markupsafe import Markup, escape

from pipeline.render.dates import DateInfo, date_info, in_words, parse_iso
from pipeline.render.ids import IdRegistry
from pipeline.render.registers import RegisterLinks
from pipeline.render.tei_html import (
    AppEntry,
    DateMention,
    DocumentFacts,
    Mention,
    PageImage,
    PageNote,
    Renderer,
    ShownIntervention,
    TeiTemplates,
    TocEntry,
    plain,
    reserve_ids,
)
from pipeline.structure import reading
from pipeline.structure.identifiers import external_url, safe_lang
from pipeline.xmltools import NSMAP, TEI_NS, safe_parser

# Ids the document template uses; claimed before the TEI's, which never start with "ed-".
PAGE_IDS = (
    "ed-content",
    "ed-notes",
    "notes-heading",
    "ed-apparatus",
    "apparatus-heading",
    "ed-index",
    "index-heading",
    "ed-toc",
    "ed-description",
    "description-heading",
    "ed-cite",
    "ed-cite-heading",
    "ed-downloads",
    "ed-downloads-heading",
    "ed-images",
    "ed-images-heading",
    "ed-header",
    "ed-header-heading",
    "ed-mode",
    "mode-reading",
    "mode-original",
    "ed-title",
    "ed-footnotes",
    "footnotes-heading",
    "ed-page-toc",
    "ed-highlight",
    "highlight-none",
    "highlight-person",
    "highlight-place",
    "highlight-org",
    "highlight-bibl",
    "highlight-all",
)
# A table of contents is given from this many headed divisions on.
TOC_MINIMUM = 3
# Keyword terms shown as a text's genre (the others are keywords).
_GENRE_TYPES = frozenset({"", "genre", "subgenre", "genretitle", "form"})


@dataclass(frozen=True)
class Genre:
    label: str
    description: str


@dataclass(frozen=True)
class Link:
    """A link out of the site, shown in a field of the header panel."""

    url: str
    text: str
    label: str = ""  # what the link is, before it: "Wikidata"


@dataclass(frozen=True)
class Field:
    label: str
    values: tuple[Markup | Link, ...]
    key: str = ""


@dataclass(frozen=True)
class TreeItem:
    """One element of the complete header: its label, shown attributes, and either its
    content or the items below it."""

    label: str
    attrs: str
    value: Markup | None
    children: tuple[TreeItem, ...] = ()


@dataclass(eq=False)
class DocumentPage:
    """One text of the edition, ready for its page and for the collection pages."""

    slug: str  # the page is texts/<slug>.html; safe as a file name
    source: Path
    download: str  # file name of the TEI copy under downloads/
    lang: str | None
    title: str
    subtitle: str
    authors: tuple[str, ...]
    creation: DateInfo | None
    creation_html: Markup | None
    creation_id: str
    genres: tuple[Genre, ...]
    fields: tuple[Field, ...]
    full_header: tuple[TreeItem, ...]
    body: Markup
    has_h1: bool
    notes: list[PageNote]
    mentions: list[Mention]
    dates: list[DateMention]
    interventions: list[ShownIntervention]
    paragraphs: int
    reading: reading.ReadingDocument
    # The TEI element while the text is analysed; None once it is kept (``kept``), when
    # its header (``header``) and its plain text in each mode (``plain``) remain.
    tei: etree._Element | None = field(repr=False)
    corpus_title: str = ""
    editors: tuple[str, ...] = ()
    toc: tuple[TocEntry, ...] = ()
    apparatus: tuple[AppEntry, ...] = ()
    images: tuple[PageImage, ...] = ()
    description: Markup = field(default_factory=Markup)
    scope: str = ""  # the key of the text's own register lists
    has_text: bool = True
    header: bytes = field(default=b"", repr=False)  # the teiHeader, serialised
    plain: tuple[reading.ReadingDocument, ...] = ()  # in each of reading.MODES
    key: str = ""  # names all the analysis was made from (see render.site)
    # The @ref of each name within the header's authors: the registers' "Author of".
    author_refs: tuple[str, ...] = ()
    # Set where the collection keeps only a summary of the text (see ``summary``): gives
    # the whole analysis again, for the text's own page and plain text.
    whole: Callable[[], DocumentPage] | None = field(default=None, repr=False, compare=False)

    def header_root(self) -> etree._Element:
        """The teiHeader (an empty one where there is none): parsed again from
        ``header`` once the tree is gone, so that no tree is kept for every text."""
        if self.tei is not None:
            found = self.tei.find("tei:teiHeader", NSMAP)
            return found if found is not None else etree.Element(f"{{{TEI_NS}}}teiHeader")
        if not self.header:
            return etree.Element(f"{{{TEI_NS}}}teiHeader")
        return etree.fromstring(self.header, safe_parser())

    @property
    def page(self) -> str:
        return f"texts/{self.slug}.html"

    @property
    def sort_key(self) -> tuple:
        date = self.creation.sort_key if self.creation and self.creation.start else None
        return (date is None, date or ((0, 0, 0), (0, 0, 0)), self.title.casefold(), self.slug)


def kept(doc: DocumentPage) -> DocumentPage:
    """The document as the collection keeps it: without its tree (see ``DocumentPage``)."""
    if doc.tei is None:
        return doc
    header = doc.tei.find("tei:teiHeader", NSMAP)
    return dataclasses.replace(
        doc,
        tei=None,
        reading=reading.detached(doc.reading),
        header=etree.tostring(header) if header is not None else b"",
        plain=tuple(reading.detached(reading.read_document(doc.tei, m)) for m in reading.MODES),
    )


def summary(doc: DocumentPage, whole: Callable[[], DocumentPage] | None) -> DocumentPage:
    """What the pages that list the collection need of a text (its names, dates,
    mentions, header, interventions), without what only its own page and plain text
    show (body, notes, apparatus, the text in each mode); ``whole`` gives that back
    (None: a summary as it is kept, to be given one when read). A large collection is
    held in memory as summaries."""

    def bare(document: reading.ReadingDocument) -> reading.ReadingDocument:
        return dataclasses.replace(document, blocks=(), notes=(), entries=(), apparatus=())

    return dataclasses.replace(
        doc,
        body=Markup(""),
        full_header=(),
        notes=[],
        apparatus=(),
        toc=(),
        images=(),
        description=Markup(""),
        reading=bare(doc.reading),
        plain=tuple(bare(p) for p in doc.plain),
        whole=whole,
    )


def complete(doc: DocumentPage) -> DocumentPage:
    """The whole analysis of a text the collection may hold as a summary."""
    return doc.whole() if doc.whole is not None else doc


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _find(el: etree._Element | None, path: str) -> list[etree._Element]:
    return [] if el is None else el.findall(path, NSMAP)


_HEADER_LABELS = {
    "fileDesc": "File description",
    "titleStmt": "Title statement",
    "title": "Title",
    "author": "Author",
    "editor": "Editor",
    "respStmt": "Responsibility",
    "resp": "Role",
    "name": "Name",
    "publicationStmt": "Publication",
    "publisher": "Publisher",
    "pubPlace": "Place of publication",
    "date": "Date",
    "idno": "Identifier",
    "availability": "Availability",
    "licence": "Licence",
    "sourceDesc": "Source",
    "bibl": "Bibliographic reference",
    "listBibl": "Bibliography",
    "msDesc": "Manuscript",
    "msIdentifier": "Identifier",
    "encodingDesc": "Encoding",
    "projectDesc": "Project",
    "editorialDecl": "Editorial principles",
    "profileDesc": "Profile",
    "creation": "Creation",
    "langUsage": "Languages",
    "language": "Language",
    "textClass": "Classification",
    "keywords": "Keywords",
    "term": "Term",
    "calendarDesc": "Calendars",
    "calendar": "Calendar",
    "revisionDesc": "Revisions",
    "change": "Change",
    "correspDesc": "Correspondence",
    "correspAction": "Action",
    "particDesc": "Participants",
    "listPerson": "Persons",
    "person": "Person",
    "persName": "Person",
    "placeName": "Place",
    "orgName": "Organisation",
    "refsDecl": "Citation scheme",
    "citeStructure": "Citation structure",
    "classDecl": "Classification scheme",
    "taxonomy": "Taxonomy",
    "category": "Category",
    "catDesc": "Description",
    "normalization": "Normalisation",
    "correction": "Correction",
    "hyphenation": "Hyphenation",
    "segmentation": "Segmentation",
    "quotation": "Quotation",
    "interpretation": "Interpretation",
    "p": "Statement",
    "listWit": "Witnesses",
    "witness": "Witness",
    "variantEncoding": "Variant encoding",
    "authority": "Authority",
    "distributor": "Distributor",
    "extent": "Extent",
    "editionStmt": "Edition",
    "seriesStmt": "Series",
    "notesStmt": "Notes",
    "note": "Note",
    "xenoData": "Other metadata",
}
_PHRASE = {
    "persName",
    "placeName",
    "orgName",
    "name",
    "rs",
    "title",
    "date",
    "time",
    "hi",
    "ref",
    "ptr",
    "choice",
    "sic",
    "corr",
    "orig",
    "reg",
    "abbr",
    "expan",
    "emph",
    "foreign",
    "term",
    "num",
    "measure",
    "forename",
    "surname",
    "roleName",
    "addName",
    "genName",
    "nameLink",
    "quote",
    "q",
    "mentioned",
    "soCalled",
    "gi",
    "att",
    "val",
    "code",
    "lb",
    "seg",
    "idno",
    "geogName",
    "country",
    "settlement",
    "region",
    "email",
    "address",
    "addrLine",
    "street",
    "postCode",
    "affiliation",
    "origDate",
    "origPlace",
    "locus",
}
_SHOWN_ATTRS = (
    "type",
    "subtype",
    "n",
    "ident",
    "status",
    "when",
    "from",
    "to",
    "notBefore",
    "notAfter",
    "when-custom",
    "calendar",
    "level",
    "role",
    "unit",
    "form",
    "material",
    "mainLang",
    "scheme",
    "target",
    "wit",
    "cause",
    "method",
    "marks",
    "eol",
    "place",
    "resp",
    "cert",
    "usage",
    "key",
)


def header_label(name: str) -> str:
    if name in _HEADER_LABELS:
        return _HEADER_LABELS[name]
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()
    return words[:1].upper() + words[1:]


def _is_phrase(el: etree._Element) -> bool:
    return all(_local(c) in _PHRASE and _is_phrase(c) for c in el if isinstance(c.tag, str))


def header_tree(
    el: etree._Element, renderer: Renderer, skip: frozenset[str] = frozenset()
) -> tuple[TreeItem, ...]:
    """Everything an element of the header holds, for nested definition lists."""
    items = []
    for child in el:
        if not isinstance(child.tag, str) or _local(child) in skip:
            continue
        qname = etree.QName(child)
        name = qname.localname
        if qname.namespace != TEI_NS and child.prefix:
            name = f"{child.prefix}:{qname.localname}"
        attrs = "; ".join(f"{a}: {child.get(a)}" for a in _SHOWN_ATTRS if child.get(a))
        label = header_label(str(name))
        if len(child) and not (child.text and child.text.strip()) and not _is_phrase(child):
            items.append(TreeItem(label, attrs, None, header_tree(child, renderer)))
        else:
            items.append(TreeItem(label, attrs, renderer.inline(child, header=True, bibl=True)))
    return tuple(items)


def _field(label: str, values: list, key: str = "") -> Field | None:
    values = [v for v in values if isinstance(v, Link) or str(v).strip()]
    return Field(label, tuple(values), key) if values else None


def _sources(source_desc: etree._Element | None, renderer: Renderer) -> list[Markup]:
    """The sources, as citations: their names and years are not links."""
    out: list[Markup] = []
    if source_desc is None:
        return out
    for child in source_desc:
        name = _local(child)
        if name in ("listBibl", "listWit"):
            out.extend(_sources(child, renderer))
        elif name == "msDesc":
            ident = child.find("tei:msIdentifier", NSMAP)
            parts = (
                [
                    renderer.inline(c, header=True, bibl=True)
                    for c in ident
                    if isinstance(c.tag, str)
                ]
                if ident is not None
                else []
            )
            out.append(
                Markup(", ").join(parts)
                if parts
                else renderer.inline(child, header=True, bibl=True)
            )
        elif name and name != "head":
            out.append(renderer.inline(child, header=True, bibl=True))
    return out


def _creation(
    header: etree._Element, renderer: Renderer
) -> tuple[DateInfo | None, Markup | None, str]:
    """The document's date: creation, else a letter's sending (or another dated action of
    it), else its source's."""
    profile = header.find("tei:profileDesc", NSMAP)
    candidates = [
        ("tei:creation", ".//tei:date|.//tei:origDate"),
        ("tei:correspDesc/tei:correspAction[@type='sent']", "tei:date"),
        ("tei:correspDesc/tei:correspAction", "tei:date"),
    ]
    for container_path, date_path in candidates:
        for container in _find(profile, container_path):
            date_el = container.xpath(date_path, namespaces=NSMAP)
            if not date_el:
                continue
            renderer.date_kind = "written"
            mark = len(renderer.dates)
            html = (
                renderer.inline(container, header=True)
                if container_path == "tei:creation"
                else renderer.element_inline(date_el[0], header=True)
            )
            html_id = renderer.dates[mark].html_id if len(renderer.dates) > mark else ""
            return date_info(date_el[0]), Markup(html), html_id
    for date_el in header.iterfind("tei:fileDesc/tei:sourceDesc//*", NSMAP):
        if _local(date_el) in ("date", "origDate") and date_info(date_el).start:
            return date_info(date_el), None, ""
    return None, None, ""


def _pointer(el: etree._Element) -> str:
    """The register pointers of a naming element (``@ref``, ``@key``)."""
    key = el.get("key")
    return " ".join(filter(None, (el.get("ref"), key and "#" + key)))


def _register_name(
    el: etree._Element, registers: RegisterLinks | None, scope: str
) -> tuple[str, str] | None:
    """(key, the register's form of the name) of a name, or of the first name in ``el``,
    with a pointer into the registers."""
    if registers is None:
        return None
    for named in el.iter():
        if isinstance(named.tag, str) and _pointer(named):
            found = registers.resolve(_pointer(named), scope)
            return (found[0], found[1].name) if found is not None else None
    return None


def _authors(
    header: etree._Element,
    read_authors: tuple[str, ...],
    registers: RegisterLinks | None,
    scope: str,
) -> tuple[str, ...]:
    """The authors as the registers name them: a signature ("V. MILIUTIN") in a header is
    listed under the register's form of the name; names the registers do not know are
    listed as written."""
    stmt = "tei:fileDesc/tei:titleStmt/tei:author"
    authors = header.findall(stmt, NSMAP)
    if not authors:
        sent = "tei:profileDesc/tei:correspDesc/tei:correspAction[@type='sent']/"
        authors = [
            el
            for path in ("tei:persName", "tei:orgName", "tei:name")
            for el in header.findall(sent + path, NSMAP)
        ]
    if len(authors) != len(read_authors):
        return read_authors
    names = []
    for author, written in zip(authors, read_authors, strict=True):
        found = _register_name(author, registers, scope)
        names.append(found[1] if found else written)
    return tuple(dict.fromkeys(names))


def _named(el: etree._Element, registers: RegisterLinks | None, scope: str) -> Markup | None:
    """A person or body of a letter's sending or receiving, as the register names it,
    linked to the entry."""
    if _local(el) not in ("persName", "orgName") or registers is None:
        return None
    found = _register_name(el, registers, scope)
    if found is None:
        return None
    key, name = found
    kind = registers.entries[key].kind
    return Markup('<a class="name name-{}" href="{}">{}</a>').format(
        kind, registers.href(key, "../"), name
    )


def resp_words(label: str) -> str:
    """A responsibility as a reader reads it: "Transcription\\Markup" is "Transcription
    and markup", "HTML Markup" is "HTML markup"."""
    parts = re.split(r"\s*[\\/|]\s*", " ".join(label.split()))
    words = [w for part in parts for w in part.split(" ") if w]
    if words and all(w[:1].isupper() for w in words if w[:1].isalpha()) and len(words) <= 5:
        # A label in title case ("Transcription\\Markup"): in a sentence, in lower case.
        first = True
        lowered = []
        for part in parts:
            out = []
            for w in part.split(" "):
                out.append(w if first or (w.isupper() and len(w) > 1) else w.lower())
                first = False
            lowered.append(" ".join(out))
        parts = lowered
    label = " and ".join(p for p in parts if p)
    return label[:1].upper() + label[1:]


def _change(el: etree._Element, renderer: Renderer) -> Markup:
    """A revision of the file: its date in words, who made it, what was done."""
    when = (el.get("when") or "").strip()
    found = parse_iso(when)
    date = in_words(found) if found else when
    who = renderer.resp_label(el.get("who"))
    lead = ", ".join(part for part in (date, who) if part)
    text = renderer.inline(el, header=True, bibl=True)
    return escape(f"{lead}: ") + text if lead else text


def _licence(el: etree._Element, renderer: Renderer) -> list[Markup | Link]:
    values: list[Markup | Link] = [renderer.inline(el, header=True, bibl=True)]
    url = external_url(el.get("target"))
    if url:
        values.append(Link(url, url))
    return values


def _genres(
    header: etree._Element, registers: RegisterLinks | None
) -> tuple[list[Genre], list[str]]:
    """The text's genres (terms typed as genres, or pointing to the registers' genre
    categories) and its other keywords, labelled by their type."""
    genres, keywords = [], []
    for term in _find(header, "tei:profileDesc/tei:textClass/tei:keywords/tei:term"):
        category = registers.category(term.get("ref")) if registers else None
        kind = (term.get("type") or term.getparent().get("type") or "").lower()
        text = plain(term)
        if not text:
            continue
        if category is not None or kind in _GENRE_TYPES:
            genres.append(Genre(text, category.description if category else ""))
        else:
            keywords.append(f"{term.get('type')}: {text}" if term.get("type") else text)
    return genres, keywords


def analyse(
    tei: etree._Element,
    *,
    source: Path,
    name: str,
    download: str,
    registers: RegisterLinks | None,
    templates: TeiTemplates,
    corpus_title: str = "",
    images_base: str = "",
    scope: str = "",
) -> DocumentPage:
    """The stage: a parsed ``TEI`` element in, the ``DocumentPage`` its page shows out."""
    ids = IdRegistry()
    for page_id in PAGE_IDS:
        ids.claim(page_id)
    id_map = reserve_ids(tei, ids)
    # The header's facts; the text itself is read by the walker (and by the exports).
    read = reading.read_document(tei, "reading", text=False)
    facts = DocumentFacts(
        tei, id_map=id_map, note_markers=reading.note_markers(tei), images_base=images_base
    )
    common = {
        "templates": templates,
        "slug": name,
        "root": "../",
        "registers": registers,
        "ids": ids,
        "facts": facts,
        "scope": scope,
    }

    header = tei.find("tei:teiHeader", NSMAP)
    if header is None:
        header = etree.Element(f"{{{TEI_NS}}}teiHeader")
    head_r = Renderer(**common, record_mentions=False, date_prefix="hd", date_kind="source")
    creation, creation_html, creation_id = _creation(header, head_r)

    title_stmt = header.find("tei:fileDesc/tei:titleStmt", NSMAP)
    authors = _authors(header, read.authors, registers, scope)
    fields: list[Field | None] = []
    if authors:
        label = "Authors" if len(authors) > 1 else "Author"
        fields.append(_field(label, [escape(a) for a in authors], "author"))
    if creation_html is not None:
        fields.append(_field("Written", [creation_html], "written"))
    for action in _find(header, "tei:profileDesc/tei:correspDesc/tei:correspAction"):
        label = {"sent": "Sent", "received": "Received"}.get(action.get("type") or "", "Action")
        parts = [
            _named(c, registers, scope) or head_r.element_inline(c, header=True)
            for c in action
            if _local(c)
        ]
        fields.append(_field(label, [Markup(", ").join(p for p in parts if str(p).strip())]))
    genres, keywords = _genres(header, registers)
    if genres:
        fields.append(_field("Genre", [escape(g.label) for g in genres], "genre"))
    if keywords:
        fields.append(_field("Keywords", [escape(k) for k in keywords], "keywords"))
    languages = [escape(lang) for lang in read.languages]
    fields.append(_field("Languages" if len(languages) > 1 else "Language", languages))
    head_r.date_kind = "source"
    fields.append(
        _field(
            "Sources",
            _sources(header.find("tei:fileDesc/tei:sourceDesc", NSMAP), head_r),
            "sources",
        )
    )
    head_r.record_dates = False
    resp: list[Markup] = [escape(e) for e in read.editors]
    if resp:
        resp = [Markup("Edited by ") + Markup(", ").join(resp)]
    for stmt in _find(title_stmt, "tei:respStmt"):
        role = resp_words(" ".join(plain(r) for r in stmt.findall("tei:resp", NSMAP)))
        who = [head_r.inline(n, header=True) for n in stmt if _local(n) not in ("resp", "note")]
        notes = [head_r.inline(n, header=True) for n in stmt if _local(n) == "note"]
        joined = Markup("; ").join(who)
        if notes:
            joined += Markup(" (") + Markup(" ").join(notes) + Markup(")")
        resp.append(escape(f"{role}: ") + joined if role else joined)
    fields.append(_field("Responsibility", resp, "resp"))
    series = [
        head_r.inline(t, header=True, bibl=True)
        for t in _find(title_stmt, "tei:title")
        if t.get("level") in ("s", "j") or t.get("type") in ("collection", "series")
    ]
    series += [
        head_r.inline(t, header=True, bibl=True)
        for t in _find(header, "tei:fileDesc/tei:seriesStmt/tei:title")
    ]
    fields.append(_field("Series", list(dict.fromkeys(series)), "series"))
    pub = header.find("tei:fileDesc/tei:publicationStmt", NSMAP)
    publication = [
        head_r.inline(c, header=True, bibl=True)
        for c in _find(pub, "*")
        if _local(c) in ("publisher", "distributor", "authority", "pubPlace", "p", "date")
    ]
    fields.append(_field("Publication", publication))
    idnos: list[Markup | Link] = []
    for idno in _find(pub, "tei:idno"):
        url = external_url(plain(idno))
        idnos.append(Link(url, url) if url else escape(plain(idno)))
    fields.append(_field("Identifier", idnos))
    licences = [
        value
        for availability in _find(pub, "tei:availability")
        for child in availability
        if _local(child) in ("licence", "p", "ab")
        for value in _licence(child, head_r)
    ]
    fields.append(_field("Licence", licences, "licence"))
    fields.append(
        _field(
            "History of the encoding",
            [_change(c, head_r) for c in _find(header, "tei:revisionDesc//tei:change")],
            "changes",
        )
    )
    if corpus_title:
        fields.append(_field("Part of", [escape(corpus_title)]))

    full_r = Renderer(**common, record_mentions=False, record_dates=False)
    full_header = header_tree(header, full_r)

    # A manuscript description is the page's subject where the text is empty, and an
    # account of the object (the stone, the codex) beside a transcription.
    desc_r = Renderer(**common, record_mentions=False, record_dates=False)
    description = Markup("").join(
        desc_r.element(ms, header=True)
        for ms in _find(header, "tei:fileDesc/tei:sourceDesc/tei:msDesc")
    )

    body_r = Renderer(**common)
    texts = tei.findall("tei:text", NSMAP) + tei.findall("tei:sourceDoc", NSMAP)
    body = Markup("\n").join(body_r.flow(text) for text in texts)

    title = read.title if read.titles else name
    return DocumentPage(
        slug=name,
        source=source,
        download=download,
        lang=safe_lang(tei.get("{http://www.w3.org/XML/1998/namespace}lang")),
        title=title if title != reading.UNKNOWN else name,
        subtitle="; ".join(read.subtitles),
        authors=authors,
        creation=creation,
        creation_html=creation_html,
        creation_id=creation_id,
        genres=tuple(genres),
        fields=tuple(f for f in fields if f is not None),
        full_header=full_header,
        body=body,
        has_h1=body_r.has_h1,
        notes=body_r.notes,
        mentions=body_r.mentions,
        dates=head_r.dates + body_r.dates,
        interventions=body_r.interventions,
        paragraphs=body_r.paragraphs,
        reading=read,
        tei=tei,
        corpus_title=corpus_title,
        editors=read.editors,
        toc=tuple(body_r.toc) if len(body_r.toc) >= TOC_MINIMUM else (),
        apparatus=tuple(body_r.apparatus),
        images=tuple(body_r.images),
        description=description,
        scope=scope,
        has_text=any(t.strip() for part in texts for t in part.itertext()),
        author_refs=tuple(
            el.get("ref", "")
            for el in header.iterfind("tei:fileDesc/tei:titleStmt/tei:author//*[@ref]", NSMAP)
        ),
    )


def creation_label(doc: DocumentPage, templates: TeiTemplates) -> Markup:
    """The document's date for lists: as written, both calendars on hover and focus."""
    if doc.creation is None:
        return Markup("")
    text = doc.reading.date.written if doc.reading.date else ""
    if not text:
        text = doc.creation.gregorian or doc.creation.julian
    return date_html(templates, doc.creation, text)


def date_html(
    templates: TeiTemplates,
    info: DateInfo,
    body: Markup | str,
    html_id: str | None = None,
    focusable: bool = True,
) -> Markup:
    """A date as the ``date_span`` macro shows it."""
    return Markup(templates.page_macro("date_span")(info, body, html_id, focusable))
