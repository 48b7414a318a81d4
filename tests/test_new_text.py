"""Adding a text is data only: a sixth source, its sidecar and its register entries go
through every command, and the corpus-derived tests stay green on the grown edition."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import REPO, copy_project, run_edition, shared_dir
from lxml import etree

from pipeline.xmltools import NSMAP, XML_ID

DATA = REPO / "tests" / "data" / "new-text"
STEM = "1917-10-24-to-the-railway-workers"
LISTS = {"person": "listPerson", "place": "listPlace", "org": "listOrg", "bibl": "listBibl"}
# Test files whose expectations come from sources/, sidecars and registers: they must pass
# on the grown edition as they do on the bundled one.
CORPUS_TESTS = (
    "tests/test_convert_corpus.py",
    "tests/test_exchange_cmif.py",
    "tests/test_exchange_ids.py",
    "tests/test_exchange_registers.py",
    "tests/test_export_txt.py",
)


def add_the_text(project: Path) -> None:
    for suffix in (".txt", ".toml"):
        shutil.copy(DATA / f"{STEM}{suffix}", project / "sources")
    registers = project / "tei" / "registers.xml"
    tree = etree.parse(str(registers))
    for entry in etree.parse(str(DATA / "register-entries.xml")).getroot():
        tree.find(f".//tei:{LISTS[etree.QName(entry).localname]}", NSMAP).append(entry)
    registers.write_bytes(etree.tostring(tree, encoding="UTF-8", xml_declaration=True) + b"\n")


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Path:
    schemas = shared_dir("EDITION_TEI_SCHEMA_DIR", "tei-p5")
    project = copy_project(tmp_path_factory.mktemp("grown") / "project")
    shutil.copytree(
        REPO / "tests", project / "tests", ignore=shutil.ignore_patterns("__pycache__", "artifacts")
    )
    add_the_text(project)
    env = {"EDITION_TEI_SCHEMA_DIR": str(schemas)}
    for command in (
        ["convert"],
        ["export", "ids"],
        ["validate"],
        ["build"],
        ["export", "bundle"],
        ["export", "tei-corpus"],
        ["export", "registers"],
        ["export", "txt"],
        ["export", "dts"],
    ):
        result = run_edition(*command, cwd=project, env=env)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    return project


def sources(project: Path) -> list[Path]:
    return sorted((project / "sources").glob("*.txt"))


def test_the_new_text_is_converted_validated_and_published(grown: Path) -> None:
    slug = STEM.split("-", 3)[3]
    tei = etree.parse(str(grown / "tei" / f"{slug}.xml")).getroot()
    assert tei.get(XML_ID) == slug
    site = grown / "site"
    assert (site / "texts" / f"{slug}.html").is_file()
    assert (site / "downloads" / f"{slug}.xml").read_bytes() == (
        grown / "tei" / f"{slug}.xml"
    ).read_bytes()
    assert (site / "downloads" / "original" / f"{slug}.txt").is_file()
    assert (site / "dts" / "collection" / f"{slug}.json").is_file()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert home.count('class="doc-card"') == len(sources(grown))
    persons = (site / "persons.html").read_text(encoding="utf-8")
    assert "Vetrov" in persons
    bundle = next((grown / "dist").glob("*.zip"))
    assert bundle.stat().st_size > 0
    assert (grown / "dist" / "txt" / f"{slug}.txt").is_file()


def test_the_corpus_tests_pass_on_the_grown_edition(grown: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *CORPUS_TESTS],
        cwd=grown,
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
        env={**_env(grown), "EDITION_SEEDS_DIR": str(shared_dir("EDITION_SEEDS_DIR", "seeds"))},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


def _env(project: Path) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["EDITION_TEI_SCHEMA_DIR"] = str(shared_dir("EDITION_TEI_SCHEMA_DIR", "tei-p5"))
    return env


def test_the_sidecar_of_the_new_text_is_all_it_took(grown: Path) -> None:
    """No code names the new text: its facts are in its sidecar and the registers."""
    sidecar = tomllib.loads((grown / "sources" / f"{STEM}.toml").read_text(encoding="utf-8"))
    slug = STEM.split("-", 3)[3]
    tei = etree.parse(str(grown / "tei" / f"{slug}.xml")).getroot()
    (term,) = tei.findall(".//tei:textClass/tei:keywords/tei:term", NSMAP)
    assert term.text == sidecar["genre"]
    for path in (REPO / "pipeline").rglob("*.py"):
        assert "railway" not in path.read_text(encoding="utf-8").lower(), path
