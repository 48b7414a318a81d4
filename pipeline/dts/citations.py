"""A document's citation tree, read from its ``refsDecl/citeStructure``.

Each ``citeStructure`` names a kind of unit (``@unit``), the XPath that finds the units
(``@match``: from the document's root at the top level, from the parent unit below it)
and the XPath giving each unit's reference (``@use``). The XPaths are written, as TEI
does, without namespace prefixes; they are evaluated on a copy of the document without
the TEI namespace and the results mapped back to the document's own elements.

A nested unit's identifier is its parent's identifier, ``@delim`` and its own ``@use``
value when the citeStructure has a ``@delim``; without one it is its ``@use`` value
alone (this edition's units are cited by ``xml:id``, which is unique on its own).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from pipeline.errors import EditionError
from pipeline.structure.identifiers import is_safe_id
from pipeline.xmltools import NSMAP, TEI_NS


@dataclass(frozen=True)
class CiteStructure:
    """One level of the citation tree: a kind of unit and the levels below it."""

    cite_type: str
    children: tuple[CiteStructure, ...] = ()


@dataclass(frozen=True)
class CitableUnit:
    """One passage that can be cited, navigated to and fetched."""

    identifier: str
    level: int
    parent: str | None
    cite_type: str
    element: etree._Element = field(compare=False, repr=False)


@dataclass(frozen=True)
class CitationTree:
    structures: tuple[CiteStructure, ...]
    units: tuple[CitableUnit, ...]

    @property
    def depth(self) -> int:
        return max((u.level for u in self.units), default=0)

    def unit(self, identifier: str) -> CitableUnit | None:
        return next((u for u in self.units if u.identifier == identifier), None)


def _without_namespace(root: etree._Element) -> etree._Element:
    """A copy of ``root`` with its TEI elements in no namespace, node for node."""
    bare = copy.deepcopy(root)
    for element in bare.iter():
        if isinstance(element.tag, str) and etree.QName(element).namespace == TEI_NS:
            element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(bare)
    return bare


def _structures(parent: etree._Element) -> tuple[CiteStructure, ...]:
    return tuple(
        CiteStructure(cs.get("unit") or "passage", _structures(cs))
        for cs in parent.iterfind("tei:citeStructure", NSMAP)
    )


def _evaluate(context: etree._Element, expression: str, what: str) -> object:
    try:
        return context.xpath(expression)
    except etree.XPathError as exc:
        raise EditionError(f"citeStructure {what} {expression!r} is not XPath: {exc}") from None


def citation_tree(tree: etree._ElementTree) -> CitationTree:
    """The default citation tree of a TEI document (its first ``refsDecl``).

    A document without ``citeStructure`` has an empty tree. Identifiers must be unique
    and safe in a URL path and a file name.
    """
    root = tree.getroot()
    refs_decl = root.find("tei:teiHeader/tei:encodingDesc/tei:refsDecl", NSMAP)
    if refs_decl is None or refs_decl.find("tei:citeStructure", NSMAP) is None:
        return CitationTree((), ())
    bare = _without_namespace(root)
    originals = list(root.iter())
    position = {el: i for i, el in enumerate(bare.iter())}

    def walk(
        structure_parent: etree._Element,
        context: etree._Element,
        parent: CitableUnit | None,
        level: int,
    ) -> Iterator[CitableUnit]:
        for cs in structure_parent.iterfind("tei:citeStructure", NSMAP):
            match, use = cs.get("match", ""), cs.get("use", "")
            if not match or not use:
                raise EditionError("citeStructure needs both @match and @use")
            found = _evaluate(context, match, "@match")
            if not isinstance(found, list):
                raise EditionError(f"citeStructure @match {match!r} does not select elements")
            for node in found:
                if not isinstance(node, etree._Element) or node not in position:
                    continue
                value = str(_evaluate(node, f"string({use})", "@use")).strip()
                delim = cs.get("delim")
                identifier = (
                    f"{parent.identifier}{delim}{value}"
                    if (parent is not None and delim is not None)
                    else value
                )
                unit = CitableUnit(
                    identifier,
                    level,
                    parent.identifier if parent else None,
                    cs.get("unit") or "passage",
                    originals[position[node]],
                )
                yield unit
                yield from walk(cs, node, unit, level + 1)

    units = tuple(walk(refs_decl, bare, None, 1))
    seen: set[str] = set()
    for unit in units:
        if not is_safe_id(unit.identifier):
            raise EditionError(
                f"citation reference {unit.identifier!r} is not a safe "
                "identifier (letters, digits, '_', '-', '.')"
            )
        if unit.identifier in seen:
            raise EditionError(f"citation reference {unit.identifier!r} is not unique")
        seen.add(unit.identifier)
    return CitationTree(_structures(refs_decl), units)
