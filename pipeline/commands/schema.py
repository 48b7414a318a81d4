"""``edition schema``: get the TEI P5 schemas that validation uses."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.commands import config_option, settings
from pipeline.errors import EditionError
from pipeline.validate.teip5 import (
    SCHEMA_DIR_ENV,
    TEI_VERSION,
    SchemaUnavailable,
    default_tei_dir,
    fetch_tei_schemas,
    resolve_tei_dir,
)


@click.group()
@config_option
def schema(config_path: Path | None) -> None:
    """Manage the TEI P5 schemas."""
    settings(config_path)  # a broken [tool.edition] fails every command alike


@schema.command()
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write to (default: the user cache).",
)
@click.option("--force", is_flag=True, help="Download again even if a good copy is present.")
def fetch(dest: Path | None, force: bool) -> None:
    """Download the pinned TEI P5 tei_all schemas (RELAX NG and XSD), checking checksums."""
    target = dest or default_tei_dir()
    try:
        outcomes = fetch_tei_schemas(target, force=force)
    except EditionError as exc:
        click.echo(f"edition schema fetch: {exc}", err=True)
        sys.exit(1)
    for outcome in outcomes:
        click.echo(f"{outcome.action}: {outcome.path}")
    click.echo(f"TEI P5 {TEI_VERSION} schemas ready in {target}")


@schema.command()
@click.option("--tei-schema-dir", type=click.Path(file_okay=False), envvar=SCHEMA_DIR_ENV)
def where(tei_schema_dir: str | None) -> None:
    """Print the folder whose tei_all.rng validation would use."""
    try:
        click.echo(resolve_tei_dir(tei_schema_dir))
    except SchemaUnavailable as exc:
        click.echo(f"edition schema where: {exc}", err=True)
        sys.exit(2)
