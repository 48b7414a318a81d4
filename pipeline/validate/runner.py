"""Choosing the layers for each file and running them, serially or in worker processes."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from pipeline.config import EditionConfig
from pipeline.errors import EditionError, UsageError, shown_path
from pipeline.executor import available_cpus, executor, fewer_collections
from pipeline.structure.inputs import InputFile, discover
from pipeline.validate.document import CheckedFile, from_tree, load_file, refused
from pipeline.validate.model import (
    LAYER_EDITION_SCH,
    LAYER_EDITION_XSD,
    LAYER_TEI_ALL,
    LAYER_TEI_SCHEMATRON,
    FileResult,
)
from pipeline.validate.schemas import (
    KIND_BY_SUFFIX,
    RNG,
    SCH,
    TEI_SCH,
    XSD,
    Layer,
    judge_relaxng,
    load_xsd11,
    tailorable,
    validate_relaxng,
    validate_xsd,
)
from pipeline.validate.teip5 import RNG_NAME, SchemaUnavailable, resolve_tei_dir

# The Schematron layers, Saxon and worker processes are imported when first used: most
# runs need none of them, and a run on a few files is mostly start-up.

EDITION = "edition"
TEI_ALL = "tei_all"
TEI_SCHEMATRON = "tei_schematron"


InputError = UsageError  # a path given that does not exist (the CLI exits 2)

# The largest file read when no limit is given (the setting max-input-mb).
DEFAULT_MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class ValidationConfig:
    """Where our own files and schemas are, and where the TEI schemas are."""

    tei_dir: Path = Path("tei")
    schema_dir: Path = Path("schema")
    # None: use EDITION_TEI_SCHEMA_DIR, else the user cache.
    tei_schema_dir: Path | None = None
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def for_edition(
        cls, config: EditionConfig, tei_schema_dir: Path | None = None
    ) -> ValidationConfig:
        """The edition's folders, project schema and input limit, from its settings."""
        return cls(
            config.tei_dir, config.project_schema_dir, tei_schema_dir, config.max_input_bytes
        )


@dataclass
class Plan:
    """The layers for our own files and for everyone else's, plus notes for the user."""

    ours: tuple[Layer, ...]
    foreign: tuple[Layer, ...]
    notes: list[str] = field(default_factory=list)

    def all_layers(self) -> list[Layer]:
        return list(dict.fromkeys([*self.ours, *self.foreign]))


def plan_layers(schemas: Sequence[str] | None, config: ValidationConfig) -> Plan:
    """Turn ``--schema`` values (``edition``, ``tei_all`` or a path) into layers.

    Without any: the project schemas and tei_all for our own files, tei_all for the rest.
    """
    notes: list[str] = []
    if schemas:
        layers: list[Layer] = []
        for name in schemas:
            layers.extend(_named_layers(name, config, explicit=True, notes=notes))
        chosen = tuple(dict.fromkeys(layers))
        return Plan(chosen, chosen, notes)
    tei_all = tuple(_named_layers(TEI_ALL, config, explicit=False, notes=notes))
    edition = tuple(_named_layers(EDITION, config, explicit=False, notes=notes))
    return Plan(edition + tei_all, tei_all, notes)


def _named_layers(
    name: str, config: ValidationConfig, explicit: bool, notes: list[str]
) -> list[Layer]:
    if name == TEI_ALL:
        return [Layer(RNG, resolve_tei_dir(config.tei_schema_dir) / RNG_NAME, LAYER_TEI_ALL)]
    if name == TEI_SCHEMATRON:
        rng = resolve_tei_dir(config.tei_schema_dir) / RNG_NAME
        return [Layer(TEI_SCH, rng, LAYER_TEI_SCHEMATRON)]
    if name == EDITION:
        xsd = config.schema_dir / "edition.xsd"
        sch = config.schema_dir / "edition.sch"
        found = []
        if xsd.is_file():
            found.append(Layer(XSD, xsd, LAYER_EDITION_XSD))
        if sch.is_file():
            found.append(Layer(SCH, sch, LAYER_EDITION_SCH))
        missing = [p for p in (xsd, sch) if not p.is_file()]
        if explicit and not found:
            raise SchemaUnavailable(
                f"the project schema is missing: neither {xsd} nor {sch} exists"
            )
        for path in missing:
            notes.append(f"{shown_path(path)} not found: that layer is skipped")
        return found
    path = Path(name)
    kind = KIND_BY_SUFFIX.get(path.suffix.lower())
    if kind is None:
        raise SchemaUnavailable(
            f"unknown schema {name!r}: use edition, tei_all, tei_schematron, or a .xsd, .rng "
            "or .sch file"
        )
    if not path.is_file():
        raise SchemaUnavailable(f"schema file not found: {path}")
    return [Layer(kind, path, path.name)]


def saxon_available() -> bool:
    from pipeline.validate.teisch import saxon_available as available

    return available()


def compile_layers(layers: Iterable[Layer]) -> None:
    """Compile (or load from cache) every schema now, so that errors in a schema surface
    before any file is read and forked workers inherit the compiled schemas."""
    for layer in layers:
        if layer.kind == RNG:
            tailorable(layer.path)  # tailored per batch of documents, see relaxng_for
        elif layer.kind == XSD:
            load_xsd11(layer.path)
        elif layer.kind == TEI_SCH:
            # Compiled in each process that uses it (Saxon's state is not fork-safe).
            if not saxon_available():
                from pipeline.validate.teisch import INSTALL_HINT, SaxonUnavailable

                raise SaxonUnavailable(f"the TEI Schematron layer needs Saxon: {INSTALL_HINT}")
        else:
            from pipeline.validate.schematron import compile_schematron

            compile_schematron(layer.path)


def check_document(doc: CheckedFile, layers: Iterable[Layer]) -> None:
    """Run the per-file layers on ``doc``; issues are added to it."""
    if not doc.checkable:
        return
    for layer in layers:
        if layer.kind == RNG:
            doc.issues.extend(validate_relaxng(doc, layer))
        elif layer.kind == XSD:
            doc.issues.extend(validate_xsd(doc, layer))
        elif layer.kind == TEI_SCH:
            from pipeline.validate.teisch import validate_tei_schematron

            doc.issues.extend(validate_tei_schematron(doc, layer.path, layer.label))


def check_collection(docs: list[CheckedFile], layers: Iterable[Layer]) -> None:
    """Run the Schematron layers over all checkable ``docs`` at once."""
    for layer in layers:
        if layer.kind != SCH:
            continue
        members = [doc for doc in docs if doc.checkable]
        from pipeline.validate.schematron import validate_collection

        found = validate_collection(members, layer)
        for doc in members:
            doc.issues.extend(found.get(doc.path, []))


def to_result(doc: CheckedFile) -> FileResult:
    return FileResult(doc.path, list(doc.issues), doc.size, doc.unreadable)


def validate_documents(
    docs: Sequence[tuple[str, etree._ElementTree] | tuple[str, etree._ElementTree, bytes]],
    layers: Sequence[str] | None = None,
    config: ValidationConfig | None = None,
) -> list[FileResult]:
    """Validate in-memory trees (named by the strings given, each with the bytes it was
    parsed from where they are at hand, for columns) as our own documents.

    ``layers`` as for ``--schema``; by default the project schemas and tei_all.
    """
    config = config or ValidationConfig()
    plan = plan_layers(layers, config)
    loaded = [from_tree(*doc) for doc in docs]
    judge_batch([(doc, plan.ours) for doc in loaded], reuse=False)
    for doc in loaded:
        check_document(doc, plan.ours)
    check_collection(loaded, plan.ours)
    return [to_result(doc) for doc in loaded]


def check_documents(
    docs: Sequence[tuple[str, etree._ElementTree]],
    layers: Sequence[str] | None = None,
    config: ValidationConfig | None = None,
) -> None:
    """Raise an EditionError for the first error, so a stage can refuse to write."""
    for result in validate_documents(docs, layers, config):
        for issue in result.sorted_issues():
            if issue.is_error:
                raise EditionError(
                    f"{issue.message} [{issue.layer}]", issue.path, issue.line, issue.column
                )


@dataclass
class ValidationRun:
    results: list[FileResult]
    notes: list[str]
    seconds: float


def _within(inner: str, outer: str) -> bool:
    return inner == outer or inner.startswith(outer.rstrip(os.sep) + os.sep)


class _Ours:
    """Which inputs lie below the resolved ``tei/`` folder. An input's real path stays
    inside its (resolved) input folder, or it is refused when read, so a path is resolved
    only when ``tei/`` lies strictly inside that folder: never, for one folder of files."""

    def __init__(self, tei_dir: Path) -> None:
        self.tei_dir = str(tei_dir)
        self._by_folder: dict[Path, bool | None] = {}

    def __call__(self, file: InputFile) -> bool:
        verdict = self._by_folder.get(file.folder, False)
        if file.folder not in self._by_folder:
            folder = str(file.folder)
            if _within(folder, self.tei_dir):
                verdict = True
            elif not _within(self.tei_dir, folder):
                verdict = False
            else:
                verdict = None  # tei/ is inside this folder: it depends on the file
            self._by_folder[file.folder] = verdict
        if verdict is not None:
            return verdict
        try:
            return _within(os.path.realpath(file.path), self.tei_dir)
        except (ValueError, OSError):
            return False


Task = tuple[InputFile, tuple[Layer, ...]]


# Files are loaded and checked in batches, so that a tailored grammar is compiled once for
# what a whole batch uses rather than again for each file that brings something new.
BATCH = 256


def _batches(tasks: list[Task]) -> list[list[Task]]:
    return [tasks[i : i + BATCH] for i in range(0, len(tasks), BATCH)]


def _load_batch(batch: list[Task], reuse: bool = True) -> list[CheckedFile]:
    """Read a batch, and give it its RELAX NG verdicts at once (see ``judge_batch``)."""
    cwd = os.getcwd()  # once a batch: each file is shown relative to it
    docs = [load_file(file, shown_path(file.path, cwd)) for file, _ in batch]
    judge_batch([(doc, chosen) for (_, chosen), doc in zip(batch, docs, strict=True)], reuse)
    return docs


def judge_batch(members: Sequence[tuple[CheckedFile, Sequence[Layer]]], reuse: bool = True) -> None:
    """Tailor each RELAX NG grammar once for what a batch of documents uses, rather than
    again for each document that brings something new (see ``tailor``), and judge them.
    ``reuse``: more batches follow, which the grammar is kept for."""
    grammars = {layer.path for _, chosen in members for layer in chosen if layer.kind == RNG}
    for path in sorted(grammars):
        judge_relaxng(
            path,
            [
                doc
                for doc, chosen in members
                if doc.checkable and any(x.kind == RNG and x.path == path for x in chosen)
            ],
            reuse,
        )


def _check_batch(batch: list[Task]) -> list[FileResult]:
    docs = _load_batch(batch)
    for (_, chosen), doc in zip(batch, docs, strict=True):
        check_document(doc, chosen)
    return [to_result(doc) for doc in docs]


def validate_paths(
    paths: Sequence[str | Path],
    layers: Sequence[str] | None = None,
    config: ValidationConfig | None = None,
    jobs: int | None = 1,
) -> ValidationRun:
    """Validate files and folders (found by the rules of ``structure.inputs``).

    See ``validate_inputs``. Raises UsageError for a path that does not exist.
    """
    config = config or ValidationConfig()
    found = discover(paths, (".xml",), config.max_bytes)
    return validate_inputs(
        found.files, [(r.shown, r.error().message) for r in found.refused], layers, config, jobs
    )


def validate_inputs(
    files: Sequence[InputFile],
    refusals: Sequence[tuple[str, str]] = (),
    layers: Sequence[str] | None = None,
    config: ValidationConfig | None = None,
    jobs: int | None = 1,
) -> ValidationRun:
    """Validate input files; ``layers`` as for ``--schema``.

    ``refusals`` (shown path, reason) are inputs refused before reading: each is reported
    as unreadable, never as valid. ``jobs`` None: one worker per CPU when there is more
    than one batch of files. Files below the configured ``tei/`` folder are ours and get
    all layers by default; others get tei_all. Raises SchemaUnavailable or SchemaError
    for a schema that cannot be had.
    """
    started = time.perf_counter()
    config = config or ValidationConfig()
    plan = plan_layers(layers, config)
    compile_layers(plan.all_layers())
    tasks: list[Task] = []
    any_ours = False
    is_ours = _Ours(config.tei_dir.resolve())
    for file in files:
        ours = is_ours(file)
        any_ours = any_ours or ours
        tasks.append((file, plan.ours if ours else plan.foreign))
    # Notes about skipped project layers matter only when some file is ours.
    notes = plan.notes if any_ours or layers else []

    if jobs is None:
        jobs = available_cpus() if len(tasks) > BATCH else 1
    with fewer_collections():
        if jobs > 1 and len(tasks) > 1:
            results = _run_parallel(tasks, jobs)
        else:
            results = _run_serial(tasks)
    results += [to_result(refused(shown, message)) for shown, message in refusals]
    return ValidationRun(results, notes, time.perf_counter() - started)


def _run_serial(tasks: list[Task]) -> list[FileResult]:
    results: list[FileResult] = []
    # Only documents that a collection layer (Schematron) needs stay in memory.
    kept: list[tuple[int, CheckedFile]] = []
    for start, batch in zip(range(0, len(tasks), BATCH), _batches(tasks), strict=True):
        loaded = _load_batch(batch, reuse=len(tasks) > BATCH)
        for offset, ((_, chosen), doc) in enumerate(zip(batch, loaded, strict=True)):
            check_document(doc, chosen)
            results.append(to_result(doc))
            if any(not layer.per_file for layer in chosen):
                kept.append((start + offset, doc))
    if kept:
        before = [len(doc.issues) for _, doc in kept]
        _collection_layers([tasks[i] for i, _ in kept], [doc for _, doc in kept])
        for (i, doc), count in zip(kept, before, strict=True):
            results[i].issues.extend(doc.issues[count:])
    return results


# The tasks of a run, in each worker: forked workers inherit them instead of having each
# batch's files and layers pickled to them.
_WORKER_TASKS: list[Task] = []


def _take_tasks(tasks: list[Task]) -> None:
    _WORKER_TASKS[:] = tasks


def _check_batch_at(start: int) -> list[FileResult]:
    return _check_batch(_WORKER_TASKS[start : start + BATCH])


def _run_parallel(tasks: list[Task], jobs: int) -> list[FileResult]:
    starts = range(0, len(tasks), BATCH)
    workers = executor(jobs, len(starts), batch=1, initializer=_take_tasks, initargs=(tasks,))
    try:
        results = [r for rs in workers.map(_check_batch_at, starts) for r in rs]
    finally:
        workers.close()
        _WORKER_TASKS.clear()  # in this process, when it ran the batches itself
    # Schematron needs every document at once: the parent reads those that need it.
    needing = [i for i, (_, chosen) in enumerate(tasks) if any(not x.per_file for x in chosen)]
    if needing:
        docs = [load_file(tasks[i][0]) for i in needing]
        before = [len(doc.issues) for doc in docs]
        _collection_layers([tasks[i] for i in needing], docs)
        for i, doc, count in zip(needing, docs, before, strict=True):
            results[i].issues.extend(doc.issues[count:])
    return results


def _collection_layers(tasks: list[Task], docs: list[CheckedFile]) -> None:
    # Each Schematron runs over the documents that have it among their layers.
    by_layer: dict[Layer, list[CheckedFile]] = {}
    for (_, chosen), doc in zip(tasks, docs, strict=True):
        for layer in chosen:
            if not layer.per_file:
                by_layer.setdefault(layer, []).append(doc)
    for layer, members in by_layer.items():
        check_collection(members, [layer])
