"""The bundled corpus: committed TEI is a fresh conversion, faithful, valid, linked."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from conftest import REPO, project_config, run_edition, shared_dir
from lxml import etree

from pipeline.convert.fidelity import check_fidelity
from pipeline.convert.segment import ArchiveStyle, load_style
from pipeline.convert.sidecar import Sidecar, load_sidecar
from pipeline.structure import load_collection
from pipeline.structure import source_slug as document_id
from pipeline.xmltools import NSMAP, XML_ID

SOURCES = sorted((REPO / "sources").glob("*.txt"))
TEXTS = [REPO / "tei" / f"{document_id(s.stem)}.xml" for s in SOURCES]


def archive_style() -> ArchiveStyle:
    """The layout cues the edition's sources are read with."""
    path = project_config().archive_style
    return load_style(Path(path).read_bytes(), path) if path else load_style()


def sidecars() -> dict[str, Sidecar]:
    """Every source's sidecar as the converter reads it, by document id."""
    config = project_config()
    return {
        source.slug: load_sidecar(
            source.sidecar_data(), source.sidecar or source.path, config.encoding.calendar
        )
        for source in load_collection(config).sources
    }


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
    source = SOURCES[0]
    root = etree.parse(str(REPO / "tei" / f"{document_id(source.stem)}.xml")).getroot()
    # the first paragraph that opens with words of its own (before any markup)
    paragraph = next(
        p for p in root.iterfind(".//tei:body/tei:p", NSMAP) if len((p.text or "").split()) > 1
    )
    lost = paragraph.text.split()[1]
    paragraph.text = paragraph.text.replace(f" {lost}", "", 1)
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
    """Every text's counts are those of its source, sidecar and TEI: notes as numbered,
    interventions as declared, page breaks as the printed edition's pages run, names as
    tagged; a marker without a note and a note without a marker are warned of."""
    report = json.loads((fresh_tei / "report.json").read_text(encoding="utf-8"))
    by_id = {text["id"]: text for text in report["texts"]}
    assert set(by_id) == {document_id(s.stem) for s in SOURCES}
    style, declared = archive_style(), sidecars()
    paged = []
    for source in SOURCES:
        doc = document_id(source.stem)
        counts, sidecar = by_id[doc]["counts"], declared[doc]
        lines = [line.strip() for line in source.read_text(encoding="utf-8").splitlines()]
        notes = {m["n"] for m in map(style.note_start.match, lines) if m}
        markers = {
            m["n"]
            for line in lines
            if not style.note_start.match(line)
            for m in style.note_marker.finditer(line)
        }
        assert counts["notes"] == len(notes), doc
        assert counts["interventions"] == len(sidecar.interventions), doc
        kinds = {w["kind"] for w in by_id[doc]["warnings"]}
        assert ("unmatched-marker" in kinds) == bool(markers - notes), doc
        assert ("unanchored-note" in kinds) == bool(notes - markers), doc
        page_lines = sum(1 for line in lines if style.page.match(line))
        spans = [
            re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", e.pages or "")
            for e in sidecar.sources
            if e.page_breaks
        ]
        if page_lines and any(spans):
            # a break at every page the edition spans: the page lines, the joins inferred
            first, last = (int(n) for n in next(s for s in spans if s).groups())
            assert counts["page-breaks"] == last - first >= page_lines, doc
            paged.append(doc)
        root = etree.parse(str(fresh_tei / f"{doc}.xml")).getroot()
        for tag in ("persName", "placeName", "orgName", "rs", "title"):
            in_text = len(root.findall(f".//tei:text//tei:{tag}[@ref]", NSMAP))
            anywhere = len(root.findall(f".//tei:{tag}[@ref]", NSMAP))
            assert in_text <= counts.get(f"names-{tag}", 0) <= anywhere, (doc, tag)
    assert paged, "no source has a page line of a printed edition its sidecar names"
