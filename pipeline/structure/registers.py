"""The register index: persons, places, organisations and publications, parsed once.

A register file is TEI with ``listPerson``, ``listPlace``, ``listOrg`` and ``listBibl``
(usually in ``standOff``). Every stage reads the same ``RegisterIndex``: conversion builds
its name matcher from the entries' names, the renderer its register pages, the exports
their rows. Pointers into it (``registers.xml#lenin``) are resolved by ``resolve``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lxml import etree

from pipeline.xmltools import NSMAP, TEI_NS, XML_ID

# Register entry element -> the element that names it (and tags a mention in a text).
KINDS: dict[str, str] = {
    "person": "persName",
    "place": "placeName",
    "org": "orgName",
    "bibl": "title",
}
_ENTRY_TAGS = {f"{{{TEI_NS}}}{kind}": kind for kind in KINDS}


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def text_of(element: etree._Element | None) -> str:
    """An element's text with its whitespace normalised; '' for None."""
    return normalise_space("".join(element.itertext())) if element is not None else ""


@dataclass(frozen=True)
class RegisterEntry:
    """One person, place, organisation or publication of the registers."""

    id: str  # the xml:id, as @ref points to it
    kind: str  # person | place | org | bibl
    name: str  # the main name, as shown: "Vladimir Ilyich Lenin"
    heading: str  # as listed: "Lenin, Vladimir Ilyich"
    sort_name: str  # as sorted: "lenin, vladimir ilyich"
    names: tuple[str, ...]  # every name form the entry gives, main name first
    surname: str | None  # a person's surname (matched alone and in the plural)
    derived: tuple[str, ...]  # group words derived from the name ("Kornilovites")
    title_level: str | None  # a publication's title @level
    period: tuple[str, str] | None  # ISO from/to of the entry, to tell homonyms apart
    line: int | None
    element: etree._Element = field(compare=False, repr=False)
    # A place: the calendars in force there, (calendar id, ISO from, ISO to), from its
    # ``state type="calendar"``; a publication: the id of its place of publication.
    calendars: tuple[tuple[str, str, str], ...] = ()
    pub_place: str | None = None

    def calendar_on(self, iso: str) -> str | None:
        """The calendar in force at this place on a Gregorian ISO date, if declared."""
        for calendar, start, end in self.calendars:
            if (not start or start <= iso) and (not end or iso[: len(end)] <= end):
                return calendar
        return None

    @property
    def authority_ids(self) -> tuple[tuple[str, str], ...]:
        """(type, value) of each ``idno`` of the entry."""
        return tuple(
            ((idno.get("type") or "").strip(), text_of(idno))
            for idno in self.element.findall("tei:idno", NSMAP)
            if text_of(idno)
        )


@dataclass(frozen=True)
class Category:
    """A category of a taxonomy in the registers (the genres)."""

    id: str
    label: str
    description: str


def _main_name(entry: etree._Element, kind: str) -> etree._Element | None:
    names = entry.findall(f"tei:{KINDS[kind]}", NSMAP)
    if kind == "bibl":
        main = [t for t in names if t.get("type") not in ("alt", "sub", "short")]
    else:
        main = [n for n in names if n.get("type") == "main"]
    return (main or names or [None])[0]


def _entry(el: etree._Element, kind: str) -> RegisterEntry:
    key = el.get(XML_ID) or ""
    main = _main_name(el, kind)
    name = text_of(main) or key
    heading = name
    surname = None
    if kind == "person" and main is not None:
        surname = text_of(main.find("tei:surname", NSMAP)) or None
        forenames = " ".join(text_of(f) for f in main.findall("tei:forename", NSMAP))
        if surname and forenames:
            heading = f"{surname}, {forenames}"
        elif surname:
            heading = surname
    names = [text_of(n) for n in el.findall(f"tei:{KINDS[kind]}", NSMAP)]
    if main is not None:
        names.insert(0, text_of(main))
    date = el.find("tei:date", NSMAP)
    period = None
    if date is not None and date.get("from"):
        period = (date.get("from") or "", date.get("to") or "9999")
    calendars = tuple(
        (
            (state.get("ref") or "").rpartition("#")[2],
            state.get("from") or state.get("notBefore") or "",
            state.get("to") or state.get("notAfter") or "",
        )
        for state in el.iterfind("tei:state[@type='calendar']", NSMAP)
        if state.get("ref")
    )
    place = el.find("tei:pubPlace/tei:placeName[@ref]", NSMAP)
    pub_place = place.get("ref").rpartition("#")[2] if place is not None else None
    return RegisterEntry(
        calendars=calendars,
        pub_place=pub_place,
        id=key,
        kind=kind,
        name=name,
        heading=heading,
        sort_name=heading.casefold(),
        names=tuple(dict.fromkeys(n for n in names if n)),
        surname=surname,
        derived=tuple(text_of(t) for t in el.iterfind("tei:note[@type='derived']/tei:term", NSMAP)),
        title_level=main.get("level") if kind == "bibl" and main is not None else None,
        period=period,
        line=el.sourceline,
        element=el,
    )


class RegisterIndex:
    """The entries and categories of one register file, by id."""

    def __init__(
        self,
        root: etree._Element,
        file_name: str,
        shown: str = "",
        within: Iterable[etree._Element] | None = None,
    ) -> None:
        self.root = root
        self.file_name = file_name  # how the texts point to it: "registers.xml#id"
        self.shown = shown or file_name  # for messages
        self.entries: dict[str, RegisterEntry] = {}
        # ``within``: only the entries inside these elements (a text's own lists).
        places = list(within) if within is not None else [root]
        for el in (e for place in places for e in place.iter(*_ENTRY_TAGS)):
            key = el.get(XML_ID)
            kind = _ENTRY_TAGS[el.tag]
            if not key or key in self.entries:
                continue
            parent = el.getparent()
            if kind == "bibl" and (parent is None or parent.tag != f"{{{TEI_NS}}}listBibl"):
                continue  # a bibl inside an entry is a reference, not an entry
            self.entries[key] = _entry(el, kind)
        self.categories: dict[str, Category] = {}
        for cat in root.iter(f"{{{TEI_NS}}}category"):
            key = cat.get(XML_ID)
            if not key:
                continue
            description = text_of(cat.find("tei:catDesc", NSMAP))
            label = (
                description.split(":", 1)[0].strip() if ":" in description else (description or key)
            )
            self.categories[key] = Category(key, label, description)

    def __iter__(self) -> Iterator[RegisterEntry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def ref(self, entry: RegisterEntry) -> str:
        """The pointer a text uses for an entry: ``registers.xml#lenin``."""
        return f"{self.file_name}#{entry.id}"

    def resolve(self, ref: str | None) -> RegisterEntry | None:
        """The entry a ``@ref`` points to, if it points into this register file."""
        for pointer in (ref or "").split():
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

    def by_kind(self, kind: str) -> list[RegisterEntry]:
        found = [e for e in self.entries.values() if e.kind == kind]
        return sorted(found, key=lambda e: (e.sort_name, e.id))


def is_register_file(root: etree._Element) -> bool:
    """A register file: a TEI with a ``standOff`` and no ``text`` is not a text."""
    return (
        root.tag == f"{{{TEI_NS}}}TEI"
        and root.find("tei:standOff", NSMAP) is not None
        and root.find("tei:text", NSMAP) is None
    )
