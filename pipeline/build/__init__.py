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

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.build.state import MARKER, BuildState, input_signature, writing
from pipeline.config import EditionConfig, responsibility_warnings
from pipeline.config.site import SiteConfig
from pipeline.outputs import check_replaceable

__all__ = [
    "MARKER",
    "BuildOptions",
    "BuildReport",
    "ConvertReport",
    "ValidationFailed",
    "build",
    "convert_sources",
    "schema_files",
    "write_files",
]


@dataclass(frozen=True)
class BuildOptions:
    """What a build is asked to do, beyond the settings."""

    tei_paths: tuple[Path, ...] | None = None  # other projects' TEI, instead of ours
    site_dir: Path | None = None  # default: the ``site`` setting
    search: bool = True
    tei_schema_dir: Path | None = None  # default: $EDITION_TEI_SCHEMA_DIR, else the cache
    strict: bool = False  # other projects' TEI: refuse it when it is not valid TEI P5
    site: SiteConfig | None = None  # other projects' TEI: the site's title, introduction...
    wait: float = 0.0  # seconds to wait for another run's lock
    jobs: int | None = None  # worker processes for per-document work (None: one per CPU)
    cache: bool = True  # reuse per-document results of earlier builds (.site.cache)
    environ: Mapping[str, str] = field(default_factory=dict)  # SOURCE_DATE_EPOCH...


@dataclass
class BuildReport:
    site_dir: Path
    documents: int = 0
    pages: int = 0
    files: int = 0
    written: int = 0  # files of the site this build wrote (the others are as they were)
    up_to_date: bool = False
    search_indexed: bool = False
    converted: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # TEI whose source was removed
    warnings: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # validation lines, file:line:col first
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    search_seconds: float = 0.0


def _keep(config: EditionConfig) -> list[Path]:
    """Folders a site may never be, nor hold."""
    keep = [Path.cwd(), config.root, config.tei_dir, config.sources_dir]
    return keep


def _apart(config: EditionConfig) -> list[Path]:
    """Folders a site may never be inside: the edition's inputs (the site's own XML and
    plain text would be read as TEI and sources) and the exports, which a build never
    replaces. (Other projects' folders may hold their site: it has no XML of theirs.)"""
    return [config.tei_dir, config.sources_dir, config.dist_dir]


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
    apart = _apart(config)
    folders = [site_dir] if foreign else [site_dir, config.tei_dir]
    check_replaceable(site_dir, MARKER, keep, apart)  # before any lock file is made
    with writing(*folders, wait=options.wait, replaced_whole=site_dir):
        check_replaceable(site_dir, MARKER, keep, apart)
        state = BuildState(site_dir)
        inputs = input_signature(config, options)
        manifest = state.unchanged(inputs)
        if manifest is not None:  # one stat pass: nothing to parse, validate or write
            report.up_to_date = True
            report.findings = state.findings  # the inputs are as they were: so is what they hold
            report.documents = manifest.get("documents", 0)
            report.pages = manifest.get("pages", 0)
            report.files = len(manifest["files"])
            report.search_indexed = options.search
        else:
            from pipeline.build import steps  # the stages load only when there is work

            steps.make(config, options, site_dir, report)
            # What the next run compares its inputs with (after the commit: a run
            # killed before it finds no state, and checks the inputs' content instead).
            # Other projects' files are never written here: their signature is the one
            # taken before the build (a file edited meanwhile is checked next time); the
            # edition's own TEI was written by the build, and is looked at again.
            state.record(inputs if foreign else input_signature(config, options), report.findings)
    report.seconds = time.perf_counter() - started
    return report


def __getattr__(name: str) -> Any:
    """The steps' own entry points, loaded with them on first use."""
    if name in (
        "ConvertReport",
        "ValidationFailed",
        "convert_sources",
        "schema_files",
        "write_files",
        "fingerprint",
    ):
        from pipeline.build import steps

        return getattr(steps, name)
    raise AttributeError(f"module 'pipeline.build' has no attribute {name!r}")
