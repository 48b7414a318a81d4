"""``edition validate``: check TEI files against the project schemas and TEI P5."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.commands import JobsType, config_option, settings, tei_schema_dir_option
from pipeline.errors import UsageError
from pipeline.structure import discover
from pipeline.validate import BATCH, ValidationConfig, validate_inputs
from pipeline.validate.report import text_lines, to_json

EXIT_INVALID = 1
EXIT_USAGE = 2


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--schema",
    "schemas",
    multiple=True,
    metavar="edition|tei_all|tei_schematron|PATH",
    help="Layer to check (repeatable): the project schemas, TEI P5 tei_all, TEI's own "
    "Schematron rules (needs the tei-schematron extra), or a .xsd, .rng or .sch file. "
    "Default: all but tei_schematron for files under tei/, tei_all for others.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option("--quiet", "-q", is_flag=True, help="Only errors and the summary.")
@click.option(
    "--jobs",
    "-j",
    type=JobsType(),
    default="auto",
    show_default=True,
    help="Worker processes; auto: one per CPU when there are more files than one "
    f"batch ({BATCH}), else 1.",
)
@tei_schema_dir_option
@config_option
def validate(
    paths: tuple[Path, ...],
    schemas: tuple[str, ...],
    fmt: str,
    quiet: bool,
    jobs: int | None,
    tei_schema_dir: Path | None,
    config_path: Path | None,
) -> None:
    """Validate TEI files and folders (default: the edition's tei/ folder).

    Folders are searched with their subfolders. Exit status: 0 all valid, 1 something
    invalid, 2 a usage error, an input refused or unreadable, or nothing to check.
    """
    config = settings(config_path)
    targets = list(paths) or [config.tei_dir]
    found = discover(targets, (".xml",), config.max_input_bytes)
    if not found.files and not found.refused:
        raise UsageError("no TEI files (*.xml) to check in " + ", ".join(str(t) for t in targets))
    run = validate_inputs(
        found.files,
        [(r.shown, r.error().message) for r in found.refused],
        schemas or None,
        ValidationConfig.for_edition(config, tei_schema_dir),
        jobs=jobs,
    )
    if not quiet:
        for note in run.notes:
            click.echo(f"note: {note}", err=True)
    if fmt == "json":
        click.echo(to_json(run.results, run.seconds, quiet))
    else:
        # One write: a report may have a line for each of thousands of files.
        click.echo("\n".join(text_lines(run.results, run.seconds, quiet)))
    if any(result.unreadable for result in run.results):
        sys.exit(EXIT_USAGE)
    if not all(result.valid for result in run.results):
        sys.exit(EXIT_INVALID)
