"""Thin command modules: each parses options, calls the pipeline, reports."""

from __future__ import annotations

import click

from pipeline.errors import EditionError, shown_path

__all__ = ["shown_path", "user_error"]


def user_error(exc: EditionError) -> click.ClickException:
    """One line, exit code 1: what went wrong and where."""
    if exc.path is not None:
        exc = EditionError(exc.message, shown_path(exc.path), exc.line, exc.column)
    return click.ClickException(str(exc))
