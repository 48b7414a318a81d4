"""Shared fixtures: the repository, the TEI P5 schemas, a fresh conversion."""

from __future__ import annotations

import contextlib
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parent.parent


def shared_dir(env: str, default: str) -> Path:
    """A folder of shared test data, named by a setting; never skipped silently."""
    value = os.environ.get(env)
    path = Path(value) if value else REPO.parent / "shared" / default
    if not path.is_absolute():
        path = REPO / path
    if not path.is_dir():
        pytest.fail(f"{path} not found: set {env} to the folder (see README, 'Tests')")
    return path


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def tei_schema_dir() -> Path:
    return shared_dir("EDITION_TEI_SCHEMA_DIR", "tei-p5")


@pytest.fixture
def tei_env(tei_schema_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment the CLI sees: the shared schemas, and no vault or cache surprises."""
    monkeypatch.setenv("EDITION_TEI_SCHEMA_DIR", str(tei_schema_dir))
    return tei_schema_dir


@pytest.fixture(scope="session")
def tei_all_rng(tei_schema_dir: Path) -> etree.RelaxNG:
    """tei_all compiled once per test session (it takes several seconds)."""
    return etree.RelaxNG(etree.parse(str(tei_schema_dir / "tei_all.rng")))


def run_edition(*args: str, cwd: Path = REPO, env: dict | None = None):
    """Run the real CLI in a subprocess, as a user would."""
    command = [sys.executable, "-m", "pipeline", *args]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session")
def fresh_tei(tmp_path_factory) -> Path:
    """A fresh conversion of the bundled corpus into a temporary folder."""
    out = tmp_path_factory.mktemp("fresh-tei")
    result = run_edition("convert", "--out", str(out), "--report", str(out / "report.json"))
    assert result.returncode == 0, result.stderr
    shutil.copy(REPO / "tei" / "registers.xml", out / "registers.xml")
    return out


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
def running(server: http.server.HTTPServer) -> Iterator[str]:
    """Run ``server`` (bound to loopback) in a thread; yields its base URL."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def local_server(root: Path) -> Iterator[LocalServer]:
    """Serve ``root`` on a free loopback port for the length of the block."""
    served = LocalServer(root)
    with running(served.server):
        yield served
