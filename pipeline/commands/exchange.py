"""Exchange formats: ``tei-corpus``, ``bundle``, ``registers``, ``cmif``, ``dts``, ``ids``.

Thin commands: they read the TEI, call the stages in ``pipeline.export`` and
``pipeline.dts``, and write the results; everything is built before the first write.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from lxml import etree

from pipeline.commands import shown_path, user_error
from pipeline.config import EditionConfig, load_config
from pipeline.dts import write_dts
from pipeline.errors import EditionError
from pipeline.export.bundle import build_bundle, bundle_root, release_epoch
from pipeline.export.cmif import build_cmif
from pipeline.export.ids import (
    broken_redirects,
    current_ids,
    document_id,
    format_id_list,
    parse_id_list,
    parse_redirects,
    updated_id_list,
    vanished_ids,
)
from pipeline.export.registers_data import register_rows, rows_to_csv, rows_to_json
from pipeline.export.tei_corpus import corpus_bytes
from pipeline.xmltools import atomic_write, parse_bytes, serialize

PUBLISHED_IDS = "published-ids.txt"
REDIRECTS = "redirects.toml"

config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    help="pyproject.toml holding [tool.edition] (default: found from here up).")


@dataclass
class Edition:
    """The edition's TEI as read from disk: raw bytes and parsed trees, by file name."""

    config: EditionConfig
    raw: dict[str, bytes]
    trees: dict[str, etree._ElementTree]
    registers_name: str | None

    @property
    def texts(self) -> dict[str, etree._ElementTree]:
        """The texts (not the registers), by file name, in file-name order."""
        return {n: t for n, t in self.trees.items() if n != self.registers_name}

    def by_id(self, include_registers: bool = False) -> dict[str, etree._ElementTree]:
        chosen = self.trees if include_registers else self.texts
        result: dict[str, etree._ElementTree] = {}
        for name, tree in chosen.items():
            doc_id = document_id(tree, name.removesuffix(".xml"))
            if doc_id in result:
                raise EditionError(f"two TEI files have the id {doc_id!r}", name)
            result[doc_id] = tree
        return result

    @property
    def ordered(self) -> dict[str, etree._ElementTree]:
        """The registers first, then the texts."""
        first = {self.registers_name: self.trees[self.registers_name]} \
            if self.registers_name else {}
        return {**first, **self.texts}


def read_edition(config: EditionConfig) -> Edition:
    """Every ``*.xml`` in the TEI folder, and the registers wherever they are."""
    paths = sorted(config.tei_dir.glob("*.xml"))
    registers = config.registers_path
    if registers.exists() and all(p.resolve() != registers.resolve() for p in paths):
        paths.append(registers)
    if not paths:
        raise EditionError("no TEI files", config.tei_dir)
    raw: dict[str, bytes] = {}
    trees: dict[str, etree._ElementTree] = {}
    for path in paths:
        if path.name in raw:
            raise EditionError("two TEI files with the same name", path)
        try:
            raw[path.name] = path.read_bytes()
        except OSError as exc:
            raise EditionError(f"cannot read: {exc.strerror}", path) from None
        trees[path.name] = parse_bytes(raw[path.name], path)
    registers_name = registers.name if registers.name in trees else None
    return Edition(config, raw, trees, registers_name)


def _write(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        atomic_write(path, data)


def _run(action: Callable[[], str]) -> None:
    """Run a command's work; an EditionError or OSError becomes a one-line message."""
    try:
        message = action()
    except EditionError as exc:
        raise user_error(exc) from None
    except OSError as exc:
        raise user_error(EditionError(f"cannot write: {exc.strerror}", exc.filename)) from None
    click.echo(message)


def _downloads(config: EditionConfig) -> Path:
    return config.site_dir / "downloads"


# --- the formats, as bytes -----------------------------------------------------------------


def corpus_file(edition: Edition) -> bytes:
    return corpus_bytes(edition.ordered, edition.registers_name, edition.config)


def registers_files(edition: Edition) -> tuple[bytes, bytes]:
    """CSV and JSON."""
    if edition.registers_name is None:
        raise EditionError("no registers file", edition.config.registers_path)
    rows = register_rows(edition.trees[edition.registers_name], edition.by_id(),
                         edition.registers_name)
    return rows_to_csv(rows), rows_to_json(rows, edition.config)


def cmif_url(config: EditionConfig) -> str:
    return config.base_url.rstrip("/") + "/downloads/cmif.xml"


def cmif_file(edition: Edition, url: str | None = None) -> bytes:
    registers = edition.trees.get(edition.registers_name) if edition.registers_name else None
    tree = build_cmif(edition.by_id(), registers, edition.registers_name or "",
                      edition.config, url or cmif_url(edition.config))
    return serialize(tree.getroot())


def txt_exports(edition: Edition) -> tuple[dict[str, bytes], str]:
    """The plain-text exports for the bundle, and where they came from."""
    try:
        from pipeline.export import load_documents
        from pipeline.export.txt import txt_files
    except ImportError:
        downloads = _downloads(edition.config)
        found = {f"txt/{p.name}": p.read_bytes() for p in sorted(downloads.glob("*.txt"))}
        return found, f"copied from {shown_path(downloads)}"
    config = edition.config
    files: dict[str, bytes] = {}
    for mode, folder in (("reading", "txt"), ("original", "txt/original")):
        documents = load_documents([config.tei_dir], mode)
        for name, data in txt_files(documents, config.title, config.subtitle).items():
            files[f"{folder}/{name}"] = data
    return files, "made by the plain-text exporter"


def schema_files(config: EditionConfig) -> dict[str, bytes]:
    folder = config.root / "schema"
    if not folder.is_dir():
        return {}
    return {f"schema/{p.relative_to(folder).as_posix()}": p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.parts)}


def bundle_file(edition: Edition, environ: dict[str, str]) -> tuple[bytes, str]:
    config = edition.config
    contents = {f"tei/{name}": data for name, data in edition.raw.items()}
    contents.update(schema_files(config))
    texts, origin = txt_exports(edition)
    contents.update(texts)
    contents["data/corpus.xml"] = corpus_file(edition)
    csv_data, json_data = registers_files(edition)
    contents["data/registers.csv"] = csv_data
    contents["data/registers.json"] = json_data
    if any(t.getroot().find(".//{*}correspDesc") is not None for t in edition.texts.values()):
        contents["data/cmif.xml"] = cmif_file(edition)
    data = build_bundle(contents, edition.ordered, config, release_epoch(config, environ))
    return data, f"{len(texts)} plain-text files {origin}"


# --- commands ------------------------------------------------------------------------------


@click.command("tei-corpus")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The corpus file (default: site/downloads/corpus.xml).")
@config_option
def tei_corpus(out: Path | None, config_path: Path | None) -> None:
    """The whole edition (registers and texts) as one teiCorpus file, valid TEI P5."""

    def action() -> str:
        config = load_config(config_path)
        edition = read_edition(config)
        data = corpus_file(edition)
        target = out or _downloads(config) / "corpus.xml"
        _write(target, data)
        return f"TEI corpus of {len(edition.texts)} texts and the registers: {shown_path(target)}"

    _run(action)


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The ZIP file (default: site/downloads/<id-prefix>-<release-date>.zip).")
@config_option
def bundle(out: Path | None, config_path: Path | None) -> None:
    """The release ZIP: TEI, registers, schema, plain text, data, changelog, manifest.

    The same inputs give the same bytes; timestamps come from SOURCE_DATE_EPOCH when it
    is set, else from the configured release date.
    """

    def action() -> str:
        config = load_config(config_path)
        edition = read_edition(config)
        data, note = bundle_file(edition, dict(os.environ))
        target = out or _downloads(config) / f"{bundle_root(config)}.zip"
        _write(target, data)
        return f"release bundle ({note}): {shown_path(target)}"

    _run(action)


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for registers.csv and registers.json (default: site/downloads).")
@config_option
def registers(out_dir: Path | None, config_path: Path | None) -> None:
    """The registers as CSV and JSON: one row per entity, with its occurrences."""

    def action() -> str:
        config = load_config(config_path)
        csv_data, json_data = registers_files(read_edition(config))
        target = out_dir or _downloads(config)
        _write(target / "registers.csv", csv_data)
        _write(target / "registers.json", json_data)
        return f"registers as CSV and JSON in {shown_path(target)}"

    _run(action)


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The CMIF file (default: site/downloads/cmif.xml).")
@click.option("--url", help="Where the CMIF file is published "
                            "(default: <base-url>/downloads/cmif.xml).")
@config_option
def cmif(out: Path | None, url: str | None, config_path: Path | None) -> None:
    """The letters' correspDesc as a CMIF file for correspSearch."""

    def action() -> str:
        config = load_config(config_path)
        data = cmif_file(read_edition(config), url)
        target = out or _downloads(config) / "cmif.xml"
        _write(target, data)
        return f"CMIF file of the letters: {shown_path(target)}"

    _run(action)


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the API (default: site/dts).")
@config_option
def dts(out_dir: Path | None, config_path: Path | None) -> None:
    """The static DTS 1.0 API (entry point, collection, navigation, document)."""

    def action() -> str:
        config = load_config(config_path)
        paths = sorted(config.tei_dir.glob("*.xml"))
        target = out_dir or config.site_dir / "dts"
        written = write_dts(paths, config.registers_path, config, target)
        return f"DTS API, {len(written)} files: {shown_path(target)}"

    _run(action)


@click.command()
@click.option("--check", is_flag=True,
              help="Only check: exit 1, listing them, when published ids have vanished.")
@config_option
def ids(check: bool, config_path: Path | None) -> None:
    """Keep tei/published-ids.txt: every published xml:id stays, or is redirected.

    Without --check the list is brought up to date (new ids are added; none is ever
    dropped). An id that left the TEI needs an entry in tei/redirects.toml.
    """
    try:
        config = load_config(config_path)
        edition = read_edition(config)
        current = current_ids(edition.by_id(include_registers=True))
        list_path = config.tei_dir / PUBLISHED_IDS
        redirects_path = config.tei_dir / REDIRECTS
        published = parse_id_list(list_path.read_text(encoding="utf-8")) \
            if list_path.exists() else []
        redirects = parse_redirects(redirects_path.read_text(encoding="utf-8"),
                                    redirects_path) if redirects_path.exists() else {}
        vanished = vanished_ids(published, current, redirects)
        broken = broken_redirects(redirects, current)
        if not check:
            _write(list_path, format_id_list(updated_id_list(published, current)).encode())
    except EditionError as exc:
        raise user_error(exc) from None
    except OSError as exc:
        raise user_error(EditionError(f"cannot read or write: {exc.strerror}",
                                      exc.filename)) from None
    for item in vanished:
        click.echo(f"vanished without a redirect: {item}", err=True)
    for item in broken:
        click.echo(f"redirect to an id that does not exist: {item}", err=True)
    if vanished or broken:
        click.echo(f"{len(vanished) + len(broken)} problem(s): add them to "
                   f"{shown_path(config.tei_dir / REDIRECTS)}", err=True)
        sys.exit(1)
    verb = "checked" if check else "listed"
    click.echo(f"{len(current)} ids present; {shown_path(list_path)} {verb}")
