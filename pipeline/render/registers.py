"""The register entries the site shows, and how a name links to its entry.

The entries come from ``RegisterIndex``es: the edition's registers file (or the register
files of a folder of other projects' TEI), and each text's own lists (``listPerson``...
in its ``standOff``, ``back`` or header), which only that text's names resolve into.
This module adds what the site needs: one page per kind, and one key per entry, unique
across the site, that is the entry's HTML anchor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from pipeline.render.memo import digest
from pipeline.structure.identifiers import safe_id, slugify
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
    """Every entry by its key (its anchor on its register page), and pointer resolution."""

    def __init__(self, indexes: RegisterIndex | Sequence[RegisterIndex] = ()) -> None:
        self.indexes = [indexes] if isinstance(indexes, RegisterIndex) else list(indexes)
        first = self.indexes[0] if self.indexes else None
        self.file_name = first.file_name if first is not None else ""
        self.root = first.root if first is not None else None
        self.index = first
        self.categories: dict[str, Category] = {}
        self.entries: dict[str, RegisterEntry] = {}
        self.sources: dict[str, str] = {}  # key -> the scope it came from ("" for shared)
        self._keys: dict[int, str] = {}
        self._used: set[str] = set(_RESERVED)
        self._scopes: dict[str, RegisterIndex] = {}
        self.entry_pages: dict[str, str] = {}  # key -> its own page (see assign_pages)
        self.long_kinds: frozenset[str] = frozenset()  # kinds listed over several pages
        self._digest = ""  # made again once anything changed
        self._serialised: dict[str, bytes] = {}  # an entry's element, as digests take it
        for index in self.indexes:
            self.categories.update(index.categories)
            for entry in index:
                self._add(entry, "")

    def _add(self, entry: RegisterEntry, scope: str) -> str:
        self._digest = ""
        anchor = safe_id(f"{scope}-{entry.id}" if scope else entry.id, "entry")
        while anchor in self._used:
            anchor = f"{anchor}-entry"
        self._used.add(anchor)
        self._keys[id(entry)] = anchor
        self.entries[anchor] = entry
        self.sources[anchor] = scope
        return anchor

    def add_scope(self, scope: str, index: RegisterIndex) -> list[str]:
        """A text's own lists: resolved first for names in that text. Returns the keys."""
        self._scopes[scope] = index
        return [self._add(entry, scope) for entry in index]

    def scope_keys(self, scope: str) -> list[str]:
        index = self._scopes.get(scope)
        return [self.key(entry) for entry in index] if index is not None else []

    def resolve(self, ref: str | None, scope: str = "") -> tuple[str, RegisterEntry] | None:
        """The entry a ``@ref`` (or ``#key``) points to: in the text's own lists first,
        then in the shared registers; with its key."""
        local = self._scopes.get(scope)
        for index in ([local] if local is not None else []) + self.indexes:
            entry = index.resolve(ref)
            if entry is not None:
                return self.key(entry), entry
        return None

    def key(self, entry: RegisterEntry) -> str:
        return self._keys[id(entry)]

    def anchor(self, entry: RegisterEntry) -> str:
        return self.key(entry)

    def category(self, ref: str | None) -> Category | None:
        for index in self.indexes:
            found = index.category(ref)
            if found is not None:
                return found
        return None

    def by_kind(self, kind: str) -> list[tuple[str, RegisterEntry]]:
        found = [(k, e) for k, e in self.entries.items() if e.kind == kind]
        return sorted(found, key=lambda item: (item[1].sort_name, item[0]))

    def page(self, key: str) -> str:
        return KINDS[self.entries[key].kind].page

    def assign_pages(self, list_items: int) -> None:
        """Give each entry its own page (``persons/<name>.html``, a name unique whatever
        the case), once every text's own lists are in. A kind with more entries than a
        list page holds (``list_items``) is listed over several pages: a link to one of
        its entries then leads to the entry's own page, which does not move."""
        used: set[str] = set()
        self._digest = ""
        self.entry_pages = {}
        for key in sorted(self.entries):
            kind = self.entries[key].kind
            if kind not in KINDS:
                continue
            folder = KINDS[kind].page.removesuffix(".html")
            name = base = slugify(key, "entry")
            n = 2
            while f"{folder}/{name}" in used:
                name = f"{base}-{n}"
                n += 1
            used.add(f"{folder}/{name}")
            self.entry_pages[key] = f"{folder}/{name}.html"
        self.long_kinds = frozenset(
            kind
            for kind in KINDS
            if sum(1 for e in self.entries.values() if e.kind == kind) > list_items
        )

    def digest(self) -> str:
        """A digest of everything a text's analysis may take from the registers: every
        entry, its key and where links to it lead."""
        if self._digest:
            return self._digest
        parts: list[str | bytes] = [self.file_name, ",".join(sorted(self.long_kinds))]
        for index in self.indexes:
            parts.append(etree.tostring(index.root) if index.root is not None else b"")
        for key in self.entries:
            parts += [key, self.sources[key], self.entry_pages.get(key, ""), self.serialised(key)]
        self._digest = digest(*parts)
        return self._digest

    def serialised(self, key: str) -> bytes:
        """The entry's element as bytes (made once: every text's analysis asks)."""
        found = self._serialised.get(key)
        if found is None:
            found = self._serialised[key] = etree.tostring(self.entries[key].element)
        return found

    def href(self, key: str, root: str = "") -> str:
        if self.entries[key].kind in self.long_kinds and key in self.entry_pages:
            return f"{root}{self.entry_pages[key]}"
        return f"{root}{self.page(key)}#{key}"


class RecordedLookups:
    """The registers as one text's analysis sees them, with each lookup noted: what the
    analysis depends on is then these lookups' answers, not every entry (``answers``).

    Anything else asked of the registers makes the analysis depend on all of them."""

    def __init__(self, links: RegisterLinks) -> None:
        self._links = links
        self.lookups: list[tuple[str, ...]] = []
        self.entries = _NotedEntries(links, self.lookups)

    def resolve(self, ref: str | None, scope: str = "") -> tuple[str, RegisterEntry] | None:
        self.lookups.append(("resolve", ref or "", scope))
        return self._links.resolve(ref, scope)

    def href(self, key: str, root: str = "") -> str:
        self.lookups.append(("href", key, root))
        return self._links.href(key, root)

    def category(self, ref: str | None) -> Category | None:
        self.lookups.append(("category", ref or ""))
        return self._links.category(ref)

    def __getattr__(self, name: str) -> object:
        self.lookups.append(("all",))
        return getattr(self._links, name)


class _NotedEntries:
    def __init__(self, links: RegisterLinks, lookups: list[tuple[str, ...]]) -> None:
        self._links = links
        self._lookups = lookups

    def __getitem__(self, key: str) -> RegisterEntry:
        self._lookups.append(("entry", key))
        return self._links.entries[key]

    def __contains__(self, key: object) -> bool:
        self._lookups.append(("entry", str(key)))
        return key in self._links.entries

    def __getattr__(self, name: str) -> object:
        self._lookups.append(("all",))
        return getattr(self._links.entries, name)


def answers(links: RegisterLinks | None, lookups: list[tuple[str, ...]]) -> str:
    """A digest of what ``lookups`` answer from ``links`` now: the same when none of the
    entries they reach, nor where links to them lead, changed."""
    if links is None:
        return "none"
    parts: list[str | bytes] = []

    def entry(key: str) -> None:
        parts.append(key)
        parts.append(links.serialised(key) if key in links.entries else b"-")

    for lookup in dict.fromkeys(lookups):
        parts.append("\0".join(lookup))
        if lookup[0] == "all":
            parts.append(links.digest())
        elif lookup[0] == "resolve":
            found = links.resolve(lookup[1], lookup[2])
            if found is not None:
                entry(found[0])
            else:
                parts.append("-")
        elif lookup[0] == "href":
            parts.append(links.href(lookup[1], lookup[2]) if lookup[1] in links.entries else "-")
        elif lookup[0] == "category":
            parts.append(repr(links.category(lookup[1])))
        elif lookup[0] == "entry":
            entry(lookup[1])
    return digest(*parts)
