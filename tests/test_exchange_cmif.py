"""The letters as CMIF: the header CMIF requires, its restricted correspDesc, valid TEI."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_project, letters, project_collection, responsible_project
from lxml import etree

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import EditionError
from pipeline.export.cmif import authority_uri, build_cmif, licence_for
from pipeline.xmltools import NSMAP, XML_ID, parse_bytes

REPO = Path(__file__).resolve().parent.parent
URL = "https://example.org/edition/downloads/letters.xml"
CMIF_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
DATES = ("when", "from", "to", "notBefore", "notAfter")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CMIF links each letter under the edition's web address: a project that has one."""
    return responsible_project(tmp_path_factory.mktemp("project")) / "pyproject.toml"


@pytest.fixture(scope="module")
def cmif_root(tmp_path_factory: pytest.TempPathFactory, settings: Path) -> etree._Element:
    out = tmp_path_factory.mktemp("cmif") / "cmif.xml"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "cmif",
            "--out",
            str(out),
            "--url",
            URL,
            "--config",
            str(settings),
        ],
    )
    assert result.exit_code == 0, result.output
    return parse_bytes(out.read_bytes()).getroot()


def _one(root: etree._Element, path: str) -> etree._Element:
    found = root.findall(path, NSMAP)
    assert len(found) == 1, path
    return found[0]


def test_cmif_is_valid_tei(cmif_root: etree._Element, tei_all_rng: etree.RelaxNG) -> None:
    assert tei_all_rng.validate(cmif_root.getroottree()), tei_all_rng.error_log


def test_the_header_cmif_requires(cmif_root: etree._Element) -> None:
    file_desc = "tei:teiHeader/tei:fileDesc/"
    assert _one(cmif_root, file_desc + "tei:titleStmt/tei:title").text
    assert cmif_root.findall(file_desc + "tei:titleStmt/tei:editor", NSMAP)
    publication = _one(cmif_root, file_desc + "tei:publicationStmt")
    assert [etree.QName(c).localname for c in publication] == [
        "publisher",
        "idno",
        "date",
        "availability",
    ]
    idno = _one(publication, "tei:idno")
    assert idno.get("type") == "url" and idno.text == URL
    assert re.match(
        r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", _one(publication, "tei:date").get("when")
    )
    licence = _one(publication, "tei:availability/tei:licence")
    assert licence.get("target") == "https://creativecommons.org/licenses/by/4.0/"
    bibl = _one(cmif_root, file_desc + "tei:sourceDesc/tei:bibl")
    assert bibl.get("type") in ("online", "print", "hybrid")
    assert re.match(r"^[A-Za-z]", bibl.get(XML_ID))


def test_one_correspdesc_per_letter(cmif_root: etree._Element, settings: Path) -> None:
    bibl_id = _one(cmif_root, ".//tei:sourceDesc/tei:bibl").get(XML_ID)
    descs = cmif_root.findall("tei:teiHeader/tei:profileDesc/tei:correspDesc", NSMAP)
    assert [d.get("key") for d in descs] == sorted(letters())
    base = load_config(settings).base_url
    for desc in descs:
        assert desc.get("ref") == f"{base}texts/{desc.get('key')}.html"
        assert desc.get("source") == f"#{bibl_id}"
        assert [a.get("type") for a in desc] == ["sent", "received"]


def test_correspaction_holds_only_what_cmif_allows(cmif_root: etree._Element) -> None:
    for action in cmif_root.iterfind(".//tei:correspAction", NSMAP):
        assert not (action.text or "").strip()
        names = [etree.QName(c).localname for c in action]
        assert set(names) <= {"persName", "orgName", "placeName", "date"}
        assert {"persName", "orgName"} & set(names)
        for child in action:
            if etree.QName(child).localname == "date":
                assert len(child) == 0 and not child.text
                assert set(child.attrib) <= {"when", "from", "to", "notBefore", "notAfter"}
                assert all(CMIF_DATE.match(v) for v in child.attrib.values())
            else:
                assert len(child) == 0 and child.text.strip()
                # An @ref only from an identifier the registers hold: none is made up.
                ref = child.get("ref")
                assert ref is None or ref.rsplit("/", 1)[-1] in _register_idnos(), ref
    senders = cmif_root.xpath(
        "//tei:correspAction[@type='sent']/tei:persName/@ref", namespaces=NSMAP
    )
    # Every sender whose register entry has a Wikidata id is linked by it.
    expected = _senders_wikidata()
    assert expected, "no sender of a letter has a Wikidata id in the registers"
    assert expected <= set(senders)


def _senders_wikidata() -> set[str]:
    """The Wikidata entities of the letters' senders, as their sidecars name them and the
    registers identify them."""
    registers = project_collection().registers
    tree = parse_bytes((REPO / "tei" / "registers.xml").read_bytes()).getroot()
    found = set()
    for letter in letters().values():
        for name in letter.senders:
            for entry in (e for e in registers if name in e.names):
                ids = tree.xpath(
                    "//*[@xml:id=$id]/tei:idno[@type='wikidata']/text()",
                    namespaces=NSMAP,
                    id=entry.id,
                )
                found |= {f"http://www.wikidata.org/entity/{q.strip()}" for q in ids}
    return found


def _register_idnos() -> str:
    registers = parse_bytes((REPO / "tei" / "registers.xml").read_bytes()).getroot()
    return " ".join(idno.text or "" for idno in registers.iterfind(".//tei:idno", NSMAP))


def test_sender_place_and_date_of_the_letters(cmif_root: etree._Element) -> None:
    """Each letter as its sidecar declares it: names as the registers give them, the
    date as the letter's TEI gives it (Gregorian only)."""
    collection = project_collection()
    registers = collection.registers
    texts = {f.tree().getroot().get(XML_ID): f.tree().getroot() for f in collection.texts()}
    declared = letters()
    for desc in cmif_root.iterfind("tei:teiHeader/tei:profileDesc/tei:correspDesc", NSMAP):
        letter = declared[desc.get("key")]
        sent = desc.find("tei:correspAction[@type='sent']", NSMAP)
        received = desc.find("tei:correspAction[@type='received']", NSMAP)

        def register_names(names: tuple[str, ...]) -> list[str]:
            return [registers.entries[registers_id(n)].name for n in names]

        def registers_id(name: str) -> str:
            found = [e for e in registers if name in e.names]
            assert found, name
            return found[0].id

        shown = [c.text for c in sent if etree.QName(c).localname != "date"]
        expected = register_names(letter.senders)
        if letter.place:
            expected += register_names((letter.place,))
        assert shown == expected
        assert [c.text for c in received] == register_names(letter.addressees)
        tei_date = texts[desc.get("key")].find(
            "tei:teiHeader/tei:profileDesc/tei:correspDesc/tei:correspAction[@type='sent']"
            "/tei:date",
            NSMAP,
        )
        expected_date = {a: tei_date.get(a) for a in DATES if tei_date.get(a)}
        assert dict(sent.find("tei:date", NSMAP).attrib) == expected_date


def test_authority_uris_only_from_well_formed_ids() -> None:
    def entry(kind: str, value: str) -> etree._Element:
        return etree.fromstring(
            f'<person xmlns="http://www.tei-c.org/ns/1.0"><idno type="{kind}">{value}</idno>'
            "</person>"
        )

    assert authority_uri(entry("wikidata", "Q1394")) == "http://www.wikidata.org/entity/Q1394"
    assert authority_uri(entry("viaf", "101787139")) == "http://viaf.org/viaf/101787139"
    assert authority_uri(entry("geonames", "524901")) == "http://www.geonames.org/524901"
    assert authority_uri(entry("GND", "118640445")) == "http://d-nb.info/gnd/118640445"
    wikidata = "https://www.wikidata.org/wiki/Q1394"
    assert authority_uri(entry("URI", wikidata)) == "http://www.wikidata.org/entity/Q1394"
    viaf = "https://viaf.org/viaf/101787139/"
    assert authority_uri(entry("url", viaf)) == "http://viaf.org/viaf/101787139"
    assert authority_uri(entry("URI", "https://example.org/viaf/viaf/1")) is None
    assert authority_uri(entry("URI", "https://viaf.org/viaf/1/../../x")) is None
    assert authority_uri(entry("viaf", "javascript:alert(1)")) is None
    assert authority_uri(entry("wikidata", "Q1/../x")) is None
    assert authority_uri(entry("made-up", "123")) is None
    assert authority_uri(None) is None


def test_cmif_needs_an_open_licence() -> None:
    config = load_config(REPO / "pyproject.toml")
    assert licence_for(config)[0] == "https://creativecommons.org/licenses/by/4.0/"
    closed = config.replace(licence_url="https://example.org/all-rights-reserved")
    with pytest.raises(EditionError, match="CC BY 4.0 or CC0"):
        licence_for(closed)


# Identifiers for the test's own registers, in the forms a register may give them, and
# the authority URI CMIF should carry for each.
IDNOS = [
    ("viaf", "101787139", "http://viaf.org/viaf/101787139"),
    ("GND", "118640445", "http://d-nb.info/gnd/118640445"),
    ("URI", "https://www.wikidata.org/wiki/Q1394", "http://www.wikidata.org/entity/Q1394"),
    ("geonames", "524901", "http://www.geonames.org/524901"),
]


def test_names_carry_the_authority_uris_the_registers_hold(settings: Path) -> None:
    """With registers of the test's own that give identifiers to some entries, the
    letters' names carry them as @ref; entries without one get none."""
    collection = project_collection()
    registers = copy.deepcopy(collection.registers_file.tree())
    entries = {
        el.get(XML_ID): el
        for el in registers.getroot().iter()
        if isinstance(el.tag, str) and el.get(XML_ID)
    }
    for entry in entries.values():  # the test's registers give only the test's identifiers
        for idno in entry.findall("tei:idno", NSMAP):
            entry.remove(idno)
    texts = {f.tree().getroot().get(XML_ID): f.tree() for f in collection.texts()}
    named = []
    for tree in texts.values():
        for name in tree.getroot().iterfind(".//tei:correspAction/*[@ref]", NSMAP):
            key = name.get("ref").partition("#")[2]
            if key in entries and key not in named:
                named.append(key)
    assert len(named) >= 2, "the bundled letters name register entries"
    expected = {}
    for i, key in enumerate(named[::2]):  # every other entry gets an identifier
        kind, value, uri = IDNOS[i % len(IDNOS)]
        idno = etree.SubElement(entries[key], f"{{{NSMAP['tei']}}}idno", type=kind)
        idno.text = value
        expected[key] = uri
    config = load_config(settings)
    cmif = build_cmif(texts, registers, "registers.xml", config, URL).getroot()
    by_name = {}
    for key, entry in entries.items():
        names = entry.findall("tei:persName", NSMAP) + entry.findall("tei:placeName", NSMAP)
        names += entry.findall("tei:orgName", NSMAP)
        main = next((n for n in names if n.get("type") == "main"), names[0] if names else None)
        if main is not None:
            by_name[" ".join("".join(main.itertext()).split())] = key
    refs = 0
    for name in cmif.iterfind(".//tei:correspAction/*", NSMAP):
        if etree.QName(name).localname == "date" or name.text not in by_name:
            continue
        assert name.get("ref") == expected.get(by_name[name.text]), name.text
        refs += name.get("ref") is not None
    assert refs, "some name carries an authority URI"
    assert not any(isinstance(n, etree._Comment) for n in cmif.iter(etree.Comment))


def test_without_a_base_url_there_is_no_cmif_and_no_made_up_address(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    settings = project / "pyproject.toml"
    settings.write_text(
        "\n".join(
            line
            for line in settings.read_text("utf-8").splitlines()
            if not line.startswith("base-url")
        )
        + "\n",
        "utf-8",
    )
    out = tmp_path / "cmif.xml"
    result = CliRunner().invoke(
        main, ["export", "cmif", "--out", str(out), "--config", str(settings)]
    )
    assert result.exit_code != 0 and not out.exists()
    assert "Traceback" not in result.output and "example.org" not in result.output
