"""``edition serve --watch`` end to end: a real server in its own process, a real browser.

An edited source shows up in the page that is open, without anyone reloading it; a
broken sidecar shows its one-line error in that page while the last good site goes on
being served. The project is a copy: the repository's sources are never touched.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from conftest import copy_project

from pipeline.xmltools import XML_ID, parse_file

STARTED = re.compile(r"at (http://127\.0\.0\.1:\d+/)")
MARK = "zebrafinch"  # a word no text of the edition has


class Served:
    """`edition serve --watch` in a process of its own, its output read line by line."""

    def __init__(self, project: Path) -> None:
        command = [
            sys.executable,
            "-m",
            "pipeline",
            "serve",
            "--watch",
            "--port",
            "0",
            "--no-search",
            "--config",
            str(project / "pyproject.toml"),
        ]
        self.process = subprocess.Popen(
            command,
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(os.environ),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_for(STARTED).group(1)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: re.Pattern, timeout: float = 240) -> re.Match:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                pytest.fail(f"the server never said {pattern.pattern!r}: {self.seen}")
            self.seen.append(line)
            found = pattern.search(line)
            if found:
                return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def test_an_edited_source_shows_and_a_broken_sidecar_keeps_the_last_good_site(
    tmp_path: Path, tei_env: Path, browser
) -> None:
    from playwright.sync_api import expect

    project = copy_project(tmp_path / "project")
    sources = sorted(p for p in (project / "sources").glob("*.txt"))
    source = next(p for p in sources if p.with_suffix(".toml").is_file())
    sidecar = source.with_suffix(".toml")
    text = source.read_text(encoding="utf-8")
    # A line of the source that is a paragraph of the text's body, and the text's page.
    paragraphs = {
        " ".join("".join(p.itertext()).split()): parse_file(t).getroot().get(XML_ID)
        for t in (project / "tei").glob("*.xml")
        for p in parse_file(t).getroot().iterfind(".//{*}body/{*}p")
    }
    paragraph, page_name = next(
        (line, name)
        for line in sorted(text.splitlines(), key=len, reverse=True)
        for shown, name in paragraphs.items()
        if len(line) > 80 and " ".join(line.split()[1:8]) in shown
    )
    first, rest = paragraph.split(" ", 1)
    served = Served(project)
    try:
        address = served.url + f"texts/{page_name}.html"
        context = browser.new_context()
        page = context.new_page()
        page.goto(address)
        article = page.locator("article.document")
        expect(article).not_to_contain_text(MARK)

        source.write_text(text.replace(paragraph, f"{first} {MARK} {rest}", 1), encoding="utf-8")
        expect(article).to_contain_text(MARK, timeout=180_000)  # the page reloaded itself

        sidecar.write_text(sidecar.read_text(encoding="utf-8") + '\nbroken = "\n', encoding="utf-8")
        banner = page.locator("#edition-live-error")
        expect(banner).to_be_visible(timeout=180_000)
        expect(banner).to_contain_text(f"sources/{sidecar.name}")
        expect(article).to_contain_text(MARK)  # the last good site, still there
        served.wait_for(re.compile(r"still serving the last good site"))
        with urllib.request.urlopen(address, timeout=30) as answer:
            assert answer.status == 200 and MARK in answer.read().decode("utf-8")
        context.close()
    finally:
        served.stop()
        while not served.lines.empty():
            served.seen.append(served.lines.get())
        print("\n".join(served.seen))
    # The site on disk is the last good one: the built page holds the edit.
    built = project / "site" / "texts" / address.rpartition("/")[2]
    assert MARK in built.read_text(encoding="utf-8")
