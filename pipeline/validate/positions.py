"""Columns for element-level errors.

libxml2 and xmlschema know the line of an element but not its column. Editors jump to
``path:line:col``, so the column of the element's start tag is recovered from the source
text: the n-th ``<name`` on that line, where n counts the elements with the same name that
start earlier on the same line.
"""

from __future__ import annotations

from lxml import etree


class ColumnFinder:
    """Finds start-tag columns in one document; indexes each local name only when first
    asked about an element of that name (lxml finds those without leaving C)."""

    def __init__(self, root: etree._Element, source: bytes | None) -> None:
        self._root = root
        self._source = source
        self._lines: list[bytes] | None = None
        self._rank: dict[str, dict[etree._Element, int]] = {}

    def _index(self, local: str) -> dict[etree._Element, int]:
        rank = self._rank.get(local)
        if rank is None:
            seen: dict[tuple[int, str], int] = {}
            rank = {}
            for el in self._root.iter(f"{{*}}{local}"):
                if el.sourceline is None:
                    continue
                key = (el.sourceline, _qname(el))
                rank[el] = seen.get(key, 0)
                seen[key] = rank[el] + 1
            self._rank[local] = rank
        return rank

    def column(self, el: etree._Element) -> int | None:
        """1-based column of ``el``'s ``<``, or None when it cannot be told."""
        if self._source is None or not isinstance(el.tag, str) or el.sourceline is None:
            return None
        if self._lines is None:
            self._lines = self._source.split(b"\n")
        line_no = el.sourceline
        if line_no > len(self._lines):
            return None
        line = self._lines[line_no - 1].decode("utf-8", errors="replace")
        needle = "<" + _qname(el)
        nth = self._index(etree.QName(el).localname).get(el, 0)
        pos = -1
        for _ in range(nth + 1):
            pos = _find_tag(line, needle, pos + 1)
            if pos < 0:
                return None
        return pos + 1


def _qname(el: etree._Element) -> str:
    local = etree.QName(el).localname
    return f"{el.prefix}:{local}" if el.prefix else local


def _find_tag(line: str, needle: str, start: int) -> int:
    # "<p" must not match "<persName": the name has to end there.
    while True:
        pos = line.find(needle, start)
        if pos < 0:
            return -1
        after = line[pos + len(needle) : pos + len(needle) + 1]
        if after in ("", ">", "/") or after.isspace():
            return pos
        start = pos + 1
