"""``edition build``: convert what changed, validate the collection, render ``site/``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from pipeline.build import BuildOptions
from pipeline.build import build as run_build
from pipeline.commands import (
    JobsType,
    config_option,
    settings,
    tei_schema_dir_option,
    wait_option,
)
from pipeline.config.site import load_site_config
from pipeline.errors import UsageError, shown_path


@click.command()
@click.option(
    "--tei",
    "foreign",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Render other projects' TEI (files or folders; repeatable) instead of "
    "converting sources/; it is checked against TEI P5 first.",
)
@click.option(
    "--site",
    "site_dir",
    type=click.Path(path_type=Path),
    help="Output folder (default: the site setting, site/).",
)
@tei_schema_dir_option
@click.option("--no-search", is_flag=True, help="Skip the Pagefind search index.")
@click.option(
    "--strict",
    is_flag=True,
    help="With --tei: build nothing when a file is not "
    "valid TEI P5 (default: render it and report what is wrong).",
)
@click.option(
    "--site-config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --tei: a TOML file with the site's title, introduction and other "
    "settings (never taken from the edition's own settings).",
)
@click.option("--title", help="With --tei: the site's title (over --site-config).")
@click.option(
    "--introduction",
    help="With --tei: the home page's introduction (over --site-config; paragraphs "
    "separated by blank lines).",
)
@click.option(
    "--jobs",
    "-j",
    type=JobsType(),
    default="auto",
    show_default=True,
    help="Worker processes for per-document work; auto: one per CPU.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Make every document anew, not reusing the results of earlier builds (the "
    "output is the same bytes either way).",
)
@config_option
@wait_option
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
def build(
    foreign: tuple[Path, ...],
    site_dir: Path | None,
    tei_schema_dir: Path | None,
    no_search: bool,
    strict: bool,
    site_config: Path | None,
    title: str | None,
    introduction: str | None,
    jobs: int | None,
    no_cache: bool,
    config_path: Path | None,
    wait: float,
    quiet: bool,
) -> None:
    """Convert, validate and render the edition to a static site."""
    config = settings(config_path)
    site = None
    if foreign:
        site = load_site_config(site_config)
        given = {"title": title, "introduction": introduction}
        site = site.replace(**{k: v for k, v in given.items() if v is not None})
    elif site_config or title or introduction:
        raise UsageError("--site-config, --title and --introduction go with --tei")
    options = BuildOptions(
        tei_paths=foreign or None,
        site_dir=site_dir,
        search=not no_search,
        tei_schema_dir=tei_schema_dir,
        strict=strict,
        site=site,
        wait=wait,
        jobs=jobs,
        cache=not no_cache,
        environ=dict(os.environ),
    )
    report = run_build(config, options)
    if not quiet:
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        if report.converted:
            click.echo(f"converted: {', '.join(report.converted)}")
        if report.removed:
            click.echo(f"removed (their source is gone): {', '.join(report.removed)}")
    for finding in report.findings:
        click.echo(finding, err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report.up_to_date:
        state = "up to date"
    else:
        state = f"{_count(report.pages, 'page')}, {_count(report.files, 'file')}"
        if report.written < report.files:
            state += f" ({report.written} written; the others as before)"
        if report.search_indexed:
            state += f" (search index in {report.search_seconds:.1f} s)"
    click.echo(
        f"{shown_path(report.site_dir)}: {_count(report.documents, 'document')}, {state}; "
        f"{report.seconds:.1f} s"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
