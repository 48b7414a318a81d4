"""The convert stage: every source of the collection, with its sidecar, to TEI bytes.

Nothing is written or validated here: the orchestration (``pipeline.build``) validates
the results and writes them as a set, so a failure never leaves a half-written
collection.
"""

from __future__ import annotations

import os
from collections.abc import Collection as Names
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import EditionConfig
from pipeline.convert.document import convert_text
from pipeline.convert.registers import NameMatcher
from pipeline.convert.report import TextReport
from pipeline.convert.segment import ArchiveStyle
from pipeline.convert.sidecar import load_sidecar
from pipeline.convert.source import decode_source
from pipeline.errors import EditionError
from pipeline.structure import Collection, FileKind, SourceFile
from pipeline.xmltools import NSMAP, serialize


@dataclass(frozen=True)
class Converted:
    source: SourceFile
    output_name: str  # file name in the TEI folder: ``<id>.xml``
    data: bytes
    report: TextReport


def convert_source(
    source: SourceFile, matcher: NameMatcher, style: ArchiveStyle, config: EditionConfig
) -> Converted:
    """One source and its sidecar to TEI bytes and a report."""
    text = decode_source(source.data(), source.path)
    sidecar = load_sidecar(
        source.sidecar_data(), source.sidecar or source.path, config.encoding.calendar
    )
    name = source.display_name(config.root)
    pointer = source_pointer(source.path, config.tei_dir)
    root, report = convert_text(text, sidecar, matcher, style, config, name, pointer)
    return Converted(source, f"{source.slug}.xml", serialize(root), report)


@dataclass(frozen=True)
class Conversion:
    """What converting any source of a collection takes: made once, used for each."""

    matcher: NameMatcher
    style: ArchiveStyle
    config: EditionConfig

    def __call__(self, source: SourceFile) -> Converted:
        return convert_source(source, self.matcher, self.style, self.config)


def prepare(collection: Collection, style: ArchiveStyle) -> Conversion:
    """Check the collection's sources (readable, each id once) and get ready for them."""
    collection.check_inputs()
    if collection.registers is None:
        raise EditionError("registers file not found", collection.config.registers_path)
    seen: dict[str, SourceFile] = {}
    for source in collection.sources:
        if source.slug in seen:
            raise EditionError(
                f"gives the same document id '{source.slug}' as {seen[source.slug].shown}",
                source.path,
            )
        seen[source.slug] = source
    return Conversion(NameMatcher(collection.registers), style, collection.config)


def convert_collection(collection: Collection, style: ArchiveStyle) -> list[Converted]:
    """Every source of the collection, in order; two sources may not share an id."""
    conversion = prepare(collection, style)
    return [conversion(source) for source in collection.sources]


def source_pointer(source: Path, tei_dir: Path) -> str:
    """The source as a URI relative to the TEI folder (``../sources/NAME.txt``)."""
    return Path(os.path.relpath(os.path.abspath(source), os.path.abspath(tei_dir))).as_posix()


def orphaned(collection: Collection, produced: Names[str]) -> list[str]:
    """The TEI files of the collection's TEI folder made from a source that is gone.

    A file counts only when its ``revisionDesc`` names, as the source of a change, a
    file of the sources folder that no longer exists, and no source of the collection
    makes a file of its name: hand-made TEI and the registers are never touched."""
    config = collection.config
    tei_dir = Path(os.path.abspath(config.tei_dir))
    sources_dir = Path(os.path.abspath(config.sources_dir))
    gone = []
    for file in collection.files:
        name = file.input.relative
        if file.kind is not FileKind.TEXT or "/" in name or name in produced:
            continue
        pointers = (
            file.tree()
            .getroot()
            .xpath("tei:teiHeader/tei:revisionDesc/tei:change/@source", namespaces=NSMAP)
        )
        made_from = [Path(os.path.normpath(tei_dir / str(p))) for p in pointers]
        if made_from and all(
            m.is_relative_to(sources_dir) and not os.path.lexists(m) for m in made_from
        ):
            gone.append(name)
    return sorted(gone)
