"""Shared XML helpers: namespaces, the safe parser and canonical output."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from pipeline.errors import EditionError

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XI_NS = "http://www.w3.org/2001/XInclude"
NSMAP = {"tei": TEI_NS, "xml": XML_NS}


def tei(local: str) -> str:
    """Clark name of a TEI element: ``tei("p")`` -> ``{http://www.tei-c.org/ns/1.0}p``."""
    return f"{{{TEI_NS}}}{local}"


XML_ID = f"{{{XML_NS}}}id"
XML_LANG = f"{{{XML_NS}}}lang"


def safe_parser(remove_blank_text: bool = False, recover: bool = False) -> etree.XMLParser:
    """A parser that never resolves entities, loads a DTD or touches the network.

    ``recover`` only gets past errors that are not well-formedness errors (a repeated
    ``xml:id``); callers check well-formedness first.
    """
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_blank_text=remove_blank_text,
        recover=recover,
    )


NOT_WELL_FORMED = "not well-formed XML"  # how a parse error's message begins

# libxml2 reports a repeated xml:id while parsing, though the file is well-formed.
_VALIDITY_ONLY = frozenset({"DTD_ID_REDEFINED"})


def parse_bytes(
    data: bytes, path: str | Path = "<bytes>", *, repeated_ids: bool = False
) -> etree._ElementTree:
    """Parse XML safely; a syntax error becomes an EditionError with line and column.

    With ``repeated_ids`` a file whose only fault is a repeated ``xml:id`` is read all
    the same (it is well-formed; validation says what is wrong with it).
    """
    parser = safe_parser()
    try:
        root = etree.fromstring(data, parser, base_url=str(path))
    except etree.XMLSyntaxError as exc:
        # The parser's own log: the exception's may hold errors of earlier parses. A
        # repeated id comes first in it where it comes first in the file: the error
        # that breaks well-formedness is the one to report.
        broken = [e for e in parser.error_log if e.type_name not in _VALIDITY_ONLY]
        if broken:
            first = broken[0]
            raise EditionError(
                f"{NOT_WELL_FORMED}: {first.message}", path, first.line, first.column
            ) from None
        if not repeated_ids:
            line, column = exc.position if exc.position else (None, None)
            message = exc.msg or str(exc)
            raise EditionError(f"{NOT_WELL_FORMED}: {message}", path, line, column) from None
        root = etree.fromstring(data, safe_parser(recover=True), base_url=str(path))
    return root.getroottree()


def parse_file(path: str | Path) -> etree._ElementTree:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EditionError(f"cannot read file: {exc.strerror}", path) from None
    return parse_bytes(data, path)


# Elements whose children are structural: they are indented. Everything else is
# mixed content and is written exactly as built, so indentation never adds text.
def _is_structural(el: etree._Element) -> bool:
    if len(el) == 0 or (el.text and el.text.strip()):
        return False
    return all(not (child.tail and child.tail.strip()) for child in el)


def indent_structure(root: etree._Element, step: str = "  ") -> None:
    """Indent element-only containers; leave mixed content untouched."""

    def walk(el: etree._Element, level: int) -> None:
        if not _is_structural(el):
            return
        pad = "\n" + step * (level + 1)
        el.text = pad
        for child in el:
            child.tail = pad
            walk(child, level + 1)
        el[-1].tail = "\n" + step * level

    walk(root, 0)


def serialize(root: etree._Element) -> bytes:
    """Canonical output: UTF-8, XML declaration, stable indentation, trailing newline."""
    indent_structure(root)
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"
