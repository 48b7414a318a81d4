"""Bad input: one clear line naming the file, exit code 1, no traceback, nothing half-written."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, run_edition
from lxml import etree

from pipeline.structure import source_slug
from pipeline.xmltools import NSMAP

# A good source: the first of the edition's that has a sidecar (whichever texts it has).
GOOD = next(
    s.stem for s in sorted((REPO / "sources").glob("*.txt")) if s.with_suffix(".toml").is_file()
)
# An organisation of the registers: a name a sidecar may give where one is needed.
AN_ORG = etree.parse(str(REPO / "tei" / "registers.xml")).find(".//tei:org/tei:orgName", NSMAP).text


def repeated_word() -> str:
    """A word the good text's first paragraph has more than once (so it matches twice)."""
    tei = etree.parse(str(REPO / "tei" / f"{source_slug(GOOD)}.xml"))
    paragraph = " ".join(tei.find(".//tei:body/tei:p", NSMAP).itertext())
    words = Counter(re.findall(r"\b[A-Za-z]{5,}\b", paragraph)).most_common()
    assert words and words[0][1] > 1, paragraph
    return words[0][0]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project: our config, registers, and one good source already converted."""
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "sources").mkdir()
    (tmp_path / "tei").mkdir()
    shutil.copy(REPO / "tei" / "registers.xml", tmp_path / "tei" / "registers.xml")
    for suffix in (".txt", ".toml"):
        shutil.copy(REPO / "sources" / f"{GOOD}{suffix}", tmp_path / "sources")
    result = run_edition("convert", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path


def tei_snapshot(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project / "tei").iterdir())}


def assert_clean_failure(project: Path, before: dict[str, bytes], *fragments: str) -> str:
    result = run_edition("convert", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    for fragment in fragments:
        assert fragment in message, message
    assert tei_snapshot(project) == before  # no partial file, earlier output untouched
    return message


def test_empty_source(project: Path):
    before = tei_snapshot(project)
    (project / "sources" / "empty.txt").write_bytes(b"")
    assert_clean_failure(project, before, "sources/empty.txt", "source is empty")


def test_binary_source(project: Path):
    before = tei_snapshot(project)
    (project / "sources" / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert_clean_failure(project, before, "sources/image.txt", "binary")


def test_source_not_utf8(project: Path):
    before = tei_snapshot(project)
    (project / "sources" / "latin1.txt").write_bytes(
        "Title\n\nCaf\xe9 au lait.\n".encode("latin-1")
    )
    assert_clean_failure(project, before, "sources/latin1.txt:3:4", "not UTF-8")


def test_sidecar_with_a_syntax_error(project: Path):
    before = tei_snapshot(project)
    sidecar = project / "sources" / f"{GOOD}.toml"
    sidecar.write_text('genre = "statement"\n[creation\ndate = "x"\n', encoding="utf-8")
    assert_clean_failure(project, before, f"sources/{GOOD}.toml:2:", "not valid TOML")


def test_sidecar_with_an_unknown_key(project: Path):
    before = tei_snapshot(project)
    sidecar = project / "sources" / f"{GOOD}.toml"
    sidecar.write_text('genre = "statement"\ngenra = "letter"\n', encoding="utf-8")
    assert_clean_failure(project, before, f"{GOOD}.toml", "unknown key 'genra'")


def test_intervention_that_matches_nothing(project: Path):
    before = tei_snapshot(project)
    absent = "Nowhere In This Text"
    assert absent not in (project / "sources" / f"{GOOD}.txt").read_text(encoding="utf-8")
    sidecar = project / "sources" / f"{GOOD}.toml"
    with sidecar.open("a", encoding="utf-8") as handle:
        handle.write(
            f'\n[[intervention]]\ntype = "corr"\norig = "{absent}"\nreading = "T."\nreason = "test"\n'
        )
    assert_clean_failure(project, before, f"{GOOD}.toml", "matches nothing")


def test_intervention_that_matches_twice_without_occurrence(project: Path):
    before = tei_snapshot(project)
    sidecar = project / "sources" / f"{GOOD}.toml"
    with sidecar.open("a", encoding="utf-8") as handle:
        handle.write(
            f'\n[[intervention]]\ntype = "reg"\norig = "{repeated_word()}"\n'
            'reading = "C.C."\nreason = "test"\n'
        )
    assert_clean_failure(project, before, "matches", "occurrence")


def test_register_not_well_formed(project: Path):
    registers = project / "tei" / "registers.xml"
    registers.write_bytes(registers.read_bytes().replace(b"</listPerson>", b"", 1))
    before = tei_snapshot(project)
    message = assert_clean_failure(project, before, "tei/registers.xml:", "not well-formed")
    line = int(message.split("registers.xml:")[1].split(":")[0])
    assert line > 1


# An external entity in the registers: tests/test_xml_safety.py, which also proves that
# the check would see the leak if the parser resolved entities.


# A sidecar error names the sidecar and the line of the offending key.
SIDECAR_ERRORS = [
    ("unknown-key", 'genre = "statement"\n\n[creation]\ndat = "x"\n', 4, "unknown key 'dat'"),
    ("bad-value", '# the genre\n\ngenre = "poem"\n', 3, "'genre' must be one of"),
    (
        "unknown-author",
        'genre = "statement"\n[author]\nnames = ["Nobody Known"]\n',
        3,
        "'Nobody Known' is no person of the registers",
    ),
    (
        "unknown-sender",
        (
            f'genre = "letter"\n[correspondence]\naddressee = [{json.dumps(AN_ORG)}]\n'
            'sender = ["Nobody Known"]\n'
        ),
        4,
        "'Nobody Known' is no person, organisation or place",
    ),
    (
        "unknown-place",
        'genre = "statement"\n[creation]\nreason = "r"\nplace = "Atlantis"\n',
        4,
        "'Atlantis' is no place of the registers",
    ),
    (
        "unknown-source-editor",
        'genre = "statement"\n\n[[source]]\ntitle = "A Book"\neditor = ["Nobody Known"]\n',
        5,
        "'Nobody Known' is no person of the registers",
    ),
    (
        "unknown-table",
        'genre = "statement"\n\n[[interventin]]\norig = "a"\n',
        3,
        "unknown key 'interventin'",
    ),
    (
        "unknown-name-ref",
        'genre = "statement"\n\n[[name]]\ntext = "Nobody Known"\nref = "no-such-entry"\nreason = "r"\n',
        5,
        "no register entry has this id",
    ),
]


@pytest.mark.parametrize(("sidecar", "line", "fragment"), [c[1:] for c in SIDECAR_ERRORS],
                         ids=[c[0] for c in SIDECAR_ERRORS])  # fmt: skip
def test_sidecar_error_names_the_sidecar_and_the_line(
    project: Path, sidecar: str, line: int, fragment: str
):
    before = tei_snapshot(project)
    (project / "sources" / f"{GOOD}.toml").write_text(sidecar, encoding="utf-8")
    assert_clean_failure(project, before, f"sources/{GOOD}.toml:{line}:", fragment)


def test_a_source_with_no_paragraph_says_so(project: Path):
    before = tei_snapshot(project)
    (project / "sources" / "1917-01-02-only-header.txt").write_text(
        "Written: 1917\nSource: Somewhere\n", encoding="utf-8"
    )
    assert_clean_failure(project, before, "1917-01-02-only-header.txt", "no paragraph of text")
