"""The edition as one teiCorpus file: valid TEI P5, unique ids, consistent pointers."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import bundled_texts, project_collection, texts_with
from lxml import etree

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import EditionError
from pipeline.export.tei_corpus import POINTER_ATTRIBUTES, build_corpus, corpus_bytes
from pipeline.xmltools import NSMAP, XML_ID, parse_bytes, parse_file

REPO = Path(__file__).resolve().parent.parent
TEXT_IDS = sorted(p.stem for p in (REPO / "tei").glob("*.xml") if p.name != "registers.xml")


@pytest.fixture(scope="module")
def corpus_data(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("corpus") / "corpus.xml"
    result = CliRunner().invoke(
        main, ["export", "tei-corpus", "--out", str(out), "--config", str(REPO / "pyproject.toml")]
    )
    assert result.exit_code == 0, result.output
    return out.read_bytes()


@pytest.fixture(scope="module")
def corpus(corpus_data: bytes) -> etree._Element:
    return parse_bytes(corpus_data).getroot()


def test_the_corpus_is_valid_tei(corpus: etree._Element, tei_all_rng: etree.RelaxNG) -> None:
    assert tei_all_rng.validate(corpus.getroottree()), tei_all_rng.error_log


def test_it_holds_the_registers_and_every_text(corpus: etree._Element) -> None:
    assert etree.QName(corpus).localname == "teiCorpus"
    members = corpus.findall("tei:TEI", NSMAP)
    assert [m.get(XML_ID) for m in members] == ["registers", *TEXT_IDS]
    assert members[0].find("tei:standOff/tei:listPerson", NSMAP) is not None
    for member in members[1:]:
        assert member.find("tei:text/tei:body", NSMAP) is not None


def test_every_id_is_unique(corpus: etree._Element) -> None:
    counts = Counter(el.get(XML_ID) for el in corpus.iter() if el.get(XML_ID))
    assert [i for i, n in counts.items() if n > 1] == []


def test_every_pointer_resolves_within_the_file(corpus: etree._Element) -> None:
    ids = {el.get(XML_ID) for el in corpus.iter() if el.get(XML_ID)}
    dangling = []
    for element in corpus.iter():
        for name, value in element.attrib.items():
            if name not in POINTER_ATTRIBUTES:
                continue
            for token in value.split():
                assert not token.startswith("registers.xml"), token
                if token.startswith("#") and token[1:] not in ids:
                    dangling.append(token)
    assert dangling == []


def test_header_ids_are_prefixed_and_their_pointers_follow(corpus: etree._Element) -> None:
    for doc_id in TEXT_IDS:
        text = corpus.find(f"tei:TEI[@xml:id='{doc_id}']", NSMAP)
        own = [el.get(XML_ID) for el in text.iter() if el.get(XML_ID)]
        assert all(i == doc_id or i.startswith(f"{doc_id}-") for i in own), own
        assert f"{doc_id}-editors" in own
        assert f"{doc_id}-julian" in own
        resp = {el.get("resp") for el in text.iter() if el.get("resp")}
        assert resp <= {f"#{doc_id}-editors", f"#{doc_id}-source-editors"}, resp
        for date in text.iterfind(".//tei:date[@datingMethod]", NSMAP):
            assert date.get("datingMethod") == f"#{doc_id}-julian"


def test_register_pointers_become_local(corpus: etree._Element) -> None:
    # A text whose author and keywords point into the registers, as its own TEI says.
    author = "tei:teiHeader/tei:fileDesc/tei:titleStmt/tei:author/tei:persName"
    keywords = "tei:teiHeader/tei:profileDesc/tei:textClass/tei:keywords"
    doc_id = texts_with(
        f"/tei:TEI[{keywords}[starts-with(@scheme, 'registers.xml#')]]"
        f"/{author}[starts-with(@ref, 'registers.xml#')]"
    )[0]
    source = parse_file(bundled_texts()[doc_id]).getroot()
    authors = [a.get("ref") or "" for a in source.iterfind(author, NSMAP)]
    index = next(i for i, ref in enumerate(authors) if ref.startswith("registers.xml#"))
    person = authors[index].split("#", 1)[1]
    scheme = source.find(keywords, NSMAP).get("scheme").split("#", 1)[1]
    text = corpus.find(f"tei:TEI[@xml:id='{doc_id}']", NSMAP)
    assert text.findall(author, NSMAP)[index].get("ref") == f"#{person}"
    assert corpus.find(f".//tei:person[@xml:id='{person}']", NSMAP) is not None
    assert text.find(keywords, NSMAP).get("scheme") == f"#{scheme}"


def test_shared_encoding_is_given_once_and_explained(corpus: etree._Element) -> None:
    header = corpus.find("tei:teiHeader", NSMAP)
    note = "".join(header.find("tei:encodingDesc/tei:p", NSMAP).itertext())
    assert "registers.xml#x" in note and "prefixed" in note
    shared = header.find("tei:encodingDesc", NSMAP)
    assert shared.find("tei:projectDesc", NSMAP) is not None
    cite = shared.find("tei:refsDecl/tei:citeStructure", NSMAP)
    assert cite.get("match").startswith("/teiCorpus/TEI/")
    for doc_id in TEXT_IDS:
        text = corpus.find(f"tei:TEI[@xml:id='{doc_id}']", NSMAP)
        assert text.find("tei:teiHeader/tei:encodingDesc/tei:projectDesc", NSMAP) is None
        assert text.find("tei:teiHeader/tei:encodingDesc/tei:refsDecl", NSMAP) is None
        # What is particular to a text stays with it.
        assert text.find(".//tei:editorialDecl/tei:correction", NSMAP) is not None
    title = header.find("tei:fileDesc/tei:titleStmt/tei:title", NSMAP)
    assert title.text == load_config(REPO / "pyproject.toml").title


def test_the_source_files_are_not_changed_and_output_is_stable(corpus_data: bytes) -> None:
    collection = project_collection()
    files = _ordered(collection)
    before = {name: etree.tostring(tree) for name, tree in files.items()}
    again = corpus_bytes(files, collection.registers_file.name, collection.config)
    assert again == corpus_data
    assert {name: etree.tostring(tree) for name, tree in files.items()} == before


def test_a_pointer_to_a_missing_register_entry_is_an_error() -> None:
    collection = project_collection()
    files = _ordered(collection)
    name = next(
        n
        for n, t in files.items()
        if b"registers.xml#" in etree.tostring(t) and n != collection.registers_file.name
    )
    data = etree.tostring(files[name])
    ref = re.search(rb"registers\.xml#[\w.-]+", data).group(0)
    files[name] = parse_bytes(data.replace(ref, b"registers.xml#nobody", 1))
    with pytest.raises(EditionError, match="nobody"):
        build_corpus(files, collection.registers_file.name, collection.config)


def _ordered(collection) -> dict[str, etree._ElementTree]:
    """The registers, then the texts: the order the export uses."""
    files = {collection.registers_file.name: collection.registers_file.tree()}
    files.update({f.name: f.tree() for f in collection.texts()})
    return files
