"""The render stage: the collection's TEI to the files of the HTML edition, as bytes.

``load_templates`` reads the page templates and the TEI element macros (a theme's
first); ``analyse_collection`` reads each document of the given files into a
``DocumentPage``; ``render_site`` turns the pages, the registers and what the site says
about itself into every file of the site (path -> bytes). Nothing is written here: the
orchestration writes the files into a new version of the site and puts it in place
(``pipeline.build``), and may lend both functions a store (``memo.AnalysisStore``) that
keeps analyses and pages between builds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import cast

from lxml import etree

from pipeline.errors import EditionError
from pipeline.render.documents import DocumentPage, analyse, kept, summary
from pipeline.render.memo import AnalysisStore, digest
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
from pipeline.render.registers import RecordedLookups, RegisterLinks, answers
from pipeline.render.tei_html import TeiTemplates
from pipeline.structure import TeiFile, document_name
from pipeline.structure.reading import register_lists
from pipeline.structure.registers import RegisterIndex
from pipeline.xmltools import TEI_NS

__all__ = [
    "AnalysisStore",
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
    files: dict[str, bytes]  # path in the site -> bytes (none, when given to a sink)
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


@dataclass(frozen=True)
class Outline:
    """What a file holds, as far as naming its documents goes: its own name, and for
    each of its TEI documents the name, the corpus title and whether it has register
    lists of its own."""

    corpus: bool
    name: str
    members: tuple[tuple[str, str, bool], ...]


def outline(root: etree._Element, stem: str) -> Outline:
    members = tei_members(root)
    corpus = not (len(members) == 1 and root.tag == f"{{{TEI_NS}}}TEI")
    return Outline(
        corpus,
        document_name(root, stem),
        tuple(
            (
                document_name(tei, stem, i, len(members)) if corpus else document_name(root, stem),
                title,
                bool(register_lists(tei)),
            )
            for i, (tei, title) in enumerate(members, start=1)
        ),
    )


def analyse_collection(
    files: Sequence[TeiFile],
    registers: RegisterLinks | None,
    templates: TeiTemplates,
    *,
    images_base: str = "",
    list_items: int = 250,
    store: AnalysisStore | None = None,
) -> tuple[list[DocumentPage], dict[str, TeiFile], RegisterLinks | None]:
    """Every document of the files (texts and corpora), in date order, as the collection
    keeps it (without its tree, see ``kept``; a summary where the store keeps the
    whole, see ``summary``); the TEI files to offer for download (file name -> the file,
    whose bytes are read again when it is offered); and the registers with each text's own lists added
    (made when only the texts have lists).

    The texts' own lists are gathered first: where a link to an entry leads depends on
    how many entries there are (``list_items``, see ``RegisterLinks.assign_pages``).
    With a ``store``, a file whose bytes, names and registers are as before is not
    parsed again: its analysis is taken from the store.
    """
    downloads: dict[str, TeiFile] = {}
    used: set[str] = set()
    planned: list[tuple[TeiFile, str, int, str, str, str]] = []
    for file in files:
        # Not the path: the edition's own TEI is read from a new folder each build. Nor
        # the bytes: an unchanged file is known by its digest, and not read at all.
        file_key = digest(file.digest(), file.stem, file.name)
        shape = store.get("outline", file_key) if store is not None else None
        if not isinstance(shape, Outline):
            _check_root(file)
            shape = outline(file.tree().getroot(), file.stem)
            if store is not None:
                store.put("outline", file_key, shape)
        if shape.corpus:
            download = f"{_unique(shape.name, used)}.xml"
            named = [
                (i, _unique(member, used), title)
                for i, (member, title, _) in enumerate(shape.members)
            ]
        else:
            name = _unique(shape.name, used)
            download = f"{name}.xml"
            named = [(0, name, shape.members[0][1])]
        downloads[download] = file
        if any(has_lists for _, _, has_lists in shape.members):
            members = tei_members(file.tree().getroot())
            for i, name, _ in named:
                tei = members[i][0]
                lists = register_lists(tei)
                if lists:
                    registers = registers if registers is not None else RegisterLinks()
                    index = RegisterIndex(tei, file.name, file.shown, within=lists)
                    registers.add_scope(name, index)
        planned += [(file, file_key, i, name, download, title) for i, name, title in named]
        file.release()
    if registers is not None:
        registers.assign_pages(list_items)
    documents: list[DocumentPage] = []
    # Where the store keeps each analysis, the collection holds summaries (its memory
    # does not grow with the texts' length), and a text's page takes the whole again.
    summaries = store is not None and store.keeps
    for file, file_key, i, name, download, corpus_title in planned:
        # A text's analysis depends on its file, its names, and what it looked up in the
        # registers (noted as it was made): an edited entry makes again only the texts
        # that reach it.
        base = digest(file_key, str(i), name, download, corpus_title, images_base)
        lookups = store.get("lookups", base) if store is not None else None
        doc = None
        short = False  # taken from the store as a summary
        if store is not None and isinstance(lookups, list):
            key = digest(base, answers(registers, lookups))
            # A summary is kept apart from the whole: the collection reads only it.
            found = store.get("summary", key) if summaries else None
            short = isinstance(found, DocumentPage) and found.key == key
            doc = found if short else store.get("document", key)

        def make(
            file: TeiFile = file,
            i: int = i,
            name: str = name,
            download: str = download,
            corpus_title: str = corpus_title,
            base: str = base,
        ) -> DocumentPage:
            recorder = RecordedLookups(registers) if registers is not None else None
            tei = tei_members(file.tree().getroot())[i][0]
            made = kept(
                analyse(
                    tei,
                    source=file.path,
                    name=name,
                    download=download,
                    registers=cast(RegisterLinks, recorder),
                    templates=templates,
                    corpus_title=corpus_title,
                    images_base=images_base,
                    scope=name,
                )
            )
            file.release()
            lookups = list(dict.fromkeys(recorder.lookups)) if recorder is not None else []
            made = dataclasses.replace(made, key=digest(base, answers(registers, lookups)))
            if store is not None:
                store.put("lookups", base, lookups)
                store.put("document", made.key, made)
            return made

        if isinstance(doc, DocumentPage):
            doc = dataclasses.replace(doc, source=file.path)  # where it is read from now
        else:
            doc = make()
        if summaries:
            assert store is not None
            if not short:
                store.put("summary", doc.key, summary(doc, None))
            doc = summary(doc, _whole(store, doc.key, file.path, make))
        documents.append(doc)
        file.release()
    if not documents:
        raise EditionError("no TEI texts to render")
    documents.sort(key=lambda d: d.sort_key)
    return documents, downloads, registers


def _whole(
    store: AnalysisStore, key: str, source: Path, make: Callable[[], DocumentPage]
) -> Callable[[], DocumentPage]:
    """The whole analysis of a text held as a summary: from the store where it was put,
    else made again (the store is a cache: never needed for the right output)."""

    def whole() -> DocumentPage:
        found = store.get("document", key)
        if isinstance(found, DocumentPage) and found.key == key:
            return dataclasses.replace(found, source=source)
        return make()

    return whole


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
    store: AnalysisStore | None = None,
    sink: Callable[[str, bytes], None] | None = None,
    holds: Callable[[str, str], bool] | None = None,
) -> RenderedSite:
    """Every page of the site, its static files and its redirect pages (path -> bytes);
    with a ``sink``, each is handed to it as soon as it is made, and none is kept.

    ``downloads`` maps a document's name to what its page offers ("xml", "zip", "txt",
    "original"); ``exchange`` lists the edition's exchange files for the Downloads page;
    ``redirects`` (old id -> new id) adds pages and anchors that send old links on;
    ``validation`` adds the validation page; ``theme`` (file name -> bytes) holds the
    static files that replace the built-in ones (its templates are in ``templates``);
    ``page_items``: the most items a page that lists the collection holds; ``store``
    keeps the texts' pages between builds, and ``holds`` says which the site being
    written already has (see ``render_pages``).
    """
    theme = theme or {}
    files: dict[str, bytes] = {}
    made: list[str] = []

    def keep(path: str, data: bytes) -> None:
        made.append(path)
        if sink is not None:
            sink(path, data)
        else:
            files[path] = data

    def held(path: str, key: str) -> bool:
        if holds is None or not holds(path, key):
            return False
        made.append(path)
        return True

    moved: dict[str, str] = {}
    if redirects:
        for path, data in redirect_pages(redirects).items():
            keep(path, data)
        moved = redirect_anchors(redirects)
    redirecting = len(made)
    render_pages(
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
        store=store,
        sink=keep,
        holds=held,
    )
    pages = sum(1 for path in made[redirecting:] if path.endswith(".html"))
    for path, data in static_files(theme).items():
        keep(path, data)
    return RenderedSite(files, pages=pages, documents=len(documents))
