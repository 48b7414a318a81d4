"""``edition convert``: sources/ -> tei/, with a report."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands import user_error
from pipeline.config import load_config
from pipeline.convert.registers import load_registers
from pipeline.convert.report import report_json, report_text
from pipeline.convert.run import convert_sources, find_sources, refuse_invalid
from pipeline.convert.segment import load_style
from pipeline.errors import EditionError
from pipeline.xmltools import atomic_write


@click.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Folder for the TEI "
              "files (default: the configured tei/ folder).")
@click.option("--registers", "registers_path", type=click.Path(path_type=Path),
              help="TEI registers file (default: tei/registers.xml).")
@click.option("--style", "style_path", type=click.Path(path_type=Path),
              help="Archive style file with the layout cues (default: the built-in one).")
@click.option("--report", "report_path", type=click.Path(path_type=Path),
              help="Also write the conversion report as JSON to this file.")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="pyproject.toml holding [tool.edition] (default: found from here up).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line.")
def convert(sources, out_dir, registers_path, style_path, report_path, config_path, quiet):
    """Convert source texts (default: all of sources/) into TEI P5 files."""
    try:
        config = load_config(config_path)
        registers = load_registers(registers_path or config.registers_path)
        style = load_style(style_path)
        paths = find_sources(list(sources) or [config.sources_dir])
        if not paths:
            raise EditionError("no source texts (*.txt) found", config.sources_dir)
        results = convert_sources(paths, registers, style, config)
        target = out_dir or config.tei_dir
        refuse_invalid(results, config, target)
        for result in results:
            path = target / result.output_name
            if not path.exists() or path.read_bytes() != result.data:
                atomic_write(path, result.data)
        reports = [r.report for r in results]
        if report_path:
            atomic_write(report_path, report_json(reports).encode("utf-8"))
    except EditionError as exc:
        raise user_error(exc) from None
    text = report_text(reports)
    click.echo(text.splitlines()[-1] if quiet else text, nl=not quiet)
