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


def test_names_variants_dates_and_roles(exported: tuple[list[dict], dict]) -> None:
    rows, data = exported
    kamenev = next(r for r in rows if r["id"] == "kamenev")
    assert kamenev["name"] == "Lev Borisovich Kamenev"
    assert "Yu. KAMENEV" in kamenev["variants"].split(" | ")
    assert kamenev["birth"] == "1883-07-18 (O.S. 1883-07-06)"
    assert kamenev["dates"] == "1883-07-18/1936-08-25"
    assert kamenev["role"].startswith("Bolshevik leader")
    entity = next(e for e in data["entities"] if e["id"] == "kamenev")
    assert entity["dates"]["birth"]["when-julian"] == "1883-07-06"
    kornilov = next(e for e in data["entities"] if e["id"] == "kornilov")
    assert "Kornilovites" in kornilov["derived"]
    helsingfors = next(r for r in rows if r["id"] == "helsingfors")
    assert helsingfors["coordinates"] == "60.17 24.94"
    assert helsingfors["variants"] == "Helsinki"
    pravda = next(r for r in rows if r["id"] == "pravda")
    assert pravda["type"] == "publication" and pravda["dates"] == "1912-05-05/.."


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
