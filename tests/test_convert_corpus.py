"""The bundled corpus: committed TEI is a fresh conversion, faithful, valid, linked."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import REPO, run_edition, shared_dir
from lxml import etree

from pipeline.convert.fidelity import check_fidelity
from pipeline.structure import source_slug as document_id
from pipeline.xmltools import NSMAP, XML_ID

SOURCES = sorted((REPO / "sources").glob("*.txt"))
TEXTS = [REPO / "tei" / f"{document_id(s.stem)}.xml" for s in SOURCES]


def test_sources_are_the_received_seeds_byte_for_byte():
    seeds = shared_dir("EDITION_SEEDS_DIR", "seeds")
    received = {hashlib.sha256(p.read_bytes()).hexdigest() for p in seeds.iterdir()}
    ours = {hashlib.sha256(p.read_bytes()).hexdigest() for p in SOURCES}
    assert received, seeds
    # Every text received is in sources/, unchanged (an edition may have added more).
    assert received <= ours


def test_committed_tei_equals_a_fresh_conversion(fresh_tei: Path):
    committed = sorted(p.name for p in (REPO / "tei").glob("*.xml"))
    fresh = sorted(p.name for p in fresh_tei.glob("*.xml"))
    assert committed == fresh
    for name in committed:
        assert (REPO / "tei" / name).read_bytes() == (fresh_tei / name).read_bytes(), name


def test_converting_twice_gives_identical_bytes(tmp_path: Path, fresh_tei: Path):
    result = run_edition("convert", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for path in tmp_path.glob("*.xml"):
        assert path.read_bytes() == (fresh_tei / path.name).read_bytes()


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_fidelity_not_one_word_lost_or_added(source: Path):
    root = etree.parse(str(REPO / "tei" / f"{document_id(source.stem)}.xml")).getroot()
    assert check_fidelity(source.read_text(encoding="utf-8"), root) is None


def test_fidelity_check_catches_a_lost_word():
    source = next(s for s in SOURCES if "from-the-cc" in s.name)
    root = etree.parse(str(REPO / "tei" / f"{document_id(source.stem)}.xml")).getroot()
    paragraph = root.find(".//tei:body/tei:p", NSMAP)
    assert "common knowledge" in paragraph.text
    paragraph.text = paragraph.text.replace("common knowledge", "knowledge", 1)
    assert "differs" in check_fidelity(source.read_text(encoding="utf-8"), root)


@pytest.mark.parametrize("path", [*TEXTS, REPO / "tei" / "registers.xml"], ids=lambda p: p.stem)
def test_every_file_is_valid_tei_p5(path: Path, tei_all_rng: etree.RelaxNG):
    document = etree.parse(str(path))
    assert tei_all_rng.validate(document), str(tei_all_rng.error_log)


def _register_ids(scope: str) -> set[str]:
    registers = etree.parse(str(REPO / "tei" / "registers.xml"))
    return set(registers.xpath(f"{scope}//*/@xml:id", namespaces=NSMAP))


def test_every_ref_resolves_and_every_register_entry_is_used():
    ids = _register_ids("/tei:TEI")
    entries = _register_ids("//tei:standOff")
    used = set()
    for path in TEXTS:
        root = etree.parse(str(path)).getroot()
        for element in root.iterfind(".//*[@ref]"):
            target, _, fragment = element.get("ref").partition("#")
            assert target == "registers.xml", element.get("ref")
            assert fragment in ids, f"{path.name}:{element.sourceline}: {element.get('ref')}"
            used.add(fragment)
    assert entries - used == set()


def test_name_elements_all_carry_a_ref():
    for path in TEXTS:
        root = etree.parse(str(path)).getroot()
        body = root.find("tei:text", NSMAP)
        for tag in ("persName", "placeName", "orgName", "rs"):
            for element in body.iterfind(f".//tei:{tag}", NSMAP):
                assert element.get("ref"), f"{path.name}:{element.sourceline}"


def test_ids_are_unique_across_the_collection_texts():
    seen: dict[str, str] = {}
    for path in [*TEXTS, REPO / "tei" / "registers.xml"]:
        root = etree.parse(str(path)).getroot()
        for element in root.iterfind(".//tei:text//*[@xml:id]", NSMAP):
            identifier = element.get(XML_ID)
            assert identifier not in seen, f"{identifier} in {path.name} and {seen[identifier]}"
            seen[identifier] = path.name


def test_every_citable_block_has_a_meaningful_id():
    for path in TEXTS:
        root = etree.parse(str(path)).getroot()
        doc = root.get(XML_ID)
        for tag in ("p", "note", "head", "closer"):
            for element in root.iterfind(f".//tei:text//tei:{tag}", NSMAP):
                if element.get("type") == "editorial":
                    continue
                assert element.get(XML_ID, "").startswith(doc + "-"), (path.name, tag)


def test_report_counts_and_warnings(fresh_tei: Path):
    report = json.loads((fresh_tei / "report.json").read_text(encoding="utf-8"))
    by_id = {text["id"]: text for text in report["texts"]}
    assert set(by_id) == {document_id(s.stem) for s in SOURCES}
    counts = by_id["from-the-cc-to-party-members"]["counts"]
    assert counts["page-breaks"] == 4 and counts["notes"] == 0  # one page line, three joins
    assert counts["names-persName"] > 10 and counts["names-rs"] >= 3
    tasks = by_id["our-tasks-and-the-soviet"]
    assert tasks["counts"]["notes"] == 8 and tasks["counts"]["interventions"] == 14
    kinds = {w["kind"] for w in by_id["the-bolsheviks-must-assume-power"]["warnings"]}
    assert {"unmatched-marker", "unanchored-note"} <= kinds
