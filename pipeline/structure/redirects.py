"""Persistent ids as data: the published-ids list and the redirects of moved ids.

A release keeps the list of the ids it published (``tei/published-ids.txt``), one a line,
sorted: ``docid`` for a document, ``docid#xmlid`` for a point inside it. An id may only
disappear from the TEI when ``tei/redirects.toml`` says where it went::

    [redirects]
    "old-doc#old-doc-p3" = "old-doc#old-doc-p4"
    "old-doc" = "new-doc"
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from pipeline.errors import EditionError
from pipeline.structure.identifiers import is_safe_id

PUBLISHED_IDS = "published-ids.txt"
REDIRECTS = "redirects.toml"
HEADER = (
    "# Published xml:ids of this edition: 'docid' or 'docid#xmlid', one a line, sorted.\n"
    "# An id listed here may only leave the TEI with an entry in redirects.toml.\n"
)


def parse_id_list(text: str) -> list[str]:
    """The ids of a published-ids file; blank lines and ``#`` comments are skipped.

    An id line always starts with a document id, never with ``#``.
    """
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def id_positions(text: str) -> dict[str, tuple[int, int]]:
    """Where each id of a published-ids file is: its first line and column (from 1)."""
    positions: dict[str, tuple[int, int]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        item = line.strip()
        if item and not item.startswith("#"):
            positions.setdefault(item, (number, len(line) - len(line.lstrip()) + 1))
    return positions


def redirect_positions(text: str) -> dict[str, tuple[int, int]]:
    """Where each old id of a redirects file is given: its line and column (from 1)."""
    positions: dict[str, tuple[int, int]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        key, equals, _ = line.partition("=")
        item = key.strip()
        if equals and item:
            column = len(key) - len(key.lstrip()) + 1
            positions.setdefault(item.strip("\"'"), (number, column))
    return positions


def format_id_list(ids: Iterable[str]) -> str:
    """The published-ids file: a short header, then the ids sorted, one a line."""
    return HEADER + "".join(f"{item}\n" for item in sorted(set(ids)))


def _check_entry(value: object, where: str | Path) -> str:
    if not isinstance(value, str):
        raise EditionError(f"redirect entries must be strings, not {value!r}", where)
    doc, _, point = value.partition("#")
    if not is_safe_id(doc) or (point and not is_safe_id(point)) or value.endswith("#"):
        raise EditionError(f"redirect entry {value!r} is not 'docid' or 'docid#xmlid'", where)
    return value


def parse_redirects(text: str, where: str | Path = REDIRECTS) -> dict[str, str]:
    """Old id -> new id from the ``[redirects]`` table; every id is checked."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EditionError(f"invalid TOML: {exc}", where) from None
    unknown = set(data) - {"redirects"}
    if unknown:
        raise EditionError(f"unknown table or key: {', '.join(sorted(unknown))}", where)
    table = data.get("redirects", {})
    if not isinstance(table, dict):
        raise EditionError("'redirects' must be a table", where)
    redirects = {_check_entry(old, where): _check_entry(new, where) for old, new in table.items()}
    for old, new in redirects.items():
        if ("#" in old) != ("#" in new):
            raise EditionError(
                f"{old!r} and {new!r}: a document must move to a document and a point to a point",
                where,
            )
    return redirects


def resolve(redirects: Mapping[str, str], old: str) -> str:
    """Follow a chain of redirects (a -> b -> c) to its end; a cycle is an error."""
    seen = [old]
    current = old
    while current in redirects:
        current = redirects[current]
        if current in seen:
            raise EditionError(f"redirects go round in a circle: {' -> '.join(seen)}")
        seen.append(current)
    return current
