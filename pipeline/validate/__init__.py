"""The validation stage: TEI files checked against up to three layers.

1. the project schema ``schema/edition.xsd`` (XSD 1.1, ``xmlschema``),
2. the project Schematron ``schema/edition.sch`` over the whole collection at once,
3. TEI P5 ``tei_all`` (RELAX NG, libxml2), from a local copy of a pinned TEI release.

Before any schema, each file is parsed safely (no DTD, no entities, no network) and its
root checked; problems at that stage are verdicts too, never crashes.

Other stages use ``validate_documents`` (in-memory trees) or ``check_documents`` (raises
on the first error) to refuse to write invalid documents.
"""

import importlib
from typing import Any

# Where each name lives; a module is imported when one of its names is first asked for,
# so that a light user (the TEI schema's location, say) does not load the validators.
_EXPORTS = {
    "ERROR": "model", "WARNING": "model", "FileResult": "model", "Issue": "model",
    "BATCH": "runner", "InputError": "runner", "ValidationConfig": "runner",
    "ValidationRun": "runner", "check_documents": "runner", "plan_layers": "runner",
    "validate_documents": "runner", "validate_inputs": "runner", "validate_paths": "runner",
    "SchemaError": "schemas",
    "SchemaUnavailable": "teip5", "fetch_tei_schemas": "teip5", "resolve_tei_dir": "teip5",
}  # fmt: skip

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline.validate' has no attribute {name!r}")
    return getattr(importlib.import_module(f"pipeline.validate.{module}"), name)
