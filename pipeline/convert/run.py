"""Converting a collection: read sources and sidecars, convert each, serialise.

Nothing is written here; the command decides what to write once everything has
converted (and validated), so a failure never leaves a half-written collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config import EditionConfig
from pipeline.convert.document import convert_text, document_id
from pipeline.convert.registers import Registers
from pipeline.convert.report import TextReport
from pipeline.convert.segment import ArchiveStyle
from pipeline.convert.sidecar import load_sidecar
from pipeline.convert.source import read_source
from pipeline.errors import EditionError
from pipeline.validate import ValidationConfig, check_documents
from pipeline.xmltools import parse_bytes, serialize


@dataclass(frozen=True)
class Converted:
    source: Path
    output_name: str
    data: bytes
    report: TextReport


def find_sources(paths: list[Path]) -> list[Path]:
    """Source texts named directly or found in folders, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.glob("*.txt"))
        elif path.is_file():
            found.append(path)
        else:
            raise EditionError("no such source file or folder", path)
    return found


def display_name(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def convert_sources(
    sources: list[Path], registers: Registers, style: ArchiveStyle, config: EditionConfig
) -> list[Converted]:
    seen: dict[str, Path] = {}
    results = []
    for source_path in sources:
        doc_id = document_id(source_path.stem)
        if doc_id in seen:
            raise EditionError(f"gives the same document id '{doc_id}' as {seen[doc_id]}",
                               source_path)
        seen[doc_id] = source_path
        source = read_source(source_path)
        sidecar = load_sidecar(source_path)
        name = display_name(source_path, config.root)
        root, report = convert_text(source, sidecar, registers, style, config, name)
        results.append(Converted(source_path, f"{doc_id}.xml", serialize(root), report))
    return results


def project_xsd(config: EditionConfig) -> Path:
    return config.root / "schema" / "edition.xsd"


def refuse_invalid(results: list[Converted], config: EditionConfig, target: Path) -> None:
    """Check every converted document against the project schema before anything is written.

    The project schema is a subset of TEI P5, so this keeps invalid TEI out of ``tei/``;
    collection-wide rules (Schematron) run in ``edition validate`` and ``edition build``.
    """
    schema = project_xsd(config)
    if not schema.is_file():
        return
    docs = [(str(target / r.output_name), parse_bytes(r.data, r.output_name)) for r in results]
    check_documents(docs, [str(schema)], ValidationConfig(target, schema.parent))
