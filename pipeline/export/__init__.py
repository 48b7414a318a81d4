"""Exports of the edition's texts: which documents there are, their names and order.

``load_documents`` is the only function here that touches files; everything after it
works on ``Document`` values from ``pipeline.reading``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.errors import EditionError
from pipeline.reading import Document, is_register_file, read_documents
from pipeline.xmltools import parse_file


@dataclass(frozen=True)
class NamedDocument:
    """A document with the name its output files take and the file it came from."""

    name: str
    path: str
    document: Document


def documents_from(root: etree._Element, path: str | Path, mode: str) -> list[NamedDocument]:
    """The documents of one parsed file, named by ``xml:id`` or else by the file's stem.

    The documents of a corpus without an id are numbered after the stem, by position.
    """
    documents = read_documents(root, mode)
    stem = Path(path).stem
    named = []
    for index, document in enumerate(documents, start=1):
        name = document.xml_id or (stem if len(documents) == 1 else f"{stem}-{index}")
        named.append(NamedDocument(name, str(path), document))
    return named


def tei_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, with each folder standing for its ``*.xml`` files (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.xml")))
        elif path.exists():
            files.append(path)
        else:
            raise EditionError("no such file or folder", path)
    return files


def load_documents(paths: Iterable[Path], mode: str) -> list[NamedDocument]:
    """Parse the TEI files (folders: their ``*.xml``) and read their documents.

    The registers file is skipped: it describes the texts but is not one.
    """
    named: list[NamedDocument] = []
    for path in tei_files(paths):
        root = parse_file(path).getroot()
        if is_register_file(root):
            continue
        named.extend(documents_from(root, path, mode))
    if not named:
        raise EditionError("no TEI texts to export")
    return named


def check_names(documents: Sequence[NamedDocument], reserved: Iterable[str] = ()) -> None:
    """Two documents must never write to the same file."""
    seen = {name: "the collection" for name in reserved}
    for doc in documents:
        if doc.name in seen:
            raise EditionError(f"document name '{doc.name}' is also used by {seen[doc.name]}",
                               doc.path)
        seen[doc.name] = doc.path


def in_creation_order(documents: Iterable[NamedDocument]) -> list[NamedDocument]:
    """Oldest first by the Gregorian date of creation; undated ones last, by title."""

    def key(doc: NamedDocument) -> tuple[bool, str, str, str]:
        date = doc.document.date
        sort_key = date.sort_key if date is not None else None
        return (sort_key is None, sort_key or "", doc.document.title, doc.name)

    return sorted(documents, key=key)
