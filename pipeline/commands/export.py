"""``edition export``: the edition in other formats, written to ``dist/`` by default.

Every format is made from the collection, never from another output, and never written
into the site: ``edition build`` publishes its own copies in ``site/downloads/``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import click

from pipeline.build import schema_files, write_files
from pipeline.commands import config_option, settings, wait_option
from pipeline.dts import collection_resources, dts_files
from pipeline.errors import shown_path
from pipeline.export import named_documents
from pipeline.export.formats import (
    bundle_file,
    bundle_name,
    cmif_file,
    corpus_file,
    registers_files,
)
from pipeline.export.ids import (
    collection_ids,
    problem_lines,
    redirect_problems,
    updated_id_list,
    vanished_ids,
)
from pipeline.export.txt import COLLECTION_NAME, txt_files
from pipeline.outputs import write_if_changed
from pipeline.structure import load_collection, read_path
from pipeline.structure.reading import MODES
from pipeline.structure.redirects import (
    PUBLISHED_IDS,
    REDIRECTS,
    format_id_list,
    id_positions,
    parse_id_list,
)


@click.group()
def export() -> None:
    """Export the edition in other formats (default folder: the dist setting, dist/)."""


def _collection(config_path: Path | None, what: str, paths: tuple[Path, ...] = ()):
    config = settings(config_path)
    if not paths:
        config.require_edition(f"edition export {what}")
    collection = load_collection(config, tei_paths=paths or None, sources=False)
    collection.check_inputs()
    return config, collection


def _write(folder: Path, files: dict[str, bytes], wait: float, prune: bool = False) -> None:
    write_files(folder, files, prune=prune, wait=wait)


@export.command("txt")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the .txt files (default: dist/txt/, or dist/txt/original/).",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="reading",
    show_default=True,
    help="reading: with the editors' corrections; original: as the source has it.",
)
@config_option
@wait_option
def txt(
    paths: tuple[Path, ...], out_dir: Path | None, mode: str, config_path: Path | None, wait: float
) -> None:
    """Plain text: one .txt per TEI document and edition.txt for all of them.

    A collection of more texts than the setting list-page-items goes on in
    edition-2.txt, edition-3.txt...

    PATHS are TEI files or folders (default: the configured tei/ folder).
    """
    config, collection = _collection(config_path, "txt", paths)
    files = txt_files(
        named_documents(collection, mode), config.title, config.subtitle, config.list_page_items
    )
    target = out_dir or config.dist_dir / "txt" / ("original" if mode == "original" else "")
    # Parts of the collection's text that a longer collection had are removed.
    parts = re.compile(rf"{re.escape(COLLECTION_NAME)}-\d+\.txt")
    write_files(target, files, wait=wait, superseded=parts)
    click.echo(f"{len(files)} plain-text files ({mode} text) in {shown_path(target)}")


@export.command("tei-corpus")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The corpus file (default: dist/corpus.xml).",
)
@config_option
@wait_option
def tei_corpus(out: Path | None, config_path: Path | None, wait: float) -> None:
    """The whole edition (registers and texts) as one teiCorpus file, valid TEI P5."""
    config, collection = _collection(config_path, "tei-corpus")
    target = out or config.dist_dir / "corpus.xml"
    _write(target.parent, {target.name: corpus_file(collection)}, wait)
    click.echo(
        f"TEI corpus of {len(collection.texts())} texts and the registers: {shown_path(target)}"
    )


@export.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The ZIP file (default: dist/<id-prefix>-<release-date>.zip).",
)
@config_option
@wait_option
def bundle(out: Path | None, config_path: Path | None, wait: float) -> None:
    """The release ZIP: TEI, registers, schema, plain text, data, changelog, manifest.

    The same inputs give the same bytes; timestamps come from SOURCE_DATE_EPOCH when it
    is set, else from the configured release date.
    """
    config, collection = _collection(config_path, "bundle")
    data = bundle_file(collection, schema_files(config), dict(os.environ))
    target = out or config.dist_dir / bundle_name(config)
    _write(target.parent, {target.name: data}, wait)
    click.echo(f"release bundle: {shown_path(target)}")


@export.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for registers.csv and registers.json (default: dist/).",
)
@config_option
@wait_option
def registers(out_dir: Path | None, config_path: Path | None, wait: float) -> None:
    """The registers as CSV and JSON: one row per entity, with its occurrences."""
    config, collection = _collection(config_path, "registers")
    csv_data, json_data = registers_files(collection)
    target = out_dir or config.dist_dir
    _write(target, {"registers.csv": csv_data, "registers.json": json_data}, wait)
    click.echo(f"registers as CSV and JSON in {shown_path(target)}")


@export.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The CMIF file (default: dist/cmif.xml).",
)
@click.option(
    "--url", help="Where the CMIF file is published (default: <base-url>/downloads/cmif.xml)."
)
@config_option
@wait_option
def cmif(out: Path | None, url: str | None, config_path: Path | None, wait: float) -> None:
    """The letters' correspDesc as a CMIF file for correspSearch."""
    config, collection = _collection(config_path, "cmif")
    data = cmif_file(collection, url)
    target = out or config.dist_dir / "cmif.xml"
    _write(target.parent, {target.name: data}, wait)
    click.echo(f"CMIF file of the letters: {shown_path(target)}")


@export.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the API (default: dist/dts).",
)
@config_option
@wait_option
def dts(out_dir: Path | None, config_path: Path | None, wait: float) -> None:
    """The static DTS 1.0 API (entry point, collection, navigation, document)."""
    config, collection = _collection(config_path, "dts")
    files = dts_files(collection_resources(collection), config)
    target = out_dir or config.dist_dir / "dts"
    _write(target, files, wait, prune=True)
    click.echo(f"DTS API, {len(files)} files: {shown_path(target)}")


@export.command()
@click.option(
    "--check",
    is_flag=True,
    help="Only check: exit 1, listing them, when published ids have vanished.",
)
@config_option
def ids(check: bool, config_path: Path | None) -> None:
    """Keep tei/published-ids.txt: every published xml:id stays, or is redirected.

    Without --check the list is brought up to date (new ids are added; none is ever
    dropped). An id that left the TEI needs an entry in tei/redirects.toml.
    """
    config, collection = _collection(config_path, "ids")
    current = collection_ids(collection)
    list_path = config.tei_dir / PUBLISHED_IDS
    listed = ""
    if list_path.exists():
        raw = read_path(list_path, config.max_input_bytes, config.tei_dir)
        listed = raw.decode("utf-8", errors="replace")
    published = parse_id_list(listed)
    redirects = collection.redirects
    vanished = vanished_ids(published, current, redirects)
    broken = redirect_problems(redirects, current)
    if not check:
        write_if_changed(list_path, format_id_list(updated_id_list(published, current)).encode())
    listed_at = id_positions(listed)
    for item in vanished:
        line, column = listed_at.get(item, (1, 1))
        click.echo(
            f"{shown_path(list_path)}:{line}:{column}: error: vanished without a redirect: {item}",
            err=True,
        )
    if broken:
        redirects_path = config.tei_dir / REDIRECTS
        raw = read_path(redirects_path, config.max_input_bytes, config.tei_dir)
        text = raw.decode("utf-8", errors="replace")
        for line in problem_lines(broken, text, shown_path(redirects_path)):
            click.echo(line, err=True)
    if vanished or broken:
        redirects_file = shown_path(config.tei_dir / REDIRECTS)
        advice = []
        if vanished:
            advice.append(f"give each vanished id a redirect in {redirects_file}")
        if broken:
            advice.append(
                f"in {redirects_file}, lead each redirect from an id that is gone "
                "to one that exists"
            )
        click.echo(f"{len(vanished) + len(broken)} problem(s): {'; '.join(advice)}", err=True)
        sys.exit(1)
    verb = "checked" if check else "listed"
    click.echo(f"{len(current)} ids present; {shown_path(list_path)} {verb}")
