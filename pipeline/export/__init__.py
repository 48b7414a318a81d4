"""The export stage: the collection in other formats, as bytes; nothing is written here.

Every export is made from the collection (``pipeline.structure``), never from another
output: plain text (``txt``), the TEI corpus, the release bundle, the registers as data,
CMIF, and the check of published ids. ``pipeline.export.formats`` assembles them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.errors import EditionError
from pipeline.structure import Collection, FileKind, document_name
from pipeline.structure.reading import ReadingDocument, read_documents
from pipeline.xmltools import TEI_NS


@dataclass(frozen=True)
class NamedDocument:
    """A document with the name its output files take and the file it came from."""

    name: str
    path: str
    document: ReadingDocument


def documents_from(root: etree._Element, path: str | Path, mode: str) -> list[NamedDocument]:
    """The documents of one parsed file, named as every output names them."""
    documents = read_documents(root, mode)
    members = [root] if root.tag == f"{{{TEI_NS}}}TEI" else list(root.iter(f"{{{TEI_NS}}}TEI"))
    stem = Path(path).stem
    return [
        NamedDocument(document_name(element, stem, index, len(documents)), str(path), document)
        for index, (element, document) in enumerate(zip(members, documents, strict=True), 1)
    ]


def named_documents(collection: Collection, mode: str) -> list[NamedDocument]:
    """Every document of the collection's texts, read in ``mode``."""
    named: list[NamedDocument] = []
    for file in collection.texts():
        named.extend(documents_from(file.tree().getroot(), file.path, mode))
    if not named:
        raise EditionError("no TEI texts to export")
    return named


def texts_by_id(
    collection: Collection, include_registers: bool = False
) -> dict[str, etree._ElementTree]:
    """The texts' trees by published id (their ``xml:id``, else the file's stem)."""
    files = [f for f in collection.files if f.kind == FileKind.TEXT]
    if include_registers and collection.registers_file is not None:
        files = [collection.registers_file, *files]
    result: dict[str, etree._ElementTree] = {}
    for file in files:
        doc_id = document_name(file.tree().getroot(), file.stem)
        if doc_id in result:
            raise EditionError(f"two TEI files have the id {doc_id!r}", file.path)
        result[doc_id] = file.tree()
    return result


def check_names(documents: Sequence[NamedDocument], reserved: Iterable[str] = ()) -> None:
    """Two documents must never write to the same file."""
    seen = {name: "the collection" for name in reserved}
    for doc in documents:
        if doc.name in seen:
            raise EditionError(
                f"document name '{doc.name}' is also used by {seen[doc.name]}", doc.path
            )
        seen[doc.name] = doc.path


def in_creation_order(documents: Iterable[NamedDocument]) -> list[NamedDocument]:
    """Oldest first by the Gregorian date of creation; undated ones last, by title."""

    def key(doc: NamedDocument) -> tuple[bool, str, str, str]:
        date = doc.document.date
        sort_key = date.sort_key if date is not None else None
        return (sort_key is None, sort_key or "", doc.document.title, doc.name)

    return sorted(documents, key=key)
