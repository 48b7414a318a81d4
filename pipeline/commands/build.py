"""``edition build``: convert what changed, validate the collection, render ``site/``.

Nothing is written until the whole collection has converted and passed validation, so
an invalid document is never published and a failed build leaves the last good
``tei/`` and ``site/`` in place.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from pipeline.commands import shown_path, user_error
from pipeline.config import EditionConfig, load_config
from pipeline.convert.registers import load_registers
from pipeline.convert.run import Converted, convert_sources, find_sources
from pipeline.convert.segment import load_style
from pipeline.dts.static import dts_files, read_resources
from pipeline.errors import EditionError
from pipeline.export.ids import parse_redirects
from pipeline.render.site import build_site
from pipeline.validate import (
    SchemaUnavailable,
    ValidationConfig,
    resolve_tei_dir,
    validate_documents,
    validate_paths,
)
from pipeline.validate.report import issue_line
from pipeline.xmltools import atomic_write, parse_bytes, parse_file


@click.command()
@click.option("--tei", "foreign_dir", type=click.Path(exists=True, file_okay=False,
              path_type=Path), help="Render this folder of other projects' TEI instead of "
              "converting sources/ (checked against TEI P5 first).")
@click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: site/).")
@click.option("--tei-schema-dir", type=click.Path(path_type=Path),
              help="Folder with the TEI P5 schemas (default: $EDITION_TEI_SCHEMA_DIR, "
              "else the cache of 'edition schema fetch').")
@click.option("--no-search", is_flag=True, help="Skip the Pagefind search index.")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="pyproject.toml holding [tool.edition] (default: found from here up).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
def build(foreign_dir, site_dir, tei_schema_dir, no_search, config_path, quiet) -> None:
    """Convert, validate and render the edition to a static site."""
    started = time.perf_counter()
    try:
        config = load_config(config_path)
        site = site_dir or config.site_dir
        if foreign_dir is not None:
            _check_foreign(foreign_dir, config, tei_schema_dir)
            report = build_site([foreign_dir], None, config, site, foreign=True,
                                search=not no_search)
        else:
            written = _convert_and_validate(config, tei_schema_dir, quiet)
            redirects_file = config.tei_dir / "redirects.toml"
            redirects = (parse_redirects(redirects_file.read_text("utf-8"), redirects_file)
                         if redirects_file.is_file() else None)
            texts = sorted(p for p in config.tei_dir.glob("*.xml")
                           if p.resolve() != config.registers_path.resolve())
            dts = dts_files(read_resources(texts, config.registers_path), config)
            report = build_site([config.tei_dir], config.registers_path, config, site,
                                search=not no_search, redirects=redirects,
                                extra_files={f"dts/{k}": v for k, v in dts.items()})
            if not quiet and written:
                click.echo(f"converted: {', '.join(written)}")
    except EditionError as exc:
        raise user_error(exc) from None
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    state = "up to date" if report.up_to_date else (
        f"{report.pages} pages, {report.files} files"
        + (", search index" if report.search_indexed else ""))
    click.echo(f"{shown_path(site)}: {report.documents} documents, {state} "
               f"in {time.perf_counter() - started:.1f} s")


def _tei_layers(tei_schema_dir: Path | None, quiet: bool) -> list[str]:
    try:
        resolve_tei_dir(tei_schema_dir)
    except SchemaUnavailable as exc:
        if not quiet:
            click.echo(f"note: full TEI P5 not checked ({exc}); the project schema still "
                       "admits only valid TEI", err=True)
        return []
    return ["tei_all"]


def _convert_and_validate(config: EditionConfig, tei_schema_dir: Path | None,
                          quiet: bool) -> list[str]:
    registers = load_registers(config.registers_path)
    results = convert_sources(find_sources([config.sources_dir]), registers, load_style(),
                              config)
    _validate_collection(results, config, _tei_layers(tei_schema_dir, quiet), tei_schema_dir)
    written = []
    for result in results:
        path = config.tei_dir / result.output_name
        if not path.exists() or path.read_bytes() != result.data:
            atomic_write(path, result.data)
            written.append(result.output_name)
    return written


def _validate_collection(results: list[Converted], config: EditionConfig, extra: list[str],
                         tei_schema_dir: Path | None) -> None:
    """The converted texts with the registers, against every layer, before any write."""
    names = {r.output_name for r in results}
    docs = [(shown_path(config.tei_dir / r.output_name), parse_bytes(r.data, r.output_name))
            for r in results]
    for path in sorted(config.tei_dir.glob("*.xml")):
        if path.name not in names:  # the registers and any hand-made TEI
            docs.append((shown_path(path), parse_file(path)))
    validation = ValidationConfig(config.tei_dir, config.root / "schema", tei_schema_dir)
    failed = [issue for result in validate_documents(docs, ["edition", *extra], validation)
              for issue in result.sorted_issues() if issue.is_error]
    if failed:
        for issue in failed:
            click.echo(issue_line(issue), err=True)
        first = failed[0]
        raise EditionError(f"{len(failed)} validation error(s); nothing was written "
                           f"(first: {first.message})", first.path, first.line, first.column)


def _check_foreign(folder: Path, config: EditionConfig, tei_schema_dir: Path | None) -> None:
    """Other projects' TEI is published only when it is valid TEI P5."""
    try:
        run = validate_paths([folder], ["tei_all"], ValidationConfig(
            config.tei_dir, config.root / "schema", tei_schema_dir))
    except SchemaUnavailable as exc:
        raise EditionError(f"{exc}; other projects' TEI is checked against TEI P5 before it "
                           "is published") from None
    failed = [issue for result in run.results for issue in result.sorted_issues()
              if issue.is_error]
    if failed:
        for issue in failed:
            click.echo(issue_line(issue), err=True)
        first = failed[0]
        raise EditionError(f"{len(failed)} error(s) in the TEI to render; nothing was built",
                           first.path, first.line, first.column)
