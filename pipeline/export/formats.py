"""The edition's exchange files, each made from the collection (name -> bytes).

``exchange_files`` is the set the edition publishes (``site/downloads/`` in a build,
``dist/`` from ``edition export``): the teiCorpus, the release bundle, the registers as
CSV and JSON, CMIF for the letters, and plain text in both modes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from pipeline.config import EditionConfig
from pipeline.errors import EditionError
from pipeline.export import named_documents, texts_by_id
from pipeline.export.bundle import build_bundle, bundle_root, release_epoch
from pipeline.export.cmif import build_cmif
from pipeline.export.registers_data import register_rows, rows_to_csv, rows_to_json
from pipeline.export.tei_corpus import corpus_bytes
from pipeline.export.txt import COLLECTION_NAME, txt_files
from pipeline.structure import Collection, FileKind, paging
from pipeline.structure.reading import MODES
from pipeline.xmltools import serialize

# Where each plain-text mode goes, below the downloads (or dist) folder.
TXT_FOLDERS = {"reading": "", "original": "original/"}


@dataclass(frozen=True)
class ExchangeFile:
    """One published file, with what a reader should know of it."""

    name: str  # path below the downloads folder
    label: str
    description: str
    data: bytes


def _ordered(collection: Collection) -> dict[str, etree._ElementTree]:
    """File name -> tree: the registers first, then the texts in collection order."""
    files = []
    if collection.registers_file is not None:
        files.append(collection.registers_file)
    files += [f for f in collection.files if f.kind == FileKind.TEXT]
    ordered: dict[str, etree._ElementTree] = {}
    for file in files:
        if file.name in ordered:
            raise EditionError("two TEI files with the same name", file.path)
        ordered[file.name] = file.tree()
    if not ordered:
        raise EditionError("no TEI files", collection.config.tei_dir)
    return ordered


def _registers_name(collection: Collection) -> str | None:
    return collection.registers_file.name if collection.registers_file is not None else None


def corpus_file(collection: Collection) -> bytes:
    """The whole edition as one teiCorpus file, valid TEI P5."""
    return corpus_bytes(_ordered(collection), _registers_name(collection), collection.config)


def registers_files(collection: Collection) -> tuple[bytes, bytes]:
    """The registers as CSV and JSON."""
    if collection.registers_file is None:
        raise EditionError("no registers file", collection.config.registers_path)
    rows = register_rows(
        collection.registers_file.tree(), texts_by_id(collection), collection.registers_file.name
    )
    return rows_to_csv(rows), rows_to_json(rows, collection.config)


def cmif_url(config: EditionConfig) -> str:
    return config.base_url.rstrip("/") + "/downloads/cmif.xml"


def has_letters(collection: Collection) -> bool:
    return any(
        f.tree().getroot().find(".//{*}correspDesc") is not None
        for f in collection.files
        if f.kind == FileKind.TEXT
    )


def cmif_file(collection: Collection, url: str | None = None) -> bytes:
    """The letters' correspDesc as CMIF; an error when no text is a letter."""
    registers = collection.registers_file.tree() if collection.registers_file else None
    tree = build_cmif(
        texts_by_id(collection),
        registers,
        _registers_name(collection) or "",
        collection.config,
        url or cmif_url(collection.config),
    )
    return serialize(tree.getroot())


@dataclass(frozen=True)
class PlainText:
    """The plain-text files in both modes (``<name>.txt``, ``original/<name>.txt`` and the
    whole collection's ``edition.txt``, in parts where it is long), and how many
    documents they hold."""

    files: dict[str, bytes]
    documents: int


def txt_exports(collection: Collection) -> PlainText:
    """The plain text of every document and of the collection, in both modes."""
    config = collection.config
    files: dict[str, bytes] = {}
    count = 0
    for mode in MODES:
        documents = named_documents(collection, mode)
        count = len(documents)
        made = txt_files(documents, config.title, config.subtitle, config.list_page_items)
        for name, data in made.items():
            files[f"{TXT_FOLDERS[mode]}{name}"] = data
    return PlainText(files, count)


@dataclass(frozen=True)
class _Parts:
    """What the bundle and the downloads share, each made once."""

    corpus: bytes
    registers: tuple[bytes, bytes] | None
    cmif: bytes | None
    txt: dict[str, bytes]
    documents: int  # in the plain text


def _parts(
    collection: Collection, notes: list[str] | None = None, txt: PlainText | None = None
) -> _Parts:
    cmif = None
    if has_letters(collection):
        try:
            cmif = cmif_file(collection)
        except EditionError as exc:  # no base URL, or a licence CMIF does not allow
            # An unset base URL is already reported with the settings.
            if notes is not None and collection.config.base_url:
                notes.append(f"no CMIF file for the letters: {exc.message}")
    txt = txt or txt_exports(collection)
    return _Parts(
        corpus=corpus_file(collection),
        registers=registers_files(collection) if collection.registers_file else None,
        cmif=cmif,
        txt=txt.files,
        documents=txt.documents,
    )


def _bundle(
    collection: Collection,
    parts: _Parts,
    schema_files: Mapping[str, bytes],
    environ: Mapping[str, str],
) -> bytes:
    ordered = _ordered(collection)
    contents = {f"tei/{name}": _file_bytes(collection, name) for name in ordered}
    contents.update({f"schema/{name}": data for name, data in schema_files.items()})
    contents.update({f"txt/{name}": data for name, data in parts.txt.items()})
    contents["data/corpus.xml"] = parts.corpus
    if parts.registers is not None:
        contents["data/registers.csv"], contents["data/registers.json"] = parts.registers
    if parts.cmif is not None:
        contents["data/cmif.xml"] = parts.cmif
    config = collection.config
    return build_bundle(contents, ordered, config, release_epoch(config, environ))


def _file_bytes(collection: Collection, name: str) -> bytes:
    for file in [collection.registers_file, *collection.files]:
        if file is not None and file.name == name:
            return file.data()
    raise EditionError("no such TEI file", name)


def bundle_file(
    collection: Collection, schema_files: Mapping[str, bytes], environ: Mapping[str, str]
) -> bytes:
    """The release ZIP: TEI, registers, schema, plain text, data, changelog, manifest.

    The same inputs give the same bytes; timestamps come from SOURCE_DATE_EPOCH when it
    is set, else from the configured release date.
    """
    return _bundle(collection, _parts(collection), schema_files, environ)


def bundle_name(config: EditionConfig) -> str:
    return f"{bundle_root(config)}.zip"


def exchange_files(
    collection: Collection,
    schema_files: Mapping[str, bytes],
    environ: Mapping[str, str],
    notes: list[str] | None = None,
    txt: PlainText | None = None,
) -> list[ExchangeFile]:
    """Every exchange file the edition offers, each made from the collection once.

    ``notes`` collects why a file is not offered (CMIF without a base URL...); ``txt``
    is the plain text, where the caller has already made it.
    """
    config = collection.config
    parts = _parts(collection, notes, txt)
    files = [
        ExchangeFile(
            "corpus.xml",
            "The edition as one TEI file",
            "a teiCorpus of the registers and every text, valid TEI P5",
            parts.corpus,
        )
    ]
    if parts.registers is not None:
        files.append(
            ExchangeFile(
                "registers.csv",
                "Registers as CSV",
                "one row per person, place, organisation and publication",
                parts.registers[0],
            )
        )
        files.append(
            ExchangeFile(
                "registers.json",
                "Registers as JSON",
                "the same rows, with the occurrences in each text",
                parts.registers[1],
            )
        )
    if parts.cmif is not None:
        files.append(
            ExchangeFile(
                "cmif.xml",
                "Letters as CMIF",
                "the letters' senders, addressees, places and dates, for correspSearch",
                parts.cmif,
            )
        )
    texts = parts.documents
    whole = paging.part_paths(f"{COLLECTION_NAME}.txt", texts, config.list_page_items)
    for mode, folder in TXT_FOLDERS.items():
        label = "as edited" if mode == "reading" else "as in the sources"
        for number, name in enumerate(whole, 1):
            files.append(
                ExchangeFile(
                    f"{folder}{name}",
                    f"All texts as plain text, {label}"
                    + (f", part {number} of {len(whole)}" if len(whole) > 1 else ""),
                    "every text with its notes, in order of writing"
                    if len(whole) == 1
                    else f"texts {(number - 1) * config.list_page_items + 1} to "
                    f"{min(number * config.list_page_items, texts)} of {texts}, "
                    "with their notes, in order of writing",
                    parts.txt[f"{folder}{name}"],
                )
            )
    files.append(
        ExchangeFile(
            bundle_name(config),
            "The release bundle (ZIP)",
            "TEI, schema, plain text in both modes, the data files, a "
            "changelog and SHA-256 checksums",
            _bundle(collection, parts, schema_files, environ),
        )
    )
    return files
