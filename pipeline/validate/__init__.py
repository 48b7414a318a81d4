"""The validation stage: TEI files checked against up to three layers.

1. the project schema ``schema/edition.xsd`` (XSD 1.1, ``xmlschema``),
2. the project Schematron ``schema/edition.sch`` over the whole collection at once,
3. TEI P5 ``tei_all`` (RELAX NG, libxml2), from a local copy of a pinned TEI release.

Before any schema, each file is parsed safely (no DTD, no entities, no network) and its
root checked; problems at that stage are verdicts too, never crashes.

Other stages use ``validate_documents`` (in-memory trees) or ``check_documents`` (raises
on the first error) to refuse to write invalid documents.
"""

from pipeline.validate.model import ERROR, WARNING, FileResult, Issue
from pipeline.validate.runner import (
    BATCH,
    InputError,
    ValidationConfig,
    ValidationRun,
    check_documents,
    plan_layers,
    validate_documents,
    validate_inputs,
    validate_paths,
)
from pipeline.validate.schemas import SchemaError
from pipeline.validate.teip5 import SchemaUnavailable, fetch_tei_schemas, resolve_tei_dir

__all__ = [
    "BATCH",
    "ERROR",
    "WARNING",
    "FileResult",
    "InputError",
    "Issue",
    "SchemaError",
    "SchemaUnavailable",
    "ValidationConfig",
    "ValidationRun",
    "check_documents",
    "fetch_tei_schemas",
    "plan_layers",
    "resolve_tei_dir",
    "validate_documents",
    "validate_inputs",
    "validate_paths",
]
