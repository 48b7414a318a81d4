"""Passages of a TEI document for the Document endpoint: a unit, a page, a range.

A passage is TEI: the ``TEI`` root holding a ``dts:wrapper`` with the requested text.
A unit is its element, exactly as it stands in the document. A range, and a page (from
its page break to the next), is the document between two points: whatever lies between
them is copied, and an element that they cut is kept as an outer part holding only what
lies inside (a paragraph that a page break splits keeps its start tag and attributes).
``xml:base`` is the whole document's URL, so the passage's pointers resolve as they do
in the document.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from pipeline.dts.citations import CitableUnit, CitationTree
from pipeline.xmltools import NSMAP, TEI_NS

DTS_NS = "https://w3id.org/api/dts#"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


@dataclass(frozen=True)
class Positions:
    """Where each node of a document starts and ends, counted in document order."""

    start: dict[etree._Element, int]
    end: dict[etree._Element, int]

    @classmethod
    def of(cls, root: etree._Element) -> Positions:
        start: dict[etree._Element, int] = {}
        end: dict[etree._Element, int] = {}
        counter = 0
        for event, node in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
            if event in ("comment", "pi"):
                start[node] = counter
                end[node] = counter + 1
                counter += 2
                continue
            (start if event == "start" else end)[node] = counter
            counter += 1
        return cls(start, end)


def _append_text(out: etree._Element, text: str | None) -> None:
    if not text:
        return
    if len(out):
        out[-1].tail = (out[-1].tail or "") + text
    else:
        out.text = (out.text or "") + text


def _fill(
    out: etree._Element,
    original: etree._Element,
    bounds: tuple[int, int, int],
    at: Positions,
) -> None:
    """Copy into ``out`` what of ``original``'s content lies within the bounds.

    Nodes from position ``low`` to ``high`` are in; text is in when the event it
    follows lies in ``[low, text_high)``.
    """
    low, high, text_high = bounds
    if low <= at.start[original] < text_high:
        _append_text(out, original.text)
    for child in original:
        first, last = at.start[child], at.end[child]
        if last < low or first > high:
            continue
        if low <= first and last <= high:
            whole = copy.deepcopy(child)
            whole.tail = None
            out.append(whole)
        else:
            part = etree.SubElement(out, child.tag, attrib=dict(child.attrib), nsmap=child.nsmap)
            _fill(part, child, bounds, at)
        if low <= last < text_high:
            _append_text(out, child.tail)


def _common_ancestor(a: etree._Element, b: etree._Element) -> etree._Element:
    above = {id(el): el for el in [a, *a.iterancestors()]}
    for element in [b, *b.iterancestors()]:
        if id(element) in above:
            return element
    raise ValueError("the two points are not in one document")


def _between(
    first: etree._Element, stop: etree._Element, inclusive: bool, at: Positions
) -> etree._Element:
    """A holder element with the document from ``first`` to ``stop`` (``stop`` and its
    content included when ``inclusive``, else up to its start)."""
    low = at.start[first]
    if inclusive:
        high = text_high = at.end[stop]
    else:
        text_high = at.start[stop]
        high = text_high - 1
    container = _common_ancestor(first, stop)
    if container is first:  # the range starts with the element that holds its end
        container = container.getparent()
    holder = etree.Element("holder")
    _fill(holder, container, (low, high, text_high), at)
    return holder


def _text_element(unit: CitableUnit) -> etree._Element:
    found = unit.element.getroottree().getroot().find("tei:text", NSMAP)
    return found if found is not None else unit.element.getroottree().getroot()


def _page_span(
    start: CitableUnit, end: CitableUnit, at: Positions
) -> tuple[etree._Element | None, list]:
    if end.until is not None:
        holder = _between(start.element, end.until, False, at)
    else:
        holder = _between(start.element, _text_element(end), True, at)
    return holder.text, list(holder)


def passage_nodes(
    tree: CitationTree, start: CitableUnit, end: CitableUnit | None, at: Positions
) -> tuple[str | None, list[etree._Element]]:
    """The text and nodes of one unit (``end`` None) or of the range ``start``..``end``."""
    if start.milestone:
        return _page_span(start, end or start, at)
    if end is None or end is start:
        whole = copy.deepcopy(start.element)
        whole.tail = None
        return None, [whole]
    stop = end.element
    # A range ends with the last unit's whole content, its descendants included.
    holder = _between(start.element, stop, True, at)
    return holder.text, list(holder)


def passage_document(text: str | None, nodes: Sequence[etree._Element], base: str) -> bytes:
    """TEI holding the passage in ``dts:wrapper``, written as it stands in the document:
    only the two wrapping levels are indented."""
    root = etree.Element(f"{{{TEI_NS}}}TEI", nsmap={None: TEI_NS})
    root.set(XML_BASE, base)
    wrapper = etree.SubElement(root, f"{{{DTS_NS}}}wrapper", nsmap={"dts": DTS_NS})
    for node in nodes:
        wrapper.append(node)
    if len(nodes) == 1 and not text:
        wrapper.text = "\n    "
        wrapper[0].tail = "\n  "
    else:
        wrapper.text = text
    root.text, wrapper.tail = "\n  ", "\n"
    etree.cleanup_namespaces(root, top_nsmap={None: TEI_NS, "dts": DTS_NS})
    body = etree.tostring(root, encoding="UTF-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"
