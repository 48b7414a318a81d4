"""Errors that carry a position, so every failure can be reported as one line."""

from __future__ import annotations

import os
from pathlib import Path


class EditionError(Exception):
    """A user-facing error: ``path:line:column: message``.

    The CLI turns it into a one-line message and exit code 1, never a traceback.
    """

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column

    def location(self) -> str:
        parts = [p for p in (self.path, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


def shown_path(path: str | Path) -> str:
    """A path as the user should see it: relative to the working folder when inside it."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else str(Path(path).absolute())
