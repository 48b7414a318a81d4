"""`edition serve` under bad requests: each gets a 400 or a closed connection, never a
traceback, and the server keeps serving. The real command runs in a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MINIMAL_SETTINGS, REPO, bundled_texts
from dts_client import fetch

from pipeline.build import write_files
from pipeline.config import load_config
from pipeline.dts import collection_resources, dts_files
from pipeline.structure import load_collection

TIMEOUT = 1.0  # seconds `edition serve` gives a client to send its request


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small edition (one text and the registers) with its DTS API built."""
    root = tmp_path_factory.mktemp("serve")
    (root / "pyproject.toml").write_text(MINIMAL_SETTINGS, encoding="utf-8")
    (root / "tei").mkdir()
    text = next(iter(bundled_texts().values()))  # any text will do
    for path in (REPO / "tei" / "registers.xml", text):
        (root / "tei" / path.name).write_bytes(path.read_bytes())
    config = load_config(root / "pyproject.toml")
    resources = collection_resources(load_collection(config, sources=False))
    write_files(root / "site" / "dts", dts_files(resources, config))
    (root / "site" / "index.html").write_text("<!DOCTYPE html><title>E</title>\n", "utf-8")
    return root


@contextlib.contextmanager
def serving(edition: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    command = [sys.executable, "-m", "pipeline", "serve", "--port", "0", "--log"]
    process = subprocess.Popen(
        [*command, "--timeout", str(TIMEOUT)],
        cwd=edition,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line + process.stderr.read()
        yield int(match.group(1)), process
    finally:
        process.terminate()
        process.wait(timeout=10)


def exchange(port: int, data: bytes) -> bytes:
    """Send raw bytes; everything the server answers before it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(data)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status(answer: bytes) -> int | None:
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    return int(match.group(1)) if match else None


def works(port: int) -> None:
    answer = fetch(f"http://127.0.0.1:{port}/dts/navigation?resource=registers&down=1")
    assert answer.status == 200 and json.loads(answer.body)["member"] == []


BAD_REQUESTS = {
    "garbage": b"GARBAGE\r\n\r\n",
    "http-9.9": b"GET / HTTP/9.9\r\n\r\n",
    "extra token": b"GET / HTTP/1.1 extra\r\n\r\n",
    "url over 64 KB": b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "null byte": b"GET /%00/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    "null byte in dts": b"GET /dts/%00/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    "control character": b"GET /dts/navigation%0a?resource=x HTTP/1.1\r\nHost: x\r\n\r\n",
    "traversal": b"GET /dts/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad escape": b"GET /dts/navigation?resource=%ZZ&down=1 HTTP/1.1\r\nHost: x\r\n\r\n",
    "no url": b"GET\r\n\r\n",
    "binary": bytes(range(256)) + b"\r\n\r\n",
}


def test_bad_requests_get_a_400_and_the_server_keeps_serving(edition: Path) -> None:
    with serving(edition) as (port, process):
        works(port)
        for name, request in BAD_REQUESTS.items():
            answer = exchange(port, request)
            code = status(answer)
            if name == "traversal":
                assert code == 404, name  # '..' never leaves the site
            elif name == "bad escape":
                assert code == 404, name  # a resource named '%ZZ' does not exist
            else:
                assert code == 400, (name, answer[:200])
            assert b"root:" not in answer
            works(port)
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert "Traceback" not in stderr
    assert "AttributeError" not in stderr and "ValueError" not in stderr


def test_a_slow_client_is_dropped_and_others_are_served_meanwhile(edition: Path) -> None:
    with serving(edition) as (port, process):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as slow:
            slow.sendall(b"GET /dts/ HT")  # and then nothing
            works(port)  # another client is served while the slow one waits
            answer = slow.recv(65536)  # the server closes the connection
        assert answer == b"" or status(answer) == 400
        works(port)
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert "Traceback" not in stderr


def test_edition_serve_listens_on_loopback_only(edition: Path) -> None:
    with serving(edition) as (port, _process):
        works(port)
        addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
        for address in addresses - {"127.0.0.1", "::1"}:
            with pytest.raises(OSError), socket.create_connection((address, port), timeout=2):
                pass


def test_a_preview_served_on_another_port_points_to_that_port(edition: Path) -> None:
    """Without base-url the static files point to the default port; the server's own
    answers point to where it really is."""
    assert "base-url" not in (edition / "pyproject.toml").read_text(encoding="utf-8")
    with serving(edition) as (port, _):
        origin = f"http://127.0.0.1:{port}/"
        body = fetch(origin + "dts/collection").body.decode()
    urls = re.findall(r'"(https?://[^"]+)"', body)
    local = [u for u in urls if u.startswith("http://127.0.0.1:")]
    assert local and all(u.startswith(origin) for u in local), local
