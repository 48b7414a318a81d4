"""Errors that carry a position, so every failure can be reported as one line.

``EditionError`` is the one exception the command line turns into a message and an exit
code (see ``pipeline.cli``): ``path:line:column: error: message``. Subclasses say which
exit code they mean: 1 for a failed run, 2 for a usage or configuration error.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

# libxml2 and other libraries repeat the position at the end of their messages.
_TRAILING_POSITION = re.compile(r",?\s*\(?(?:at\s+)?line \d+,? column \d+\)?\s*$")


def clean_message(message: str) -> str:
    """One line: no repeated position, no stray newlines or spaces."""
    text = " ".join(str(message).split())
    return _TRAILING_POSITION.sub("", text).rstrip(" ,;")


class EditionError(Exception):
    """A user-facing error: ``path:line:column: message``; never shown as a traceback."""

    exit_code = 1
    # Lines to show before the error itself (each problem of a validation, one a line).
    details: tuple[str, ...] = ()

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = clean_message(message)
        super().__init__(self.message)
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column

    def location(self) -> str:
        parts = [p for p in (self.path, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message

    def shown(self) -> str:
        """The line a user sees: the path relative to the working folder."""
        path = shown_path(self.path) if self.path is not None else None
        where = ":".join(str(p) for p in (path, self.line, self.column) if p is not None)
        return f"{where}: error: {self.message}" if where else f"error: {self.message}"


class UsageError(EditionError):
    """The command was asked for something it cannot do: exit code 2."""

    exit_code = 2


class ConfigError(UsageError):
    """A setting is missing, unknown or of the wrong kind: exit code 2."""


class InputRefused(EditionError):
    """An input that is not read at all: a link out of its folder, a FIFO, a device..."""


def os_error(exc: OSError, doing: str = "cannot write") -> EditionError:
    """An ``OSError`` (full disk, permissions...) as one line naming the path."""
    reason = exc.strerror or str(exc)
    return EditionError(f"{doing}: {reason}", exc.filename)


def shown_path(path: str | Path, cwd: str | None = None) -> str:
    """A path as the user should see it: relative to the working folder (``cwd``, when
    the caller has just asked for it) when inside it."""
    text = os.fspath(path)
    if text.startswith("<"):  # not a file: "<bytes>", "<config>"
        return text
    cwd = cwd or os.getcwd()
    folder, name = os.path.split(text)
    if not folder or name in ("", ".", "..") or "/." in text or "//" in text or text == cwd:
        return _shown(text, cwd)  # rare: not a plain name in a folder
    # Shown for every input: the folder's part is worked out once per folder.
    shown_folder = _shown(folder, cwd)
    return name if shown_folder == "." else os.path.join(shown_folder, name)


@functools.lru_cache(maxsize=256)
def _shown(text: str, cwd: str) -> str:
    if os.path.isabs(text) and "/." not in text and "//" not in text:
        # The common case, without relpath's normalising: a clean path inside the
        # working folder.
        if text == cwd:
            return "."
        if text.startswith(cwd.rstrip("/") + "/"):
            return text[len(cwd.rstrip("/")) + 1 :]
    try:
        relative = os.path.relpath(text, cwd)
    except ValueError:  # another drive
        return str(Path(text).absolute())
    return relative if not relative.startswith("..") else str(Path(text).absolute())
