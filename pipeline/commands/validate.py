"""``edition validate``: check TEI files against the project schemas and TEI P5."""

from __future__ import annotations

import sys

import click

from pipeline.errors import EditionError
from pipeline.validate import (
    BATCH,
    InputError,
    SchemaError,
    SchemaUnavailable,
    ValidationConfig,
    validate_paths,
)
from pipeline.validate.report import text_lines, to_json

EXIT_INVALID = 1
EXIT_USAGE = 2


class JobsType(click.ParamType):
    """A positive number of worker processes, or ``auto`` (given on as None)."""

    name = "N|auto"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | None:
        if value is None or value == "auto":
            return None
        if isinstance(value, int) and value >= 1:
            return value
        text = str(value)
        if not text.isdigit() or int(text) < 1:
            self.fail(f"{text!r} is not a positive number or 'auto'", param, ctx)
        return int(text)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
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
    help="Worker processes; auto: one per CPU when there are more files than one batch "
    f"({BATCH}), else 1.",
)
@click.option(
    "--tei-schema-dir",
    type=click.Path(file_okay=False),
    envvar="EDITION_TEI_SCHEMA_DIR",
    help="Folder holding tei_all.rng (env EDITION_TEI_SCHEMA_DIR; default: the user cache "
    "filled by `edition schema fetch`).",
)
def validate(
    paths: tuple[str, ...],
    schemas: tuple[str, ...],
    fmt: str,
    quiet: bool,
    jobs: int | None,
    tei_schema_dir: str | None,
) -> None:
    """Validate TEI files and folders (default: the edition's tei/ folder).

    Exit status: 0 all valid, 1 something invalid, 2 usage error or unreadable input.
    """
    config = ValidationConfig.discover(tei_schema_dir=tei_schema_dir or None)
    targets = list(paths) or [str(config.tei_dir)]
    try:
        run = validate_paths(targets, schemas or None, config, jobs=jobs)
    except (InputError, SchemaUnavailable, SchemaError) as exc:
        click.echo(f"edition validate: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except EditionError as exc:
        click.echo(f"edition validate: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    if not quiet:
        for note in run.notes:
            click.echo(f"note: {note}", err=True)
    if fmt == "json":
        click.echo(to_json(run.results, run.seconds, quiet))
    else:
        for line in text_lines(run.results, run.seconds, quiet):
            click.echo(line)
    if any(result.unreadable for result in run.results):
        sys.exit(EXIT_USAGE)
    if not all(result.valid for result in run.results):
        sys.exit(EXIT_INVALID)
