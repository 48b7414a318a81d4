"""The orchestration: the one place that runs the stages in order and writes outputs.

``build(config)`` is the main job, callable from Python (no click here):

1. **convert** the sources (``pipeline.convert``) with their sidecars and the registers;
2. **validate** the converted TEI with the registers against every layer
   (``pipeline.validate``) before anything is written; then update ``tei/`` as a set;
3. **render** the site (``pipeline.render``), with the exchange files
   (``pipeline.export``) and the static DTS API (``pipeline.dts``) in it, into a new
   version of ``site/`` that replaces the old one in one atomic step.

Nothing is put in place before everything is made and checked; then the new ``tei/`` and
the new ``site/`` each replace the old in one step. ``convert_sources`` is the first two
steps for ``edition convert``; ``write_files`` writes what ``edition export`` made. Every
output folder is locked while it is written, leftovers of killed runs are removed first,
and an ``OSError`` becomes one ``EditionError`` naming the path, with the earlier outputs
untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import __version__
from pipeline.config import EditionConfig, responsibility_warnings
from pipeline.convert.report import TextReport
from pipeline.convert.run import Converted, convert_collection
from pipeline.convert.segment import load_style
from pipeline.dts import collection_resources, dts_files, site_files
from pipeline.errors import EditionError, os_error, shown_path
from pipeline.export.formats import TXT_FOLDERS, exchange_files, txt_exports
from pipeline.outputs import (
    StagedFolder,
    check_replaceable,
    output_lock,
    remove_leftovers,
    write_if_changed,
)
from pipeline.render.pages import DownloadItem
from pipeline.render.registers import RegisterLinks
from pipeline.render.search import pagefind_version, run_pagefind
from pipeline.render.site import analyse_collection, render_site, site_path
from pipeline.structure import Collection, load_collection, read_folder, read_path
from pipeline.validate import (
    SchemaUnavailable,
    ValidationConfig,
    resolve_tei_dir,
    validate_documents,
    validate_inputs,
)
from pipeline.validate.model import Issue
from pipeline.validate.report import issue_line
from pipeline.xmltools import parse_bytes

MARKER = ".edition-build.json"
# Bump when the output changes in a way the fingerprint of the code cannot see.
_FORMAT = "edition-site-2"


class ValidationFailed(EditionError):
    """TEI that failed validation: nothing was written. ``issues`` has every error."""

    def __init__(self, message: str, issues: Sequence[Issue]) -> None:
        first = issues[0]
        super().__init__(message, first.path, first.line, first.column)
        self.issues = list(issues)
        self.details = tuple(issue_line(issue) for issue in issues)


@dataclass(frozen=True)
class BuildOptions:
    """What a build is asked to do, beyond the settings."""

    tei_paths: tuple[Path, ...] | None = None  # other projects' TEI, instead of ours
    site_dir: Path | None = None  # default: the ``site`` setting
    search: bool = True
    tei_schema_dir: Path | None = None  # default: $EDITION_TEI_SCHEMA_DIR, else the cache
    strict: bool = False  # other projects' TEI: refuse it when it is not valid TEI P5
    wait: float = 0.0  # seconds to wait for another run's lock
    environ: Mapping[str, str] = field(default_factory=dict)  # SOURCE_DATE_EPOCH...


@dataclass
class BuildReport:
    site_dir: Path
    documents: int = 0
    pages: int = 0
    files: int = 0
    up_to_date: bool = False
    search_indexed: bool = False
    converted: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    search_seconds: float = 0.0


@dataclass
class ConvertReport:
    results: list[Converted]
    written: list[str]
    target: Path

    @property
    def reports(self) -> list[TextReport]:
        return [r.report for r in self.results]


# --- common pieces --------------------------------------------------------------------


@contextlib.contextmanager
def _writing(*folders: Path, wait: float = 0.0) -> Iterator[None]:
    """Lock the output folders (in a fixed order), remove what killed runs left, and
    turn an ``OSError`` into one line with its path."""
    try:
        with contextlib.ExitStack() as stack:
            for folder in sorted({Path(os.path.abspath(f)) for f in folders}):
                stack.enter_context(output_lock(folder, wait=wait))
                remove_leftovers(folder)
            yield
    except OSError as exc:
        raise os_error(exc) from None


def _tei_layers(tei_schema_dir: Path | None, notes: list[str]) -> list[str]:
    try:
        resolve_tei_dir(tei_schema_dir)
    except SchemaUnavailable as exc:
        notes.append(
            f"full TEI P5 not checked ({exc.message}); the project schema still "
            "admits only valid TEI"
        )
        return []
    return ["tei_all"]


def _fail_on_errors(results: Sequence, what: str, converted: Sequence[Converted] = ()) -> None:
    failed = [issue for result in results for issue in result.sorted_issues() if issue.is_error]
    if not failed:
        return
    # Converted TEI has not been written: its errors point back at the sources.
    from_sources = {r.output_name: r.source.shown for r in converted}
    origins = sorted(
        {from_sources[Path(i.path).name] for i in failed if Path(i.path).name in from_sources}
    )
    origin = f" in the TEI converted from {', '.join(origins)}" if origins else ""
    raise ValidationFailed(
        f"{len(failed)} validation error(s){origin}; {what} (first: {failed[0].message})",
        failed,
    )


def _style(config: EditionConfig, style_path: Path | None):
    path = style_path or config.archive_style
    if path is None:
        return load_style()
    return load_style(read_path(path, config.max_input_bytes), path)


def _converted(
    config: EditionConfig, collection: Collection, style_path: Path | None
) -> list[Converted]:
    results = convert_collection(collection, _style(config, style_path))
    if not results:
        raise EditionError("no source texts (*.txt) found", config.sources_dir)
    return results


def _changed(results: Sequence[Converted], target: Path) -> list[Converted]:
    changed = []
    for result in results:
        path = target / result.output_name
        try:
            same = path.is_file() and path.read_bytes() == result.data
        except OSError:
            same = False
        if not same:
            changed.append(result)
    return changed


def _stage_tei(changed: Sequence[Converted], target: Path) -> StagedFolder:
    """The next version of ``target``: the current files and the changed documents."""
    staged = StagedFolder(target, carry_over=True)
    try:
        for result in changed:
            staged.write(result.output_name, result.data)
    except BaseException:
        staged.discard()
        raise
    return staged


# --- convert ---------------------------------------------------------------------------


def convert_sources(
    config: EditionConfig,
    *,
    sources: Sequence[Path] | None = None,
    out_dir: Path | None = None,
    registers_path: Path | None = None,
    style_path: Path | None = None,
    wait: float = 0.0,
) -> ConvertReport:
    """``edition convert``: the sources to TEI, each checked against the project schema
    before the changed files are written into ``out_dir`` (default: ``tei/``) as a set."""
    config.require_edition("convert")
    target = out_dir or config.tei_dir
    collection = load_collection(config, source_paths=sources, registers_path=registers_path)
    results = _converted(config, collection, style_path)
    schema = config.project_schema_dir / "edition.xsd"
    if not schema.is_file():
        raise EditionError("the project schema is missing: converted TEI cannot be checked", schema)
    docs = [
        (shown_path(target / r.output_name), parse_bytes(r.data, r.output_name)) for r in results
    ]
    checked = validate_documents(docs, [str(schema)], ValidationConfig.for_edition(config, None))
    _fail_on_errors(checked, "nothing was written", results)
    with _writing(target, wait=wait):
        changed = _changed(results, target)
        if changed:
            with _stage_tei(changed, target) as staged:
                staged.commit()
    return ConvertReport(results, [r.output_name for r in changed], target)


# --- build ------------------------------------------------------------------------------


def _keep(config: EditionConfig) -> list[Path]:
    """Folders a site may never be, nor hold."""
    keep = [Path.cwd(), config.root, config.tei_dir, config.sources_dir]
    return keep


def build(config: EditionConfig, options: BuildOptions | None = None) -> BuildReport:
    """Convert, validate and render the edition (or other projects' TEI) to a site."""
    options = options or BuildOptions()
    started = time.perf_counter()
    site_dir = Path(os.path.abspath(options.site_dir or config.site_dir))
    report = BuildReport(site_dir)
    foreign = options.tei_paths is not None
    if not foreign:
        config.require_edition("build")
        report.warnings += responsibility_warnings(config)
    keep = _keep(config) + [Path(p) for p in options.tei_paths or ()]
    folders = [site_dir] if foreign else [site_dir, config.tei_dir]
    with _writing(*folders, wait=options.wait), contextlib.ExitStack() as staging:
        check_replaceable(site_dir, MARKER, keep)
        tei = None
        if foreign:
            collection = load_collection(config, tei_paths=options.tei_paths, sources=False)
            _check_foreign(collection, config, options, report)
        else:
            tei, collection = _next_tei(config, options, report)
            if tei is not None:
                staging.enter_context(tei)
        site = _render(collection, config, options, site_dir, report, foreign)
        if site is not None:
            staging.enter_context(site)
        # Everything is ready: the two sets are put in place, each in one step.
        if tei is not None:
            tei.commit()
        if site is not None:
            site.commit()
    report.seconds = time.perf_counter() - started
    return report


def _next_tei(
    config: EditionConfig, options: BuildOptions, report: BuildReport
) -> tuple[StagedFolder | None, Collection]:
    """Convert, and validate the collection as it would be; the changed documents are
    staged as the next ``tei/`` (None when nothing changed), and the collection read from
    there is what the site is made of."""
    collection = load_collection(config)
    results = _converted(config, collection, None)
    layers = ["edition", *_tei_layers(options.tei_schema_dir, report.notes)]
    names = {r.output_name for r in results}
    docs = [
        (shown_path(config.tei_dir / r.output_name), parse_bytes(r.data, r.output_name))
        for r in results
    ]
    for file in collection.files:
        if file.input.relative not in names:  # the registers and any hand-made TEI
            docs.append((file.shown, file.tree()))
    checked = validate_documents(
        docs, layers, ValidationConfig.for_edition(config, options.tei_schema_dir)
    )
    _fail_on_errors(checked, "nothing was written", results)
    changed = _changed(results, config.tei_dir)
    report.converted = [r.output_name for r in changed]
    if not changed:
        return None, load_collection(config, sources=False)
    staged = _stage_tei(changed, config.tei_dir)
    registers = config.registers_path
    if registers is not None and registers.is_relative_to(config.tei_dir):
        registers = staged.path / registers.relative_to(config.tei_dir)
    collection = load_collection(
        config, tei_paths=[staged.path], registers_path=registers, sources=False
    )
    return staged, collection


def _check_foreign(
    collection: Collection, config: EditionConfig, options: BuildOptions, report: BuildReport
) -> None:
    """Other projects' TEI is checked against TEI P5: what is wrong is reported as a
    warning, or, with ``strict``, nothing is built."""
    if collection.refused:
        raise collection.refused[0].error()
    try:
        run = validate_inputs(
            [f.input for f in collection.files],
            (),
            ["tei_all"],
            ValidationConfig.for_edition(config, options.tei_schema_dir),
        )
    except SchemaUnavailable as exc:
        raise EditionError(
            f"{exc.message}; other projects' TEI is checked against TEI P5 before it is published"
        ) from None
    if options.strict:
        _fail_on_errors(run.results, "nothing was built (--strict)")
    report.warnings += [
        issue_line(issue)
        for result in run.results
        for issue in result.sorted_issues()
        if issue.is_error
    ]


def _code_files() -> list[Path]:
    package = Path(__file__).resolve().parent
    return sorted(
        p
        for p in package.rglob("*")
        if p.is_file() and p.suffix in (".py", ".html", ".css", ".js", ".toml")
    )


def fingerprint(
    collection: Collection,
    config: EditionConfig,
    theme: Mapping[str, bytes],
    *,
    foreign: bool,
    search: bool,
) -> str:
    """A hash of everything the site is made from: inputs, settings, theme and code."""
    digest = hashlib.sha256(_FORMAT.encode())

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    for file in collection.files:
        add("tei:" + file.input.relative, file.data())
    if collection.registers_file is not None and collection.registers_file not in collection.files:
        add("registers", collection.registers_file.data())
    add("redirects", json.dumps(collection.redirects, sort_keys=True).encode())
    add("config", json.dumps(config.as_data(config.root), sort_keys=True, default=str).encode())
    add("flags", json.dumps([foreign, search], sort_keys=True).encode())
    for name, data in sorted(schema_files(config).items()):
        add("schema:" + name, data)
    for name, data in sorted(theme.items()):
        add("theme:" + name, data)
    for path in _code_files():
        add("code:" + path.name, path.read_bytes())
    if search:
        add("pagefind", pagefind_version().encode())
    add("version", __version__.encode())
    return digest.hexdigest()


def _up_to_date(site_dir: Path, print_: str) -> dict | None:
    """The marker of ``site_dir`` if it was built from exactly these inputs and is whole."""
    try:
        manifest = json.loads((site_dir / MARKER).read_text(encoding="utf-8"))
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


def schema_files(config: EditionConfig) -> dict[str, bytes]:
    """The project schema's files (name below the schema folder -> bytes)."""
    return read_folder(config.project_schema_dir, config.max_input_bytes)


def _project_schema(config: EditionConfig, warnings: list[str]):
    path = config.project_schema_dir / "edition.xsd"
    if not path.is_file():
        warnings.append(f"{shown_path(path)} not found: the About page has no schema documentation")
        return None
    return parse_bytes(read_path(path, config.max_input_bytes), path).getroot()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _render(
    collection: Collection,
    config: EditionConfig,
    options: BuildOptions,
    site_dir: Path,
    report: BuildReport,
    foreign: bool,
) -> StagedFolder | None:
    """The next version of the site, staged beside it (None when it is up to date)."""
    theme = read_folder(config.theme_dir, config.max_input_bytes)
    print_ = fingerprint(collection, config, theme, foreign=foreign, search=options.search)
    manifest = _up_to_date(site_dir, print_)
    if manifest is not None:
        report.up_to_date = True
        report.documents = manifest.get("documents", 0)
        report.pages = manifest.get("pages", 0)
        report.files = len(manifest["files"])
        report.search_indexed = options.search
        return None
    registers = RegisterLinks(collection.registers) if collection.registers else None
    documents, tei_downloads = analyse_collection(collection, registers)
    files: dict[str, bytes] = {f"downloads/{name}": data for name, data in tei_downloads.items()}
    offered: dict[str, set[str]] = {d.slug: {"xml"} for d in documents}
    exchange: list[DownloadItem] = []
    if foreign:
        txt = {name: data for name, data in txt_exports(collection).items()}
    else:
        if collection.registers_file is not None:
            files[f"downloads/{collection.registers_file.name}"] = collection.registers_file.data()
        published = exchange_files(
            collection, schema_files(config), options.environ, report.warnings
        )
        for item in published:
            files[f"downloads/{item.name}"] = item.data
            exchange.append(
                DownloadItem(
                    item.name, item.label, item.description, len(item.data), _sha256(item.data)
                )
            )
        txt = txt_exports(collection)
        resources = collection_resources(collection)
        files.update({f"dts/{name}": data for name, data in dts_files(resources, config).items()})
        files.update(site_files(resources, config))  # host configuration: media types, Link
    for name, data in txt.items():
        files[f"downloads/{name}"] = data
        for mode, folder in TXT_FOLDERS.items():
            if name.startswith(folder) and "/" not in name[len(folder) :]:
                slug = name[len(folder) :].removesuffix(".txt")
                if slug in offered:
                    offered[slug].add("txt" if mode == "reading" else "original")
    rendered = render_site(
        documents,
        registers,
        config,
        foreign=foreign,
        schema=None if foreign else _project_schema(config, report.warnings),
        search=options.search,
        downloads=offered,
        redirects=None if foreign else collection.redirects,
        exchange=exchange,
        theme=theme,
    )
    clash = sorted(set(files) & set(rendered.files))
    if clash:
        raise EditionError(f"two outputs would have the same path: {', '.join(clash)}")
    files.update(rendered.files)
    for rel in files:
        site_path(rel, frozenset({MARKER}))
    staged = StagedFolder(site_dir)
    try:
        for rel in sorted(files):
            staged.write(rel, files[rel])
        if options.search:
            began = time.perf_counter()
            run_pagefind(staged.path)
            report.search_seconds = time.perf_counter() - began
        listing = {
            p.relative_to(staged.path).as_posix(): p.stat().st_size
            for p in sorted(staged.path.rglob("*"))
            if p.is_file()
        }
        marker = {
            "fingerprint": print_,
            "documents": len(documents),
            "pages": rendered.pages,
            "files": listing,
        }
        staged.write(MARKER, (json.dumps(marker, indent=1, sort_keys=True) + "\n").encode())
    except BaseException:
        staged.discard()
        raise
    report.documents = len(documents)
    report.pages = rendered.pages
    report.files = len(listing)
    report.search_indexed = options.search
    return staged


# --- export ----------------------------------------------------------------------------


def write_files(
    folder: Path, files: Mapping[str, bytes], *, prune: bool = False, wait: float = 0.0
) -> list[Path]:
    """Write ``files`` (path below ``folder`` -> bytes), each atomically and only when
    changed, under the folder's lock. Returns the paths.

    ``prune`` removes files of the same kinds (suffixes) in the subfolders written to
    that are no longer among ``files`` (a DTS passage whose id went away).
    """
    folder = Path(folder)
    targets = {folder / site_path(rel): files[rel] for rel in sorted(files)}
    with _writing(folder, wait=wait):
        for path, data in targets.items():
            write_if_changed(path, data)
        if prune:
            suffixes = {p.suffix for p in targets}
            subfolders = {
                p.relative_to(folder).parts[0]
                for p in targets
                if len(p.relative_to(folder).parts) > 1
            }
            for sub in sorted(subfolders):
                for stale in sorted((folder / sub).rglob("*")):
                    if stale.suffix in suffixes and stale.is_file() and stale not in targets:
                        stale.unlink()
    return list(targets)
