"""Where a key stands in a TOML file, so an error can name its line.

``tomllib`` gives values without positions. ``TomlSource`` reads the file once more, line
by line, and records the first line of every key path: ``("tool", "edition", "tei")``,
or ``("intervention", 2, "orig")`` for the third ``[[intervention]]`` table. It follows
table headers, arrays of tables, dotted and quoted keys, and skips the inside of
multi-line strings and arrays; that is all a position needs.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError, EditionError

KeyPath = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*(?P<name>[^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*(?P<key>(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
    r"""(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_PART = re.compile(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""")


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip("\"'") for p in _PART.findall(dotted))


@dataclass
class TomlSource:
    """A TOML file's data with the line of each key path."""

    path: Path
    data: dict[str, Any]
    lines: dict[KeyPath, int] = field(default_factory=dict)
    error_class: type[EditionError] = ConfigError

    def line(self, key_path: KeyPath) -> int | None:
        """The line of ``key_path``, else of its nearest enclosing key or table."""
        path = tuple(key_path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def error(self, message: str, key_path: KeyPath = ()) -> EditionError:
        return self.error_class(message, self.path, self.line(key_path))


def index_lines(text: str) -> dict[KeyPath, int]:
    lines: dict[KeyPath, int] = {}
    table: KeyPath = ()
    array_counts: dict[tuple[str, ...], int] = {}
    in_string: str | None = None
    depth = 0  # open brackets of a multi-line array or inline table
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        if depth > 0:
            depth += _bracket_balance(line)
            continue
        header = _HEADER.match(line)
        if header:
            names = _parts(header.group("name"))
            if header.group(1) == "[[":
                index = array_counts.get(names, 0)
                array_counts[names] = index + 1
                table = (*names, index)
                lines.setdefault(names, number)  # the array itself: where it starts
            else:
                table = names
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if not key:
            continue
        path = (*table, *_parts(key.group("key")))
        lines.setdefault(path, number)
        value = line[key.end() :]
        for quote in ('"""', "'''"):
            if value.count(quote) % 2 == 1:
                in_string = quote
                break
        if in_string is None:
            depth = max(0, _bracket_balance(value))
    return lines


def _bracket_balance(text: str) -> int:
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "", text).split("#")[0]
    return text.count("[") + text.count("{") - text.count("]") - text.count("}")


def parse_toml(text: str, path: Path, error_class: type[EditionError] = ConfigError) -> TomlSource:
    """Parse TOML text read from ``path``; errors name the file, line and column."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line, column = (int(where[1]), int(where[2])) if where else (None, None)
        raise error_class(f"not valid TOML: {message}", path, line, column) from None
    return TomlSource(path, data, index_lines(text), error_class)


def read_toml(path: Path) -> TomlSource:
    """Read and parse a settings file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path) from None
    return parse_toml(text, path)
