"""Schematron over a whole collection, with errors mapped back to file and line.

Some rules are about the collection, not one file: ``xml:id`` unique across all files,
every ``@ref``/``@target`` resolving to an id in some file. XPath 1 Schematron (as run by
``lxml.isoschematron``) sees one document only, and ``document()`` would mean reading files
behind the validator's back (and cannot see in-memory trees). So all documents are put into
one in-memory wrapper and the rules run once over it::

    <collection>
      <file path="tei/a.xml"><TEI xmlns="http://www.tei-c.org/ns/1.0">...</TEI></file>
      <file path="tei/b.xml"><TEI xmlns="http://www.tei-c.org/ns/1.0">...</TEI></file>
    </collection>

``collection`` and ``file`` are in no namespace. A rule sees its own file through
``ancestor::file`` (its name is ``ancestor::file/@path``, its folder ``@dir``, up to and
including the last separator, so that a relative link resolves against it) and the others
through
``/collection/file``, for example ``//tei:*[@xml:id = current()/@xml:id]`` for cross-file
uniqueness (prefer ``xsl:key`` for large collections). Rules must not use absolute paths
from the document root such as ``/tei:TEI``: write ``tei:TEI`` instead.

Each SVRL ``failed-assert`` and ``successful-report`` is mapped back through its
``location`` XPath: the element found in the wrapper is a copy that keeps its source line,
and its ``file`` ancestor says which document it came from. ``role="warning"`` (or
``warn``, ``info``, ``nonfatal``) makes it a warning; everything else is an error.
``error_finder=ASSERTS_AND_REPORTS`` is used because lxml's default ignores ``sch:report``.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

from lxml import etree, isoschematron

from pipeline.validate.document import CheckedFile
from pipeline.validate.model import ERROR, WARNING, Issue
from pipeline.validate.positions import ColumnFinder
from pipeline.validate.schemas import Layer, SchemaError, schema_stamp
from pipeline.xmltools import safe_parser

SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
WARNING_ROLES = {"warning", "warn", "info", "information", "nonfatal"}


def compile_schematron(path: Path) -> isoschematron.Schematron:
    return _compile_schematron(*schema_stamp(path))


@functools.lru_cache(maxsize=8)
def _compile_schematron(path: str, mtime_ns: int) -> isoschematron.Schematron:
    try:
        return isoschematron.Schematron(
            etree.parse(path, safe_parser()),
            error_finder=isoschematron.Schematron.ASSERTS_AND_REPORTS,
            store_report=True,
        )
    except (etree.XMLSyntaxError, etree.SchematronParseError, etree.XSLTError) as exc:
        raise SchemaError(f"cannot compile Schematron schema: {exc}", path) from None


def build_collection(docs: list[CheckedFile]) -> etree._ElementTree:
    """The wrapper document described in the module docstring (copies: inputs untouched)."""
    wrapper = etree.Element("collection")
    for doc in docs:
        assert doc.tree is not None
        folder = doc.path[: max(doc.path.rfind("/"), doc.path.rfind("\\")) + 1]
        holder = etree.SubElement(wrapper, "file", path=doc.path, dir=folder)
        holder.append(copy.deepcopy(doc.tree.getroot()))
    return etree.ElementTree(wrapper)


def validate_collection(docs: list[CheckedFile], layer: Layer) -> dict[str, list[Issue]]:
    """Run one Schematron over all ``docs``; issues keyed by document path."""
    found: dict[str, list[Issue]] = {doc.path: [] for doc in docs}
    if not docs:
        return found
    schematron = compile_schematron(layer.path)
    collection = build_collection(docs)
    schematron.validate(collection)
    report = schematron.validation_report
    if report is None:
        return found
    holders = list(collection.getroot())
    columns: dict[int, ColumnFinder] = {}
    for node in report.iter(f"{{{SVRL_NS}}}failed-assert", f"{{{SVRL_NS}}}successful-report"):
        el = _located(collection, node.get("location"))
        index = _holder_index(el)
        # A location outside any file (the wrapper itself) is charged to the first file.
        doc = docs[index] if index is not None else docs[0]
        line = el.sourceline if el is not None and index is not None else None
        column = None
        if line is not None and el is not None and index is not None:
            finder = columns.setdefault(index, ColumnFinder(holders[index][0], doc.source))
            column = finder.column(el)
        role = (node.get("role") or "").strip().lower()
        severity = WARNING if role in WARNING_ROLES else ERROR
        text_el = node.find(f"{{{SVRL_NS}}}text")
        text = " ".join("".join(text_el.itertext()).split()) if text_el is not None else ""
        message = text or f"test failed: {node.get('test')}"
        found[doc.path].append(Issue(doc.path, line, column, message, layer.label, severity))
    return found


def _located(tree: etree._ElementTree, location: str | None) -> etree._Element | None:
    if not location:
        return None
    try:
        result = tree.xpath(location)
    except etree.XPathError:
        return None
    if not isinstance(result, list) or not result:
        return None
    first = result[0]
    if isinstance(first, etree._Element):
        return first
    # An attribute or text node: report the element that holds it.
    parent = getattr(first, "getparent", None)
    return parent() if parent else None


def _holder_index(el: etree._Element | None) -> int | None:
    """Position of the ``file`` wrapper that holds ``el``, or None."""
    if el is None:
        return None
    for ancestor in el.iterancestors():
        parent = ancestor.getparent()
        if parent is not None and parent.getparent() is None:
            return parent.index(ancestor)
    return None
