"""Thin command modules: each parses options, calls the pipeline, reports."""

from __future__ import annotations

import os
from pathlib import Path

import click

from pipeline.errors import EditionError


def shown_path(path: str | Path) -> str:
    """A path as the user should see it: relative to the working folder when inside it."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else str(path)


def user_error(exc: EditionError) -> click.ClickException:
    """One line, exit code 1: what went wrong and where."""
    if exc.path is not None:
        exc = EditionError(exc.message, shown_path(exc.path), exc.line, exc.column)
    return click.ClickException(str(exc))
