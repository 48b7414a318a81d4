"""The ``edition`` command line: a thin layer over the pipeline's stages."""

from __future__ import annotations

import click

from pipeline import __version__
from pipeline.commands.build import build
from pipeline.commands.convert import convert
from pipeline.commands.export import export
from pipeline.commands.schema import schema
from pipeline.commands.serve import serve
from pipeline.commands.validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="edition")
def main() -> None:
    """TEI-XML digital edition pipeline: convert, validate, build, export."""


main.add_command(convert)
main.add_command(build)
main.add_command(validate)
main.add_command(schema)
main.add_command(export)
main.add_command(serve)
