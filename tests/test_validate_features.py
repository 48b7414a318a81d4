"""The validation stage: project layers, xml-model, DOCTYPE, XInclude, API, parallel runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner
from conftest import MINIMAL_SETTINGS, local_server
from lxml import etree

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import EditionError
from pipeline.structure import discover
from pipeline.validate import (
    ValidationConfig,
    check_documents,
    validate_documents,
    validate_paths,
)
from pipeline.validate import schemas as schemas_module
from pipeline.validate.document import load_file


def project_validation(tei_schema_dir: Path) -> ValidationConfig:
    """The validation settings of the project in the working folder."""
    return ValidationConfig.for_edition(load_config(), tei_schema_dir)


from pipeline.validate.teip5 import known_tei_all_version
from pipeline.xmltools import parse_bytes

FOREIGN = Path(__file__).parent / "data" / "foreign"
TEI_NS = "http://www.tei-c.org/ns/1.0"


def tei(body: str, root_attrs: str = "", before: str = "") -> str:
    """A minimal valid tei_all document around ``body`` (which starts on line 11)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'{before}<TEI xmlns="{TEI_NS}"{root_attrs}>\n'
        "  <teiHeader>\n"
        "    <fileDesc>\n"
        "      <titleStmt><title>Test</title></titleStmt>\n"
        "      <publicationStmt><p>Test.</p></publicationStmt>\n"
        "      <sourceDesc><p>Test.</p></sourceDesc>\n"
        "    </fileDesc>\n"
        "  </teiHeader>\n"
        "  <text>\n"
        "    <body>\n"
        f"{body}\n"
        "    </body>\n"
        "  </text>\n"
        "</TEI>\n"
    )


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


# --- the project's own layers ------------------------------------------------------------

EDITION_XSD = """\
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" vc:minVersion="1.1"
           targetNamespace="http://www.tei-c.org/ns/1.0" elementFormDefault="qualified">
  <xs:element name="TEI">
    <xs:complexType>
      <xs:sequence>
        <xs:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
      <xs:anyAttribute processContents="lax"/>
      <xs:assert test="@xml:id"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""

EDITION_SCH = """\
<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt">
  <ns prefix="tei" uri="http://www.tei-c.org/ns/1.0"/>
  <pattern id="unique-ids">
    <rule context="tei:*[@xml:id]">
      <assert test="count(/collection/file//tei:*[@xml:id = current()/@xml:id]) = 1"
        >xml:id "<value-of select="@xml:id"/>" is used more than once in the collection</assert>
    </rule>
  </pattern>
  <pattern id="refs-resolve">
    <rule context="tei:ref[starts-with(@target, '#')]">
      <assert test="/collection/file//tei:*[@xml:id = substring(current()/@target, 2)]"
        >reference <value-of select="@target"/> does not resolve in any file</assert>
    </rule>
  </pattern>
  <pattern id="empty-paragraphs">
    <rule context="tei:p">
      <report test="not(normalize-space())" role="warning">empty paragraph</report>
    </rule>
  </pattern>
</schema>
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tei_env: Path) -> Path:
    """An edition with its own schemas and two files with cross-file problems."""
    root = tmp_path / "project"
    (root / "tei").mkdir(parents=True)
    (root / "schema").mkdir()
    (root / "pyproject.toml").write_text(MINIMAL_SETTINGS + 'tei = "tei"\n', "utf-8")
    (root / "schema" / "edition.xsd").write_text(EDITION_XSD, "utf-8")
    (root / "schema" / "edition.sch").write_text(EDITION_SCH, "utf-8")
    a_body = (
        '      <p xml:id="intro">Intro.</p>\n      <p xml:id="a2"><ref target="#b1">to b</ref></p>'
    )
    (root / "tei" / "a.xml").write_text(tei(a_body, ' xml:id="doc-a"'), "utf-8")
    b_body = (
        '      <p xml:id="b1">B.</p>\n      <p xml:id="intro">Again.</p>\n'
        '      <p><ref target="#missing">nowhere</ref></p>\n      <p/>'
    )
    (root / "tei" / "b.xml").write_text(tei(b_body), "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(root)
    return root


def test_own_files_get_all_three_layers(project: Path) -> None:
    code, out, _ = invoke()
    assert code == 1
    lines = out.splitlines()
    assert (
        'tei/a.xml:12:7: error: xml:id "intro" is used more than once in the collection '
        "[edition.sch]" in lines
    )
    assert (
        'tei/b.xml:13:7: error: xml:id "intro" is used more than once in the collection '
        "[edition.sch]" in lines
    )
    assert "tei/b.xml:14:10: error: reference #missing does not resolve in any file " in (
        out.replace("[edition.sch]", "")
    )
    assert "tei/b.xml:15:7: warning: empty paragraph [edition.sch]" in lines
    assert "tei/b.xml:2:1: error: <TEI>: assertion '@xml:id' is false [edition.xsd]" in lines
    assert not any("[tei_all]" in line for line in lines)  # both files are valid TEI
    assert lines[-1].startswith("2 files checked, 0 valid, 2 invalid (4 errors, 1 warning)")


def test_foreign_files_get_tei_all_only(project: Path) -> None:
    foreign = project.parent / "elsewhere.xml"
    foreign.write_text(tei('      <p xml:id="intro">Same id, not ours.</p>'), "utf-8")
    code, out, _ = invoke(str(foreign))
    assert code == 0, out
    assert out.splitlines()[-1].startswith("1 file checked, 1 valid")


def test_each_layer_on_its_own(project: Path) -> None:
    code, out, _ = invoke("--schema", "tei_all")
    assert code == 0
    code, out, _ = invoke("--schema", str(project / "schema" / "edition.xsd"))
    assert code == 1 and "[edition.xsd]" in out and "[edition.sch]" not in out
    code, out, _ = invoke("--schema", "schema/edition.sch", "--format", "json")
    layers = {e["layer"] for f in json.loads(out)["files"] for e in f["errors"]}
    assert code == 1 and layers == {"edition.sch"}


def test_parallel_run_matches_serial(project: Path, tei_schema_dir: Path) -> None:
    config = project_validation(tei_schema_dir)
    serial = validate_paths(["tei"], None, config, jobs=1).results
    parallel = validate_paths(["tei"], None, config, jobs=2).results
    assert [(r.path, r.valid, r.sorted_issues()) for r in serial] == [
        (r.path, r.valid, r.sorted_issues()) for r in parallel
    ]
    foreign = sorted(FOREIGN.glob("*.xml"))
    serial = validate_paths(foreign, ["tei_all"], config, jobs=1).results
    parallel = validate_paths(foreign, ["tei_all"], config, jobs=2).results
    assert [(r.path, r.sorted_issues()) for r in serial] == [
        (r.path, r.sorted_issues()) for r in parallel
    ]


def test_xsd_is_pickled_and_reused(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xsd = project / "schema" / "edition.xsd"
    schemas_module.load_xsd11(xsd)
    pickles = list((project.parent / "cache" / "tei-edition" / "xsd").glob("*.pickle"))
    assert len(pickles) == 1
    assert pickles[0].stem == schemas_module.xsd_cache_key(xsd)

    def no_compiling(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached schema should have been used")

    schemas_module._load_xsd11.cache_clear()
    monkeypatch.setattr(xmlschema, "XMLSchema11", no_compiling)
    assert schemas_module.load_xsd11(xsd) is not None
    # A changed schema has another key: it is compiled again, not taken from the cache.
    xsd.write_text(EDITION_XSD.replace("@xml:id", "@n"), "utf-8")
    with pytest.raises(AssertionError, match="cached schema"):
        schemas_module.load_xsd11(xsd)


# --- library API on in-memory trees -------------------------------------------------------


def test_validate_documents_in_memory(project: Path, tei_schema_dir: Path) -> None:
    config = project_validation(tei_schema_dir)
    good = etree.ElementTree(etree.fromstring(tei("<p>ok</p>", ' xml:id="m1"').split("\n", 1)[1]))
    bad = etree.ElementTree(etree.fromstring(tei("<foo/>", ' xml:id="m2"').split("\n", 1)[1]))
    results = validate_documents([("good.xml", good), ("bad.xml", bad)], config=config)
    assert [r.valid for r in results] == [True, False]
    (error,) = results[1].errors
    assert error.path == "bad.xml" and error.layer == "tei_all"
    assert "element <foo> is not allowed here (inside <body>)" in error.message
    assert error.line == 11 and error.column is None  # no source text to find a column in
    with pytest.raises(EditionError, match="element <foo> is not allowed here"):
        check_documents([("bad.xml", bad)], ["tei_all"], config)
    check_documents([("good.xml", good)], ["tei_all"], config)
    built = etree.Element(f"{{{TEI_NS}}}TEI")  # built, never parsed: no lines at all
    (result,) = validate_documents([("built.xml", etree.ElementTree(built))], ["tei_all"], config)
    assert not result.valid and result.errors[0].line is None


def test_a_tree_read_past_a_repeated_id_is_told_of_it(tei_schema_dir: Path) -> None:
    """A file read with its repeated xml:id (to be rendered) still fails validation, at
    the element that repeats it."""
    text = tei('<p xml:id="a">one</p>\n<p xml:id="b">two</p>\n   <p xml:id="a">three</p>')
    data = text.encode()
    tree = parse_bytes(data, "repeated.xml", repeated_ids=True)
    with pytest.raises(EditionError, match="ID a already defined"):
        parse_bytes(data, "repeated.xml")  # read strictly, the parser stops at it
    config = ValidationConfig(tei_schema_dir=tei_schema_dir)
    (result,) = validate_documents([("repeated.xml", tree, data)], ["tei_all"], config)
    (error,) = result.errors
    lines = text.split("\n")
    first, again = (
        next(n for n, line in enumerate(lines, 1) if marker in line)
        for marker in ('"a">one', '"a">three')
    )
    assert (error.line, error.column) == (again, lines[again - 1].index("<p") + 1)
    assert error.message == f"duplicate xml:id 'a' (first given on line {first})"
    # Broken as well after the repeated id: the break is what is reported, read either way.
    broken = text.replace('"a">three</p>', '"a">three</q>').encode()
    for lenient in (True, False):
        with pytest.raises(EditionError, match="mismatch") as info:
            parse_bytes(broken, "broken.xml", repeated_ids=lenient)
        assert info.value.line == again


# --- xml-model, DOCTYPE, XInclude ---------------------------------------------------------

RNG_NS = "http://relaxng.org/ns/structure/1.0"
SCH_NS = "http://purl.oclc.org/dsdl/schematron"


def model_pi(href: str, ns: str = RNG_NS) -> str:
    return f'<?xml-model href="{href}" type="application/xml" schematypens="{ns}"?>\n'


@pytest.mark.parametrize(
    ("href", "version"),
    [
        ("https://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng", "current"),
        ("http://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng", "current"),
        ("https://tei-c.org/Vault/P5/4.10.2/xml/tei/custom/schema/relaxng/tei_all.rng", "4.10.2"),
        ("http://www.tei-c.org/Vault/P5/3.6.0/xml/tei/custom/schema/relaxng/tei_all.rng", "3.6.0"),
        ("https://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_lite.rng", None),
        ("https://example.org/schema/tei_all.rng", None),
        ("tei_all.rng", None),
    ],
)
def test_known_tei_urls(href: str, version: str | None) -> None:
    assert known_tei_all_version(href) == version


def test_xml_model_maps_to_local_copy(tmp_path: Path, tei_env: Path) -> None:
    (tmp_path / "served").mkdir()
    (tmp_path / "served" / "custom.rng").write_text("<grammar/>", "utf-8")
    current = "https://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng"
    pinned = "https://www.tei-c.org/Vault/P5/4.10.2/xml/tei/custom/schema/relaxng/tei_all.rng"
    old = "https://www.tei-c.org/Vault/P5/3.6.0/xml/tei/custom/schema/relaxng/tei_all.rng"
    with local_server(tmp_path / "served") as server:
        files = {
            "current.xml": model_pi(current) + model_pi(current, SCH_NS),
            "pinned.xml": model_pi(pinned),
            "old.xml": model_pi(old),
            "custom.xml": model_pi(f"{server.url}/custom.rng"),
        }
        for name, pis in files.items():
            (tmp_path / name).write_text(tei("<p>x</p>", before=pis), "utf-8")
        code, out, _ = invoke(*(str(tmp_path / name) for name in files))
        assert server.requests == []  # nothing named in a document is ever fetched
    assert code == 0, out
    warnings = [line for line in out.splitlines() if ": warning: " in line]
    assert len(warnings) == 3, out
    assert any(
        "current.xml:3:1: warning: xml-model names the Schematron rules embedded in tei_all" in w
        for w in warnings
    )
    assert any("old.xml:2:1: warning:" in w and "TEI P5 3.6.0" in w for w in warnings)
    assert any(
        "custom.xml:2:1: warning:" in w and f"{server.url}/custom.rng" in w and "not fetched" in w
        for w in warnings
    )
    assert not any("pinned.xml" in w for w in warnings)


def test_an_xml_model_over_several_lines_is_placed_where_it_starts(
    tmp_path: Path, tei_env: Path
) -> None:
    """The parser dates an instruction by its last line; the warning names its first."""
    pi = '<!-- ä -->  <?xml-model href="https://example.org/a.rng"\n  type="application/xml"?>\n'
    (tmp_path / "spread.xml").write_text(tei("<p>x</p>", before=pi), "utf-8")
    code, out, _ = invoke(str(tmp_path / "spread.xml"))
    assert code == 0, out
    [warning] = [line for line in out.splitlines() if ": warning: " in line]
    line = 1 + tei("", before=pi).split("\n").index(pi.split("\n")[0])
    column = pi.index("<?xml-model") + 1  # in characters: the ä is one
    assert f"spread.xml:{line}:{column}: warning: xml-model names" in warning, warning


def _placed_models(tmp_path: Path, name: str, pi: str) -> tuple[list[tuple[int, int]], str, int]:
    """The places of the xml-model warnings of a file with ``pi`` (one line) before its
    root, their text, and the line ``pi`` is on."""
    (tmp_path / name).write_text(tei("<p>x</p>", before=pi), "utf-8")
    code, out, _ = invoke(str(tmp_path / name))
    assert code == 0, out
    warnings = [line for line in out.splitlines() if ": warning: xml-model names" in line]
    found = [re.search(rf"{re.escape(name)}:(\d+):(\d+): warning", w) for w in warnings]
    placed = [(int(m.group(1)), int(m.group(2))) for m in found if m]
    return placed, "\n".join(warnings), 1 + tei("", before=pi).split("\n").index(pi.rstrip("\n"))


def test_two_xml_models_on_one_line_are_each_placed_where_they_start(
    tmp_path: Path, tei_env: Path
) -> None:
    first = '<?xml-model href="https://example.org/a.rng" type="application/xml"?>'
    second = '<?xml-model href="https://example.org/b.rng" type="application/xml"?>'
    pi = f"{first} {second}\n"
    placed, warnings, line = _placed_models(tmp_path, "pair.xml", pi)
    assert placed == [(line, pi.index(first) + 1), (line, pi.index(second) + 1)], warnings


def test_an_xml_model_after_one_commented_out_on_its_line_is_placed_where_it_starts(
    tmp_path: Path, tei_env: Path
) -> None:
    # A commented-out instruction is no instruction: the warning is not put there.
    commented = '<!-- <?xml-model href="https://example.org/old.rng"?> -->'
    real = '<?xml-model href="https://example.org/a.rng" type="application/xml"?>'
    pi = f"{commented} {real}\n"
    placed, warnings, line = _placed_models(tmp_path, "commented.xml", pi)
    assert placed == [(line, pi.index(real) + 1)], warnings
    assert "a.rng" in warnings and "old.rng" not in warnings


def test_doctype_is_never_loaded(tmp_path: Path, tei_env: Path) -> None:
    # A DTD that would add an attribute default if it were read, reachable both over HTTP
    # and as a local file next to the document.
    dtd = '<!ATTLIST p rend CDATA "from-the-dtd">\n<!ENTITY who "nobody">\n'
    (tmp_path / "served").mkdir()
    (tmp_path / "served" / "tei.dtd").write_text(dtd, "utf-8")
    (tmp_path / "local.dtd").write_text(dtd, "utf-8")
    with local_server(tmp_path / "served") as server:
        remote = tmp_path / "remote.xml"
        remote.write_text(
            tei("<p>x</p>", before=f'<!DOCTYPE TEI SYSTEM "{server.url}/tei.dtd">\n'), "utf-8"
        )
        local = tmp_path / "local.xml"
        local.write_text(tei("<p>x</p>", before='<!DOCTYPE TEI SYSTEM "local.dtd">\n'), "utf-8")
        code, out, _ = invoke(str(remote), str(local))
        doc = load_file(discover([local], (".xml",), 1 << 20).files[0])
        assert server.requests == []
    assert code == 0, out
    assert f"remote.xml:2:1: warning: DOCTYPE names the DTD '{server.url}/tei.dtd'" in out
    assert "local.xml:2:1: warning: DOCTYPE names the DTD 'local.dtd': it is not loaded" in out
    assert doc.tree is not None
    assert all(p.get("rend") is None for p in doc.tree.iter(f"{{{TEI_NS}}}p"))


def test_xinclude_is_reported_not_followed(tmp_path: Path, tei_env: Path) -> None:
    (tmp_path / "part.xml").write_text(f'<p xmlns="{TEI_NS}">included</p>', "utf-8")
    body = '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="part.xml"/>'
    main_file = tmp_path / "main.xml"
    main_file.write_text(tei("      " + body), "utf-8")
    code, out, _ = invoke("--format", "json", str(main_file))
    entry = json.loads(out)["files"][0]
    warning = next(e for e in entry["errors"] if e["severity"] == "warning")
    assert warning["layer"] == "xml" and warning["line"] == 12 and warning["column"] == 7
    assert "xi:include of 'part.xml' is not followed" in warning["message"]
    # The include element itself is what tei_all sees: it was not replaced by part.xml.
    assert code == 1 and any("<xi:include>" in e["message"] for e in entry["errors"])


# --- schemas named by path, usage errors ---------------------------------------------------

ANY_TEI_RNG = f"""\
<grammar xmlns="{RNG_NS}" ns="{TEI_NS}">
  <start><element name="TEI"><ref name="any"/></element></start>
  <define name="any">
    <zeroOrMore>
      <choice><attribute><anyName/></attribute><text/><element><anyName/><ref name="any"/></element>
      </choice>
    </zeroOrMore>
  </define>
</grammar>
"""


def test_schema_given_by_path(tmp_path: Path) -> None:
    rng = tmp_path / "loose.rng"
    rng.write_text(ANY_TEI_RNG, "utf-8")
    code, out, _ = invoke("--schema", str(rng), str(FOREIGN / "xinclude.xml"))
    assert code == 0, out
    code, out, _ = invoke("--schema", str(rng), str(FOREIGN / "corpus.xml"))
    assert code == 1 and out.splitlines()[0].endswith("[loose.rng]")


def test_usage_errors_exit_2(tmp_path: Path, tei_env: Path) -> None:
    code, _, err = invoke(str(tmp_path / "missing.xml"))
    assert code == 2 and "no such file or folder" in err
    code, _, err = invoke("--schema", "nonsense", str(FOREIGN / "corpus.xml"))
    assert code == 2 and "unknown schema 'nonsense'" in err
    code, _, err = invoke("--schema", str(tmp_path / "gone.rng"), str(FOREIGN / "corpus.xml"))
    assert code == 2 and "schema file not found" in err
    # A file that cannot be read is a verdict on that file, not a crash.
    folder = tmp_path / "folder.xml"
    folder.mkdir()
    code, out, _ = invoke(str(folder.parent))
    assert code == 2 and "folder.xml: error: refused as input: it is a folder" in out, out
