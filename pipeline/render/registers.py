"""Where the register pages are and how a name links to its entry.

The entries themselves come from the collection's ``RegisterIndex``; this module only
adds what the site needs: one page per kind and a safe HTML anchor per entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.structure.identifiers import safe_id
from pipeline.structure.registers import Category, RegisterEntry, RegisterIndex


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
# Ids the page templates use themselves; an entry with one of these keys gets another.
_RESERVED = frozenset({"ed-content", "ed-title"})


class RegisterLinks:
    """The register index as the site links to it: entry -> page and anchor."""

    def __init__(self, index: RegisterIndex) -> None:
        self.index = index
        self.file_name = index.file_name
        self.root = index.root
        self.categories: dict[str, Category] = index.categories
        self.entries = index.entries
        self._anchors: dict[str, str] = {}
        used: set[str] = set(_RESERVED)
        for entry in index:
            anchor = safe_id(entry.id, "entry")
            while anchor in used:
                anchor = f"{anchor}-entry"
            used.add(anchor)
            self._anchors[entry.id] = anchor

    def resolve(self, ref: str | None) -> RegisterEntry | None:
        return self.index.resolve(ref)

    def category(self, ref: str | None) -> Category | None:
        return self.index.category(ref)

    def by_kind(self, kind: str) -> list[RegisterEntry]:
        return self.index.by_kind(kind)

    def anchor(self, entry: RegisterEntry) -> str:
        return self._anchors[entry.id]

    def page(self, entry: RegisterEntry) -> str:
        return KINDS[entry.kind].page

    def href(self, entry: RegisterEntry, root: str = "") -> str:
        return f"{root}{self.page(entry)}#{self.anchor(entry)}"
