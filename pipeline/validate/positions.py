"""Columns for element-level errors.

libxml2 and xmlschema know the line of an element but not its column. Editors jump to
``path:line:col``, so the column of the element's start tag is recovered from the source
text: the n-th ``<name`` on that line, where n counts the elements with the same name that
start earlier on the same line.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree


class ColumnFinder:
    """Finds start-tag columns in one document."""

    def __init__(self, root: etree._Element, source: bytes | None) -> None:
        self._root = root  # the document's: nothing before it is of the same source
        self._source = source
        self._lines: list[bytes] | None = None

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
        name = _qname(el)
        needle = "<" + name
        nth = _earlier_on_line(el, name, self._root)
        pos = -1
        for _ in range(nth + 1):
            pos = _find_tag(line, needle, pos + 1)
            if pos < 0:
                return None
        return pos + 1


def _earlier_on_line(el: etree._Element, name: str, root: etree._Element) -> int:
    """How many elements named ``name`` start before ``el`` on its line. Start tags come
    in document order, so they are the ones met walking back from ``el`` in that order
    until an earlier line: only the line's own elements are looked at."""
    line, local, count = el.sourceline, name.rpartition(":")[2], 0
    for node in _backwards(el, root):
        if node.sourceline is None or node.sourceline < line:
            break
        # The same name as written: "<tei:p" finds any element written so.
        tag = node.tag
        if isinstance(tag, str) and tag.endswith(local) and _qname(node) == name:
            count += 1
    return count


def _backwards(el: etree._Element, root: etree._Element) -> Iterator[etree._Element]:
    """The nodes before ``el`` in document order (its ancestors included), nearest first,
    up to ``root`` (a document may be held in a larger tree, beside others)."""
    node = el
    while node is not root:
        previous = node.getprevious()
        if previous is None:
            parent = node.getparent()
            if parent is None:
                return
            node = parent
        else:
            while len(previous):
                previous = previous[-1]
            node = previous
        yield node


def _qname(el: etree._Element) -> str:
    local = el.tag.rpartition("}")[2]
    prefix = el.prefix
    return f"{prefix}:{local}" if prefix else local


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
