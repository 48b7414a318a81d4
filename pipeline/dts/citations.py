"""A document's citation trees: those its ``refsDecl`` declares, and one by printed page.

Each ``citeStructure`` names a kind of unit (``@unit``), the XPath that finds the units
(``@match``: from the document's root at the top level, from the parent unit below it)
and the XPath giving each unit's reference (``@use``). The XPaths are written, as TEI
does, without namespace prefixes; they are evaluated on a copy of the document without
the TEI namespace and the results mapped back to the document's own elements. Its
``citeData`` children (``@property``, ``@use``) give each unit's metadata.

A nested unit's identifier is its parent's identifier, ``@delim`` and its own ``@use``
value when the citeStructure has a ``@delim``; without one it is its ``@use`` value
alone (this edition's units are cited by ``xml:id``, which is unique on its own).

The first ``refsDecl`` with a ``citeStructure`` is the default tree; a further one is a
tree named by its ``@n`` (or ``xml:id``). A text with page breaks (``pb`` in ``text``)
also has a tree of printed pages, ``pages`` (``pages-ED`` for each ``pb/@ed`` when
there are several editions' breaks): a page runs from its ``pb`` to the next one.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from lxml import etree

from pipeline.errors import EditionError
from pipeline.structure.identifiers import is_safe_id
from pipeline.xmltools import NSMAP, TEI_NS, XML_ID

PAGES = "pages"
DATE_ATTRIBUTES = ("when", "from", "to", "notBefore", "notAfter")
_REF_OK = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def is_safe_ref(value: str | None) -> bool:
    """A reference that is safe as a path segment and a file name (it may be a number)."""
    return bool(value) and bool(_REF_OK.match(value))


@dataclass(frozen=True)
class DateValue:
    """A TEI date: ISO 8601 (Gregorian; an interval where the TEI gives one), and the
    attributes that give it in another calendar (``when-custom``..., ``datingMethod``)."""

    iso: str
    custom: tuple[tuple[str, str], ...] = ()


Value = str | DateValue


@dataclass(frozen=True)
class CiteStructure:
    """One level of the citation tree: a kind of unit and the levels below it."""

    cite_type: str
    children: tuple[CiteStructure, ...] = ()

    @property
    def depth(self) -> int:
        return 1 + max((c.depth for c in self.children), default=0)


@dataclass(frozen=True)
class CitableUnit:
    """One passage that can be cited, navigated to and fetched.

    A milestone unit (a page) is the text from its element up to ``until`` (not
    included), or to the end of the ``text`` when ``until`` is None.
    """

    identifier: str
    level: int
    parent: str | None
    cite_type: str
    element: etree._Element = field(compare=False, repr=False)
    title: str = ""
    metadata: tuple[tuple[str, tuple[Value, ...]], ...] = ()  # (property IRI, values)
    milestone: bool = False
    until: etree._Element | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class CitationTree:
    identifier: str | None  # None: the default tree
    structures: tuple[CiteStructure, ...]
    units: tuple[CitableUnit, ...]
    description: str = ""

    @property
    def declared_depth(self) -> int:
        """How deep the declared structure goes (a tree may have no unit that deep)."""
        return max((s.depth for s in self.structures), default=0)

    @cached_property
    def index(self) -> dict[str, int]:
        return {u.identifier: i for i, u in enumerate(self.units)}

    def unit(self, identifier: str) -> CitableUnit | None:
        position = self.index.get(identifier)
        return None if position is None else self.units[position]

    @cached_property
    def subtree_end(self) -> tuple[int, ...]:
        """For each unit, the position just after its last descendant."""
        ends = [0] * len(self.units)
        open_units: list[int] = []
        for i, unit in enumerate(self.units):
            while open_units and self.units[open_units[-1]].level >= unit.level:
                ends[open_units.pop()] = i
            open_units.append(i)
        for i in open_units:
            ends[i] = len(self.units)
        return tuple(ends)

    @cached_property
    def siblings(self) -> dict[str | None, tuple[int, ...]]:
        """Parent identifier (None: the root) -> positions of its children."""
        groups: dict[str | None, list[int]] = {}
        for i, unit in enumerate(self.units):
            groups.setdefault(unit.parent, []).append(i)
        return {parent: tuple(positions) for parent, positions in groups.items()}


# --- reading values ----------------------------------------------------------------------


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def date_value(element: etree._Element) -> DateValue | None:
    """A TEI date's normalised values: None when it has none."""
    if element.get("when"):
        iso = element.get("when")
    else:
        start = element.get("from") or element.get("notBefore") or ""
        end = element.get("to") or element.get("notAfter") or ""
        iso = f"{start or '..'}/{end or '..'}" if (start or end) else ""
    custom = tuple(
        (f"{name}-custom", element.get(f"{name}-custom"))
        for name in DATE_ATTRIBUTES
        if element.get(f"{name}-custom")
    )
    if custom and element.get("datingMethod"):
        custom += (("datingMethod", element.get("datingMethod")),)
    if not iso and not custom:
        return None
    return DateValue(iso, custom)


def _values(result: object) -> tuple[Value, ...]:
    """What a citeData XPath gave: dates as dates, elements as their text, strings."""
    items = result if isinstance(result, list) else [result]
    values: list[Value] = []
    for item in items:
        if isinstance(item, etree._Element):
            if not isinstance(item.tag, str):
                continue
            if etree.QName(item).localname == "date" or any(item.get(a) for a in DATE_ATTRIBUTES):
                date = date_value(item)
                if date is not None:
                    values.append(date)
                    continue
            text = _text(item)
        elif isinstance(item, bool):
            text = "true" if item else "false"
        elif isinstance(item, float):
            text = str(int(item)) if item.is_integer() else str(item)
        else:
            text = " ".join(str(item).split())
        if text:
            values.append(text)
    return tuple(values)


def _title(element: etree._Element) -> str:
    """A unit's title where the text gives one: a heading's words, a note's number."""
    local = etree.QName(element).localname
    if local == "head":
        words = element.xpath(".//text()[not(ancestor::tei:note)]", namespaces=NSMAP)
        return " ".join("".join(words).split())
    if local == "note" and element.get("n"):
        return f"Note {element.get('n')}"
    return ""


# --- declared trees ----------------------------------------------------------------------


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
        raise EditionError(f"{what} {expression!r} is not XPath: {exc}") from None


def _cite_data(cs: etree._Element) -> list[tuple[str, str]]:
    found = []
    for data in cs.iterfind("tei:citeData", NSMAP):
        prop, use = data.get("property", ""), data.get("use", "")
        if not prop or not use:
            raise EditionError("citeData needs both @property and @use")
        found.append((prop, use))
    return found


def _declared_tree(
    refs_decl: etree._Element,
    identifier: str | None,
    bare: etree._Element,
    originals: Sequence[etree._Element],
    position: dict[etree._Element, int],
) -> CitationTree:
    def walk(
        structure_parent: etree._Element,
        context: etree._Element,
        parent: CitableUnit | None,
        level: int,
    ) -> Iterator[CitableUnit]:
        # Sibling citeStructures are matched together, so units stay in document order.
        matched: list[tuple[int, etree._Element, etree._Element]] = []
        for cs in structure_parent.iterfind("tei:citeStructure", NSMAP):
            match, use = cs.get("match", ""), cs.get("use", "")
            if not match or not use:
                raise EditionError("citeStructure needs both @match and @use")
            found = _evaluate(context, match, "citeStructure @match")
            if not isinstance(found, list):
                raise EditionError(f"citeStructure @match {match!r} does not select elements")
            for node in found:
                if isinstance(node, etree._Element) and node in position:
                    matched.append((position[node], cs, node))
        matched.sort(key=lambda item: item[0])
        for index, cs, node in matched:
            value = str(_evaluate(node, f"string({cs.get('use')})", "citeStructure @use"))
            value = value.strip()
            delim = cs.get("delim")
            unit_id = (
                f"{parent.identifier}{delim}{value}"
                if (parent is not None and delim is not None)
                else value
            )
            metadata = tuple(
                (prop, _values(_evaluate(node, use, "citeData @use")))
                for prop, use in _cite_data(cs)
            )
            original = originals[index]
            unit = CitableUnit(
                unit_id,
                level,
                parent.identifier if parent else None,
                cs.get("unit") or "passage",
                original,
                title=_title(original),
                metadata=tuple((p, v) for p, v in metadata if v),
            )
            yield unit
            yield from walk(cs, node, unit, level + 1)

    units = tuple(walk(refs_decl, bare, None, 1))
    seen: set[str] = set()
    for unit in units:
        if not is_safe_ref(unit.identifier):
            raise EditionError(
                f"citation reference {unit.identifier!r} is not a safe "
                "reference (letters, digits, '_', '-', '.')"
            )
        if unit.identifier in seen:
            raise EditionError(f"citation reference {unit.identifier!r} is not unique")
        seen.add(unit.identifier)
    return CitationTree(identifier, _structures(refs_decl), units)


# --- pages ---------------------------------------------------------------------------------


def _page_trees(root: etree._Element, taken: set[str | None]) -> list[CitationTree]:
    """Trees of printed pages: one per edition whose breaks (``pb/@ed``) the text has."""
    text = root.find("tei:text", NSMAP)
    if text is None:
        return []
    groups: dict[str | None, list[etree._Element]] = {}
    for pb in text.iter(f"{{{TEI_NS}}}pb"):
        groups.setdefault(pb.get("ed"), []).append(pb)
    trees = []
    for ed, breaks in groups.items():
        name = PAGES if (ed is None or len(groups) == 1) else f"{PAGES}-{ed}"
        if not is_safe_id(name) or name in taken:
            continue
        numbers = [pb.get("n") or "" for pb in breaks]
        usable = all(is_safe_ref(n) for n in numbers) and len(set(numbers)) == len(numbers)
        units = []
        for i, pb in enumerate(breaks):
            n = pb.get("n") or ""
            units.append(
                CitableUnit(
                    numbers[i] if usable else f"pb{i + 1}",
                    1,
                    None,
                    "page",
                    pb,
                    title=f"Page {n}" if n else "",
                    milestone=True,
                    until=breaks[i + 1] if i + 1 < len(breaks) else None,
                )
            )
        edition = f" of {ed}" if ed else ""
        description = f"The printed pages{edition}: each runs from its page break to the next."
        trees.append(
            CitationTree(name, (CiteStructure("page"),), tuple(units), description=description)
        )
        taken.add(name)
    return trees


def citation_trees(tree: etree._ElementTree) -> tuple[CitationTree, ...]:
    """Every citation tree of a TEI document; the first is the default (identifier None).

    A document without a declared ``citeStructure`` has an empty default tree when it
    has pages, and no tree at all otherwise. References must be unique within a tree
    and safe in a URL path and a file name.
    """
    root = tree.getroot()
    declared = [
        refs_decl
        for refs_decl in root.iterfind("tei:teiHeader/tei:encodingDesc/tei:refsDecl", NSMAP)
        if refs_decl.find("tei:citeStructure", NSMAP) is not None
    ]
    trees: list[CitationTree] = []
    if declared:
        bare = _without_namespace(root)
        originals = list(root.iter())
        position = {el: i for i, el in enumerate(bare.iter())}
        for i, refs_decl in enumerate(declared):
            name = None if i == 0 else (refs_decl.get("n") or refs_decl.get(XML_ID) or "")
            if name is not None and (not is_safe_id(name) or name in {t.identifier for t in trees}):
                raise EditionError(
                    f"a further refsDecl needs a unique, safe @n to name its tree (has {name!r})"
                )
            trees.append(_declared_tree(refs_decl, name, bare, originals, position))
    pages = _page_trees(root, {t.identifier for t in trees})
    if pages and not trees:
        trees.append(CitationTree(None, (), ()))
    return tuple(trees + pages)
