"""The steps of a build, and of ``edition convert`` and ``edition export``.

``make`` converts, validates and renders; ``convert_sources`` is the first two steps for
``edition convert``; ``write_files`` writes what ``edition export`` made. Nothing is put
in place before everything is made and checked.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline import __version__
from pipeline.build import BuildOptions, BuildReport
from pipeline.build.cache import BuildCache, ObjectStore, code_digest, digest
from pipeline.build.generation import SiteWriter
from pipeline.build.state import FORMAT, MARKER, epoch, up_to_date, writing
from pipeline.config import EditionConfig
from pipeline.config.site import SiteConfig
from pipeline.convert.report import TextReport, report_from
from pipeline.convert.run import Conversion, Converted, orphaned, prepare
from pipeline.convert.segment import BUILT_IN_STYLE, built_in_style, load_style
from pipeline.dts import collection_resources, dts_files, site_files
from pipeline.errors import EditionError, shown_path
from pipeline.executor import executor
from pipeline.export import NamedDocument
from pipeline.export.bundle import zip_bytes
from pipeline.export.formats import TXT_FOLDERS, exchange_files, txt_exports
from pipeline.export.ids import collection_ids, problem_lines, redirect_problems
from pipeline.export.txt import collection_parts, part_files
from pipeline.outputs import (
    StagedFolder,
    atomic_write,
    write_if_changed,
)
from pipeline.render.documents import DocumentPage, complete
from pipeline.render.registers import RegisterLinks
from pipeline.render.search import pagefind_version, run_pagefind
from pipeline.render.site import (
    DownloadItem,
    FileVerdict,
    FindingLine,
    SiteInfo,
    analyse_collection,
    load_templates,
    paragraphs,
    render_site,
    site_path,
)
from pipeline.structure import (
    Collection,
    FileKind,
    KnownInput,
    SourceFile,
    TeiFile,
    load_collection,
    memo_key,
    read_folder,
    read_path,
)
from pipeline.structure.reading import MODES
from pipeline.structure.redirects import REDIRECTS
from pipeline.structure.registers import RegisterIndex
from pipeline.validate import (
    SchemaUnavailable,
    ValidationConfig,
    resolve_tei_dir,
    validate_documents,
    validate_inputs,
)
from pipeline.validate.model import FileResult, Issue
from pipeline.validate.report import issue_line
from pipeline.xmltools import NOT_WELL_FORMED, parse_bytes


class ValidationFailed(EditionError):
    """TEI that failed validation: nothing was written. ``issues`` has every error, each
    shown on a line of its own with its position; the summary has none of its own."""

    def __init__(self, message: str, issues: Sequence[Issue]) -> None:
        super().__init__(message)
        self.issues = list(issues)
        self.details = tuple(issue_line(issue) for issue in issues)


@dataclass
class ConvertReport:
    results: list[Converted]
    written: list[str]
    target: Path
    removed: list[str] = dataclasses.field(default_factory=list)  # their source is gone

    @property
    def reports(self) -> list[TextReport]:
        return [r.report for r in self.results]


# --- common pieces --------------------------------------------------------------------


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
    files = len({issue.path for issue in failed})
    noun = "file" if files == 1 else "files"
    raise ValidationFailed(
        f"{len(failed)} validation error(s) in {files} {noun}{origin}; {what}", failed
    )


def _converted(
    config: EditionConfig,
    collection: Collection,
    style_path: Path | None,
    cache: BuildCache,
    options: BuildOptions | None = None,
) -> list[Converted]:
    """Every source converted, in order: from the cache where the same source, sidecar,
    registers, style and settings were converted by the same code, else now (in worker
    processes when there are many)."""
    if not collection.sources:
        collection.check_inputs()  # a source given by name and refused says why
        raise EditionError("no source texts (*.txt) found", config.sources_dir)
    style_bytes = _style_bytes(config, style_path)
    conversion = prepare(
        collection, load_style(style_bytes, style_path or config.archive_style or BUILT_IN_STYLE)
    )
    common = digest(
        "convert",
        code_digest(),
        style_bytes,
        collection.registers_file.data() if collection.registers_file else b"",
        json.dumps(config.as_data(config.root), sort_keys=True, default=str),
    )
    keys = [
        digest(common, s.input.relative, s.data(), s.sidecar_data() or b"")
        for s in collection.sources
    ]
    found = [cache.get("converted", key) for key in keys]
    todo = [s for s, hit in zip(collection.sources, found, strict=True) if hit is None]
    workers = executor(
        options.jobs if options else 1,
        len(todo),
        at_least=8,
        initializer=_set_conversion,
        initargs=(conversion,),
    )
    try:
        fresh = dict(
            zip((s.input.relative for s in todo), workers.map(_convert, todo), strict=True)
        )
    finally:
        workers.close()
    results = []
    for source, key, hit in zip(collection.sources, keys, found, strict=True):
        if hit is not None:
            results.append(
                Converted(
                    source, hit["name"], hit["data"].encode("utf-8"), report_from(hit["report"])
                )
            )
            continue
        name, data, report = fresh[source.input.relative]
        cache.put(
            "converted",
            key,
            {"name": name, "data": data.decode("utf-8"), "report": dataclasses.asdict(report)},
        )
        results.append(Converted(source, name, data, report))
    return results


_CONVERSION: Conversion | None = None  # in a worker: what converting a source takes


def _set_conversion(conversion: Conversion) -> None:
    global _CONVERSION
    _CONVERSION = conversion


def _convert(source: SourceFile) -> tuple[str, bytes, TextReport]:
    conversion = _CONVERSION
    assert conversion is not None
    result = conversion(source)
    return result.output_name, result.data, result.report


def _style_bytes(config: EditionConfig, style_path: Path | None) -> bytes:
    path = style_path or config.archive_style
    return built_in_style() if path is None else read_path(path, config.max_input_bytes)


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


def _stage_tei(
    changed: Sequence[Converted], target: Path, removed: Sequence[str] = ()
) -> StagedFolder:
    """The next version of ``target``: the current files and the changed documents,
    without those whose source was removed."""
    staged = StagedFolder(target, carry_over=True)
    try:
        for result in changed:
            staged.write(result.output_name, result.data)
        for name in removed:
            staged.remove(name)
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
    results = _converted(config, collection, style_path, BuildCache(None))
    schema = config.project_schema_dir / "edition.xsd"
    if not schema.is_file():
        raise EditionError("the project schema is missing: converted TEI cannot be checked", schema)
    docs = [
        (shown_path(target / r.output_name), parse_bytes(r.data, r.output_name), r.data)
        for r in results
    ]
    checked = validate_documents(docs, [str(schema)], ValidationConfig.for_edition(config, None))
    _fail_on_errors(checked, "nothing was written", results)
    # Only a conversion of every source into the TEI folder knows which files are gone.
    whole = sources is None and os.path.abspath(target) == os.path.abspath(config.tei_dir)
    removed = orphaned(collection, {r.output_name for r in results}) if whole else []
    with writing(target, wait=wait):
        changed = _changed(results, target)
        if changed or removed:
            with _stage_tei(changed, target, removed) as staged:
                staged.commit()
    return ConvertReport(results, [r.output_name for r in changed], target, removed)


# --- build ------------------------------------------------------------------------------


def make(config: EditionConfig, options: BuildOptions, site_dir: Path, report: BuildReport) -> None:
    """Everything a build does when its inputs changed: convert and validate (our own
    edition), check (other projects' TEI), render; then put the new sets in place."""
    foreign = options.tei_paths is not None
    known = _known_inputs(options, config)
    cache = build_cache(options, config)  # one for the whole build: it knows what is in use
    with contextlib.ExitStack() as staging:
        tei = None
        checked = None
        if foreign:
            collection = load_collection(
                config, tei_paths=options.tei_paths, sources=False, known=known
            )
            checked = _check_foreign(collection, config, options, report, cache)
        else:
            tei, collection = _next_tei(config, options, report, known, cache)
            if tei is not None:
                staging.enter_context(tei)
            _check_redirects(config, collection)
        rendered = _render(collection, config, options, site_dir, report, checked, cache)
        if rendered is not None:
            staging.enter_context(rendered[0])
        # Everything is ready: the two sets are put in place, each in one step.
        if tei is not None:
            tei.commit()
        if rendered is not None:
            site, writer = rendered
            site.commit()
            writer.forget_others([site.target, *([site.spare] if site.spare else [])])
            if site.spare is not None:
                writer.rekey(site.spare)
    cache.prune()
    _learn_inputs(options, config, collection)


_KNOWN_INPUTS = "inputs.json"


def _known_inputs(options: BuildOptions, config: EditionConfig) -> dict[str, KnownInput]:
    """What the last build learnt of its TEI files (see ``KnownInput``); nothing where
    there is no cache, or its record cannot be read."""
    folder = _cache_folder(options, config)
    if folder is None:
        return {}
    try:
        rows = json.loads((folder / _KNOWN_INPUTS).read_bytes())
        return {row[0]: KnownInput(row[1], row[2], row[3]) for row in rows}
    except (OSError, ValueError, TypeError, IndexError, KeyError):
        return {}


def _learn_inputs(options: BuildOptions, config: EditionConfig, collection: Collection) -> None:
    """Keep what this build learnt of its TEI files, for the next one."""
    folder = _cache_folder(options, config)
    if folder is None:
        return
    files = [*collection.files]
    if collection.registers_file is not None and collection.registers_file not in files:
        files.append(collection.registers_file)
    rows = sorted(
        [memo_key(file.input), learnt.digest, learnt.kind, learnt.root_id]
        for file in files
        if (learnt := file.learnt()) is not None
    )
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / _KNOWN_INPUTS, json.dumps(rows, ensure_ascii=False).encode("utf-8"))


def _next_tei(
    config: EditionConfig,
    options: BuildOptions,
    report: BuildReport,
    known: Mapping[str, KnownInput],
    cache: BuildCache,
) -> tuple[StagedFolder | None, Collection]:
    """Convert, and validate the collection as it would be; the changed documents are
    staged as the next ``tei/`` (None when nothing changed), and the collection read from
    there is what the site is made of."""
    collection = load_collection(config, known=known)
    results = _converted(config, collection, None, cache, options)
    layers = ["edition", *_tei_layers(options.tei_schema_dir, report.notes)]
    names = {r.output_name for r in results}
    removed = orphaned(collection, names)
    docs = [
        (shown_path(config.tei_dir / r.output_name), parse_bytes(r.data, r.output_name), r.data)
        for r in results
    ]
    for file in collection.files:
        # The registers and any hand-made TEI.
        if file.input.relative not in names and file.input.relative not in removed:
            docs.append((file.shown, file.tree(), file.data()))
    checked = validate_documents(
        docs, layers, ValidationConfig.for_edition(config, options.tei_schema_dir)
    )
    what = "nothing was written"
    if removed:  # the usual cause: what still points to a text that is gone
        what += f" (the TEI of removed sources, left out: {', '.join(removed)})"
    _fail_on_errors(checked, what, results)
    changed = _changed(results, config.tei_dir)
    report.converted = [r.output_name for r in changed]
    report.removed = removed
    if not changed and not removed:
        return None, load_collection(config, sources=False, known=known)
    staged = _stage_tei(changed, config.tei_dir, removed)
    registers = config.registers_path
    if registers is not None and registers.is_relative_to(config.tei_dir):
        registers = staged.path / registers.relative_to(config.tei_dir)
    collection = load_collection(
        config, tei_paths=[staged.path], registers_path=registers, sources=False, known=known
    )
    return staged, collection


def _check_redirects(config: EditionConfig, collection: Collection) -> None:
    """Moved ids are checked before their pages are made: a redirect from an id the TEI
    still has would replace its page, one to an id that does not exist leads nowhere."""
    redirects = collection.redirects
    if not redirects:
        return
    problems = redirect_problems(redirects, collection_ids(collection))
    if not problems:
        return
    path = config.tei_dir / REDIRECTS
    text = read_path(path, config.max_input_bytes, config.tei_dir).decode("utf-8", "replace")
    error = EditionError(
        f"{len(problems)} wrong redirect(s) in {shown_path(path)}: a redirect leads from an "
        "id that is gone to one that exists; nothing was written"
    )
    error.details = tuple(problem_lines(problems, text, shown_path(path)))
    raise error


@dataclass
class ForeignCheck:
    """Other projects' TEI after validation: what is rendered, what is left out, and
    every file's findings."""

    texts: list[TeiFile]  # well-formed TEI and teiCorpus files, rendered
    registers: list[TeiFile]  # register files (a standOff and no text)
    results: dict[str, FileResult]  # shown path -> verdict
    left_out: dict[str, str]  # shown path -> why


def _renderable(file: TeiFile, verdict: FileResult | None) -> str | None:
    """Why a file cannot be rendered, or None: only well-formed TEI P5 can be. Whether
    it is well-formed is the verdict's to say (a repeated xml:id is no bar); what it is,
    its root's: so a TEI file is not parsed here (nor held: a collection may be large)."""
    if verdict is not None:
        for issue in verdict.issues:
            if issue.is_error and (verdict.unreadable or issue.message.startswith(NOT_WELL_FORMED)):
                return issue.message
    if file.kind in (FileKind.TEXT, FileKind.CORPUS, FileKind.REGISTERS):
        return None
    try:
        root = file.tree().getroot()
    except EditionError as exc:
        return exc.message
    finally:
        file.release()
    name = root.tag.rpartition("}")[2] if isinstance(root.tag, str) else "?"
    if name == "TEI.2":
        return "TEI P4 document (root <TEI.2>): only TEI P5 is rendered"
    return f"not a TEI document: the root element is <{name}>"


def _result_data(result: FileResult) -> dict:
    return {
        "path": result.path,
        "size": result.size,
        "unreadable": result.unreadable,
        "issues": [dataclasses.asdict(issue) for issue in result.issues],
    }


def _result_from(data: dict) -> FileResult:
    return FileResult(
        data["path"], [Issue(**issue) for issue in data["issues"]], data["size"], data["unreadable"]
    )


def _tei_all_verdicts(
    files: Sequence[TeiFile], config: EditionConfig, options: BuildOptions, cache: BuildCache
) -> list[FileResult]:
    """Each file's verdict against tei_all, in order: from the cache where the same
    bytes were judged by the same schema and code, else validated now (in parallel)."""
    schema = resolve_tei_dir(options.tei_schema_dir) / "tei_all.rng"
    schema_id = digest(schema.read_bytes())
    code = code_digest()

    def key(file: TeiFile) -> str:
        return digest("tei_all", code, schema_id, file.shown, file.digest())

    keys = [key(file) for file in files]
    found = [cache.get("verdicts", key) for key in keys]
    todo = [file for file, hit in zip(files, found, strict=True) if hit is None]
    for file in todo:
        # Read now, not as an earlier run knew it: its verdict is kept under this key.
        file.data()
        file.release()  # read again when rendered: the collection never holds every file
    fresh: dict[str, FileResult] = {}
    if todo:
        run = validate_inputs(
            [f.input for f in todo],
            (),
            ["tei_all"],
            ValidationConfig.for_edition(config, options.tei_schema_dir),
            jobs=options.jobs,
        )
        fresh = {result.path: result for result in run.results}
    results = []
    for file, key, hit in zip(files, keys, found, strict=True):
        if hit is not None:
            results.append(_result_from(hit))
        else:
            result = fresh[file.shown]
            cache.put("verdicts", key, _result_data(result))
            results.append(result)
    cache.flush()
    return results


def _cache_folder(options: BuildOptions, config: EditionConfig) -> Path | None:
    """The folder beside the site (``.site.cache``) that the build keeps between runs,
    unless the options turn it off."""
    if not options.cache:
        return None
    site_dir = Path(os.path.abspath(options.site_dir or config.site_dir))
    return site_dir.parent / f".{site_dir.name}.cache"


def build_cache(options: BuildOptions, config: EditionConfig) -> BuildCache:
    """The cache of per-document results, beside the site."""
    folder = _cache_folder(options, config)
    return BuildCache(folder / "objects" if folder is not None else None)


def _kept_versions(options: BuildOptions, config: EditionConfig) -> Path | None:
    """Where the version of the site that a build replaces is kept (``spare/``), with
    the records of what each version holds (see ``generation``)."""
    folder = _cache_folder(options, config)
    return folder / "site" if folder is not None else None


def _check_foreign(
    collection: Collection,
    config: EditionConfig,
    options: BuildOptions,
    report: BuildReport,
    cache: BuildCache,
) -> ForeignCheck:
    """Other projects' TEI is checked against TEI P5. What is wrong is reported (on the
    console and on the site's validation page) and the file is rendered all the same;
    a file that is not well-formed XML, or not TEI, is left out and listed. With
    ``strict``, any error builds nothing; so does an input refused before it is read
    (a link out of its folder, a FIFO, a device), which is no TEI file at all."""
    if collection.refused:  # a link out of the folder, a FIFO...: nothing is built
        raise collection.refused[0].error()
    refusals: list[tuple[str, str]] = []
    try:
        results = _tei_all_verdicts(collection.files, config, options, cache)
    except SchemaUnavailable as exc:
        raise EditionError(
            f"{exc.message}; other projects' TEI is checked against TEI P5 before it is published"
        ) from None
    if options.strict:
        _fail_on_errors(results, "nothing was built (--strict)")
    check = ForeignCheck([], [], {r.path: r for r in results}, dict(refusals))
    for file, result in zip(collection.files, results, strict=True):
        why = _renderable(file, result)
        if why is not None:
            check.left_out[file.shown] = why
        elif file.kind == FileKind.REGISTERS:
            check.registers.append(file)
        else:
            check.texts.append(file)
    report.findings += [issue_line(issue) for result in results for issue in result.sorted_issues()]
    for shown, why in sorted(check.left_out.items()):
        report.findings.append(f"{shown}: warning: left out of the site: {why}")
    if not check.texts:
        error = EditionError("no TEI texts to render: every file was left out")
        error.details = tuple(report.findings)  # why each was: said before the error
        raise error
    return check


def _verdicts(check: ForeignCheck, documents: Sequence) -> list[FileVerdict]:
    """Each input file's verdict and findings, for the validation page."""
    pages: dict[str, list[tuple[str, str]]] = {}
    for doc in documents:
        pages.setdefault(str(doc.source), []).append((doc.page, doc.title))
    verdicts = []
    files = {f.shown: f for f in [*check.texts, *check.registers]}
    for shown in sorted(set(check.results) | set(check.left_out)):
        result = check.results.get(shown)
        findings = tuple(
            FindingLine(
                ":".join(str(p) for p in (i.path, i.line, i.column) if p is not None),
                i.severity,
                i.message,
                i.layer,
            )
            for i in (result.sorted_issues() if result is not None else [])
        )
        if shown in check.left_out and not any(f.severity == "error" for f in findings):
            findings += (FindingLine(shown, "error", check.left_out[shown], "input"),)
        file = files.get(shown)
        verdicts.append(
            FileVerdict(
                shown,
                rendered=shown not in check.left_out,
                valid=result is not None and result.valid and shown not in check.left_out,
                findings=findings,
                pages=tuple(pages.get(str(file.path), ())) if file is not None else (),
            )
        )
    return verdicts


def _site_info(config: EditionConfig, options: BuildOptions, foreign: bool) -> SiteInfo:
    """What the site says about itself: the edition's settings, or for other projects'
    TEI the site settings given (never the edition's)."""
    if not foreign:
        return SiteInfo.from_config(config)
    site = options.site or SiteConfig.defaults(Path.cwd())
    return SiteInfo(
        title=site.title,
        subtitle=site.subtitle,
        editors=tuple(site.editors),
        publisher=site.publisher,
        base_url=site.base_url or "",
        introduction=paragraphs(site.introduction),
        images_base_url=site.images_base_url or "",
        foreign=True,
    )


def fingerprint(
    collection: Collection,
    config: EditionConfig,
    theme: Mapping[str, bytes],
    *,
    foreign: bool,
    search: bool,
    site: SiteConfig | None = None,
    environ: Mapping[str, str] | None = None,
    findings: Sequence[str] = (),
) -> str:
    """A hash of everything the site is made from: inputs (and how they are named from
    the working folder), settings, theme, code, ``SOURCE_DATE_EPOCH`` (``environ``) and
    the ``findings`` of validation, which the site shows."""
    digest = hashlib.sha256(FORMAT.encode())

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    def add_file(label: str, file: TeiFile) -> None:
        digest.update(label.encode() + b"\0" + bytes.fromhex(file.digest()))

    for file in collection.files:
        # Other projects' files are named on the validation page as seen from here
        # (ours are read from the new tei/ being staged, under a name of the moment).
        shown = "\0" + file.shown if foreign else ""
        add_file("tei:" + file.input.relative + shown, file)
    if collection.registers_file is not None and collection.registers_file not in collection.files:
        add_file("registers", collection.registers_file)
    add("redirects", json.dumps(collection.redirects, sort_keys=True).encode())
    add("config", json.dumps(config.as_data(config.root), sort_keys=True, default=str).encode())
    add("flags", json.dumps([foreign, search], sort_keys=True).encode())
    add("epoch", (environ or {}).get("SOURCE_DATE_EPOCH", "\0unset").encode())
    add("findings", "\n".join(findings).encode())
    if site is not None:
        add("site", json.dumps(site.as_data(), sort_keys=True, default=str).encode())
    for name, data in sorted(schema_files(config).items()):
        add("schema:" + name, data)
    for name, data in sorted(theme.items()):
        add("theme:" + name, data)
    add("code", code_digest().encode())  # the package's files and the libraries' versions
    if search:
        add("pagefind", pagefind_version().encode())
    add("version", __version__.encode())
    return digest.hexdigest()


def schema_files(config: EditionConfig) -> dict[str, bytes]:
    """The project schema's files (name below the schema folder -> bytes)."""
    return read_folder(config.project_schema_dir, config.max_input_bytes)


def _project_schema(config: EditionConfig, warnings: list[str]):
    path = config.project_schema_dir / "edition.xsd"
    if not path.is_file():
        warnings.append(f"{shown_path(path)} not found: the About page has no schema documentation")
        return None
    return parse_bytes(read_path(path, config.max_input_bytes), path).getroot()


def _template_cache() -> Path | None:
    """Where compiled templates are kept between runs (the user cache), if it can be had."""
    from pipeline.validate.teip5 import user_cache_dir

    folder = user_cache_dir() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _render(
    collection: Collection,
    config: EditionConfig,
    options: BuildOptions,
    site_dir: Path,
    report: BuildReport,
    checked: ForeignCheck | None,
    cache: BuildCache,
) -> tuple[StagedFolder, SiteWriter] | None:
    """The next version of the site, staged beside it, and what it was written with
    (None when the site is up to date)."""
    foreign = checked is not None
    theme = read_folder(config.theme_dir, config.max_input_bytes)
    print_ = fingerprint(
        collection,
        config,
        theme,
        foreign=foreign,
        search=options.search,
        site=options.site,
        environ=options.environ,
        # Other projects' findings are shown on the validation page; our own are not
        # shown (and a rebuild finds only those of what it converted again).
        findings=report.findings if foreign else (),
    )
    manifest = up_to_date(site_dir, print_)
    if manifest is not None:
        report.up_to_date = True
        report.documents = manifest.get("documents", 0)
        report.pages = manifest.get("pages", 0)
        report.files = len(manifest["files"])
        report.search_indexed = options.search
        return None
    info = _site_info(config, options, foreign)
    templates = load_templates(theme, _template_cache())
    if checked is not None:
        indexes = [RegisterIndex(f.tree().getroot(), f.name, f.shown) for f in checked.registers]
        registers = RegisterLinks(indexes) if indexes else None
        texts = checked.texts
    else:
        registers = RegisterLinks(collection.registers) if collection.registers else None
        texts = [f for f in collection.files if f.kind != FileKind.REGISTERS]
    theme_digest = digest(*(part for name in sorted(theme) for part in (name, theme[name])))
    store = ObjectStore(cache, digest(code_digest(), theme_digest))
    documents, tei_downloads, registers = analyse_collection(
        texts,
        registers,
        templates,
        images_base=info.images_base_url,
        list_items=config.list_page_items,
        store=store,
    )
    files: dict[str, bytes] = {}
    offered: dict[str, set[str]] = {}
    exchange: list[DownloadItem] = []
    if foreign:
        # Received files are offered packed: a browser never opens a ZIP as a page, so
        # nothing in them (an XHTML script in xenoData, say) can run from the site.
        stamp = epoch(options.environ)
        # Each text's plain text is made in both modes; these, like the packed files,
        # are written as they are made (a large collection is never all in memory).
        offered = {d.slug: {"zip", "txt", "original"} for d in documents}

        def streamed(holds: Callable[[str, str], bool]) -> Iterator[tuple[str, bytes]]:
            yield from _packed(tei_downloads, stamp, holds)
            yield from _foreign_txt(documents, info, config.list_page_items, store)

        txt: dict[str, bytes] = {}
    else:
        files.update({f"downloads/{name}": f.data() for name, f in tei_downloads.items()})
        offered = {d.slug: {"xml"} for d in documents}
        if collection.registers_file is not None:
            files[f"downloads/{collection.registers_file.name}"] = collection.registers_file.data()
        plain = txt_exports(collection)  # for the downloads, and for the bundle
        published = exchange_files(
            collection, schema_files(config), options.environ, report.warnings, plain
        )
        for item in published:
            files[f"downloads/{item.name}"] = item.data
            exchange.append(
                DownloadItem(
                    item.name, item.label, item.description, len(item.data), _sha256(item.data)
                )
            )
        txt = plain.files

        def streamed(holds: Callable[[str, str], bool]) -> Iterator[tuple[str, bytes]]:
            return iter(())

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
    txt.clear()
    for rel in files:
        site_path(rel, frozenset({MARKER}))
    kept = _kept_versions(options, config)
    staged = StagedFolder(site_dir, spare=kept / "spare" if kept is not None else None)
    writer: SiteWriter | None = None
    try:
        # Written as they are made, and let go of: a large site is never all in memory.
        writer = SiteWriter(staged, kept / "records" if kept is not None else None)
        for rel in sorted(files):
            writer.write(rel, files[rel])
        files.clear()

        def write(rel: str, data: bytes) -> None:
            writer.write(site_path(rel, frozenset({MARKER})), data)

        def holds(rel: str, key: str) -> bool:
            # A page's key names what it shows; salted as the store's are, with the
            # code and the theme that made it.
            return writer.holds(rel, digest(store.salt, key))

        for rel, data in streamed(holds):
            write(rel, data)

        rendered = render_site(
            documents,
            registers,
            info,
            templates,
            schema=None if foreign else _project_schema(config, report.warnings),
            search=options.search,
            downloads=offered,
            redirects=None if foreign else collection.redirects,
            exchange=exchange,
            validation=_verdicts(checked, documents) if checked is not None else None,
            theme=theme,
            page_items=config.list_page_items,
            store=store,
            sink=write,
            holds=holds,
        )
        # Before the index (Pagefind reads the folder), which looks after its own folder.
        writer.prune(apart="pagefind" if options.search else "")
        if options.search:
            began = time.perf_counter()
            run_pagefind(
                staged.path,
                shard_pages=config.search_shard_pages,
                store=cache,
                pages=writer.pages(),
                keeper=writer,
            )
            report.search_seconds = time.perf_counter() - began
        stats = writer.listing()
        stats.pop(MARKER, None)
        marker = {
            "fingerprint": print_,
            "documents": len(documents),
            "pages": rendered.pages,
            "files": {rel: stat.st_size for rel, stat in stats.items()},
        }
        staged.write(MARKER, (json.dumps(marker, indent=1, sort_keys=True) + "\n").encode())
        writer.record(stats)
    except BaseException:
        staged.discard()
        if writer is not None:
            writer.discard()
        raise
    report.documents = len(documents)
    report.pages = rendered.pages
    report.files = len(marker["files"])
    report.written = writer.written + sum(1 for rel in stats if rel not in writer.made)
    report.search_indexed = options.search
    store.cache.flush()
    return staged, writer


def _foreign_txt(
    documents: Sequence[DocumentPage], info: SiteInfo, part_size: int, store: ObjectStore
) -> Iterator[tuple[str, bytes]]:
    """Plain text of other projects' documents in both modes, named as their pages: made
    a part of the collection at a time, each text's whole analysis taken only then; a
    part whose texts' analyses are as before is taken from the store."""
    by_slug = {doc.slug: doc for doc in documents}
    for at, mode in enumerate(MODES):
        named = [NamedDocument(doc.slug, str(doc.source), doc.plain[at]) for doc in documents]
        for name, part, where in collection_parts(named, part_size):
            keys = [by_slug[d.name].key for d in part]
            memo = digest(mode, info.title, info.subtitle, name, repr(where), *keys)
            made = store.get("txt", memo) if all(keys) else None
            if not isinstance(made, list):
                full = [
                    dataclasses.replace(d, document=complete(by_slug[d.name]).plain[at])
                    for d in part
                ]
                made = part_files(full, name, info.title, info.subtitle, where)
                if all(keys):
                    store.put("txt", memo, made)
            for file_name, data in made:
                yield f"downloads/{TXT_FOLDERS[mode]}{file_name}", data


def _packed(
    files: Mapping[str, TeiFile], stamp: int, holds: Callable[[str, str], bool]
) -> Iterator[tuple[str, bytes]]:
    """Other projects' files as offered: each in a ZIP of its own, read when packed (and
    not packed again where the site already holds the ZIP of the same bytes)."""
    for name, file in files.items():
        rel = f"downloads/{name}.zip"
        if not holds(rel, digest("zip", name, file.digest(), str(stamp))):
            yield rel, zip_bytes({name: file.data()}, Path(name).stem, stamp)
        file.release()


# --- export ----------------------------------------------------------------------------


def write_files(
    folder: Path,
    files: Mapping[str, bytes],
    *,
    prune: bool = False,
    wait: float = 0.0,
    superseded: re.Pattern[str] | None = None,
) -> list[Path]:
    """Write ``files`` (path below ``folder`` -> bytes), each atomically and only when
    changed, under the folder's lock. Returns the paths.

    ``prune`` removes files of the same kinds (suffixes) in the subfolders written to
    that are no longer among ``files`` (a DTS passage whose id went away);
    ``superseded`` removes the files directly in ``folder`` whose names it matches and
    that are no longer among ``files`` (a part of a text that has fewer parts now).
    """
    folder = Path(folder)
    targets = {folder / site_path(rel): files[rel] for rel in sorted(files)}
    with writing(folder, wait=wait):
        for path, data in targets.items():
            write_if_changed(path, data)
        if superseded is not None and folder.is_dir():
            for stale in sorted(folder.iterdir()):
                if (
                    superseded.fullmatch(stale.name)
                    and stale not in targets
                    and stale.is_file()
                    and not stale.is_symlink()
                ):
                    stale.unlink()
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
