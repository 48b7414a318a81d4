"""The render stage: the collection's TEI to the files of the HTML edition, as bytes.

``load_templates`` reads the page templates and the TEI element macros (a theme's
first); ``analyse_collection`` reads each document of the given files into a
``DocumentPage``; ``render_site`` turns the pages, the registers and what the site says
about itself into every file of the site (path -> bytes). Nothing is written here: the
orchestration writes the files into a new version of the site and puts it in place
(``pipeline.build``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePosixPath

from lxml import etree

from pipeline.errors import EditionError
from pipeline.render.documents import DocumentPage, analyse
from pipeline.render.pages import (
    DownloadItem,
    FileVerdict,
    FindingLine,
    SiteInfo,
    load_templates,
    paragraphs,
    render_pages,
)
from pipeline.render.redirects import redirect_anchors, redirect_pages
from pipeline.render.registers import RegisterLinks
from pipeline.render.tei_html import TeiTemplates
from pipeline.structure import TeiFile, document_name
from pipeline.structure.reading import register_lists
from pipeline.structure.registers import RegisterIndex
from pipeline.xmltools import TEI_NS

__all__ = [
    "DownloadItem",
    "FileVerdict",
    "FindingLine",
    "RenderedSite",
    "SiteInfo",
    "analyse_collection",
    "load_templates",
    "paragraphs",
    "render_site",
    "tei_members",
]

_RESERVED_NAMES = frozenset({"edition", "registers"})


@dataclass(frozen=True)
class RenderedSite:
    files: dict[str, bytes]  # path in the site -> bytes
    pages: int
    documents: int


def tei_members(root: etree._Element) -> list[tuple[etree._Element, str]]:
    """The TEI documents of a file, with the title of the corpus they belong to."""
    if root.tag == f"{{{TEI_NS}}}TEI":
        return [(root, "")]
    found = []
    title_el = root.find(f"{{{TEI_NS}}}teiHeader//{{{TEI_NS}}}title")
    title = " ".join("".join(title_el.itertext()).split()) if title_el is not None else ""
    for child in root:
        if child.tag == f"{{{TEI_NS}}}TEI":
            found.append((child, title))
        elif child.tag == f"{{{TEI_NS}}}teiCorpus":
            found.extend(tei_members(child))
    return found


def _check_root(file: TeiFile) -> None:
    root = file.tree().getroot()
    if root.tag in (f"{{{TEI_NS}}}TEI", f"{{{TEI_NS}}}teiCorpus"):
        return
    name = etree.QName(root).localname if isinstance(root.tag, str) else "?"
    if name == "TEI.2":
        raise EditionError("TEI P4 document (root <TEI.2>): only TEI P5 is rendered", file.path)
    raise EditionError(f"not a TEI document: the root element is <{name}>", file.path)


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate in used or candidate in _RESERVED_NAMES:
        candidate = f"{name}-{n}"
        n += 1
    used.add(candidate)
    return candidate


def analyse_collection(
    files: Sequence[TeiFile],
    registers: RegisterLinks | None,
    templates: TeiTemplates,
    *,
    images_base: str = "",
    list_items: int = 250,
) -> tuple[list[DocumentPage], dict[str, bytes], RegisterLinks | None]:
    """Every document of the files (texts and corpora), in date order; the TEI files to
    offer for download (file name -> the bytes as received); and the registers with
    each text's own lists added (made when only the texts have lists).

    The texts' own lists are gathered first: where a link to an entry leads depends on
    how many entries there are (``list_items``, see ``RegisterLinks.assign_pages``)."""
    documents: list[DocumentPage] = []
    downloads: dict[str, bytes] = {}
    used: set[str] = set()
    found: list[tuple[TeiFile, etree._Element, str, str, str]] = []
    for file in files:
        _check_root(file)
        root = file.tree().getroot()
        members = tei_members(root)
        stem = file.stem
        if len(members) == 1 and root.tag == f"{{{TEI_NS}}}TEI":
            name = _unique(document_name(root, stem), used)
            download = f"{name}.xml"
            named = [(members[0][0], members[0][1], name, download)]
        else:
            download = f"{_unique(document_name(root, stem), used)}.xml"
            named = [
                (tei, title, _unique(document_name(tei, stem, i, len(members)), used), download)
                for i, (tei, title) in enumerate(members, start=1)
            ]
        downloads[download] = file.data()
        for tei, corpus_title, name, download in named:
            lists = register_lists(tei)
            if lists:
                registers = registers if registers is not None else RegisterLinks()
                registers.add_scope(name, RegisterIndex(tei, file.name, file.shown, within=lists))
            found.append((file, tei, corpus_title, name, download))
    if registers is not None:
        registers.assign_pages(list_items)
    for file, tei, corpus_title, name, download in found:
        documents.append(
            analyse(
                tei,
                source=file.path,
                name=name,
                download=download,
                registers=registers,
                templates=templates,
                corpus_title=corpus_title,
                images_base=images_base,
                scope=name,
            )
        )
    if not documents:
        raise EditionError("no TEI texts to render")
    documents.sort(key=lambda d: d.sort_key)
    return documents, downloads, registers


STATIC_PACKAGE = "pipeline.render"


def static_files(theme: Mapping[str, bytes]) -> dict[str, bytes]:
    """The stylesheet and scripts; a file of the same name in the theme replaces one."""
    files = {}
    for entry in sorted(
        resources.files(STATIC_PACKAGE).joinpath("static").iterdir(), key=lambda e: e.name
    ):
        if entry.is_file():
            files[f"static/{entry.name}"] = theme.get(entry.name) or entry.read_bytes()
    return files


def site_path(rel: str, reserved: frozenset[str] = frozenset()) -> str:
    """A path inside the site, refused if it could land anywhere else."""
    parts = PurePosixPath(rel).parts
    if (
        not parts
        or PurePosixPath(rel).is_absolute()
        or "\\" in rel
        or "\0" in rel
        or any(part in ("", ".", "..") for part in parts)
        or rel in reserved
    ):
        raise EditionError(f"not a path inside the site: {rel!r}")
    return PurePosixPath(*parts).as_posix()


def render_site(
    documents: list[DocumentPage],
    registers: RegisterLinks | None,
    site: SiteInfo,
    templates: TeiTemplates,
    *,
    schema: etree._Element | None = None,
    search: bool = True,
    downloads: Mapping[str, set[str]] | None = None,
    redirects: Mapping[str, str] | None = None,
    exchange: Sequence[DownloadItem] = (),
    validation: Sequence[FileVerdict] | None = None,
    theme: Mapping[str, bytes] | None = None,
    page_items: int = 250,
) -> RenderedSite:
    """Every page of the site, its static files and its redirect pages (path -> bytes).

    ``downloads`` maps a document's name to what its page offers ("xml", "zip", "txt",
    "original"); ``exchange`` lists the edition's exchange files for the Downloads page;
    ``redirects`` (old id -> new id) adds pages and anchors that send old links on;
    ``validation`` adds the validation page; ``theme`` (file name -> bytes) holds the
    static files that replace the built-in ones (its templates are in ``templates``);
    ``page_items``: the most items a page that lists the collection holds.
    """
    theme = theme or {}
    files: dict[str, bytes] = {}
    moved: dict[str, str] = {}
    if redirects:
        for path, data in redirect_pages(redirects).items():
            files[path] = data
        moved = redirect_anchors(redirects)
    pages = render_pages(
        documents,
        registers,
        site,
        templates,
        schema=schema,
        has_search=search,
        downloads=downloads,
        moved=moved,
        exchange=exchange,
        validation=validation,
        page_items=page_items,
    )
    files.update(pages)
    files.update(static_files(theme))
    return RenderedSite(files, pages=len(pages), documents=len(documents))
