"""What the last build was made from, and the locks and clean-up around a run.

These pieces import no stage: a rebuild with nothing changed is decided here, from the
file system's metadata alone, before any stage is loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import __version__
from pipeline.build.cache import LIBRARIES
from pipeline.config import EditionConfig
from pipeline.errors import os_error
from pipeline.outputs import output_lock, remove_leftovers, source_date_epoch, write_if_changed
from pipeline.structure import load_collection
from pipeline.structure.collection import TEI_SUFFIXES
from pipeline.structure.inputs import stat_signature, tree_signature
from pipeline.structure.redirects import REDIRECTS
from pipeline.validate.teip5 import SchemaUnavailable, resolve_tei_dir

if TYPE_CHECKING:
    from pipeline.build import BuildOptions

MARKER = ".edition-build.json"
PACKAGE_DIR = Path(__file__).resolve().parent.parent

# Bump when the output changes in a way the fingerprint of the code cannot see.
FORMAT = "edition-site-2"


@contextlib.contextmanager
def writing(
    *folders: Path, wait: float = 0.0, replaced_whole: Path | None = None
) -> Iterator[None]:
    """Lock the output folders (in a fixed order), remove what killed runs left, and
    turn an ``OSError`` into one line with its path. ``replaced_whole`` (a site) is
    never written file by file: only the versions a killed run left beside it are
    looked for, not temporary files in it (a no-change rebuild walks none of it)."""
    whole = Path(os.path.abspath(replaced_whole)) if replaced_whole is not None else None
    try:
        with contextlib.ExitStack() as stack:
            for folder in sorted({Path(os.path.abspath(f)) for f in folders}):
                stack.enter_context(output_lock(folder, wait=wait))
                remove_leftovers(folder, inside=folder != whole)
            yield
    except OSError as exc:
        raise os_error(exc) from None


def epoch(environ: Mapping[str, str]) -> int:
    """SOURCE_DATE_EPOCH: the time of every file the build packs (0 when unset)."""
    return source_date_epoch(environ) or 0


def up_to_date(site_dir: Path, print_: str, manifest: dict | None = None) -> dict | None:
    """The marker of ``site_dir`` (read here unless given) if it was built from exactly
    these inputs and is whole."""
    if manifest is None:
        try:
            manifest = json.loads((site_dir / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if manifest.get("fingerprint") != print_ or not isinstance(files, dict) or not files:
        return None
    base = os.path.join(site_dir, "")  # one stat a file, named as a string (many files)
    for rel, size in files.items():
        try:
            if os.stat(base + rel).st_size != size:
                return None
        except OSError:
            return None
    return manifest


class BuildState:
    """What the last build was made from, kept beside the site (never in it, since it
    holds this machine's file times): the digest of its inputs' stat signatures and the
    fingerprint of the site it made."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self.path = site_dir.parent / f".{site_dir.name}.cache" / "state.json"
        self.findings: list[str] = []  # what the last build found, said again when unchanged

    def unchanged(self, inputs: str) -> dict | None:
        """The site's marker, if the inputs are as the last build left them and every
        file the marker lists is there, of its size."""
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
            manifest = json.loads((self.site_dir / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(state, dict) or not isinstance(manifest, dict):
            return None
        if state.get("inputs") != inputs or state.get("site") != manifest.get("fingerprint"):
            return None
        found = state.get("findings", [])
        self.findings = [f for f in found if isinstance(f, str)] if isinstance(found, list) else []
        return up_to_date(self.site_dir, manifest.get("fingerprint", ""), manifest)

    def record(self, inputs: str, findings: list[str] | None = None) -> None:
        try:
            manifest = json.loads((self.site_dir / MARKER).read_text(encoding="utf-8"))
            state = {
                "inputs": inputs,
                "site": manifest.get("fingerprint"),
                "findings": findings or [],
            }
            write_if_changed(self.path, (json.dumps(state, sort_keys=True) + "\n").encode())
        except (OSError, ValueError):
            pass  # no state: the next run checks the inputs' content


def input_signature(config: EditionConfig, options: BuildOptions) -> str:
    """A digest of the stat signature of every input (sources, sidecars, TEI, registers,
    settings, schemas, theme, style, code), and of the options: read from the file
    system's metadata alone, never from the files."""
    parts: list[object] = [
        FORMAT,
        __version__,
        sorted(str(p) for p in options.tei_paths or ()),
        options.search,
        options.strict,
        options.site.as_data() if options.site is not None else None,
        # As given: unset, "0" and a value that is not a number are each another build.
        options.environ.get("SOURCE_DATE_EPOCH"),
        # Files are named in the site (the validation page) as seen from here.
        os.getcwd(),
        _pagefind_signature() if options.search else "",
    ]
    if options.tei_paths is not None:
        # Other projects' files: looked at, never opened (which of them holds registers
        # is a matter of content, and a file written to has another stat).
        parts += tree_signature(options.tei_paths, TEI_SUFFIXES)
    else:
        collection = load_collection(config)
        parts += [f.input.signature() for f in collection.files]
        parts += [r.reason for r in collection.refused]
        for source in collection.sources:
            parts.append(source.input.signature())
            parts.append(stat_signature([("sidecar", source.sidecar)]))
        if collection.registers_file is not None:
            parts.append(collection.registers_file.input.signature())
    try:
        tei_all = resolve_tei_dir(options.tei_schema_dir)
    except SchemaUnavailable:
        tei_all = None
    parts.append(
        stat_signature(
            [
                ("settings", config.origin),
                ("redirects", config.tei_dir / REDIRECTS),
                ("schema", config.project_schema_dir),
                ("theme", config.theme_dir),
                ("style", config.archive_style),
                ("tei-schemas", tei_all),
            ]
        )
    )
    # The code (the whole package: its templates too) and the libraries whose output the
    # site holds, as the cache's keys name them: Python writes its bytecode beside them.
    code = [("code", PACKAGE_DIR), *_package_folders(list(LIBRARIES.values()))]
    parts.append(stat_signature(code, passed_over={"__pycache__"}))
    parts.append(sys.version)
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _package_folders(names: Sequence[str]) -> list[tuple[str, Path]]:
    """The folders of installed packages, found without importing them or reading
    package metadata: another version has other files."""
    folders = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            folders += [(name, Path(f)) for f in spec.submodule_search_locations]
    return folders


def _pagefind_signature() -> list:
    """What the installed Pagefind looks like (its packages' files)."""
    folders = _package_folders(("pagefind", "pagefind_bin"))
    return stat_signature(folders, passed_over={"__pycache__"}) if folders else ["none"]
