"""``build_site``: the whole HTML edition, written into a new folder and swapped in.

The only module of the renderer that touches files. It reads the TEI, the registers, the
schema and the theme; hands them to the stages (``documents.analyse``,
``pages.render_pages``); writes every file into a temporary folder beside the site; runs
Pagefind there; and only then replaces the old site, so a failed build leaves the
previous one intact. A fingerprint of every input is kept in the site: when nothing has
changed, a rebuild stops at once.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree

from pipeline.config import EditionConfig
from pipeline.errors import EditionError
from pipeline.reading import is_register_file
from pipeline.render.documents import Document, analyse, document_name
from pipeline.render.pages import make_environment, render_pages
from pipeline.render.registers import Registers, parse_registers
from pipeline.xmltools import TEI_NS, parse_bytes

MANIFEST = ".edition-build.json"
STATIC_DIR = Path(__file__).parent / "static"
_RESERVED_NAMES = frozenset({"edition", "registers"})
# Bump when the output changes in a way the fingerprint of the code cannot see.
_FORMAT = "edition-site-1"


@dataclass(frozen=True)
class SiteReport:
    site_dir: Path
    documents: int
    pages: int
    files: int
    up_to_date: bool
    search_indexed: bool
    seconds: float
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Source:
    path: Path
    data: bytes
    root: etree._Element


def _tei_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(sorted(path.glob("*.xml")))
        elif path.is_file():
            files.append(path)
        else:
            raise EditionError("no such file or folder", path)
    return sorted(set(files), key=lambda p: (p.name, str(p)))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise EditionError(f"cannot read: {exc.strerror}", path) from None


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


def _check_root(root: etree._Element, path: Path) -> None:
    if root.tag in (f"{{{TEI_NS}}}TEI", f"{{{TEI_NS}}}teiCorpus"):
        return
    name = etree.QName(root).localname if isinstance(root.tag, str) else "?"
    if name == "TEI.2":
        raise EditionError("TEI P4 document (root <TEI.2>): only TEI P5 is rendered", path)
    raise EditionError(f"not a TEI document: the root element is <{name}>", path)


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate in used or candidate in _RESERVED_NAMES:
        candidate = f"{name}-{n}"
        n += 1
    used.add(candidate)
    return candidate


def analyse_sources(
    sources: list[_Source], registers: Registers | None
) -> tuple[list[Document], dict[str, bytes]]:
    """Every document of every file, in date order, and the TEI files to offer for download."""
    documents: list[Document] = []
    downloads: dict[str, bytes] = {}
    used: set[str] = set()
    for source in sources:
        members = _members(source.root)
        stem = source.path.stem
        if len(members) == 1 and source.root.tag == f"{{{TEI_NS}}}TEI":
            name = _unique(document_name(source.root, stem, 1, 1), used)
            download = f"{name}.xml"
            downloads[download] = source.data
            named = [(members[0][0], members[0][1], name, download)]
        else:
            download = f"{_unique(document_name(source.root, stem, 1, 1), used)}.xml"
            downloads[download] = source.data
            named = [
                (tei, title, _unique(document_name(tei, stem, i, len(members)), used), download)
                for i, (tei, title) in enumerate(members, start=1)
            ]
        for tei, corpus_title, name, download in named:
            documents.append(analyse(tei, source=source.path, name=name, download=download,
                                     registers=registers, corpus_title=corpus_title))
    documents.sort(key=lambda d: d.sort_key)
    return documents, downloads


def _txt_downloads(documents: list[Document], config: EditionConfig) -> dict[str, bytes]:
    from pipeline.export import NamedDocument
    from pipeline.export.txt import txt_files

    named = [NamedDocument(d.slug, str(d.source), d.reading) for d in documents]
    return txt_files(named, config.title, config.subtitle)


def _static_files(theme_dir: Path | None) -> dict[str, bytes]:
    """The stylesheet and scripts; a file of the same name in the theme replaces one."""
    files = {}
    for path in sorted(STATIC_DIR.iterdir()):
        if not path.is_file():
            continue
        override = theme_dir / path.name if theme_dir is not None else None
        chosen = override if override is not None and override.is_file() else path
        files[f"static/{path.name}"] = _read(chosen)
    return files


def _code_files() -> list[Path]:
    package = Path(__file__).resolve().parent.parent
    files = sorted(p for p in Path(__file__).resolve().parent.rglob("*")
                   if p.is_file() and p.suffix in (".py", ".html", ".css", ".js"))
    for extra in ("reading.py", "export/__init__.py", "export/txt.py", "export/ids.py"):
        if (package / extra).is_file():
            files.append(package / extra)
    return files


def _pagefind_version() -> str:
    try:
        return importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        return "none"


def fingerprint(
    tei_files: list[Path],
    registers_path: Path | None,
    schema_path: Path | None,
    config: EditionConfig,
    *,
    foreign: bool,
    search: bool,
    redirects: Mapping[str, str] | None,
    extra_files: Mapping[str, bytes] | None = None,
) -> str:
    """A hash of everything the site is made from: inputs, settings, theme and code."""
    digest = hashlib.sha256(_FORMAT.encode())

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    for path in tei_files:
        add("tei:" + path.name, _read(path))
    if registers_path is not None:
        add("registers:" + registers_path.name, _read(registers_path))
    if schema_path is not None and schema_path.is_file():
        add("schema", _read(schema_path))
    settings = {
        k: v for k, v in vars(config).items()
        if k in ("title", "subtitle", "editors", "publisher", "licence", "licence_url",
                 "release_date", "base_url", "introduction")
    }
    add("config", json.dumps(settings, sort_keys=True, default=list).encode())
    add("flags", json.dumps([foreign, search, dict(redirects or {})], sort_keys=True).encode())
    for rel, data in sorted((extra_files or {}).items()):
        add("extra:" + rel, data)
    theme = config.theme_dir
    if theme is not None and theme.is_dir():
        for path in sorted(p for p in theme.rglob("*") if p.is_file()):
            add("theme:" + path.relative_to(theme).as_posix(), _read(path))
    for path in _code_files():
        add("code:" + path.name, _read(path))
    if search:
        add("pagefind", _pagefind_version().encode())
    return digest.hexdigest()


def _up_to_date(site_dir: Path, print_: str) -> dict | None:
    """The manifest of ``site_dir`` if it was built from exactly these inputs and is whole."""
    try:
        manifest = json.loads((site_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if manifest.get("fingerprint") != print_ or not isinstance(files, dict) or not files:
        return None
    for rel, size in files.items():
        try:
            if (site_dir / rel).stat().st_size != size:
                return None
        except OSError:
            return None
    return manifest


def run_pagefind(site_dir: Path) -> str:
    """Index ``site_dir`` with Pagefind (the ``pagefind[bin]`` wheel); returns its report."""
    if importlib.util.find_spec("pagefind") is None:
        raise EditionError(
            "Pagefind is not installed: pip install 'pagefind[bin]' (needed for the search page)"
        )
    command = [sys.executable, "-m", "pagefind", "--site", str(site_dir)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise EditionError("Pagefind failed: " + " | ".join(tail), site_dir)
    return result.stdout


def _site_path(rel: str) -> str:
    """A path inside the site, refused if it could land anywhere else."""
    parts = PurePosixPath(rel).parts
    if (not parts or PurePosixPath(rel).is_absolute() or "\\" in rel or "\0" in rel
            or any(part in ("", ".", "..") for part in parts) or rel == MANIFEST):
        raise EditionError(f"not a path inside the site: {rel!r}")
    return PurePosixPath(*parts).as_posix()


def _write_tree(folder: Path, files: Mapping[str, bytes]) -> None:
    for rel in sorted(files):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[rel])


def _listing(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_size
        for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST
    }


def _swap(new: Path, site_dir: Path) -> None:
    """Put ``new`` where ``site_dir`` is; the old site is removed only after the move."""
    old = None
    if site_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent))
        os.replace(site_dir, old / "site")
    try:
        os.replace(new, site_dir)
    except OSError:
        if old is not None:
            os.replace(old / "site", site_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def site_up_to_date(
    tei_paths: list[Path],
    registers_path: Path | None,
    config: EditionConfig,
    site_dir: Path,
    *,
    foreign: bool = False,
    search: bool = True,
    schema_path: Path | None = None,
    redirects: Mapping[str, str] | None = None,
    extra_files: Mapping[str, bytes] | None = None,
) -> bool:
    """True if ``build_site`` with these arguments would find nothing to do.

    Cheap (it hashes the inputs), so a command can skip slower steps before rendering.
    """
    if schema_path is None and not foreign:
        schema_path = config.root / "schema" / "edition.xsd"
    extra = {_site_path(rel): data for rel, data in (extra_files or {}).items()}
    print_ = fingerprint(_tei_files(tei_paths), registers_path, schema_path, config,
                         foreign=foreign, search=search, redirects=redirects, extra_files=extra)
    return _up_to_date(Path(site_dir), print_) is not None


def build_site(
    tei_paths: list[Path],
    registers_path: Path | None,
    config: EditionConfig,
    site_dir: Path,
    *,
    foreign: bool = False,
    search: bool = True,
    schema_path: Path | None = None,
    redirects: Mapping[str, str] | None = None,
    extra_files: Mapping[str, bytes] | None = None,
) -> SiteReport:
    """Render the collection to a static HTML edition in ``site_dir``.

    ``tei_paths`` are TEI files or folders of them (a register file among them is not
    a text). ``foreign`` marks other projects' TEI, rendered without our conversion.
    ``schema_path`` (default: ``schema/edition.xsd`` of the project) documents the
    encoding on the About page. ``redirects`` (old id -> new id) adds pages and anchors
    that send old links on. ``extra_files`` (path in the site -> bytes) are written as
    they are, beside the pages (they may not replace one). ``search`` runs Pagefind on
    the new site.
    """
    started = time.perf_counter()
    site_dir = Path(site_dir)
    if schema_path is None and not foreign:
        schema_path = config.root / "schema" / "edition.xsd"
    files = _tei_files(tei_paths)
    extra = {_site_path(rel): data for rel, data in (extra_files or {}).items()}
    print_ = fingerprint(files, registers_path, schema_path, config, foreign=foreign,
                         search=search, redirects=redirects, extra_files=extra)
    manifest = _up_to_date(site_dir, print_)
    if manifest is not None:
        return SiteReport(
            site_dir, documents=manifest.get("documents", 0), pages=manifest.get("pages", 0),
            files=len(manifest["files"]), up_to_date=True, search_indexed=search,
            seconds=time.perf_counter() - started,
        )

    warnings: list[str] = []
    registers = None
    if registers_path is not None:
        data = _read(registers_path)
        registers = parse_registers(parse_bytes(data, registers_path).getroot(),
                                    registers_path.name)
    sources = []
    for path in files:
        if registers_path is not None and path.resolve() == Path(registers_path).resolve():
            continue
        data = _read(path)
        root = parse_bytes(data, path).getroot()
        _check_root(root, path)
        if is_register_file(root):
            continue
        sources.append(_Source(path, data, root))
    if not sources:
        raise EditionError("no TEI texts to render")
    schema = None
    if schema_path is not None:
        if schema_path.is_file():
            schema = parse_bytes(_read(schema_path), schema_path).getroot()
        else:
            warnings.append(f"{schema_path}: not found; the About page has no schema documentation")

    documents, tei_downloads = analyse_sources(sources, registers)
    out: dict[str, bytes] = {f"downloads/{name}": data for name, data in tei_downloads.items()}
    if registers is not None and registers_path is not None:
        out["downloads/registers.xml"] = _read(registers_path)
    offered: dict[str, set[str]] = {d.slug: {"xml"} for d in documents}
    try:
        txt = _txt_downloads(documents, config)
    except ImportError:
        txt = {}
        warnings.append("pipeline.export.txt is not available: no plain-text downloads")
    for name, data in txt.items():
        out[f"downloads/{name}"] = data
        slug = name.removesuffix(".txt")
        if slug in offered:
            offered[slug].add("txt")

    moved_anchors: dict[str, str] = {}
    if redirects:
        from pipeline.export.ids import redirect_anchors, redirect_pages

        for path, data in redirect_pages(redirects, Path("")).items():
            out[path.as_posix()] = data
        moved_anchors = redirect_anchors(redirects)

    env = make_environment(config.theme_dir)
    pages = render_pages(documents, registers, config, env, foreign=foreign, schema=schema,
                         has_search=search, downloads=offered, moved=moved_anchors)
    out.update(pages)
    out.update(_static_files(config.theme_dir))
    clash = sorted(set(extra) & set(out))
    if clash:
        raise EditionError(f"extra files would replace pages of the site: {', '.join(clash)}")
    out.update(extra)

    site_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.new-", dir=site_dir.parent))
    try:
        os.chmod(work, 0o755)
        _write_tree(work, out)
        if search:
            run_pagefind(work)
        listing = _listing(work)
        manifest = {"fingerprint": print_, "documents": len(documents), "pages": len(pages),
                    "files": listing}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n",
                                     encoding="utf-8")
        _swap(work, site_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return SiteReport(
        site_dir,
        documents=len(documents),
        pages=len(pages),
        files=len(listing),
        up_to_date=False,
        search_indexed=search,
        seconds=time.perf_counter() - started,
        warnings=tuple(warnings),
    )
