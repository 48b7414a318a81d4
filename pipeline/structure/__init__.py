"""The model of the edition that every stage shares.

- ``collection``: the inputs (sources with sidecars, TEI files, the registers), found once
  by the rules of ``inputs``, read lazily;
- ``registers``: the register index, parsed once;
- ``reading``: what a reader sees of a TEI document, for every output;
- ``identifiers`` and ``redirects``: safe names, and the ids the edition has published;
- ``paging``: long lists (pages, the collection's plain text) split into bounded parts.
"""

import importlib
from typing import Any

# Where each name lives; a module is imported when one of its names is first asked for,
# so that a light user (finding the inputs, say) does not load the whole model.
_EXPORTS = {
    "Collection": "collection", "FileKind": "collection", "KnownInput": "collection",
    "SourceFile": "collection", "TeiFile": "collection", "document_name": "collection",
    "load_collection": "collection", "memo_key": "collection", "source_slug": "collection",
    "InputFile": "inputs", "Refusal": "inputs", "discover": "inputs",
    "read_folder": "inputs", "read_input": "inputs", "read_path": "inputs",
    "Category": "registers", "RegisterEntry": "registers", "RegisterIndex": "registers",
}  # fmt: skip

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline.structure' has no attribute {name!r}")
    return getattr(importlib.import_module(f"pipeline.structure.{module}"), name)
