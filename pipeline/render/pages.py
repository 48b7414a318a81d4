"""From documents and registers to the pages of the site, as bytes; no file is touched.

``render_pages`` is the stage: it takes the analysed documents, the registers, what the
site says about itself (``SiteInfo``) and the templates, and returns every file of the
site by its path relative to the site folder.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    DictLoader,
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    StrictUndefined,
)
from lxml import etree
from markupsafe import Markup, escape

from pipeline.config import EditionConfig
from pipeline.render import about, chronology, search
from pipeline.render.dates import DateInfo, date_info
from pipeline.render.documents import (
    DocumentPage,
    Link,
    complete,
    creation_label,
    date_html,
    header_label,
    header_tree,
)
from pipeline.render.ids import IdRegistry
from pipeline.render.memo import AnalysisStore, digest
from pipeline.render.registers import KINDS, RegisterKind, RegisterLinks
from pipeline.render.tei_html import Renderer, TeiTemplates, plain
from pipeline.structure import paging
from pipeline.structure.identifiers import class_token, external_url
from pipeline.structure.registers import RegisterEntry
from pipeline.xmltools import NSMAP

SEARCH_PAGE = "search.html"
DOWNLOADS_PAGE = "downloads.html"
VALIDATION_PAGE = "validation.html"
SCHEMA_PAGE = "schema.html"
UI_LANG = "en"  # the language of the pages' own words


def make_environment(
    theme: Mapping[str, bytes] | None = None, cache: Path | None = None
) -> Environment:
    """Jinja with autoescaping everywhere; a theme's templates (name -> bytes, read from
    the theme folder) come before the built-in ones. ``cache``: a folder where compiled
    templates are kept between runs (compiling them is most of a small build's time)."""
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
        bytecode_cache=FileSystemBytecodeCache(str(cache)) if cache is not None else None,
    )
    env.filters["token"] = class_token
    return env


def load_templates(
    theme: Mapping[str, bytes] | None = None, cache: Path | None = None
) -> TeiTemplates:
    """The page templates and the TEI element macros, a theme's first (compiled ones kept
    in ``cache``, a folder, when given)."""
    theme = theme or {}
    env = make_environment(theme, cache)
    templates = TeiTemplates(env, frozenset(n for n in theme if n.endswith(".html")))
    env.globals["creation_label"] = lambda doc: creation_label(doc, templates)
    return templates


@dataclass(frozen=True)
class SiteInfo:
    """What the site says about itself: its title and introduction, and for an edition
    its editors, publisher, licence, release and address."""

    title: str
    subtitle: str = ""
    editors: tuple[str, ...] = ()
    publisher: str = ""
    licence: str = ""
    licence_url: str = ""
    release_date: str = ""
    base_url: str = ""
    introduction: tuple[str, ...] = ()
    images_base_url: str = ""
    foreign: bool = False  # other projects' TEI: each text's header speaks for it

    @classmethod
    def from_config(cls, config: EditionConfig) -> SiteInfo:
        """The edition's own settings."""
        return cls(
            title=config.title,
            subtitle=config.subtitle,
            editors=tuple(config.editors),
            publisher=config.publisher,
            licence=config.licence,
            licence_url=config.licence_url or "",
            release_date=config.release_date or "",
            base_url=config.base_url or "",
            introduction=paragraphs(config.introduction),
        )


def paragraphs(text: str) -> tuple[str, ...]:
    """Paragraphs of a setting's text, separated by blank lines."""
    return tuple(p.strip() for p in (text or "").split("\n\n") if p.strip())


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
class FindingLine:
    """One finding of the validation, as the validation page lists it."""

    position: str  # file:line:col
    severity: str
    message: str
    layer: str


@dataclass(frozen=True)
class FileVerdict:
    """A file of other projects' TEI: rendered or left out, and what is wrong with it."""

    path: str
    rendered: bool
    valid: bool
    findings: tuple[FindingLine, ...]
    pages: tuple[tuple[str, str], ...] = ()  # (page, title) of each document rendered


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
    key: str
    entry: RegisterEntry
    fields: list[tuple[str, list[Markup | Link]]]
    mentions: list[tuple[DocumentPage, list[Occurrence]]] = field(default_factory=list)
    authored: list[DocumentPage] = field(default_factory=list)
    page: str = ""  # the entry's own page, from the site root
    href: str = ""  # where a link to the entry leads, from the site root
    nested: list[tuple[str, list[Markup | Link]]] = field(default_factory=list)  # ../ links
    shown: str = ""  # a digest of the entry and of both its fields

    @property
    def anchor(self) -> str:
        return self.key

    @property
    def count(self) -> int:
        return sum(len(o) for _, o in self.mentions)


def _citation_url(site: SiteInfo, page: str) -> str:
    base = external_url(site.base_url)
    if not base:
        return ""
    return base.rstrip("/") + "/" + page


def _nav(
    registers: RegisterLinks | None,
    has_search: bool,
    has_downloads: bool,
    has_validation: bool,
) -> list[NavItem]:
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
    if has_validation:
        items.append(NavItem("validation", VALIDATION_PAGE, "Validation"))
    items.append(NavItem("about", "about.html", "About"))
    return items


_NAME_TAGS = {"person": "persName", "place": "placeName", "org": "orgName"}


def _entry_fields(
    entry: RegisterEntry, render: Renderer, templates: TeiTemplates
) -> list[tuple[str, list[Markup | Link]]]:
    """What an entry holds, field by field; what no field names is shown under its own
    element's name, so no word of an entry is lost."""
    el = entry.element
    fields: list[tuple[str, list[Markup | Link]]] = []
    shown: set[etree._Element] = set()

    def add(label: str, values: list[Markup | Link]) -> None:
        values = [v for v in values if isinstance(v, Link) or str(v).strip()]
        if values:
            fields.append((label, values))

    def inline(child: etree._Element) -> Markup:
        shown.add(child)
        return render.inline(child, header=True)

    name_tag = _NAME_TAGS.get(entry.kind)
    if name_tag:
        names = el.findall(f"tei:{name_tag}", NSMAP)
        main = next((n for n in names if n.get("type") == "main"), None)
        main = (
            main if main is not None else next((n for n in names if plain(n) == entry.name), None)
        )
        if main is not None:
            shown.add(main)
        add(
            "Also written",
            [inline(n) for n in names if n not in shown and n.get("type") in (None, "", "variant")],
        )
        for n in names:
            if n not in shown:
                add(f"{(n.get('type') or 'other').capitalize()} name", [inline(n)])
    else:
        titles = el.findall("tei:title", NSMAP)
        main = next((t for t in titles if plain(t) == entry.name), None)
        if main is not None:
            shown.add(main)
        add("Also titled", [inline(t) for t in titles if t not in shown])
        add("Kind", [escape(el.get("type") or "")])
        add("Author", [inline(a) for a in el.findall("tei:author", NSMAP)])
    for label, tag in (("Born", "birth"), ("Died", "death")):
        values: list[Markup | Link] = []
        for event in el.findall(f"tei:{tag}", NSMAP):
            shown.add(event)
            dates = event.findall("tei:date", NSMAP)
            if dates:
                parts = [_life_date(templates, date_info(d), plain(d)) for d in dates]
                rest = [render.inline(c, header=True) for c in event if c.tag != dates[0].tag]
                values.append(Markup(", ").join(parts + rest))
            else:
                values.append(render.inline(event, header=True))
        add(label, values)
    if entry.kind == "bibl":
        dates = el.findall("tei:date", NSMAP)
        shown.update(dates)
        add("Dates", [date_html(templates, date_info(d), plain(d), focusable=False) for d in dates])
    add("Role", [inline(o) for o in el.findall("tei:occupation", NSMAP)])
    locations = el.findall("tei:location", NSMAP)
    geos = [g for loc in locations for g in loc.findall("tei:geo", NSMAP)]
    if geos and all(len(loc) == len(loc.findall("tei:geo", NSMAP)) for loc in locations):
        shown.update(locations)
        add("Coordinates", [escape(plain(g)) for g in geos])
    for note in el.findall("tei:note", NSMAP):
        shown.add(note)
        if note.get("type") == "derived":
            add("Group words", [escape(plain(t)) for t in note.findall("tei:term", NSMAP)])
        else:
            add("Note", [render.inline(note, header=True)])
    idnos = el.findall("tei:idno", NSMAP)
    shown.update(idnos)
    add("Authority", [_authority(i) for i in idnos])
    for child in el:
        if isinstance(child.tag, str) and child not in shown:
            add(header_label(etree.QName(child).localname), [inline(child)])
    return fields


def _life_date(templates: TeiTemplates, info: DateInfo, written: str) -> Markup:
    """A birth or death as written, and in both calendars where the edition gives two."""
    if not info.julian:
        return escape(written)
    both = templates.page_macro("dual_date")(info)
    return escape(written) + Markup(' <span class="both-calendars">(') + both + Markup(")</span>")


_AUTHORITIES = {
    "wikidata": ("Wikidata", "https://www.wikidata.org/wiki/{}", r"Q[0-9]+"),
    "viaf": ("VIAF", "https://viaf.org/viaf/{}", r"[0-9]+"),
    "gnd": ("GND", "https://d-nb.info/gnd/{}", r"[0-9X-]+"),
    "pnd": ("GND", "https://d-nb.info/gnd/{}", r"[0-9X-]+"),
    "geonames": ("GeoNames", "https://www.geonames.org/{}", r"[0-9]+"),
    "orcid": ("ORCID", "https://orcid.org/{}", r"[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]"),
}


def _authority(idno: etree._Element) -> Markup | Link:
    """An authority identifier: a link where it is a URL or a known authority's number."""
    value = plain(idno)
    kind = (idno.get("type") or "").lower()
    known = _AUTHORITIES.get(kind)
    if known and re.fullmatch(known[2], value):
        return Link(known[1].format(value), value, known[0])
    url = external_url(value)
    if url:
        return Link(url, url)
    return escape(f"{kind}: {value}" if kind else value)


def _entries(
    documents: list[DocumentPage],
    registers: RegisterLinks,
    templates: TeiTemplates,
    store: AnalysisStore | None,
) -> dict[str, EntryView]:
    # Each entry's fields for the pages at the site's root (the registers) and for the
    # pages a folder down (the texts' indexes, the entries' own pages).
    top, nested = (
        Renderer(
            templates=templates,
            slug="registers",
            root=root,
            registers=registers,
            ids=IdRegistry(),
            record_mentions=False,
            record_dates=False,
        )
        for root in ("", "../")
    )
    # Every entry's fields depend on the registers alone (and the templates and code
    # the store's keys are salted with): made once for all entries, in their order (the
    # ids given on the way are then the same), and kept while the registers are.
    made = store.get("entry-fields", registers.digest()) if store is not None else None
    if not isinstance(made, dict) or made.keys() != registers.entries.keys():
        made = {}
        for key, e in registers.entries.items():
            shown, inner = _entry_fields(e, top, templates), _entry_fields(e, nested, templates)
            made[key] = (
                shown,
                inner,
                digest(registers.serialised(key), e.kind, repr(shown), repr(inner)),
            )
        if store is not None:
            store.put("entry-fields", registers.digest(), made)
    views = {
        key: EntryView(key, e, made[key][0], nested=made[key][1], shown=made[key][2])
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
        for ref in doc.author_refs:
            found = registers.resolve(ref, doc.scope)
            if found is not None and doc not in views[found[0]].authored:
                views[found[0]].authored.append(doc)
    return views


def _letter(entry: RegisterEntry) -> str:
    first = entry.sort_name[:1].upper()
    return first if first.isalpha() and first.isascii() else "#"


def _whole_text(doc: DocumentPage) -> dict[str, object]:
    """What a text's own page shows of its analysis (held as a summary in a large
    collection, see ``documents.summary``)."""
    whole = complete(doc)
    return {
        "doc": whole,
        "footnotes": [n for n in whole.notes if n.foot],
        "endnotes": [n for n in whole.notes if not n.foot],
    }


def render_pages(
    documents: list[DocumentPage],
    registers: RegisterLinks | None,
    site: SiteInfo,
    templates: TeiTemplates,
    *,
    schema: etree._Element | None = None,
    has_search: bool = True,
    downloads: Mapping[str, set[str]] | None = None,
    moved: Mapping[str, str] | None = None,
    exchange: Sequence[DownloadItem] = (),
    validation: Sequence[FileVerdict] | None = None,
    page_items: int = 250,
    store: AnalysisStore | None = None,
    sink: Callable[[str, bytes], None] | None = None,
    holds: Callable[[str, str], bool] | None = None,
) -> dict[str, bytes]:
    """Every HTML page of the site by its path in the site folder.

    With a ``sink``, each page is handed to it as soon as it is made and none is kept
    (the dict returned is then empty): a large site is written as it is rendered.

    ``documents`` must be in reading order (by date). ``downloads`` maps a document's
    slug to what is offered for it ("xml", "zip", "txt", "original"); ``exchange`` lists
    the edition's exchange files for the Downloads page; ``validation`` gives the
    verdict on each input file of other projects' TEI, for the validation page.
    ``page_items``: the most items a page listing the collection holds (see ``paging``).
    With a ``store``, a text's page made before from the same analysis, neighbours and
    site is taken from it rather than rendered again. ``holds(path, key)`` says whether
    the site being written already has the page that ``key`` names at ``path`` (as an
    earlier version of the site left it): such a page is neither made nor handed on.
    """
    env = templates.env
    downloads = downloads or {}
    moved = moved or {}
    foreign = site.foreign
    nav = _nav(registers, has_search, bool(exchange), validation is not None)
    edition = {
        "title": site.title,
        "subtitle": site.subtitle,
        "editors": list(site.editors),
        "publisher": site.publisher,
        "licence": site.licence,
        "licence_url": external_url(site.licence_url) or "",
        "release_date": site.release_date,
        "url": _citation_url(site, "index.html").removesuffix("index.html"),
        "introduction": list(site.introduction),
    }
    pages: dict[str, bytes] = {}
    emit = sink if sink is not None else pages.__setitem__
    schema_docs = about.schema_docs(schema)

    # What every page shows of the site: a page is the same bytes when this and what
    # its ``memo`` names (everything else it shows) are.
    site_key = digest(repr((edition, nav, has_search, foreign, schema_docs is not None, UI_LANG)))

    def page(
        path: str,
        template: str,
        current: str,
        lang: str | None = None,
        memo: str = "",
        late: Callable[[], dict[str, object]] | None = None,
        **context: object,
    ) -> None:
        """Render a page (or take it from the store, by ``memo``); ``late`` gives what
        only rendering needs, and is not asked for when the page is taken."""
        key = digest(memo, site_key, path, template, current, lang or "") if memo else ""
        if key and holds is not None and holds(path, key):
            return
        if key and store is not None:
            made = store.get("page", key)
            if isinstance(made, bytes):
                emit(path, made)
                return
        if late is not None:
            context.update(late())
        root = "../" * path.count("/")
        html = env.get_template(template).render(
            edition=edition,
            nav=nav,
            current=current,
            root=root,
            foreign=foreign,
            has_search=has_search,
            has_schema=schema_docs is not None,
            page_lang=lang or UI_LANG,
            ui_lang=UI_LANG,
            # The pages' own words, marked where the page is in another language.
            ui_attr=Markup(f' lang="{UI_LANG}"') if (lang or UI_LANG) != UI_LANG else Markup(""),
            **context,
        )
        data = html.encode("utf-8")
        emit(path, data)
        if key and store is not None:
            store.put("page", key, data)

    register_counts = {}
    if registers is not None:
        for kind in KINDS.values():
            register_counts[kind.key] = sum(
                1 for e in registers.entries.values() if e.kind == kind.key
            )
    has_txt = any("txt" in kinds for kinds in downloads.values())
    # The collection's plain text, in parts as the export cuts it.
    txt_parts = paging.part_paths("edition.txt", len(documents), page_items) if has_txt else []
    text_pages = paging.split(documents, page_items)
    text_pagers = paging.pagers("index.html", len(text_pages))
    for pager, chunk in zip(text_pagers, text_pages, strict=True):
        page(
            pager.path,
            "index.html",
            "home",
            memo=_documents_key(chunk, repr((pager, register_counts, txt_parts, len(documents)))),
            documents=chunk,
            total=len(documents),
            first_number=1 + (pager.number - 1) * page_items,
            pager=pager,
            nav_counts=register_counts,
            txt_parts=txt_parts,
            registers_file=registers.file_name
            if registers is not None and registers.root is not None
            else "",
        )

    about_pages = paging.split(documents, page_items, lambda d: 1 + len(d.interventions))
    about_pagers = paging.pagers("about.html", len(about_pages))
    about_page = {
        doc.slug: pager.path
        for pager, chunk in zip(about_pagers, about_pages, strict=True)
        for doc in chunk
    }

    views = _entries(documents, registers, templates, store) if registers is not None else {}
    if registers is not None:
        for key, view in views.items():
            view.page = registers.entry_pages.get(key, "")
            view.href = registers.href(key)
    for index, doc in enumerate(documents):
        previous = documents[index - 1] if index > 0 else None
        following = documents[index + 1] if index + 1 < len(documents) else None
        keys = registers.scope_keys(doc.scope) if registers is not None else []
        # The registers' entries this text mentions, for its index and the names'
        # pop-overs.
        keys += [m.entry_key for m in doc.mentions if m.entry_key not in keys]
        entries = [views[k] for k in dict.fromkeys(keys) if k in views]
        # A text's page is the same when its analysis (which names what it looked up in
        # the registers), the entries of its index, its neighbours and what the site
        # offers for it are.
        memo = (
            digest(
                doc.key,
                repr([(v.key, v.href, v.entry.kind, v.entry.name, v.nested) for v in entries]),
                *(
                    part
                    for d in (previous, following)
                    for part in ((d.slug, d.title) if d is not None else ("", ""))
                ),
                repr(sorted(downloads.get(doc.slug, ()))),
                moved.get(doc.slug, ""),
                about_page[doc.slug],
            )
            if doc.key
            else ""
        )
        page(
            doc.page,
            "document.html",
            "text",
            lang=doc.lang,
            memo=memo,
            late=functools.partial(_whole_text, doc),
            previous=previous,
            following=following,
            citation_url=_citation_url(site, doc.page),
            about_page=about_page[doc.slug],
            downloads=sorted(downloads.get(doc.slug, ())),
            moved=Markup(moved.get(doc.slug, "")),
            index=sorted(entries, key=_index_order),
            kinds=KINDS,
            facets=search.document_facets(doc, registers),
            sort_keys=search.document_sort(doc),
            highlight=_highlight_kinds(entries),
        )

    if registers is not None:
        _register_pages(page, views, registers, page_items)

    events = chronology.events(documents, registers)
    years = chronology.by_year(events)
    parts = chronology.paginate(chronology.written_band(documents), years, page_items)
    part_pagers = paging.pagers("chronology.html", len(parts))
    year_pages: dict[int, str] = {}  # the page each year begins on
    for pager, part in zip(part_pagers, parts, strict=True):
        for year in part.years:
            year_pages.setdefault(year.year, pager.path)
    elsewhere = {y: p for y, p in year_pages.items() if p != part_pagers[0].path}
    # Every part shows the years with their counts; each its own lines.
    overview = repr(([(y.year, y.anchor, y.in_texts, y.lives) for y in years], year_pages))
    for pager, part in zip(part_pagers, parts, strict=True):
        page(
            pager.path,
            "chronology.html",
            "chronology",
            memo=_chronology_key(part, repr((overview, pager))),
            pager=pager,
            years=years,
            year_pages=year_pages,
            part=part,
            timelines=[
                chronology.timeline_svg(years, d, elsewhere)
                for d in (chronology.NARROW, chronology.WIDE)
            ]
            if pager.first
            else [],
            in_texts=sum(y.in_texts for y in years),
            lives=sum(y.lives for y in years),
            written=part.written,
        )

    if has_search:
        # A filter with more choices than a page lists is filled from the index itself
        # when the search loads, so that the page stays within the bound.
        facets = [
            (facet, label, values if len(values) <= page_items else [], len(values) > page_items)
            for facet, label, values in search.facet_options(documents, registers)
        ]
        # The registers' spellings, kept by the registers' digest: the same while they are.
        names_key = registers.digest() if registers is not None else ""
        variants = store.get("name-variants", names_key) if store is not None else None
        if not isinstance(variants, bytes):
            variants = json.dumps(
                search.name_variants(registers), ensure_ascii=False, sort_keys=True
            ).encode("utf-8")
            if store is not None:
                store.put("name-variants", names_key, variants)
        emit(search.NAME_VARIANTS, variants)
        page(SEARCH_PAGE, "search.html", "search", facets=facets)

    if exchange:
        for pager, chunk in zip(
            paging.pagers(DOWNLOADS_PAGE, len(text_pages)), text_pages, strict=True
        ):
            page(
                pager.path,
                "downloads.html",
                "downloads",
                memo=_documents_key(
                    chunk,
                    repr(
                        (pager, list(exchange), [sorted(downloads.get(d.slug, ())) for d in chunk])
                    ),
                ),
                items=exchange,
                documents=chunk,
                offered=downloads,
                pager=pager,
            )

    if validation is not None:
        _validation_pages(page, validation, page_items)

    # The guide is on the first page; what each text declares, and its interventions,
    # go on over pages of texts (a text weighing one, and one more per intervention).
    # What they show of the texts comes from the headers alone (and the registers, for
    # names in them): a page whose texts, headers and registers are as before is not
    # made, and nothing of the headers is read when none is.
    about_context = functools.cache(
        lambda: _about_context(documents, registers, templates, schema_docs)
    )
    about_key = digest(
        *(_header_bytes(doc) for doc in documents),
        registers.digest() if registers is not None else "",
        repr(schema_docs),
    )
    for pager, chunk in zip(about_pagers, about_pages, strict=True):
        page(
            pager.path,
            "about.html",
            "about",
            memo=digest(
                about_key,
                repr(pager),
                *(repr((doc.slug, doc.title, doc.interventions)) for doc in chunk),
            ),
            late=functools.partial(_about_page, about_context, pager, chunk),
            pager=pager,
            documents=chunk,
            schema=schema_docs,
        )
    if schema_docs is not None:
        page(SCHEMA_PAGE, "schema.html", "about", schema=schema_docs)
    return pages


def _validation_pages(page: Callable[..., None], files: Sequence[FileVerdict], size: int) -> None:
    """The verdict on each file, a file with its findings weighing one and one more per
    finding; the counts are the whole run's on every page."""
    totals = {
        "files": len(files),
        "rendered": sum(1 for f in files if f.rendered),
        "invalid": sum(1 for f in files if f.rendered and not f.valid),
        "left_out": sum(1 for f in files if not f.rendered),
    }
    chunks = paging.split(files, size, lambda f: 1 + len(f.findings))
    first = 1
    for pager, chunk in zip(paging.pagers(VALIDATION_PAGE, len(chunks)), chunks, strict=True):
        page(
            pager.path,
            "validation.html",
            "validation",
            files=chunk,
            totals=totals,
            first_number=first,
            pager=pager,
        )
        first += len(chunk)


def _register_pages(
    page: Callable[..., None],
    views: Mapping[str, EntryView],
    registers: RegisterLinks,
    size: int,
) -> None:
    """Each register's list, and each entry's own page: a search result, and an address.

    A register of more entries than ``size`` is listed over pages, each entry with how
    often it is mentioned; its mentions are on its own page. An entry's own page lists
    its mentions over pages of ``size`` (its first page is its address and its search
    result; the next ones are in a folder named as it is)."""
    list_pages: dict[str, str] = {}
    for kind in KINDS.values():
        entries = [views[key] for key, _ in registers.by_kind(kind.key)]
        if not entries:
            continue
        chunks = paging.split(entries, size)
        pagers = paging.pagers(kind.page, len(chunks))
        letter_pages: dict[str, str] = {}
        for pager, chunk in zip(pagers, chunks, strict=True):
            for view in chunk:
                list_pages[view.key] = pager.path
                letter_pages.setdefault(_letter(view.entry), pager.path)
        for pager, chunk in zip(pagers, chunks, strict=True):
            letters: dict[str, list[EntryView]] = {}
            for view in chunk:
                letters.setdefault(_letter(view.entry), []).append(view)
            page(
                pager.path,
                "register.html",
                kind.key,
                memo=digest(
                    repr((pager, letter_pages, len(entries), _mention_texts(size))),
                    registers.file_name if registers.root is not None else "",
                    repr(kind.key in registers.long_kinds),
                    *(_entry_key(view) for view in chunk),
                ),
                kind=kind,
                letters=letters,
                letter_pages=letter_pages,
                pager=pager,
                summary=kind.key in registers.long_kinds,
                mention_texts=_mention_texts(size),
                total=len(entries),
                registers_file=registers.file_name if registers.root is not None else "",
            )
    for view in views.values():
        if not view.page:
            continue
        # What it wrote, then where it is mentioned (each text by its occurrences).
        items = [(doc, None) for doc in view.authored] + list(view.mentions)
        chunks = paging.split(items, size, lambda item: len(item[1] or ()))
        folder = view.page.removesuffix(".html")
        pagers = paging.pagers(view.page, len(chunks))
        pagers = [
            paging.Pager(
                tuple(p if n == 0 else f"{folder}/{n + 1}.html" for n, p in enumerate(q.paths)),
                q.number,
            )
            for q in pagers
        ]
        shown = _entry_key(view)  # once: a long entry has many pages
        for pager, chunk in zip(pagers, chunks, strict=True):
            page(
                pager.path,
                "entry.html",
                view.entry.kind,
                memo=digest(repr((pager, list_pages.get(view.key, ""))), shown),
                view=view,
                mentions=[item for item in chunk if item[1] is not None],
                authored=[doc for doc, occurrences in chunk if occurrences is None],
                pager=pager,
                list_page=list_pages.get(view.key, KINDS[view.entry.kind].page),
                kind=KINDS[view.entry.kind],
                facets=search.entry_facets(view.entry),
                sort_keys=search.entry_sort(view.entry, view.key),
            )


def _mention_texts(size: int) -> int:
    """How many texts' mentions an entry shows on its register's list (the rest are on
    its own page): a list page holds at most ``size`` entries, each bounded so."""
    return max(1, -(-size // 25))


@dataclass(frozen=True)
class _AboutContext:
    """What the pages of the guide take from every text's header, made once for all."""

    render: Callable[[etree._Element], Markup]
    principles: list[about.Principle]
    other_declarations: list[tuple[DocumentPage, Markup]]
    interventions: dict[str, list[about.InterventionRow]]
    documents: list[DocumentPage]
    registers: RegisterLinks | None


def _header_bytes(doc: DocumentPage) -> bytes:
    return doc.header if doc.tei is None else etree.tostring(doc.header_root())


def _about_context(
    documents: list[DocumentPage],
    registers: RegisterLinks | None,
    templates: TeiTemplates,
    schema_docs: about.SchemaDocs | None,
) -> _AboutContext:
    about_render = Renderer(
        templates=templates,
        slug="about",
        root="",
        registers=registers,
        ids=IdRegistry(),
        record_mentions=False,
        record_dates=False,
    )

    def render_block(el: etree._Element) -> Markup:
        return about_render.inline(el, header=True)

    # In this order whatever pages are made: the ids given on the way are the same.
    principles = about.principles(documents, render_block)
    other_declarations = about.other_declarations(
        documents, lambda el, skip: header_tree(el, about_render, skip)
    )
    return _AboutContext(
        render_block,
        principles,
        other_declarations,
        about.interventions(documents),
        documents,
        registers,
    )


def _about_page(
    made: Callable[[], _AboutContext], pager: paging.Pager, chunk: list[DocumentPage]
) -> dict[str, object]:
    """What one page of the guide shows besides its texts: the first page has the guide
    itself and what all texts share."""
    context = made()
    shown = {doc.slug for doc in chunk}
    documents, registers, render = context.documents, context.registers, context.render
    first = pager.first
    return {
        "projects": about.shared_sections(
            documents, "tei:encodingDesc/tei:projectDesc/tei:p", render
        )
        if first
        else [],
        "principles": about.principles_of(context.principles, shown, common=first),
        "other_declarations": [(d, t) for d, t in context.other_declarations if d.slug in shown],
        "calendars": about.shared_sections(
            documents, "tei:profileDesc/tei:calendarDesc/tei:calendar", render
        )
        if first
        else [],
        "cite_structures": about.cite_structures(documents) if first else [],
        "interventions": context.interventions,
        "genres": sorted(registers.categories.values(), key=lambda c: c.label.lower())
        if registers and first
        else [],
        "register_principles": about.registers_principles(
            registers.root if registers else None, render
        )
        if first
        else [],
    }


def _documents_key(documents: Sequence[DocumentPage], context: str) -> str:
    """A memo for a page listing ``documents`` (each named by its analysis), or none
    where one was made without a key."""
    if not all(doc.key for doc in documents):
        return ""
    return digest(context, *(doc.key for doc in documents))


def _chronology_key(part: chronology.ChronologyPage, context: str) -> str:
    """A memo for a page of the chronology: its lines, each text named by its analysis
    (or none, where one was made without a key)."""
    texts = [*part.written]
    lines: list[str] = [context, repr(part.continues)]
    for year in part.years:
        for event in year.events:
            lines.append(repr((year.year, event.anchor, event.info)))
            for passage in event.passages:
                texts.append(passage.doc)
                lines.append(
                    repr(
                        (
                            passage.doc.key,
                            passage.before,
                            passage.written,
                            passage.after,
                            passage.href,
                            passage.where,
                            passage.kind,
                        )
                    )
                )
            lines += [repr(life) for life in event.lives]
    if not all(doc.key for doc in texts):
        return ""
    return digest(*lines, *(doc.key for doc in part.written))


def _entry_key(view: EntryView) -> str:
    """All an entry's page or article shows: the entry and its fields as shown (with
    the links to other entries in them: ``shown``), where it is mentioned, and what it
    wrote."""
    return repr(
        (
            view.shown,
            view.key,
            view.page,
            view.href,
            # A text's occurrences of the entry are named by its analysis, where it has
            # a key: the same analysis gives the same occurrences.
            [
                (doc.page, doc.title, doc.key or [(o.label, o.href, o.title) for o in occurrences])
                for doc, occurrences in view.mentions
            ],
            [(doc.page, doc.title) for doc in view.authored],
        )
    )


_INDEX_ORDER = {kind: n for n, kind in enumerate(KINDS)}


def _index_order(view: EntryView) -> tuple:
    """A text's index: persons, places, organisations, publications, each by name."""
    return (_INDEX_ORDER.get(view.entry.kind, len(KINDS)), view.entry.sort_name, view.key)


def _highlight_kinds(entries: Sequence[EntryView]) -> list[RegisterKind]:
    """The kinds of name a text has, for its "highlight names" switch."""
    present = {view.entry.kind for view in entries}
    return [kind for key, kind in KINDS.items() if key in present]
