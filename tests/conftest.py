"""Shared fixtures: the repository, the TEI P5 schemas, a fresh conversion."""

from __future__ import annotations

import contextlib
import http.server
import json
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
# The least [tool.edition] an edition needs (the required settings).
MINIMAL_SETTINGS = (
    "[tool.edition]\n"
    'title = "T"\neditors = ["E"]\npublisher = "P"\nlicence = "CC BY 4.0"\n'
    'licence-url = "https://creativecommons.org/licenses/by/4.0/"\n'
    'release-date = "2026-11-23"\n'
)
# What a project is made of: copying these gives a working edition elsewhere.
PROJECT_PARTS = ("pyproject.toml", "sources", "tei", "schema")


def project_config():
    from pipeline.config import load_config

    return load_config(REPO / "pyproject.toml")


def project_collection():
    """The bundled edition's TEI and registers, as every stage sees them."""
    from pipeline.structure import load_collection

    return load_collection(project_config(), sources=False)


def bundled_texts() -> dict[str, Path]:
    """The bundled edition's texts (its TEI, registers aside): file by ``xml:id``, in id order."""
    from pipeline.structure import FileKind

    files = {}
    for file in project_collection().files:
        if file.kind == FileKind.TEXT:
            files[file.tree().getroot().get("{http://www.w3.org/XML/1998/namespace}id")] = file.path
    return dict(sorted(files.items()))


def texts_with(xpath: str, at_least: int = 1) -> list[str]:
    """The ids of the bundled texts in which ``xpath`` (with the ``tei:`` prefix) finds at
    least ``at_least`` nodes, in id order: tests pick the texts that show what they test,
    so that they hold for whatever texts the edition has."""
    namespaces = {"tei": "http://www.tei-c.org/ns/1.0"}
    found = []
    for doc_id, path in bundled_texts().items():
        hits = etree.parse(str(path)).xpath(xpath, namespaces=namespaces)
        if (len(hits) if isinstance(hits, list) else int(bool(hits))) >= at_least:
            found.append(doc_id)
    assert found, f"no bundled text has {xpath}"
    return found


def letters() -> dict:
    """The letters of the edition, as their sidecars declare them: id -> Correspondence."""
    from pipeline.convert.sidecar import load_sidecar
    from pipeline.structure import load_collection

    config = project_config()
    found = {}
    for source in load_collection(config).sources:
        sidecar = load_sidecar(
            source.sidecar_data(), source.sidecar or source.path, config.encoding.calendar
        )
        if sidecar.correspondence is not None:
            found[source.slug] = sidecar.correspondence
    return found


def files_below(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by its POSIX path there, with its bytes (none for a
    folder that is not there): two sites are the same when these are."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def copy_project(dest: Path) -> Path:
    """A copy of the edition (settings, sources, TEI, schema) in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, dest / part, symlinks=True)
        else:
            shutil.copy2(source, dest / part)
    return dest


# Settings of responsibility for tests that need them (the edition itself names none).
RESPONSIBILITY = (
    'editors = ["A. Test Editor"]\npublisher = "A Test Publisher"\n'
    'base-url = "https://edition.test/"\n'
)


def responsible_project(dest: Path) -> Path:
    """A copy of the edition whose settings name editors, publisher and base URL."""
    copy_project(dest)
    settings = dest / "pyproject.toml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace("[tool.edition]\n", "[tool.edition]\n" + RESPONSIBILITY, 1)
    settings.write_text(text, encoding="utf-8")
    return dest


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


def run_edition(*args: str, cwd: Path = REPO, env: dict | None = None, timeout: float = 600):
    """Run the real CLI in a subprocess, as a user would; a hang fails at ``timeout``."""
    command = [sys.executable, "-m", "pipeline", *args]
    return subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
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


HARD_CASES = REPO / "tests" / "data" / "hard-cases"
_REGISTER_LISTS = {
    "person": "listPerson",
    "place": "listPlace",
    "org": "listOrg",
    "bibl": "listBibl",
}


@pytest.fixture(scope="session")
def hard_cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, etree._Element]:
    """The pages written for the hard cases of conversion (tests/data/hard-cases), each
    converted in one run against the registers with the pages' own entries: TEI root by id."""
    from pipeline.structure import source_slug

    tmp = tmp_path_factory.mktemp("hard-cases")
    pages = sorted(HARD_CASES.glob("*.txt"))
    namespaces = {"tei": "http://www.tei-c.org/ns/1.0"}
    registers = etree.parse(str(REPO / "tei" / "registers.xml"))
    for entry in etree.parse(str(HARD_CASES / "register-entries.xml")).getroot():
        if isinstance(entry.tag, str):
            kind = etree.QName(entry).localname
            registers.find(f".//tei:{_REGISTER_LISTS[kind]}", namespaces).append(entry)
    registers.write(str(tmp / "registers.xml"), encoding="UTF-8", xml_declaration=True)
    result = run_edition(
        "convert",
        *(str(p) for p in pages),
        "--out",
        str(tmp / "out"),
        "--registers",
        str(tmp / "registers.xml"),
        "--report",
        str(tmp / "report.json"),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp / "report.json").read_text(encoding="utf-8"))
    assert len(report["texts"]) == len(pages)
    return {
        doc: etree.parse(str(tmp / "out" / f"{doc}.xml")).getroot()
        for doc in (source_slug(p.stem) for p in pages)
    }


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


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Playwright, one per test module."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Python Playwright is not installed (a test dependency)", pytrace=False)
    from browser import tools

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(tools.chromium()), args=tools.CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
