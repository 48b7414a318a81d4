"""Round trip: reading a TEI file and writing it again changes nothing (C14N 2.0)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from lxml import etree

from pipeline.errors import EditionError
from pipeline.export.roundtrip import canonical_form, read_tei, roundtrip, unchanged, write_tei
from pipeline.xmltools import serialize

REPO = Path(__file__).resolve().parent.parent
FOREIGN = REPO / "tests" / "data" / "foreign"
EXPECTED = tomllib.loads((FOREIGN / "expected.toml").read_text(encoding="utf-8"))["files"]


def _well_formed(name: str) -> bool:
    return not EXPECTED.get(name, {}).get("message", "").startswith("not well-formed")


FOREIGN_FILES = sorted(p for p in FOREIGN.glob("*.xml") if _well_formed(p.name))
NOT_WELL_FORMED = sorted(p for p in FOREIGN.glob("*.xml") if not _well_formed(p.name))
OUR_FILES = sorted((REPO / "tei").glob("*.xml"))


def test_the_foreign_set_is_there() -> None:
    assert len(FOREIGN_FILES) >= 10
    assert NOT_WELL_FORMED, "the foreign set has a file that is not well-formed"


@pytest.mark.parametrize("path", FOREIGN_FILES + OUR_FILES, ids=lambda p: p.name)
def test_read_and_write_changes_nothing(path: Path) -> None:
    original = path.read_bytes()
    written = roundtrip(original, path)
    assert canonical_form(written) == canonical_form(original)
    # Twice is the same as once.
    assert roundtrip(written, path) == written


@pytest.mark.parametrize("path", FOREIGN_FILES, ids=lambda p: p.name)
def test_prolog_doctype_and_comments_survive(path: Path) -> None:
    original = path.read_bytes()
    written = roundtrip(original, path)
    for marker in (b"<!DOCTYPE", b"<?xml-model", b"<!--"):
        assert (marker in written) == (marker in original), marker


@pytest.mark.parametrize("path", OUR_FILES, ids=lambda p: p.name)
def test_our_files_come_back_byte_for_byte(path: Path) -> None:
    original = path.read_bytes()
    assert roundtrip(original, path) == original


@pytest.mark.parametrize(
    "path", [p for p in OUR_FILES if p.name != "registers.xml"], ids=lambda p: p.name
)
def test_normalising_our_generated_files_is_a_no_op(path: Path) -> None:
    # The generated TEI is already in the canonical layout of xmltools.serialize.
    original = path.read_bytes()
    assert roundtrip(original, path, normalise=True) == original


@pytest.mark.parametrize("path", FOREIGN_FILES + OUR_FILES, ids=lambda p: p.name)
def test_normalisation_only_touches_whitespace_between_elements(path: Path) -> None:
    original = path.read_bytes()
    normalised = roundtrip(original, path, normalise=True)
    # Ignoring whitespace at the edges of text nodes, nothing changed...
    strip = {"with_comments": True, "strip_text": True}
    assert etree.canonicalize(normalised.decode("utf-8"), **strip) == etree.canonicalize(
        original.decode("utf-8"), **strip
    )

    # ...every text node that is not whitespace alone is there, in order...
    def texts(data: bytes) -> list[str]:
        return [t.strip() for t in read_tei(data).getroot().itertext() if t.strip()]

    assert texts(normalised) == texts(original)
    # ...and normalising again changes nothing.
    assert roundtrip(normalised, path, normalise=True) == normalised


def test_normalise_is_serialize_for_a_plain_document() -> None:
    data = b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>a <hi>b</hi></p></body></text></TEI>'
    tree = read_tei(data)
    assert write_tei(tree, normalise=True) == serialize(etree.fromstring(data))


def test_internal_subset_entities_and_epilog_are_kept() -> None:
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<!DOCTYPE TEI [\n<!ENTITY ed "The Editors">\n]>\n'
        b'<!-- before -->\n<?xml-stylesheet href="a.xsl" type="text/xsl"?>\n'
        b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><p>&ed; wrote <!-- c -->this.</p></TEI>\n'
        b"<!-- after -->\n"
    )
    written = roundtrip(data)
    assert written == data
    assert "The Editors wrote" in canonical_form(written)


def test_a_repeated_id_is_carried_through_unchanged() -> None:
    path = FOREIGN / "duplicate_id.xml"
    assert unchanged(path.read_bytes(), roundtrip(path.read_bytes(), path))


def test_other_encodings_are_written_as_utf8() -> None:
    data = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><p>caf\u00e9</p></TEI>\n'
    ).encode("latin-1")
    written = roundtrip(data)
    assert written.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "café".encode() in written
    assert unchanged(data, written)


@pytest.mark.parametrize("path", NOT_WELL_FORMED, ids=lambda p: p.name)
def test_broken_files_are_refused_with_a_position(path: Path) -> None:
    with pytest.raises(EditionError) as caught:
        roundtrip(path.read_bytes(), path)
    assert caught.value.line is not None
    assert "not well-formed" in caught.value.message


def test_no_external_dtd_or_entity_is_loaded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.dtd"
    secret.write_text('<!ENTITY leak "SECRET">', encoding="utf-8")
    data = (
        f'<!DOCTYPE TEI SYSTEM "{secret.as_uri()}">'
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><p>x</p></TEI>'
    ).encode()
    tree = read_tei(data)
    assert tree.docinfo.externalDTD is None
    assert b"SECRET" not in write_tei(tree)
