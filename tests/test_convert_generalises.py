"""A text written for the tests converts with only a sidecar and register entries."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, run_edition
from lxml import etree

from pipeline.convert.fidelity import check_fidelity
from pipeline.xmltools import NSMAP, TEI_NS

DATA = REPO / "tests" / "data" / "new-text"
STEM = "1917-10-24-to-the-railway-workers"
LISTS = {"person": "listPerson", "place": "listPlace", "org": "listOrg", "bibl": "listBibl"}


def extended_registers(target: Path) -> Path:
    """Our registers plus the new text's entries: data only, no code change."""
    registers = etree.parse(str(REPO / "tei" / "registers.xml"))
    for entry in etree.parse(str(DATA / "register-entries.xml")).getroot():
        kind = etree.QName(entry).localname
        registers.find(f".//tei:{LISTS[kind]}", NSMAP).append(entry)
    path = target / "registers.xml"
    registers.write(str(path), encoding="UTF-8", xml_declaration=True)
    return path


def convert(tmp_path: Path, with_sidecar: bool, registers: Path | None):
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(DATA / f"{STEM}.txt", sources)
    if with_sidecar:
        shutil.copy(DATA / f"{STEM}.toml", sources)
    out = tmp_path / "out"
    args = [
        "convert",
        str(sources / f"{STEM}.txt"),
        "--out",
        str(out),
        "--report",
        str(tmp_path / "report.json"),
    ]
    if registers:
        args += ["--registers", str(registers)]
    result = run_edition(*args)
    assert result.returncode == 0, result.stderr
    root = etree.parse(str(out / "to-the-railway-workers.xml")).getroot()
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["texts"][0]
    return root, report


@pytest.fixture
def converted(tmp_path: Path):
    return convert(tmp_path, True, extended_registers(tmp_path))


def find(root, xpath):
    return root.xpath(xpath, namespaces=NSMAP)


def test_new_text_is_valid_and_faithful(converted, tei_all_rng):
    root, _ = converted
    assert tei_all_rng.validate(root.getroottree()), str(tei_all_rng.error_log)
    source = (DATA / f"{STEM}.txt").read_text(encoding="utf-8")
    assert check_fidelity(source, root) is None


def test_new_forms_of_dual_dates(converted):
    root, _ = converted
    (written,) = find(root, "//tei:creation/tei:date")
    assert "".join(written.itertext()) == "24 October (6 November) 1917"
    assert written.get("when") == "1917-11-06" and written.get("when-custom") == "1917-10-24"
    (published,) = find(root, "//tei:bibl[@type='first-published']/tei:date")
    assert published.get("when") == "1917-11-07" and published.get("when-custom") == "1917-10-25"
    (september,) = find(root, "//tei:body//tei:date[.='September 3']")
    assert september.get("when") == "1917-09-16" and september.get("cert") == "medium"


def test_notes_markers_and_their_absence(converted):
    root, report = converted
    (note1,) = find(root, "//tei:p/tei:note[@n='1']")
    assert note1.get("resp") == "registers.xml#vetrov" and note1.get("place") == "foot"
    (anchor,) = find(root, "//tei:anchor[@n='2']")
    assert anchor.getnext().get("type") == "editorial"
    (note3,) = find(root, "//tei:head/tei:note[@n='3']")
    assert note3.get("type") == "unanchored" and len(note3) == 2
    kinds = [w["kind"] for w in report["warnings"]]
    assert "unmatched-marker" in kinds and "unanchored-note" in kinds


def test_names_variants_and_apparatus(converted):
    root, _ = converted
    refs = {"".join(e.itertext()): e.get("ref") for e in find(root, "//tei:text//*[@ref]")}
    assert refs["I. P. Vetroff"] == refs["Vetrov"] == refs["I. VETROV"] == "registers.xml#vetrov"
    assert refs["Nikolayev Line"] == "registers.xml#nikolayev-railway"
    assert refs["Military Revolutionary Committee"] == "registers.xml#milrevcom"
    (pb,) = find(root, "//tei:p/tei:pb")
    assert pb.get("n") == "12" and "to nobody else until" in " ".join(
        "".join(pb.getparent().itertext()).split()
    )
    removed = find(root, "//tei:list[@type='removed']//tei:quote/text()")
    assert "Test Archive | Appeals Index" in removed and "README" in removed
    (choice,) = find(root, "//tei:choice")
    assert choice.findtext(f"{{{TEI_NS}}}orig") == "to day"


def test_without_sidecar_or_register_entries_still_valid_and_reported(tmp_path, tei_all_rng):
    root, report = convert(tmp_path, False, None)
    assert tei_all_rng.validate(root.getroottree()), str(tei_all_rng.error_log)
    source = (DATA / f"{STEM}.txt").read_text(encoding="utf-8")
    assert check_fidelity(source, root) is None
    messages = " | ".join(w["message"] for w in report["warnings"])
    kinds = {w["kind"] for w in report["warnings"]}
    assert {"no-sidecar", "unknown-name", "unmatched-marker", "unanchored-note"} <= kinds
    assert "'Vetrov'" in messages and "'Military'" in messages
