"""What validation says: exactly what is wrong, in the names a TEI user writes, and a
verdict for every file whatever it holds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.validate.schemas import readable_names

TEI_NS = "http://www.tei-c.org/ns/1.0"
HEADER = (
    "<teiHeader><fileDesc><titleStmt><title>T</title></titleStmt>"
    "<publicationStmt><p>P</p></publicationStmt><sourceDesc><p>S</p></sourceDesc>"
    "</fileDesc></teiHeader>"
)


def write(folder: Path, name: str, body: str, prolog: str = "", root: str = "") -> Path:
    path = folder / name
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<TEI xmlns="{TEI_NS}"{root}>'
        f"{HEADER}<text><body>{body}</body></text></TEI>\n",
        encoding="utf-8",
    )
    return path


def validate(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout.splitlines()


def test_an_attribute_is_either_not_allowed_or_has_a_wrong_value(
    tmp_path: Path, tei_env: Path
) -> None:
    path = write(
        tmp_path, "attrs.xml", '<p><date when="yesterday">then</date> <hi colour="red">x</hi></p>'
    )
    code, lines = validate(str(path))
    assert code == 1
    errors = [line for line in lines if ": error: " in line]
    assert any(
        line.endswith("attribute when on <date>: the value 'yesterday' is not valid [tei_all]")
        for line in errors
    ), errors
    assert any(
        line.endswith("attribute colour is not allowed on <hi> [tei_all]") for line in errors
    ), errors
    assert not any("or its value is not valid" in line for line in lines)


def test_names_in_other_namespaces_are_written_with_their_prefix(
    tmp_path: Path, tei_env: Path
) -> None:
    path = write(
        tmp_path,
        "xsi.xml",
        "<p>x</p>",
        root=' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://www.tei-c.org/ns/1.0 tei.xsd"',
    )
    code, lines = validate(str(path))
    assert code == 1
    assert any(
        line.endswith("attribute xsi:schemaLocation is not allowed on <TEI> [tei_all]")
        for line in lines
    ), lines
    assert not any("{http" in line for line in lines)


def test_library_names_become_prefixed_names() -> None:
    xml = "http://www.w3.org/XML/1998/namespace"
    assert (
        readable_names(f"attribute '{{{xml}}}id' is not an xs:ID")
        == "attribute 'xml:id' is not an xs:ID"
    )
    assert readable_names(f"<{{{TEI_NS}}}p> is empty") == "<p> is empty"
    assert readable_names("{urn:x-mine}thing", {"m": "urn:x-mine"}) == "m:thing"
    assert readable_names("{urn:x-unknown}thing") == "{urn:x-unknown}thing"


def test_a_misplaced_element_is_reported_once(tmp_path: Path, tei_env: Path) -> None:
    path = write(
        tmp_path,
        "xinclude.xml",
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="x.xml"/>',
    )
    _, lines = validate("--quiet", str(path))
    errors = [line for line in lines if ": error: " in line]
    assert len(errors) == 1 and "element <xi:include> is not allowed here" in errors[0], errors


def test_tei_schematron_gives_every_file_its_verdict_with_entity_references(
    tmp_path: Path, tei_env: Path
) -> None:
    """An entity reference the safe parser keeps (here an internal one) used to stop the
    whole run in Saxon; now every file is checked, each on its own."""
    with_entity = write(
        tmp_path,
        "a_entity.xml",
        "<p>One &mdash; two.</p>",
        prolog='<!DOCTYPE TEI [<!ENTITY mdash "&#8212;">]>\n',
    )
    plain = write(tmp_path, "b_plain.xml", "<p>Nothing special.</p>")
    rule = write(tmp_path, "c_rule.xml", '<p>On <date when="1917-10-25" calendar="#julian"/>.</p>')
    code, lines = validate("--schema", "tei_schematron", str(tmp_path))
    assert code == 1
    assert lines[-1].startswith("3 files checked, 2 valid, 1 invalid"), lines
    for path in (with_entity, plain):
        assert not any(line.startswith(str(path)) and ": error: " in line for line in lines)
    assert any(
        line.startswith(str(rule)) and ": error: " in line and "[tei_schematron]" in line
        for line in lines
    ), lines


def test_the_summary_of_a_refused_build_borrows_no_position(tmp_path: Path, tei_env: Path) -> None:
    from browser import sites

    from pipeline.build import ValidationFailed

    write(tmp_path, "one.xml", "<speaker>outside</speaker>")
    write(tmp_path, "two.xml", "<p><hi colour='red'>x</hi></p>")
    with pytest.raises(ValidationFailed) as info:
        sites.build_foreign([tmp_path], tmp_path / "site", search=False, strict=True)
    shown = info.value.shown()
    assert shown.startswith("error: 2 validation error(s) in 2 files")
    assert not re.search(r"\.xml:\d", shown)
    assert all(re.match(r".+\.xml:\d+:\d+: error: ", line) for line in info.value.details)
