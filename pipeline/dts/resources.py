"""The edition's documents as DTS resources: id, metadata and citation trees."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lxml import etree

from pipeline.dts.citations import CitationTree, DateValue, citation_trees, date_value
from pipeline.dts.passages import Positions
from pipeline.errors import EditionError
from pipeline.structure import Collection, FileKind, TeiFile
from pipeline.structure.identifiers import is_safe_id, safe_lang
from pipeline.structure.reading import read_document
from pipeline.structure.registers import is_register_file
from pipeline.xmltools import NSMAP, TEI_NS, XML_ID, XML_LANG, parse_bytes

# Path segments of the static API that a resource id may not take.
RESERVED = frozenset({"children", "parents", "index", "collection", "vocabulary"})


@dataclass(frozen=True)
class Resource:
    """One document of the edition as DTS sees it."""

    identifier: str
    data: bytes
    tree: etree._ElementTree
    trees: tuple[CitationTree, ...]  # the first is the default tree
    title: str
    description: str
    creators: tuple[str, ...]
    date: DateValue | None
    lang: str
    register: bool

    def citation_tree(self, identifier: str | None) -> CitationTree | None:
        return next((t for t in self.trees if t.identifier == identifier), None)

    @cached_property
    def positions(self) -> Positions:
        return Positions.of(self.tree.getroot())


def _creation_date(tree: etree._ElementTree) -> DateValue | None:
    """The date of writing, in both calendars where the TEI gives both."""
    date = tree.getroot().find("tei:teiHeader/tei:profileDesc/tei:creation//tei:date", NSMAP)
    return date_value(date) if date is not None else None


def load_resource(
    data: bytes, path: str | Path, tree: etree._ElementTree | None = None
) -> Resource:
    """A TEI file as a DTS resource: id, metadata and citation trees."""
    tree = tree if tree is not None else parse_bytes(data, path)
    root = tree.getroot()
    if etree.QName(root).namespace != TEI_NS or etree.QName(root).localname != "TEI":
        raise EditionError("a DTS resource must be a TEI document", path)
    identifier = root.get(XML_ID) or Path(path).stem
    if not is_safe_id(identifier) or identifier in RESERVED:
        raise EditionError(f"document id {identifier!r} cannot name a DTS resource", path)
    document = read_document(root, "reading")
    try:
        trees = citation_trees(tree)
    except EditionError as exc:
        raise EditionError(exc.message, path) from None
    return Resource(
        identifier=identifier,
        data=data,
        tree=tree,
        trees=trees,
        title=document.title or identifier,
        description="; ".join(document.subtitles),
        creators=tuple(document.authors),
        date=_creation_date(tree),
        lang=safe_lang(root.get(XML_LANG)) or "und",
        register=is_register_file(root),
    )


def collection_resources(collection: Collection) -> list[Resource]:
    """The DTS resources of the collection: its TEI documents in order, then the
    registers (a corpus file is not a resource of this API)."""
    files: list[TeiFile] = [f for f in collection.files if f.kind == FileKind.TEXT]
    if collection.registers_file is not None:
        files.append(collection.registers_file)
    return [load_resource(file.data(), file.path, file.tree()) for file in files]
