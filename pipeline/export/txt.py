"""Plain-text export: one UTF-8 file per document and one for the whole collection
(in parts, where it holds more texts than a list may: see ``structure.paging``).

Each document is a header block (title, author, date in both calendars, source,
licence, which text it is), a rule, the text with one line per paragraph (lines are never
hard-wrapped: a reader's program wraps them), and after it the notes, the critical
apparatus (``lemma] reading witnesses``) and the entries of the document's own registers,
each where the document has them. Everything comes
from ``pipeline.reading``, so the text is the same as in the HTML edition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from pipeline.export import NamedDocument, check_names, in_creation_order
from pipeline.structure import paging
from pipeline.structure.reading import UNKNOWN, ReadingDocument, date_label

COLLECTION_NAME = "edition"
RULE = "-" * 72
DOUBLE_RULE = "=" * 72
NOTE_INDENT = "    "

MODE_DESCRIPTIONS = {
    "reading": "reading text (the editors' corrections, regularisations and expansions "
    "are applied)",
    "original": "original text (as the source has it, without the editors' corrections "
    "and regularisations)",
}


def header_lines(doc: ReadingDocument) -> list[str]:
    """The short header block that opens each document."""
    lines = [*(doc.titles or (UNKNOWN,)), *doc.subtitles, ""]
    label = "Authors" if len(doc.authors) > 1 else "Author"
    lines.append(f"{label}: {'; '.join(doc.authors) or UNKNOWN}")
    date = date_label(doc.date)
    lines.append(f"Date: {date}")
    if doc.date is not None and doc.date.written and doc.date.written != date:
        lines.append(f"Date as given: {doc.date.written}")
    lines.extend(f"Source: {source}" for source in doc.sources or (UNKNOWN,))
    lines.extend(f"Licence: {licence}" for licence in doc.licences or (UNKNOWN,))
    lines.append(f"Text: {MODE_DESCRIPTIONS[doc.mode]}")
    if doc.xml_id:
        lines.append(f"Identifier: {doc.xml_id}")
    return lines


def body_lines(doc: ReadingDocument) -> list[str]:
    """The blocks, a blank line between them (lines of verse stay together)."""
    lines: list[str] = []
    previous = None
    for block in doc.blocks:
        if lines and not (block.kind == "l" and previous == "l"):
            lines.append("")
        lines.append(block.text)
        previous = block.kind
    return lines


def note_lines(doc: ReadingDocument) -> list[str]:
    """'[n] text' for each note; further paragraphs of a note indented under it."""
    if not doc.notes:
        return []
    lines = ["Notes"]
    for note in doc.notes:
        first, *rest = note.paragraphs or ("",)
        lines.extend(["", f"[{note.marker}] {first}".rstrip()])
        for paragraph in rest:
            lines.extend(["", NOTE_INDENT + paragraph.replace("\n", "\n" + NOTE_INDENT)])
    return lines


def apparatus_lines(doc: ReadingDocument) -> list[str]:
    """'loc lemma] reading witnesses; ...' for each apparatus entry."""
    if not doc.apparatus:
        return []
    lines = ["Apparatus", ""]
    for app in doc.apparatus:
        readings = [
            " ".join(x for x in (v.text or "om.", " ".join(v.witnesses)) if x) for v in app.variants
        ]
        entry = f"{app.lemma}] {'; '.join(readings)}".rstrip()
        notes = "".join(f" ({note})" for note in app.notes)
        lines.append(f"{app.loc} {entry}{notes}".strip())
    return lines


def entry_lines(doc: ReadingDocument) -> list[str]:
    """Each entry of the document's own registers (persons, places...), one a line."""
    if not doc.entries:
        return []
    return ["Index", "", *(entry.text for entry in doc.entries)]


def document_text(doc: ReadingDocument) -> str:
    """One document as plain text, ending with a single newline."""
    lines = [*header_lines(doc), "", RULE, "", *body_lines(doc)]
    for section in (note_lines(doc), apparatus_lines(doc), entry_lines(doc)):
        if section:
            lines.extend(["", "", *section])
    return "\n".join(lines) + "\n"


def collection_text(
    documents: Sequence[NamedDocument],
    title: str,
    subtitle: str = "",
    part: tuple[int, int, int, int] | None = None,
) -> str:
    """All documents in order of creation, after a list of contents.

    ``part`` is (number, parts, number of its first text, texts in all) where the
    collection is cut into parts: the documents are then that part's.
    """
    ordered = in_creation_order(documents)
    modes = sorted({doc.document.mode for doc in ordered})
    number, parts, first, total = part or (1, 1, 1, len(ordered))
    lines = [title, *([subtitle] if subtitle else []), ""]
    lines.append(f"Text: {'; '.join(MODE_DESCRIPTIONS[mode] for mode in modes)}")
    if parts > 1:
        last = first + len(ordered) - 1
        lines.extend(["", f"Part {number} of {parts}: texts {first} to {last} of {total}."])
    lines.extend(["", f"Contents ({len(ordered)} texts, in order of creation):", ""])
    for at, doc in enumerate(ordered, start=first):
        lines.append(f"{at}. {doc.document.title} — {date_label(doc.document.date)}")
    chunks = ["\n".join(lines) + "\n"]
    for doc in ordered:
        chunks.append(f"\n\n{DOUBLE_RULE}\n\n" + document_text(doc.document))
    return "".join(chunks)


def _parts(
    documents: Sequence[NamedDocument], part_size: int
) -> Iterator[tuple[str, Sequence[NamedDocument], tuple[int, int, int, int]]]:
    """Each part of the collection's text: its file name, its documents and where it
    stands (number, parts, number of its first text, texts in all)."""
    ordered = in_creation_order(documents)
    names = paging.part_paths(f"{COLLECTION_NAME}.txt", len(ordered), part_size)
    size = part_size if len(names) > 1 else len(ordered)
    for n, name in enumerate(names):
        where = (n + 1, len(names), n * size + 1, len(ordered))
        yield name, ordered[n * size : (n + 1) * size], where


def txt_files(
    documents: Sequence[NamedDocument], title: str, subtitle: str = "", part_size: int = 0
) -> dict[str, bytes]:
    """File name -> UTF-8 bytes: ``<name>.txt`` for each document and the collection's
    ``edition.txt`` (in parts of ``part_size`` documents where it has more)."""
    return dict(txt_stream(documents, title, subtitle, part_size))


def collection_parts(
    documents: Sequence[NamedDocument], part_size: int
) -> list[tuple[str, Sequence[NamedDocument], tuple[int, int, int, int]]]:
    """The parts of the collection's text (see ``_parts``), once it is checked that no
    document takes the name of one."""
    parts = list(_parts(documents, part_size))
    check_names(documents, reserved=[name.removesuffix(".txt") for name, _, _ in parts])
    return parts


def part_files(
    documents: Sequence[NamedDocument],
    name: str,
    title: str,
    subtitle: str,
    where: tuple[int, int, int, int],
) -> list[tuple[str, bytes]]:
    """The files of one part of the collection: each document's own, then the part's
    text (``name``, where it stands as ``collection_text`` takes it)."""
    files = [(f"{doc.name}.txt", document_text(doc.document).encode("utf-8")) for doc in documents]
    files.append((name, collection_text(documents, title, subtitle, where).encode("utf-8")))
    return files


def txt_stream(
    documents: Sequence[NamedDocument],
    title: str,
    subtitle: str = "",
    part_size: int = 0,
    whole: Callable[[Sequence[NamedDocument]], Sequence[NamedDocument]] | None = None,
) -> Iterator[tuple[str, bytes]]:
    """The files of ``txt_files``, a part of the collection at a time: each document's
    own, then the part's. ``documents`` need only their names, titles and dates where
    ``whole`` gives the documents of a part in full (only one part is held at once)."""
    for name, part, where in collection_parts(documents, part_size):
        full = whole(part) if whole is not None else part
        yield from part_files(full, name, title, subtitle, where)
