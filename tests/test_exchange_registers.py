"""The registers as CSV and JSON: one row per entity, occurrences counted over the texts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.export import registers_data
from pipeline.export.registers_data import CSV_COLUMNS, register_rows, rows_to_csv, rows_to_json
from pipeline.xmltools import NSMAP, XML_ID, parse_bytes, parse_file

REPO = Path(__file__).resolve().parent.parent
ENTRY_TAGS = ("person", "place", "org", "bibl")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], dict]:
    out = tmp_path_factory.mktemp("registers")
    result = CliRunner().invoke(
        main, ["export", "registers", "--out", str(out), "--config", str(REPO / "pyproject.toml")]
    )
    assert result.exit_code == 0, result.output
    text = (out / "registers.csv").read_bytes().decode("utf-8")
    assert "\r\n" in text  # RFC 4180 line ends
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    data = json.loads((out / "registers.json").read_text(encoding="utf-8"))
    return rows, data


def _entries() -> list:
    root = parse_file(REPO / "tei" / "registers.xml").getroot()
    return [el for tag in ENTRY_TAGS for el in root.iterfind(f".//tei:{tag}[@xml:id]", NSMAP)]


def _independent_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in (REPO / "tei").glob("*.xml"):
        if path.name == "registers.xml":
            continue
        for value in parse_file(path).getroot().xpath("tei:text//@ref", namespaces=NSMAP):
            for token in value.split():
                if token.startswith("registers.xml#"):
                    key = token.split("#", 1)[1]
                    counts[key] = counts.get(key, 0) + 1
    return counts


def test_one_row_per_entity(exported: tuple[list[dict], dict]) -> None:
    rows, data = exported
    ids = sorted(el.get(XML_ID) for el in _entries())
    assert sorted(r["id"] for r in rows) == ids
    assert sorted(e["id"] for e in data["entities"]) == ids
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert {r["type"] for r in rows} == {"person", "place", "org", "publication"}


def test_occurrences_are_the_texts_refs(exported: tuple[list[dict], dict]) -> None:
    rows, data = exported
    expected = _independent_counts()
    for row in rows:
        assert int(row["occurrences"]) == expected.get(row["id"], 0), row["id"]
    for entity in data["entities"]:
        assert sum(entity["occurrences_by_document"].values()) == entity["occurrences"]
    assert sum(int(r["occurrences"]) for r in rows) == sum(expected.values())


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _first(xpath: str):
    """The first register entry ``xpath`` (with the ``tei:`` prefix) finds."""
    found = parse_file(REPO / "tei" / "registers.xml").getroot().xpath(xpath, namespaces=NSMAP)
    assert found, f"no register entry {xpath}"
    return found[0]


def test_names_variants_dates_and_roles(exported: tuple[list[dict], dict]) -> None:
    rows, data = exported
    by_id = {r["id"]: r for r in rows}
    entities = {e["id"]: e for e in data["entities"]}
    # A person with a main name of forename and surname, variants, a birth in two
    # calendars, a death and an occupation: every column a person can fill.
    person = _first(
        "//tei:person[tei:persName[@type='main'][tei:forename and tei:surname]"
        " and tei:persName[@type='variant'] and tei:birth/tei:date[@when and @when-custom]"
        " and tei:death/tei:date[@when] and tei:occupation]"
    )
    row = by_id[person.get(XML_ID)]
    main_name = person.find("tei:persName[@type='main']", NSMAP)
    forename, surname = (_text(main_name.find(f"tei:{p}", NSMAP)) for p in ("forename", "surname"))
    assert row["name"] == f"{forename} {surname}"
    variants = [_text(v) for v in person.iterfind("tei:persName[@type='variant']", NSMAP)]
    assert set(variants) <= set(row["variants"].split(" | "))
    birth = person.find("tei:birth/tei:date", NSMAP)
    death = person.find("tei:death/tei:date", NSMAP)
    assert row["birth"] == f"{birth.get('when')} (O.S. {birth.get('when-custom')})"
    assert row["dates"] == f"{birth.get('when')}/{death.get('when')}"
    assert row["role"] == _text(person.find("tei:occupation", NSMAP))
    entity = entities[person.get(XML_ID)]
    assert entity["dates"]["birth"]["when-julian"] == birth.get("when-custom")
    # Words derived from a name (adjectives, followers) are kept with its entry.
    derived = _first("//*[@xml:id][tei:note[@type='derived']/tei:term]")
    terms = [_text(t) for t in derived.iterfind("tei:note[@type='derived']/tei:term", NSMAP)]
    assert terms and set(terms) <= set(entities[derived.get(XML_ID)]["derived"])
    place = _first("//tei:place[tei:location/tei:geo and tei:placeName[@type='variant']]")
    row = by_id[place.get(XML_ID)]
    assert row["coordinates"] == _text(place.find("tei:location/tei:geo", NSMAP))
    names = [_text(n) for n in place.iterfind("tei:placeName[@type='variant']", NSMAP)]
    assert row["variants"].split(" | ") == names
    # A publication still running: a start and no end.
    running = _first("//tei:bibl[tei:date[@from and not(@to)]]")
    row = by_id[running.get(XML_ID)]
    start = running.find("tei:date", NSMAP).get("from")
    assert row["type"] == "publication" and row["dates"] == f"{start}/.."


def test_authority_ids_come_only_from_the_registers(exported: tuple[list[dict], dict]) -> None:
    rows, data = exported
    with_idno = {el.get(XML_ID) for el in _entries() if el.find("tei:idno", NSMAP) is not None}
    assert {r["id"] for r in rows if r["authority_ids"]} == with_idno
    assert data["licence_url"] == "https://creativecommons.org/licenses/by/4.0/"


FORMULAS = [
    '=HYPERLINK("https://attacker.invalid/x","open")',
    "+1+2",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1)",
]


def _formula_cells(text: str) -> list[str]:
    """Cells a spreadsheet would run as a formula."""
    rows = csv.reader(io.StringIO(text, newline=""))
    return [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def _registers_with_formulas() -> bytes:
    persons = "".join(
        f'<person xml:id="p{i}"><persName type="main">{escape(value)}</persName>'
        f"<occupation>{escape(value)}</occupation></person>"
        for i, value in enumerate(FORMULAS)
    )
    return (
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>'
        "<title>R</title></titleStmt><publicationStmt><p/></publicationStmt><sourceDesc><p/>"
        f"</sourceDesc></fileDesc></teiHeader><standOff><listPerson>{persons}"
        '<person xml:id="plain"><persName type="main">Ada Lovelace</persName></person>'
        "</listPerson></standOff></TEI>"
    ).encode()


def test_formula_like_values_are_neutralised_in_csv_and_kept_in_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = register_rows(parse_bytes(_registers_with_formulas()), {}, "registers.xml")
    text = rows_to_csv(rows).decode("utf-8")
    assert _formula_cells(text) == []
    cells = [row for row in csv.DictReader(io.StringIO(text, newline=""))]
    assert [c["name"] for c in cells] == [f"'{v}" for v in FORMULAS] + ["Ada Lovelace"]
    assert [c["role"] for c in cells][: len(FORMULAS)] == [f"'{v}" for v in FORMULAS]
    config = load_config(REPO / "pyproject.toml")
    data = json.loads(rows_to_json(rows, config))
    assert [e["name"] for e in data["entities"]] == [*FORMULAS, "Ada Lovelace"]
    # Without the guard the same cells would reach a spreadsheet as formulas.
    monkeypatch.setattr(registers_data, "neutralised", lambda cell: cell)
    assert len(_formula_cells(rows_to_csv(rows).decode("utf-8"))) == 2 * len(FORMULAS)
