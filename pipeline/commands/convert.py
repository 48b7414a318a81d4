"""``edition convert``: sources/ -> tei/, with a report."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.build import convert_sources
from pipeline.commands import config_option, settings, wait_option
from pipeline.convert.report import report_json, report_text
from pipeline.errors import shown_path
from pipeline.outputs import atomic_write


@click.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Folder for the TEI files (default: the configured tei/ folder).",
)
@click.option(
    "--registers",
    "registers_path",
    type=click.Path(path_type=Path),
    help="TEI registers file, of any name (default: the registers setting).",
)
@click.option(
    "--style",
    "style_path",
    type=click.Path(path_type=Path),
    help="Archive style file with the layout cues (default: the archive-style "
    "setting, else the built-in one).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    help="Also write the conversion report as JSON to this file.",
)
@config_option
@wait_option
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line.")
def convert(
    sources: tuple[Path, ...],
    out_dir: Path | None,
    registers_path: Path | None,
    style_path: Path | None,
    report_path: Path | None,
    config_path: Path | None,
    wait: float,
    quiet: bool,
) -> None:
    """Convert source texts (default: all of sources/) into TEI P5 files."""
    config = settings(config_path)
    result = convert_sources(
        config,
        sources=list(sources) or None,
        out_dir=out_dir,
        registers_path=registers_path,
        style_path=style_path,
        wait=wait,
    )
    if report_path:
        atomic_write(report_path, report_json(result.reports).encode("utf-8"))
    text = report_text(result.reports)
    click.echo(text.splitlines()[-1] if quiet else text.rstrip("\n"))
    for name in result.removed:
        click.echo(f"removed {shown_path(result.target / name)}: its source is gone")
