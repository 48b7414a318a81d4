"""Test support for the validation tests: the TEI schema folder and a local HTTP server.

The TEI P5 schemas are never committed. Tests find them through ``EDITION_TEI_SCHEMA_DIR``
(CI sets it), else in ``../shared/tei-p5`` beside the repository; when neither exists the
tests fail with a message saying so, rather than skipping.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ENV = "EDITION_TEI_SCHEMA_DIR"


def find_tei_schema_dir() -> Path:
    configured = os.environ.get(ENV, "").strip()
    candidates = [Path(configured)] if configured else [REPO.parent / "shared" / "tei-p5"]
    for folder in candidates:
        folder = folder if folder.is_absolute() else (REPO / folder)
        if (folder / "tei_all.rng").is_file():
            return folder.resolve()
    where = configured or str(REPO.parent / "shared" / "tei-p5")
    pytest.fail(
        f"TEI P5 schemas not found in {where}: set {ENV} to a folder holding tei_all.rng "
        "(and tei_all.xsd with its companions)",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def tei_schema_dir() -> Path:
    return find_tei_schema_dir()


@pytest.fixture
def tei_env(tei_schema_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment the CLI sees: the shared schemas, and no vault or cache surprises."""
    monkeypatch.setenv(ENV, str(tei_schema_dir))
    return tei_schema_dir


class LocalServer:
    """A static file server on 127.0.0.1 (free port) that records the paths asked for."""

    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        requests = self.requests

        class Recording(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                super().do_GET()

            def log_message(self, *args: object) -> None:
                return None

        handler = partial(Recording, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@contextlib.contextmanager
def local_server(root: Path) -> Iterator[LocalServer]:
    served = LocalServer(root)
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()
        thread.join(timeout=5)
