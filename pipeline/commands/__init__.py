"""Thin command modules: each parses its options, calls the pipeline, and reports.

Errors are not handled here: an ``EditionError`` raised below reaches ``pipeline.cli``,
which prints it as one line with its exit code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from pipeline.config import EditionConfig, load_config

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="pyproject.toml holding [tool.edition] (default: the nearest one, here or above).",
)

tei_schema_dir_option = click.option(
    "--tei-schema-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="EDITION_TEI_SCHEMA_DIR",
    help="Folder holding the TEI P5 schemas (env EDITION_TEI_SCHEMA_DIR; default: the "
    "user cache filled by `edition schema fetch`).",
)

wait_option = click.option(
    "--wait",
    type=click.FloatRange(0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another run writing the same folder (0: stop at once).",
)


def settings(config_path: Path | None) -> EditionConfig:
    """The settings, loaded the same way by every command."""
    return load_config(config_path)


class JobsType(click.ParamType):
    """A positive number of worker processes, or ``auto`` (given on as None)."""

    name = "N|auto"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | None:
        if value is None or value == "auto":
            return None
        if isinstance(value, int) and value >= 1:
            return value
        text = str(value)
        if not text.isdigit() or int(text) < 1:
            self.fail(f"{text!r} is not a positive number or 'auto'", param, ctx)
        return int(text)
