"""``edition serve --watch``: rebuild the site whenever what it is made from changes.

What is watched: the sources and their sidecars, the registers and the redirects, the
settings file, the project schema, and the theme (templates and stylesheet). Each batch
of changes runs one build through ``pipeline.build.build``, the same transaction as
``edition build``: a failed build leaves the last good site in place, and its one-line
error goes to the console and, through ``LiveState``, to every open page; a build that
succeeds makes the open pages reload.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from pipeline.build import BuildOptions, build
from pipeline.commands import settings
from pipeline.config import EditionConfig
from pipeline.dts.server import LiveState
from pipeline.errors import EditionError, os_error, shown_path

# How long a rebuild waits for another run writing the same folders (an `edition build`
# started by hand, say) before it gives up and reports it.
WAIT = 60.0


@dataclass(frozen=True)
class Watched:
    """The folders to watch (each without its subfolders) and the paths that count."""

    folders: tuple[Path, ...]
    files: frozenset[Path]  # single files in a folder that is otherwise not watched
    trees: tuple[Path, ...]  # folders all of whose files count

    def counts(self, path: Path) -> bool:
        path = Path(os.path.abspath(path))
        return path in self.files or any(path.is_relative_to(t) for t in self.trees)


def _subfolders(folder: Path) -> list[Path]:
    return [Path(root) for root, _, _ in os.walk(folder) if not Path(root).name.startswith(".")]


def watched(config: EditionConfig, site_dir: Path) -> Watched:
    """What the site of ``config`` is made from (never the site itself)."""
    absolute = [Path(os.path.abspath(p)) for p in (config.sources_dir,)]
    trees = [p for p in absolute if p.is_dir()]
    if config.theme_dir is not None and config.theme_dir.is_dir():
        trees.append(Path(os.path.abspath(config.theme_dir)))
    schema = Path(os.path.abspath(config.project_schema_dir))
    if schema.is_dir() and schema.is_relative_to(config.root):
        trees.append(schema)  # the project's own schema, not the package's
    files = {
        Path(os.path.abspath(p))
        for p in (
            config.origin,
            config.registers_path,
            config.tei_dir / "redirects.toml",
            config.archive_style,
        )
        if p is not None
    }
    site = Path(os.path.abspath(site_dir))
    trees = [t for t in trees if not t.is_relative_to(site)]
    folders = {f for tree in trees for f in _subfolders(tree)}
    folders |= {f.parent for f in files if f.parent.is_dir()}
    return Watched(tuple(sorted(folders)), frozenset(files), tuple(trees))


class Rebuilder:
    """Builds the site, says how it went on the console and to the open pages."""

    def __init__(
        self,
        config_path: Path | None,
        site_dir: Path,
        live: LiveState,
        options: BuildOptions,
        after: Callable[[], None] = lambda: None,
    ) -> None:
        self.config_path = config_path
        self.site_dir = site_dir
        self.live = live
        self.options = options
        self.after = after  # run after each good build (the server takes the new site)

    def build_once(self) -> bool:
        try:
            config = settings(self.config_path)
            report = build(config, self.options)
        except EditionError as exc:
            return self._failed(exc)
        except OSError as exc:
            return self._failed(os_error(exc, "cannot read or write"))
        self.live.succeeded()
        self.after()
        what = "up to date" if report.up_to_date else f"{report.pages} pages"
        click.echo(f"rebuilt {shown_path(self.site_dir)}: {what} ({report.seconds:.1f} s)")
        return True

    def _failed(self, exc: EditionError) -> bool:
        message = exc.shown()
        self.live.failed(message)
        for line in exc.details:
            click.echo(line, err=True)
        click.echo(f"{message} (still serving the last good site)", err=True)
        return False

    def run(self, watching: Watched, stop: threading.Event) -> None:
        """Rebuild after each batch of changes until ``stop`` is set."""
        from watchfiles import watch

        for _ in watch(
            *watching.folders,
            watch_filter=lambda _change, path: watching.counts(Path(path)),
            stop_event=stop,
            recursive=False,
            debounce=400,
            raise_interrupt=False,
        ):
            self.build_once()
