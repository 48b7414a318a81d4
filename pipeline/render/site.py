"""The render stage: the collection's TEI to the files of the HTML edition, as bytes.

``analyse_collection`` reads each document of the collection into a ``DocumentPage``;
``render_site`` turns the pages, the registers and the settings into every file of the
site (path -> bytes). Nothing is written here: the orchestration writes the files into
a new version of the site and puts it in place (``pipeline.build``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePosixPath

from lxml import etree

from pipeline.config import EditionConfig
from pipeline.errors import EditionError
from pipeline.render.documents import DocumentPage, analyse
from pipeline.render.pages import DownloadItem, make_environment, render_pages
from pipeline.render.redirects import redirect_anchors, redirect_pages
from pipeline.render.registers import RegisterLinks
from pipeline.structure import Collection, FileKind, TeiFile, document_name
from pipeline.xmltools import TEI_NS

__all__ = ["DownloadItem", "RenderedSite", "analyse_collection", "render_site"]

_RESERVED_NAMES = frozenset({"edition", "registers"})


@dataclass(frozen=True)
class RenderedSite:
    files: dict[str, bytes]  # path in the site -> bytes
    pages: int
    documents: int


def _members(root: etree._Element) -> list[tuple[etree._Element, str]]:
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
            found.extend(_members(child))
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
    collection: Collection, registers: RegisterLinks | None
) -> tuple[list[DocumentPage], dict[str, bytes]]:
    """Every document of the collection's texts, in date order, and the TEI files to
    offer for download (file name -> the bytes as received)."""
    documents: list[DocumentPage] = []
    downloads: dict[str, bytes] = {}
    used: set[str] = set()
    for file in collection.files:
        if file.kind == FileKind.REGISTERS:
            continue
        _check_root(file)
        root = file.tree().getroot()
        members = _members(root)
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
            documents.append(
                analyse(
                    tei,
                    source=file.path,
                    name=name,
                    download=download,
                    registers=registers,
                    corpus_title=corpus_title,
                )
            )
    if not documents:
        raise EditionError("no TEI texts to render")
    documents.sort(key=lambda d: d.sort_key)
    return documents, downloads


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
    config: EditionConfig,
    *,
    foreign: bool = False,
    schema: etree._Element | None = None,
    search: bool = True,
    downloads: Mapping[str, set[str]] | None = None,
    redirects: Mapping[str, str] | None = None,
    exchange: Sequence[DownloadItem] = (),
    theme: Mapping[str, bytes] | None = None,
) -> RenderedSite:
    """Every page of the site, its static files and its redirect pages (path -> bytes).

    ``downloads`` maps a document's name to what its page offers ("xml", "txt",
    "original"); ``exchange`` lists the edition's exchange files for the Downloads page;
    ``redirects`` (old id -> new id) adds pages and anchors that send old links on;
    ``theme`` (file name -> bytes) holds templates and static files that replace the
    built-in ones.
    """
    theme = theme or {}
    files: dict[str, bytes] = {}
    moved: dict[str, str] = {}
    if redirects:
        for path, data in redirect_pages(redirects).items():
            files[path] = data
        moved = redirect_anchors(redirects)
    env = make_environment(theme)
    pages = render_pages(
        documents,
        registers,
        config,
        env,
        foreign=foreign,
        schema=schema,
        has_search=search,
        downloads=downloads,
        moved=moved,
        exchange=exchange,
    )
    files.update(pages)
    files.update(static_files(theme))
    return RenderedSite(files, pages=len(pages), documents=len(documents))
