"""The ``edition`` command line: a thin layer over the pipeline's stages."""

from __future__ import annotations

import importlib

import click

from pipeline import __version__

# Each command is imported only when it runs, so that `edition validate` does not pay for
# loading the renderer, and the renderer not for the XSD library.
COMMANDS = {
    "convert": "pipeline.commands.convert:convert",
    "build": "pipeline.commands.build:build",
    "validate": "pipeline.commands.validate:validate",
    "schema": "pipeline.commands.schema:schema",
    "export": "pipeline.commands.export:export",
    "serve": "pipeline.commands.serve:serve",
}


class LazyGroup(click.Group):
    """A group whose subcommands are named here and imported on first use."""

    def __init__(self, *args: object, lazy: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(dict.fromkeys([*self.lazy, *super().list_commands(ctx)]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="edition")
def main() -> None:
    """TEI-XML digital edition pipeline: convert, validate, build, export."""
