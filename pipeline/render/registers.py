"""The edition's registers (persons, places, organisations, publications) and genres.

Parsed once from the TEI register file; names in the texts point here with ``@ref``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from pipeline.render.ids import safe_id
from pipeline.xmltools import NSMAP, TEI_NS, XML_ID


@dataclass(frozen=True)
class RegisterKind:
    key: str
    page: str  # file name in the site root
    title: str  # page title, plural
    singular: str


KINDS: dict[str, RegisterKind] = {
    "person": RegisterKind("person", "persons.html", "Persons", "person"),
    "place": RegisterKind("place", "places.html", "Places", "place"),
    "org": RegisterKind("org", "organisations.html", "Organisations", "organisation"),
    "bibl": RegisterKind("bibl", "publications.html", "Publications", "publication"),
}
_ENTRY_TAGS = {
    f"{{{TEI_NS}}}person": "person",
    f"{{{TEI_NS}}}place": "place",
    f"{{{TEI_NS}}}org": "org",
    f"{{{TEI_NS}}}bibl": "bibl",
}
# Ids the page templates use themselves; an entry with one of these keys is renamed.
_RESERVED = frozenset({"ed-content", "ed-title"})


@dataclass(frozen=True)
class Entry:
    key: str  # the xml:id, as @ref points to it
    anchor: str  # the HTML id of its section on the register page
    kind: str
    name: str  # as shown: "Vladimir Ilyich Lenin"
    sort_name: str  # as sorted: "lenin, vladimir ilyich"
    heading: str  # as listed: "Lenin, Vladimir Ilyich"
    element: etree._Element = field(compare=False, repr=False)

    @property
    def page(self) -> str:
        return KINDS[self.kind].page


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    description: str


@dataclass
class Registers:
    file_name: str
    entries: dict[str, Entry]
    categories: dict[str, Category]
    root: etree._Element | None = None

    def resolve(self, ref: str | None) -> Entry | None:
        """The entry a ``@ref`` points to, if it points into this register file."""
        if not ref:
            return None
        for pointer in ref.split():
            target, _, fragment = pointer.partition("#")
            if not fragment:
                continue
            if target and target != self.file_name and not target.endswith("/" + self.file_name):
                continue
            entry = self.entries.get(fragment)
            if entry is not None:
                return entry
        return None

    def category(self, ref: str | None) -> Category | None:
        if not ref:
            return None
        _, _, fragment = ref.partition("#")
        return self.categories.get(fragment)

    def by_kind(self, kind: str) -> list[Entry]:
        found = [e for e in self.entries.values() if e.kind == kind]
        return sorted(found, key=lambda e: (e.sort_name, e.key))


def _text(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())


def _main_name(entry: etree._Element, kind: str) -> etree._Element | None:
    if kind == "bibl":
        titles = entry.findall("tei:title", NSMAP)
        main = [t for t in titles if t.get("type") not in ("alt", "sub", "short")]
        return (main or titles or [None])[0]
    tag = {"person": "persName", "place": "placeName", "org": "orgName"}[kind]
    names = entry.findall(f"tei:{tag}", NSMAP)
    main = [n for n in names if n.get("type") == "main"]
    return (main or names or [None])[0]


def _names(entry: etree._Element, kind: str, key: str) -> tuple[str, str, str]:
    name_el = _main_name(entry, kind)
    name = _text(name_el) or key
    heading = name
    if kind == "person" and name_el is not None:
        surname = _text(name_el.find("tei:surname", NSMAP))
        forenames = " ".join(_text(f) for f in name_el.findall("tei:forename", NSMAP))
        if surname and forenames:
            heading = f"{surname}, {forenames}"
        elif surname:
            heading = surname
    return name, heading.casefold(), heading


def parse_registers(root: etree._Element, file_name: str) -> Registers:
    """Read the entries of a register file (any TEI file with person/place/org/bibl ids)."""
    entries: dict[str, Entry] = {}
    used: set[str] = set(_RESERVED)
    for el in root.iter(*_ENTRY_TAGS):
        key = el.get(XML_ID)
        if not key or key in entries:
            continue
        kind = _ENTRY_TAGS[el.tag]
        if kind == "bibl" and el.getparent() is not None and el.getparent().tag != f"{{{TEI_NS}}}listBibl":
            continue
        anchor = safe_id(key, "entry")
        while anchor in used:
            anchor = f"{anchor}-entry"
        used.add(anchor)
        name, sort_name, heading = _names(el, kind, key)
        entries[key] = Entry(key, anchor, kind, name, sort_name, heading, el)
    categories: dict[str, Category] = {}
    for cat in root.iter(f"{{{TEI_NS}}}category"):
        key = cat.get(XML_ID)
        if not key:
            continue
        desc = _text(cat.find("tei:catDesc", NSMAP))
        label = desc.split(":", 1)[0].strip() if ":" in desc else (desc or key)
        categories[key] = Category(key, label, desc)
    return Registers(file_name=file_name, entries=entries, categories=categories, root=root)
