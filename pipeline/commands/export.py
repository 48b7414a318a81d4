"""``edition export``: the texts in other formats (``edition export txt``)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands import shown_path, user_error
from pipeline.commands.exchange import bundle, cmif, dts, ids, registers, tei_corpus
from pipeline.config import load_config
from pipeline.errors import EditionError
from pipeline.export import load_documents
from pipeline.export.txt import txt_files
from pipeline.reading import MODES
from pipeline.xmltools import atomic_write


@click.group()
def export() -> None:
    """Export the edition's texts in other formats."""


@export.command("txt")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the .txt files (default: site/downloads/).")
@click.option("--mode", type=click.Choice(MODES), default="reading", show_default=True,
              help="reading: with the editors' corrections; original: as the source has it.")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="pyproject.toml holding [tool.edition] (default: found from here up).")
def txt(paths: tuple[Path, ...], out_dir: Path | None, mode: str,
        config_path: Path | None) -> None:
    """Plain text: one .txt per TEI document and edition.txt for all of them.

    PATHS are TEI files or folders (default: the configured tei/ folder).
    """
    try:
        config = load_config(config_path)
        documents = load_documents(list(paths) or [config.tei_dir], mode)
        # Everything is read and rendered before the first write: a bad file
        # leaves the output folder as it was.
        files = txt_files(documents, config.title, config.subtitle)
        target = out_dir or config.site_dir / "downloads"
        for name, data in files.items():
            path = target / name
            if not path.exists() or path.read_bytes() != data:
                atomic_write(path, data)
    except EditionError as exc:
        raise user_error(exc) from None
    except OSError as exc:
        raise user_error(EditionError(f"cannot write: {exc.strerror}", exc.filename)) from None
    click.echo(f"{len(files)} plain-text files ({mode} text) in {shown_path(target)}")


for _command in (tei_corpus, bundle, registers, cmif, ids, dts):
    export.add_command(_command)
