"""``edition serve``: the built site and its DTS API on http://127.0.0.1 (never other hosts);
with ``--watch``, rebuilt on every change and reloaded in the open pages."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

import click

from pipeline.build import BuildOptions
from pipeline.commands import config_option, settings, tei_schema_dir_option
from pipeline.config import EditionConfig
from pipeline.dts import collection_resources
from pipeline.dts.server import DtsService, LiveState, make_server
from pipeline.errors import EditionError, shown_path
from pipeline.structure import load_collection


def _dts(config: EditionConfig, root: Path) -> DtsService | None:
    documents = root / "dts" / "document"
    if not documents.is_dir():
        return None
    # The site's own copies of the documents: what is served is what was built.
    collection = load_collection(config, tei_paths=[documents], sources=False, recursive=False)
    collection.check_inputs()
    return DtsService(collection_resources(collection), config)


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The built site (default: the configured site folder).",
)
@config_option
@click.option("--log", is_flag=True, help="Print one line per request.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds a client may take to send its request before it is dropped.",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Build first, then rebuild on every change to the sources, sidecars, "
    "registers, settings, schema or theme, and reload the open pages; a failed "
    "rebuild shows its error in the page and the last good site stays served.",
)
@click.option("--no-search", is_flag=True, help="With --watch: build without the search index.")
@tei_schema_dir_option
def serve(
    port: int,
    site_dir: Path | None,
    config_path: Path | None,
    log: bool,
    timeout: float,
    watch: bool,
    no_search: bool,
    tei_schema_dir: Path | None,
) -> None:
    """Serve the site and the DTS API locally, with DTS media types and headers.

    The static API answers path-style URLs (/dts/navigation/<id>;down=1.json); the
    query-style API at /dts/ answers every DTS request from the documents the site
    publishes (/dts/navigation?resource=<id>&down=1). Stop with Ctrl-C.
    """
    config = settings(config_path)
    root = site_dir or config.site_dir
    live = rebuilder = None
    if watch:
        from pipeline.commands.watching import WAIT, Rebuilder, watched

        live = LiveState()
        options = BuildOptions(
            site_dir=root, search=not no_search, tei_schema_dir=tei_schema_dir, wait=WAIT
        )
        rebuilder = Rebuilder(config_path, root, live, options)
        rebuilder.build_once()
    if not root.is_dir():
        raise EditionError("no built site here: run the build first", root)
    dts = _dts(config, root)
    base_path = urlsplit(config.base_url).path or "/"
    try:
        server = make_server(
            root, port, base_path, quiet=not log, dts=dts, timeout=timeout, live=live
        )
    except OSError as exc:
        raise EditionError(f"cannot listen on port {port}: {exc.strerror}") from None
    host, bound = server.server_address[:2]
    api = f"DTS: http://{host}:{bound}/dts/" if dts is not None else "no DTS (no edition here)"
    click.echo(f"Serving {shown_path(root)} at http://{host}:{bound}/ ({api}); Ctrl-C stops")
    stop = threading.Event()
    if rebuilder is not None:
        # After each good build the DTS API answers from the rebuilt documents.
        rebuilder.after = lambda: server.use_dts(_dts(settings(config_path), root))
        watching = watched(config, root)
        threading.Thread(target=rebuilder.run, args=(watching, stop), daemon=True).start()
        click.echo(f"Watching {len(watching.trees) + len(watching.files)} inputs for changes")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
