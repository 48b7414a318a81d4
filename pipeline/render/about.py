"""The About page: editorial principles and encoding, from the TEI and the schema.

Nothing here is retyped: the principles come from each text's ``encodingDesc`` (what all
texts declare alike is shown once, what one text declares is shown under it), the
calendars from ``calendarDesc``, the genres from the registers' taxonomy, and the
meaning of each element and attribute from the ``xs:documentation`` of the schema.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree
from markupsafe import Markup, escape

from pipeline.render.documents import DocumentPage, header_label
from pipeline.render.tei_html import ShownIntervention, plain
from pipeline.xmltools import NSMAP, XML_LANG

XS = "http://www.w3.org/2001/XMLSchema"
_XS = {"xs": XS}

Render = Callable[[etree._Element], Markup]


@dataclass
class Principle:
    key: str
    label: str
    common: list[Markup] = field(default_factory=list)
    per_text: list[tuple[DocumentPage, list[Markup]]] = field(default_factory=list)


@dataclass(frozen=True)
class InterventionRow:
    item: ShownIntervention
    href: str
    reason: str


@dataclass(frozen=True)
class AttributeDoc:
    name: str
    text: str


@dataclass(frozen=True)
class Declaration:
    context: str
    text: str
    attributes: tuple[AttributeDoc, ...]
    groups: tuple[str, ...]


@dataclass(frozen=True)
class ElementDoc:
    name: str
    declarations: tuple[Declaration, ...]


@dataclass(frozen=True)
class SchemaDocs:
    elements: tuple[ElementDoc, ...]
    attribute_groups: tuple[tuple[str, tuple[AttributeDoc, ...]], ...]
    rules: tuple[str, ...]
    intro: str


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _key(el: etree._Element) -> str:
    return " ".join(plain(el).split()) or repr(sorted(el.attrib.items()))


def principles(documents: list[DocumentPage], render: Render) -> list[Principle]:
    """Each part of ``editorialDecl``: statements shared by all texts, then each text's own."""
    order: list[str] = []
    labels: dict[str, str] = {}
    per_doc: list[tuple[DocumentPage, dict[str, list[etree._Element]]]] = []
    counts: Counter[tuple[str, str]] = Counter()
    for doc in documents:
        parts: dict[str, list[etree._Element]] = {}
        for decl in doc.header_root().iterfind("tei:encodingDesc/tei:editorialDecl", NSMAP):
            for child in decl:
                name = _local(child)
                if not name:
                    continue
                key = "statements" if name in ("p", "ab") else name
                paragraphs = (
                    [child]
                    if key == "statements"
                    else [p for p in child if _local(p) in ("p", "ab")] or [child]
                )
                parts.setdefault(key, []).extend(paragraphs)
                if key not in labels:
                    order.append(key)
                    labels[key] = (
                        "Other declarations" if key == "statements" else header_label(name)
                    )
        counts.update({(key, _key(p)) for key, paras in parts.items() for p in paras})
        per_doc.append((doc, parts))
    total = len(documents)
    result = {key: Principle(key, labels[key]) for key in order}
    shown: set[tuple[str, str]] = set()
    for doc, parts in per_doc:
        for key, paragraphs in parts.items():
            own = []
            for p in paragraphs:
                ident = (key, _key(p))
                if total > 1 and counts[ident] == total:
                    if ident not in shown:
                        shown.add(ident)
                        result[key].common.append(_statement(p, render))
                else:
                    own.append(_statement(p, render))
            if own and total == 1:
                result[key].common.extend(own)
            elif own:
                result[key].per_text.append((doc, own))
    return [result[key] for key in order]


def principles_of(principles: list[Principle], slugs: set[str], *, common: bool) -> list[Principle]:
    """The principles as one page of the guide shows them: what the texts of ``slugs``
    declare of their own, and, with ``common``, what all declare alike."""
    out = []
    for principle in principles:
        own = [(doc, paragraphs) for doc, paragraphs in principle.per_text if doc.slug in slugs]
        shared = principle.common if common else []
        if own or shared:
            out.append(Principle(principle.key, principle.label, list(shared), own))
    return out


def _statement(el: etree._Element, render: Render) -> Markup:
    """A declaration as text; one made only of attributes says what they are."""
    if plain(el):
        return render(el)
    attrs = "; ".join(
        f"{name}: {value}" for name, value in sorted(el.attrib.items()) if not name.startswith("{")
    )
    return escape(attrs or "(declared without further detail)")


def shared_sections(documents: list[DocumentPage], path: str, render: Render) -> list[Markup]:
    """A header part (calendars, citation scheme; ``path`` from the teiHeader) shown once
    per distinct content."""
    out: list[Markup] = []
    seen: set[bytes] = set()
    for doc in documents:
        for el in doc.header_root().iterfind(path, NSMAP):
            key = etree.tostring(el, method="c14n")
            if key not in seen:
                seen.add(key)
                out.append(render(el))
    return out


_SHOWN_ELSEWHERE = frozenset({"projectDesc", "editorialDecl", "refsDecl", "classDecl"})


def other_declarations(
    documents: list[DocumentPage], tree: Callable[[etree._Element, frozenset[str]], Markup]
) -> list[tuple[DocumentPage, Markup]]:
    """Each text's other encoding declarations (variant encoding, tagging...), in full."""
    out = []
    for doc in documents:
        for desc in doc.header_root().iterfind("tei:encodingDesc", NSMAP):
            if any(_local(c) and _local(c) not in _SHOWN_ELSEWHERE for c in desc):
                out.append((doc, tree(desc, _SHOWN_ELSEWHERE)))
    return out


def cite_structures(documents: list[DocumentPage]) -> list[tuple[str, str, str, int]]:
    """(unit, match, use, depth) of every distinct citeStructure."""
    out: list[tuple[str, str, str, int]] = []
    for doc in documents:
        for top in doc.header_root().iterfind(
            "tei:encodingDesc/tei:refsDecl/tei:citeStructure", NSMAP
        ):
            stack = [(top, 0)]
            while stack:
                el, depth = stack.pop(0)
                row = (el.get("unit") or "", el.get("match") or "", el.get("use") or "", depth)
                if row not in out:
                    out.append(row)
                stack[:0] = [(c, depth + 1) for c in el if _local(c) == "citeStructure"]
    return out


def interventions(documents: list[DocumentPage]) -> dict[str, list[InterventionRow]]:
    """Each text's interventions (by its slug), with the reason its header declares."""
    out: dict[str, list[InterventionRow]] = {}
    for doc in documents:
        rows = [InterventionRow(i, f"{doc.page}#{i.html_id}", i.reason) for i in doc.interventions]
        if rows:
            out[doc.slug] = rows
    return out


def _doc(el: etree._Element, language: str | None = None) -> str:
    """The documentation of a declaration: in ``language`` where the schema has it in
    several, else the first given."""
    docs = el.findall("xs:annotation/xs:documentation", _XS)
    wanted = language.split("-")[0].lower() if language else ""
    matching = [d for d in docs if wanted and (d.get(XML_LANG) or "").lower().startswith(wanted)]
    untagged = [d for d in docs if not d.get(XML_LANG)]
    chosen = matching or untagged or docs
    return " ".join(" ".join("".join(d.itertext()).split()) for d in chosen[:1])


def _context(el: etree._Element) -> str:
    for ancestor in el.iterancestors():
        if _local(ancestor) in (
            "group",
            "complexType",
            "attributeGroup",
            "element",
        ) and ancestor.get("name"):
            kind = {"element": "inside", "group": "group"}.get(_local(ancestor), "type")
            return f"{kind} {ancestor.get('name')}"
    return "document root"


def _own(el: etree._Element, owner: etree._Element) -> bool:
    """True if the nearest element declaration above ``el`` is ``owner``."""
    for ancestor in el.iterancestors(f"{{{XS}}}element"):
        return ancestor is owner
    return False


def schema_docs(schema: etree._Element | None) -> SchemaDocs | None:
    """The documentation of every element, attribute and rule of an XML Schema."""
    if schema is None or etree.QName(schema).namespace != XS:
        return None
    elements: dict[str, list[Declaration]] = {}
    for el in schema.iter(f"{{{XS}}}element"):
        name = el.get("name")
        if not name:
            continue
        attrs = []
        groups = []
        for attr in el.iter(f"{{{XS}}}attribute", f"{{{XS}}}attributeGroup"):
            if not _own(attr, el):
                continue
            if _local(attr) == "attributeGroup" and attr.get("ref"):
                groups.append(attr.get("ref").split(":")[-1])
                continue
            attr_name = attr.get("name") or attr.get("ref") or ""
            text = _doc(attr)
            if attr_name and text:
                attrs.append(AttributeDoc(attr_name, text))
        text = _doc(el)
        if text or attrs:
            elements.setdefault(name, []).append(
                Declaration(_context(el), text, tuple(attrs), tuple(groups))
            )
    groups_docs = []
    for group in schema.iterfind("xs:attributeGroup[@name]", _XS):
        attrs = tuple(
            AttributeDoc(a.get("name") or a.get("ref") or "", _doc(a))
            for a in group.iter(f"{{{XS}}}attribute")
            if _doc(a)
        )
        if attrs:
            groups_docs.append((group.get("name"), attrs))
    rules = tuple(t for t in (_doc(a) for a in schema.iter(f"{{{XS}}}assert")) if t)
    return SchemaDocs(
        elements=tuple(
            ElementDoc(n, tuple(d)) for n, d in sorted(elements.items(), key=lambda i: i[0].lower())
        ),
        attribute_groups=tuple(groups_docs),
        rules=rules,
        intro=_doc(schema),
    )


def registers_principles(root: etree._Element | None, render: Render) -> list[Markup]:
    if root is None:
        return []
    out = []
    for path in (
        "tei:teiHeader/tei:encodingDesc/tei:projectDesc/tei:p",
        "tei:teiHeader/tei:encodingDesc/tei:editorialDecl//tei:p",
    ):
        out.extend(render(p) for p in root.iterfind(path, NSMAP))
    return out
