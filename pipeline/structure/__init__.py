"""The model of the edition that every stage shares.

- ``collection``: the inputs (sources with sidecars, TEI files, the registers), found once
  by the rules of ``inputs``, read lazily;
- ``registers``: the register index, parsed once;
- ``reading``: what a reader sees of a TEI document, for every output;
- ``identifiers`` and ``redirects``: safe names, and the ids the edition has published;
- ``paging``: long lists (pages, the collection's plain text) split into bounded parts.
"""

from pipeline.structure.collection import (
    Collection,
    FileKind,
    KnownInput,
    SourceFile,
    TeiFile,
    document_name,
    load_collection,
    memo_key,
    source_slug,
)
from pipeline.structure.inputs import (
    InputFile,
    Refusal,
    discover,
    read_folder,
    read_input,
    read_path,
)
from pipeline.structure.registers import Category, RegisterEntry, RegisterIndex

__all__ = [
    "Category",
    "Collection",
    "FileKind",
    "InputFile",
    "KnownInput",
    "Refusal",
    "RegisterEntry",
    "RegisterIndex",
    "SourceFile",
    "TeiFile",
    "discover",
    "document_name",
    "load_collection",
    "memo_key",
    "read_folder",
    "read_input",
    "read_path",
    "source_slug",
]
