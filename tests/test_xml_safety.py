"""XML is parsed with entity resolution, DTD loading and the network off, everywhere.

Each attack is tried twice: through the real code, where nothing may leak, and with the
safe parser swapped for an unsafe one, where the same check must see the leak. So these
tests fail if the guard is ever removed.
"""

from __future__ import annotations

import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MINIMAL_SETTINGS, copy_project, local_server
from lxml import etree

from pipeline import xmltools
from pipeline.cli import main

SECRET = "TOP SECRET 4711"
TEI_NS = "http://www.tei-c.org/ns/1.0"


class _Fetch(etree.Resolver):
    """What a parser with the network on does: fetch what a DOCTYPE names (libxml2 as
    built into lxml has no HTTP client of its own, so this stands in for one)."""

    def resolve(self, url, id, context):
        if url.startswith("http://"):
            with urllib.request.urlopen(url, timeout=5) as response:
                return self.resolve_string(response.read(), context)
        return None


def unsafe_parser(remove_blank_text: bool = False, recover: bool = False) -> etree.XMLParser:
    parser = etree.XMLParser(
        resolve_entities=True,
        load_dtd=True,
        no_network=False,
        remove_blank_text=remove_blank_text,
        recover=recover,
    )
    parser.resolvers.add(_Fetch())
    return parser


def tei(body: str, doctype: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n<TEI xmlns="{TEI_NS}">'
        "<teiHeader><fileDesc><titleStmt><title>Letter</title></titleStmt>"
        "<publicationStmt><p>Unpublished.</p></publicationStmt>"
        "<sourceDesc><p>A test.</p></sourceDesc></fileDesc></teiHeader>"
        f"<text><body><p>{body}</p></body></text></TEI>\n"
    )


def everything_written(folder: Path) -> str:
    return "\n".join(
        p.read_bytes().decode("utf-8", "replace") for p in sorted(folder.rglob("*")) if p.is_file()
    )


def run_twice(monkeypatch: pytest.MonkeyPatch, attempt: Callable[[], str]) -> None:
    """No leak with the real parser; a leak the same check sees with an unsafe one."""
    assert SECRET not in attempt()
    with monkeypatch.context() as patched:
        patched.setattr(xmltools, "safe_parser", unsafe_parser)
        assert SECRET in attempt(), "the check cannot see a leak: it proves nothing"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def build_foreign(folder: Path, tmp_path: Path, tei_env: Path) -> Callable[[], str]:
    (tmp_path / "pyproject.toml").write_text(MINIMAL_SETTINGS, encoding="utf-8")
    counter = iter(range(100))

    def attempt() -> str:
        site = tmp_path / f"site-{next(counter)}"
        result = CliRunner().invoke(
            main,
            [
                "build",
                "--tei",
                str(folder),
                "--no-search",
                "--site",
                str(site),
                "--config",
                str(tmp_path / "pyproject.toml"),
            ],
        )
        assert result.exit_code == 0, result.output
        return everything_written(site)

    return attempt


def test_an_external_entity_is_never_read(
    tmp_path: Path, secret: Path, tei_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    doctype = f'<!DOCTYPE TEI [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
    (folder / "letter.xml").write_text(tei("Dear friend, &x;.", doctype), encoding="utf-8")
    run_twice(monkeypatch, build_foreign(folder, tmp_path, tei_env))


def test_an_external_dtd_is_never_loaded(
    tmp_path: Path, secret: Path, tei_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "letter.dtd").write_text(
        f'<!ENTITY x SYSTEM "{secret.as_uri()}">\n', encoding="utf-8"
    )
    doctype = '<!DOCTYPE TEI SYSTEM "letter.dtd">'
    (folder / "letter.xml").write_text(tei("Dear friend, &x;.", doctype), encoding="utf-8")
    run_twice(monkeypatch, build_foreign(folder, tmp_path, tei_env))


def test_the_network_is_never_asked(
    tmp_path: Path, secret: Path, tei_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "entities.dtd").write_text(f'<!ENTITY x "{SECRET}">\n', encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    with local_server(served) as server:
        doctype = f'<!DOCTYPE TEI SYSTEM "{server.url}/entities.dtd">'
        (folder / "letter.xml").write_text(tei("Dear friend, &x;.", doctype), encoding="utf-8")
        attempt = build_foreign(folder, tmp_path, tei_env)
        assert SECRET not in attempt()
        assert server.requests == []
        with monkeypatch.context() as patched:
            patched.setattr(xmltools, "safe_parser", unsafe_parser)
            assert SECRET in attempt()
        assert server.requests, "the unsafe parser fetched the DTD: the check can see it"


def test_the_registers_of_our_own_edition_too(
    tmp_path: Path, secret: Path, tei_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entity in the registers: converted, validated and published, never expanded."""
    project = copy_project(tmp_path / "project")
    registers = project / "tei" / "registers.xml"
    text = registers.read_text(encoding="utf-8")
    surname = text.split("<surname>", 1)[1].split("</surname>", 1)[0]
    text = text.replace(
        "<TEI ", f'<!DOCTYPE TEI [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n<TEI ', 1
    )
    text = text.replace("<occupation>", "<occupation>&x; ", 1)
    registers.write_text(text, encoding="utf-8")
    assert surname
    monkeypatch.chdir(project)
    counter = iter(range(100))

    def attempt() -> str:
        site = project / f"site-{next(counter)}"
        CliRunner().invoke(main, ["build", "--no-search", "--site", str(site)])
        return everything_written(site) if site.exists() else ""

    run_twice(monkeypatch, attempt)
    shutil.rmtree(project)
