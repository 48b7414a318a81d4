"""TEI's own Schematron rules (XPath 2, embedded in tei_all), run with Saxon."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO
from lxml import etree

from pipeline.cli import main
from pipeline.validate import runner
from pipeline.validate.document import load_bytes
from pipeline.validate.schemas import read_relaxng
from pipeline.validate.teisch import (
    compile_to_xslt,
    element_at_path,
    extract_schematron,
    validate_tei_schematron,
)

SCH = "{http://purl.oclc.org/dsdl/schematron}"
XSL = "{http://www.w3.org/1999/XSL/Transform}"
HEADER = """<teiHeader><fileDesc><titleStmt><title>T</title></titleStmt>
<publicationStmt><p>P</p></publicationStmt><sourceDesc><p>S</p></sourceDesc></fileDesc>
</teiHeader>"""


def tei(body: str) -> bytes:
    return (
        f'<TEI xmlns="http://www.tei-c.org/ns/1.0">{HEADER}<text><body>{body}</body></text></TEI>'
    ).encode()


def check(body: str, tei_schema_dir: Path) -> list:
    doc = load_bytes(tei(body), "test.xml")
    return validate_tei_schematron(doc, tei_schema_dir / "tei_all.rng", "tei_schematron")


def test_all_of_tei_s_patterns_are_compiled(tei_schema_dir):
    grammar = read_relaxng(tei_schema_dir / "tei_all.rng")
    schema = extract_schematron(grammar)
    patterns = schema.getroot().findall(SCH + "pattern")
    assert len(patterns) == len(grammar.getroot().findall(f".//{SCH}pattern")) == 91
    sheet = compile_to_xslt(schema).getroot()
    assert len(sheet.findall(XSL + "mode")) == 91
    rules = sum(len(p.findall(SCH + "rule")) for p in patterns)
    assert len(sheet.findall(XSL + "template")) == rules + 1  # and the one for "/"


def test_our_files_and_the_valid_foreign_ones_pass(tei_env):
    foreign = REPO / "tests" / "data" / "foreign"
    targets = [
        str(REPO / "tei"),
        *(
            str(foreign / n)
            for n in (
                "corpus.xml",
                "critical_app.xml",
                "drama_sp.xml",
                "letter_correspdesc.xml",
                "manuscript_msdesc.xml",
            )
        ),
    ]
    result = CliRunner().invoke(
        main, ["validate", "--schema", "tei_schematron", "--format", "json", *targets]
    )
    report = json.loads(result.output)
    assert result.exit_code == 0, result.output
    assert report["summary"]["files"] == 11
    # (drama_sp.xml carries one warning of its own, about its xml-model)
    assert all(f["valid"] for f in report["files"])
    assert not [e for f in report["files"] for e in f["errors"] if e["layer"] != "xml"]


def test_calendar_on_an_empty_date_is_reported_where_it_is(tei_schema_dir):
    issues = check('<p>On <date when="1917-10-25" calendar="#julian"/>.</p>', tei_schema_dir)
    assert len(issues) == 1
    issue = issues[0]
    assert "has no textual content" in issue.message and "date" in issue.message
    assert issue.is_error and issue.layer == "tei_schematron"
    # line 3 is "</teiHeader><text><body><p>On <date": the date starts in column 31
    assert (issue.line, issue.column) == (3, 31)


def test_a_relation_with_passive_but_not_active(tei_schema_dir):
    issues = check(
        '<listRelation><relation name="knows" passive="#a"/></listRelation>', tei_schema_dir
    )
    assert [i.message for i in issues] == [
        "the attribute @passive may be supplied only if the attribute @active is supplied"
    ]


def test_a_nonfatal_rule_is_a_warning(tei_schema_dir):
    issues = check('<p><date when="1917" notBefore="1916">1917</date></p>', tei_schema_dir)
    assert issues and all(not i.is_error for i in issues)
    assert [i.message for i in issues] == [
        "The @when attribute cannot be used with any other att.datable.w3c attributes."
    ]


def test_a_valid_document_passes(tei_schema_dir):
    assert (
        check(
            '<p>On <date when="1917-10-25" calendar="#julian">25 October</date>.</p>'
            "<listRelation><relation name='knows' active='#a' passive='#b'/>"
            "</listRelation>",
            tei_schema_dir,
        )
        == []
    )


def test_paths_with_slashes_in_namespaces_map_to_elements():
    tree = etree.ElementTree(etree.fromstring(tei("<p>a</p><p>b<hi>c</hi></p>")))
    ns = "Q{http://www.tei-c.org/ns/1.0}"
    found = element_at_path(tree, f"/{ns}TEI[1]/{ns}text[1]/{ns}body[1]/{ns}p[2]/{ns}hi[1]")
    assert found is not None and found.text == "c"
    attribute = element_at_path(tree, f"/{ns}TEI[1]/{ns}text[1]/{ns}body[1]/{ns}p[1]/@n")
    assert attribute is not None and attribute.text == "a"
    assert element_at_path(tree, f"/{ns}TEI[1]/{ns}text[1]/{ns}body[1]/{ns}p[3]") is None


def test_without_saxon_the_layer_says_how_to_install_it(tei_env, monkeypatch):
    monkeypatch.setattr(runner, "saxon_available", lambda: False)
    result = CliRunner().invoke(main, ["validate", "--schema", "tei_schematron", str(REPO / "tei")])
    assert result.exit_code == 2
    assert "pip install 'tei-edition-pipeline[tei-schematron]'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_layer_runs_in_worker_processes_too(tei_env, tmp_path, jobs):
    for n in range(3):
        (tmp_path / f"ok{n}.xml").write_bytes(tei("<p>fine</p>"))
    (tmp_path / "bad.xml").write_bytes(tei('<p><date calendar="#julian"/></p>'))
    result = CliRunner().invoke(
        main,
        ["validate", "--schema", "tei_schematron", "-j", jobs, "--format", "json", str(tmp_path)],
    )
    assert result.exit_code == 1
    verdicts = {Path(f["path"]).name: f["valid"] for f in json.loads(result.output)["files"]}
    assert verdicts == {"bad.xml": False, "ok0.xml": True, "ok1.xml": True, "ok2.xml": True}
