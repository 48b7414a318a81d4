"""From documents and registers to the pages of the site, as bytes; no file is touched.

``render_pages`` is the stage: it takes the analysed documents, the registers, the
edition's settings and a Jinja environment, and returns every file of the site by its
path relative to the site folder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    DictLoader,
    Environment,
    PackageLoader,
    StrictUndefined,
)
from lxml import etree
from markupsafe import Markup, escape

from pipeline.config import EditionConfig
from pipeline.render import about, chronology
from pipeline.render.dates import date_info
from pipeline.render.documents import DocumentPage, creation_label, header_tree
from pipeline.render.ids import IdRegistry
from pipeline.render.registers import KINDS, RegisterLinks
from pipeline.render.tei_html import Renderer, date_html, plain
from pipeline.structure.identifiers import external_url
from pipeline.structure.registers import RegisterEntry
from pipeline.xmltools import NSMAP

SEARCH_PAGE = "search.html"
DOWNLOADS_PAGE = "downloads.html"


def make_environment(theme: Mapping[str, bytes] | None = None) -> Environment:
    """Jinja with autoescaping everywhere; a theme's templates (name -> bytes, read from
    the theme folder) come before the built-in ones."""
    loaders: list[BaseLoader] = []
    if theme:
        loaders.append(
            DictLoader(
                {
                    name: data.decode("utf-8", errors="replace")
                    for name, data in theme.items()
                    if name.endswith(".html")
                }
            )
        )
    loaders.append(PackageLoader("pipeline.render", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["date_html"] = date_html
    env.globals["creation_label"] = creation_label
    return env


@dataclass(frozen=True)
class DownloadItem:
    """An exchange file the Downloads page lists, with its size and checksum."""

    path: str  # below downloads/
    label: str
    description: str
    size: int
    sha256: str

    @property
    def size_label(self) -> str:
        if self.size < 1024:
            return f"{self.size} bytes"
        if self.size < 1024 * 1024:
            return f"{self.size / 1024:.1f} KB"
        return f"{self.size / (1024 * 1024):.1f} MB"


@dataclass(frozen=True)
class NavItem:
    key: str
    href: str  # from the site root
    label: str


@dataclass
class Occurrence:
    label: str
    href: str
    title: str


@dataclass
class EntryView:
    entry: RegisterEntry
    anchor: str
    fields: list[tuple[str, list[Markup]]]
    mentions: list[tuple[DocumentPage, list[Occurrence]]] = field(default_factory=list)
    authored: list[DocumentPage] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(o) for _, o in self.mentions)


def _citation_url(config: EditionConfig, page: str) -> str:
    base = external_url(config.base_url)
    if not base:
        return ""
    return base.rstrip("/") + "/" + page


def _nav(registers: RegisterLinks | None, has_search: bool, has_downloads: bool) -> list[NavItem]:
    items = [NavItem("home", "index.html", "Texts")]
    if registers is not None:
        for kind in KINDS.values():
            if any(e.kind == kind.key for e in registers.entries.values()):
                items.append(NavItem(kind.key, kind.page, kind.title))
    items.append(NavItem("chronology", "chronology.html", "Chronology"))
    if has_search:
        items.append(NavItem("search", SEARCH_PAGE, "Search"))
    if has_downloads:
        items.append(NavItem("downloads", DOWNLOADS_PAGE, "Downloads"))
    items.append(NavItem("about", "about.html", "About"))
    return items


def _entry_fields(entry: RegisterEntry, render: Renderer) -> list[tuple[str, list[Markup]]]:
    el = entry.element
    fields: list[tuple[str, list[Markup]]] = []

    def add(label: str, values: list[Markup]) -> None:
        values = [v for v in values if str(v).strip()]
        if values:
            fields.append((label, values))

    name_tag = {"person": "persName", "place": "placeName", "org": "orgName"}.get(entry.kind)
    if name_tag:
        names = el.findall(f"tei:{name_tag}", NSMAP)
        add("Also written", [escape(plain(n)) for n in names if n.get("type") == "variant"])
        for n in names:
            kind = n.get("type") or ""
            if kind not in ("main", "variant", ""):
                add(f"{kind.capitalize()} name", [escape(plain(n))])
    else:
        titles = el.findall("tei:title", NSMAP)
        add("Also titled", [escape(plain(t)) for t in titles if t.get("type") == "alt"])
        add("Kind", [escape(el.get("type") or "")])
        add("Author", [render.inline(a, header=True) for a in el.findall("tei:author", NSMAP)])
    for label, tag in (("Born", "birth"), ("Died", "death")):
        values = []
        for event in el.findall(f"tei:{tag}", NSMAP):
            dates = event.findall("tei:date", NSMAP)
            if dates:
                parts = [date_html(date_info(d), plain(d)) for d in dates]
                rest = [render.inline(c, header=True) for c in event if c.tag != dates[0].tag]
                values.append(Markup(", ").join(parts + rest))
            else:
                values.append(render.inline(event, header=True))
        add(label, values)
    if entry.kind == "bibl":
        add("Dates", [date_html(date_info(d), plain(d)) for d in el.findall("tei:date", NSMAP)])
    add("Role", [render.inline(o, header=True) for o in el.findall("tei:occupation", NSMAP)])
    add("Coordinates", [escape(plain(g)) for g in el.findall("tei:location/tei:geo", NSMAP)])
    for note in el.findall("tei:note", NSMAP):
        if note.get("type") == "derived":
            add("Group words", [escape(plain(t)) for t in note.findall("tei:term", NSMAP)])
        else:
            add("Note", [render.inline(note, header=True)])
    add("Authority", [_authority(i) for i in el.findall("tei:idno", NSMAP)])
    return fields


_AUTHORITIES = {
    "wikidata": ("Wikidata", "https://www.wikidata.org/wiki/{}", r"Q[0-9]+"),
    "viaf": ("VIAF", "https://viaf.org/viaf/{}", r"[0-9]+"),
    "gnd": ("GND", "https://d-nb.info/gnd/{}", r"[0-9X-]+"),
    "geonames": ("GeoNames", "https://www.geonames.org/{}", r"[0-9]+"),
}


def _authority(idno: etree._Element) -> Markup:
    value = plain(idno)
    kind = (idno.get("type") or "").lower()
    known = _AUTHORITIES.get(kind)
    if known and re.fullmatch(known[2], value):
        url = known[1].format(value)
        return Markup(f'{escape(known[0])}: <a href="{escape(url)}">{escape(value)}</a>')
    url = external_url(value)
    if url:
        return Markup(f'<a href="{escape(url)}">{escape(url)}</a>')
    return escape(f"{kind}: {value}" if kind else value)


def _entries(documents: list[DocumentPage], registers: RegisterLinks) -> dict[str, EntryView]:
    ids = IdRegistry()
    render = Renderer(
        slug="registers",
        root="",
        registers=registers,
        ids=ids,
        record_mentions=False,
        record_dates=False,
    )
    views = {
        key: EntryView(e, registers.anchor(e), _entry_fields(e, render))
        for key, e in registers.entries.items()
    }
    for doc in documents:
        grouped: dict[str, list[Occurrence]] = {}
        counts: dict[tuple[str, str], int] = {}
        for mention in doc.mentions:
            if mention.entry_key not in views:
                continue
            n = counts[(mention.entry_key, mention.where)] = (
                counts.get((mention.entry_key, mention.where), 0) + 1
            )
            label = mention.where if n == 1 else f"{mention.where} ({n})"
            grouped.setdefault(mention.entry_key, []).append(
                Occurrence(label, f"{doc.page}#{mention.html_id}", mention.text)
            )
        for key, occurrences in grouped.items():
            views[key].mentions.append((doc, occurrences))
        for author in doc.tei.iterfind(
            "tei:teiHeader/tei:fileDesc/tei:titleStmt/tei:author//*[@ref]", NSMAP
        ):
            entry = registers.resolve(author.get("ref"))
            if entry is not None and doc not in views[entry.id].authored:
                views[entry.id].authored.append(doc)
    return views


def _letter(entry: RegisterEntry) -> str:
    first = entry.sort_name[:1].upper()
    return first if first.isalpha() and first.isascii() else "#"


def render_pages(
    documents: list[DocumentPage],
    registers: RegisterLinks | None,
    config: EditionConfig,
    env: Environment,
    *,
    foreign: bool = False,
    schema: etree._Element | None = None,
    has_search: bool = True,
    downloads: Mapping[str, set[str]] | None = None,
    moved: Mapping[str, str] | None = None,
    exchange: Sequence[DownloadItem] = (),
) -> dict[str, bytes]:
    """Every HTML page of the site by its path in the site folder.

    ``documents`` must be in reading order (by date). ``downloads`` maps a document's
    slug to what is offered for it ("xml", "txt", "original"); ``exchange`` lists the
    edition's exchange files for the Downloads page.
    """
    downloads = downloads or {}
    moved = moved or {}
    nav = _nav(registers, has_search, bool(exchange))
    edition = {
        "title": config.title,
        "subtitle": config.subtitle,
        "editors": config.editors,
        "publisher": config.publisher,
        "licence": config.licence,
        "licence_url": external_url(config.licence_url) or "",
        "release_date": config.release_date,
        "url": _citation_url(config, "index.html").removesuffix("index.html"),
        "introduction": [p.strip() for p in config.introduction.split("\n\n") if p.strip()],
    }
    pages: dict[str, bytes] = {}

    def page(path: str, template: str, current: str, **context: object) -> None:
        root = "../" * path.count("/")
        html = env.get_template(template).render(
            edition=edition,
            nav=nav,
            current=current,
            root=root,
            foreign=foreign,
            has_search=has_search,
            **context,
        )
        pages[path] = html.encode("utf-8")

    register_counts = {}
    if registers is not None:
        for kind in KINDS.values():
            register_counts[kind.key] = sum(
                1 for e in registers.entries.values() if e.kind == kind.key
            )
    has_txt = any("txt" in kinds for kinds in downloads.values())
    page(
        "index.html",
        "index.html",
        "home",
        documents=documents,
        nav_counts=register_counts,
        has_txt=has_txt,
        registers_file=registers.file_name
        if registers is not None and registers.root is not None
        else "",
    )

    for index, doc in enumerate(documents):
        previous = documents[index - 1] if index > 0 else None
        following = documents[index + 1] if index + 1 < len(documents) else None
        page(
            doc.page,
            "document.html",
            "text",
            doc=doc,
            previous=previous,
            following=following,
            citation_url=_citation_url(config, doc.page),
            downloads=sorted(downloads.get(doc.slug, ())),
            moved=Markup(moved.get(doc.slug, "")),
        )

    if registers is not None:
        views = _entries(documents, registers)
        for kind in KINDS.values():
            entries = [views[e.id] for e in registers.by_kind(kind.key)]
            if not entries:
                continue
            letters: dict[str, list[EntryView]] = {}
            for view in entries:
                letters.setdefault(_letter(view.entry), []).append(view)
            page(
                kind.page,
                "register.html",
                kind.key,
                kind=kind,
                letters=letters,
                total=len(entries),
                registers_file=registers.file_name,
            )

    dated = chronology.collect(documents)
    years = chronology.by_year(dated)
    page(
        "chronology.html",
        "chronology.html",
        "chronology",
        years=years,
        timeline=chronology.timeline_svg(years),
        total=len(dated),
    )

    if has_search:
        page(SEARCH_PAGE, "search.html", "search")

    if exchange:
        page(
            DOWNLOADS_PAGE,
            "downloads.html",
            "downloads",
            items=exchange,
            documents=documents,
            offered=downloads,
        )

    about_ids = IdRegistry()
    about_render = Renderer(
        slug="about",
        root="",
        registers=registers,
        ids=about_ids,
        record_mentions=False,
        record_dates=False,
    )

    def render_block(el: etree._Element) -> Markup:
        return about_render.inline(el, header=True)

    page(
        "about.html",
        "about.html",
        "about",
        documents=documents,
        projects=about.shared_sections(
            documents, "tei:teiHeader/tei:encodingDesc/tei:projectDesc/tei:p", render_block
        ),
        principles=about.principles(documents, render_block),
        other_declarations=about.other_declarations(
            documents, lambda el, skip: header_tree(el, about_render, skip)
        ),
        calendars=about.shared_sections(
            documents, "tei:teiHeader/tei:profileDesc/tei:calendarDesc/tei:calendar", render_block
        ),
        cite_structures=about.cite_structures(documents),
        interventions=about.interventions(documents),
        genres=sorted(registers.categories.values(), key=lambda c: c.label.lower())
        if registers
        else [],
        register_principles=about.registers_principles(
            registers.root if registers else None, render_block
        ),
        schema=about.schema_docs(schema),
    )
    return pages
