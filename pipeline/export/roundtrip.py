"""Read anyone's TEI and write it back unchanged, unless normalisation is asked for.

"Unchanged" is judged on canonical XML (C14N 2.0, with comments): a file read and
written again has the same canonical form as the file received. Normalisation is the
one declared exception: it re-indents element-only containers, as ``serialize`` does for
the edition's own files, and touches nothing else.
"""

from __future__ import annotations

import copy
from pathlib import Path

from lxml import etree

from pipeline.errors import EditionError
from pipeline.xmltools import indent_structure, parse_bytes


def read_tei(data: bytes, path: str | Path = "<bytes>") -> etree._ElementTree:
    """Parse a TEI (or any XML) file as received, keeping its prolog and comments.

    A round trip carries a file with a duplicate xml:id through unchanged and leaves the
    verdict on it to validation; any well-formedness error is still refused.
    """
    return parse_bytes(data, path, repeated_ids=True)


def _prolog_and_epilog(
    root: etree._Element,
) -> tuple[list[etree._Element], list[etree._Element]]:
    before = list(reversed(list(root.itersiblings(preceding=True))))
    after = list(root.itersiblings())
    return before, after


def _node_bytes(node: etree._Element) -> bytes:
    # A sibling of the root is serialised alone: tostring would add the root's tail.
    return etree.tostring(node, encoding="UTF-8", with_tail=False)


def _doctype_bytes(tree: etree._ElementTree, rest: bytes) -> bytes:
    """The DOCTYPE as received, internal subset included.

    ``docinfo.doctype`` drops the internal subset (entity declarations), so it is taken
    from the full serialisation: what precedes the nodes that follow it.
    """
    if tree.docinfo.internalDTD is None:
        return (tree.docinfo.doctype or "").encode("utf-8")
    full = etree.tostring(tree, encoding="UTF-8", xml_declaration=False)
    if not full.endswith(rest):
        raise EditionError("cannot separate the DOCTYPE from the document")
    return full[: len(full) - len(rest)].rstrip(b"\n")


def write_tei(tree: etree._ElementTree, normalise: bool = False) -> bytes:
    """Serialise a tree read by ``read_tei``: UTF-8, its DOCTYPE, PIs and comments kept.

    Without ``normalise`` the markup is written as it was read. With it, element-only
    containers are re-indented (mixed content is never touched). The tree is not changed.
    """
    source_root = tree.getroot()
    before, after = _prolog_and_epilog(source_root)
    nodes_before = [_node_bytes(node) for node in before]
    nodes_after = [_node_bytes(node) for node in after]
    doctype = _doctype_bytes(
        tree,
        b"".join([*nodes_before, _node_bytes(source_root), *nodes_after]),
    )
    root = source_root
    if normalise:
        root = copy.deepcopy(source_root)
        indent_structure(root)
    version = tree.docinfo.xml_version or "1.0"
    declaration = f'<?xml version="{version}" encoding="UTF-8"'
    # lxml reports an absent standalone flag as False, so only "yes" can be told apart.
    if tree.docinfo.standalone:
        declaration += ' standalone="yes"'
    parts = [(declaration + "?>").encode()]
    if doctype:
        parts.append(doctype)
    parts.extend(nodes_before)
    parts.append(_node_bytes(root))
    parts.extend(nodes_after)
    return b"\n".join(parts) + b"\n"


def _expand_internal_entities(tree: etree._ElementTree) -> None:
    """Replace references to internal text entities by their text, as C14N requires.

    The parser never expands entities (asking libxml2 to would make it reach for an
    external DTD), so the few internal ones are expanded here; anything else is refused.
    """
    dtd = tree.docinfo.internalDTD
    values = {e.name: e.content for e in dtd.iterentities()} if dtd is not None else {}
    for ref in list(tree.getroot().iter(etree.Entity)):
        value = values.get(ref.name)
        if value is None or "<" in value or "&" in value:
            raise EditionError(f"entity &{ref.name}; cannot be expanded without loading it")
        parent = ref.getparent()
        text = value + (ref.tail or "")
        previous = ref.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(ref)


def canonical_form(data: bytes) -> str:
    """C14N 2.0 of an XML document, comments included: the measure of 'unchanged'."""
    tree = read_tei(data)
    _expand_internal_entities(tree)
    return etree.canonicalize(tree, with_comments=True)


def roundtrip(data: bytes, path: str | Path = "<bytes>", normalise: bool = False) -> bytes:
    """Read and write again: the stage every exchange format starts and ends with."""
    return write_tei(read_tei(data, path), normalise=normalise)


def unchanged(original: bytes, written: bytes) -> bool:
    """True when both have the same canonical XML."""
    return canonical_form(original) == canonical_form(written)
