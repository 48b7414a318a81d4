"""The ``edition`` command line: a thin layer over the orchestration and the stages.

This is also the one place where an ``EditionError`` becomes what a user sees: one line,
``path:line:column: error: message``, on standard error, and its exit code (1 for a
failed run, 2 for a usage or settings error). An ``OSError`` that escaped a stage (a
full disk, a permission) becomes one line the same way; nothing ever shows a traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from pipeline import __version__
from pipeline.errors import EditionError, os_error

# Each command is imported only when it runs, so that `edition validate` does not pay for
# loading the renderer, and the renderer not for the XSD library.
COMMANDS = {
    "convert": "pipeline.commands.convert:convert",
    "build": "pipeline.commands.build:build",
    "validate": "pipeline.commands.validate:validate",
    "schema": "pipeline.commands.schema:schema",
    "export": "pipeline.commands.export:export",
    "serve": "pipeline.commands.serve:serve",
    "config": "pipeline.commands.config:config",
}


def report_error(exc: EditionError) -> None:
    for line in exc.details:
        click.echo(line, err=True)
    click.echo(exc.shown(), err=True)


class EditionGroup(click.Group):
    """Subcommands named here and imported on first use; errors as one line each."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(dict.fromkeys([*self.lazy, *super().list_commands(ctx)]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EditionError as exc:
            report_error(exc)
            sys.exit(exc.exit_code)
        except OSError as exc:
            report_error(os_error(exc, "cannot read or write"))
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("error: interrupted; earlier outputs are left as they were", err=True)
            sys.exit(130)


@click.group(
    cls=EditionGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="edition")
def main() -> None:
    """TEI-XML digital edition pipeline: convert, validate, build, export."""
