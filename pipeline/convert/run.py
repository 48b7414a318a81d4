"""The convert stage: every source of the collection, with its sidecar, to TEI bytes.

Nothing is written or validated here: the orchestration (``pipeline.build``) validates
the results and writes them as a set, so a failure never leaves a half-written
collection.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.config import EditionConfig
from pipeline.convert.document import convert_text
from pipeline.convert.registers import NameMatcher
from pipeline.convert.report import TextReport
from pipeline.convert.segment import ArchiveStyle
from pipeline.convert.sidecar import load_sidecar
from pipeline.convert.source import decode_source
from pipeline.errors import EditionError
from pipeline.structure import Collection, SourceFile
from pipeline.xmltools import serialize


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
    root, report = convert_text(text, sidecar, matcher, style, config, name)
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
