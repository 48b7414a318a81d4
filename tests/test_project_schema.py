"""The project schema: schema/edition.xsd (XSD 1.1) and schema/edition.sch (ISO Schematron).

The corpus in tei/ and fresh conversions must pass both, and tei_all too (the customisation
is a subset of TEI). Each constraint is shown to bite: a real file is changed minimally and
the expected message must appear. Cases find their target by XPath in whichever corpus file
has one, so they keep working as the corpus grows.
"""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema
from conftest import run_edition
from lxml import etree, isoschematron
from xmlschema.validators import XsdAssert

from pipeline.validate.document import CheckedFile as Document
from pipeline.validate.schematron import build_collection

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO / "schema"
TEI_DIR = REPO / "tei"
TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
NS = {"t": TEI_NS}
XS = "{http://www.w3.org/2001/XMLSchema}"
SCH = "{http://purl.oclc.org/dsdl/schematron}"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
RNG = "{http://relaxng.org/ns/structure/1.0}"


# --- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture(scope="module")
def xsd() -> xmlschema.XMLSchema11:
    return xmlschema.XMLSchema11(str(SCHEMA_DIR / "edition.xsd"))


@pytest.fixture(scope="module")
def schematron() -> isoschematron.Schematron:
    return isoschematron.Schematron(
        etree.parse(str(SCHEMA_DIR / "edition.sch")),
        error_finder=isoschematron.Schematron.ASSERTS_AND_REPORTS,
        store_report=True,
    )


def corpus_files() -> list[Path]:
    return sorted(TEI_DIR.glob("*.xml"))


def parse(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))


def xsd_messages(schema: xmlschema.XMLSchema11, tree: etree._ElementTree) -> list[str]:
    """Each error as its reason, followed for an assertion by its documentation, which is
    the human message of the assertion."""
    messages = []
    for err in schema.iter_errors(tree):
        text = err.reason or err.message or ""
        if isinstance(err.validator, XsdAssert) and err.validator.annotation is not None:
            docs = err.validator.annotation.documentation
            text += " " + " ".join(" ".join("".join(d.itertext()).split()) for d in docs)
        messages.append(text)
    return messages


def wrap(trees: dict[str, etree._ElementTree]) -> etree._ElementTree:
    """The collection exactly as the validation stage hands it to the Schematron."""
    return build_collection([Document(path, tree) for path, tree in trees.items()])


def sch_messages(schematron: isoschematron.Schematron, tree: etree._ElementTree) -> list[str]:
    schematron.validate(tree)
    report = schematron.validation_report
    return [
        " ".join("".join(node.find(f"{SVRL}text").itertext()).split())
        for node in report.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report")
    ]


def corpus_trees() -> dict[str, etree._ElementTree]:
    return {f"tei/{path.name}": parse(path) for path in corpus_files()}


def first_match(xpath: str) -> tuple[str, etree._ElementTree, etree._Element]:
    """A fresh copy of the first corpus file with an element matching ``xpath``."""
    for path in corpus_files():
        tree = parse(path)
        found = tree.xpath(xpath, namespaces=NS)
        if found:
            return f"tei/{path.name}", tree, found[0]
    pytest.fail(f"no corpus file has {xpath}")


def day(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


def shift(value: str, days: int) -> str:
    return (day(value) + datetime.timedelta(days=days)).isoformat()


def julian_to_gregorian(year: int, month: int, dom: int) -> datetime.date:
    """Independent of the schema's formula: count Julian days from the reform, when
    Julian 1582-10-05 was Gregorian 1582-10-15."""
    lengths = [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    days_into_year = sum(lengths[: month - 1]) + dom - 1
    days = 0
    for y in range(1582, year):
        days += 366 if y % 4 == 0 else 365
    days += days_into_year
    reform_day_of_julian_1582 = 31 + 28 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 4  # Oct 5
    return datetime.date(1582, 10, 15) + datetime.timedelta(days=days - reform_day_of_julian_1582)


def drop_attr(name: str) -> Callable[[etree._Element], None]:
    return lambda el: el.attrib.pop(name)


def set_attr(name: str, value: str) -> Callable[[etree._Element], None]:
    return lambda el: el.set(name, value)


def remove(el: etree._Element) -> None:
    el.getparent().remove(el)


def append(xml: str) -> Callable[[etree._Element], None]:
    return lambda el: el.append(etree.fromstring(xml))


# --- the corpus and fresh conversions are valid -------------------------------------------


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_is_valid_against_the_project_xsd(xsd, path):
    assert xsd_messages(xsd, parse(path)) == []


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_is_valid_tei_all(tei_all_rng, path):
    assert tei_all_rng.validate(parse(path)), [str(e) for e in tei_all_rng.error_log]


def test_corpus_passes_the_schematron(schematron):
    assert sch_messages(schematron, wrap(corpus_trees())) == []


def test_schematron_through_the_validation_stage():
    """The validation stage wraps the collection itself; the rules must work through it."""
    from pipeline.validate import validate_documents

    docs = [(f"tei/{p.name}", parse(p)) for p in corpus_files()]
    results = validate_documents(docs, ["edition"])
    problems = [f"{r.path}: {i.message}" for r in results for i in r.issues if i.is_error]
    assert problems == []


def test_schematron_errors_reach_the_right_file_through_the_validation_stage():
    from pipeline.validate import validate_documents

    docs = [(f"tei/{p.name}", parse(p)) for p in corpus_files()]
    name, tree = next((n, t) for n, t in docs if t.find(f"{{{TEI_NS}}}text") is not None)
    tree.xpath("//t:text//t:persName", namespaces=NS)[0].set("ref", "registers.xml#nobody")
    results = {r.path: r for r in validate_documents(docs, ["edition"])}
    messages = [i.message for i in results[name].issues if i.is_error]
    assert any('has no entry with xml:id="nobody"' in m for m in messages), messages


@pytest.fixture(scope="module")
def conversions(tmp_path_factory) -> list[Path]:
    """Texts the converter makes today that are not in tei/: a new text in the archive's
    style, and the bundled sources without their editorial sidecars."""
    out = tmp_path_factory.mktemp("schema-conversions")
    new_text = REPO / "tests" / "data" / "new-text" / "1917-10-24-to-the-railway-workers.txt"
    result = run_edition("convert", str(new_text), "--out", str(out / "new"))
    assert result.returncode == 0, result.stderr
    bare = out / "bare-sources"
    bare.mkdir()
    for source in sorted((REPO / "sources").glob("*.txt")):
        shutil.copy(source, bare / source.name)
    result = run_edition("convert", str(bare), "--out", str(out / "bare"))
    assert result.returncode == 0, result.stderr
    files = sorted((out / "new").glob("*.xml")) + sorted((out / "bare").glob("*.xml"))
    assert len(files) >= 2
    return files


def test_fresh_conversions_are_valid(xsd, tei_all_rng, conversions):
    for path in conversions:
        tree = parse(path)
        assert xsd_messages(xsd, tree) == [], path.name
        assert tei_all_rng.validate(tree), (path.name, [str(e) for e in tei_all_rng.error_log])


def test_fresh_corpus_conversion_passes_both_layers(xsd, schematron, fresh_tei):
    trees = {f"tei/{p.name}": parse(p) for p in sorted(fresh_tei.glob("*.xml"))}
    for name, tree in trees.items():
        assert xsd_messages(xsd, tree) == [], name
    assert sch_messages(schematron, wrap(trees)) == []


# --- the schema is a documented subset of TEI ---------------------------------------------


def test_every_declaration_and_assertion_is_documented():
    undocumented = []
    for name in ("edition.xsd", "xml.xsd"):
        root = etree.parse(str(SCHEMA_DIR / name)).getroot()
        for decl in root.iter(f"{XS}element", f"{XS}attribute", f"{XS}assert"):
            docs = decl.findall(f"{XS}annotation/{XS}documentation")
            if not any("".join(d.itertext()).strip() for d in docs):
                label = decl.get("name") or decl.get("ref") or decl.get("test", "")[:40]
                undocumented.append(f"{name}: {etree.QName(decl).localname} {label}")
    assert undocumented == []


def test_every_schematron_message_shows_the_offending_value():
    root = etree.parse(str(SCHEMA_DIR / "edition.sch")).getroot()
    checks = list(root.iter(f"{SCH}assert", f"{SCH}report"))
    assert len(checks) >= 15
    for check in checks:
        assert check.find(f"{SCH}value-of") is not None, check.get("test")
        assert len(" ".join("".join(check.itertext()).split())) > 40, check.get("test")


def test_only_tei_is_a_document_element(xsd):
    tree = etree.ElementTree(etree.fromstring(f'<p xmlns="{TEI_NS}" xml:id="p1">x</p>'))
    assert any("not an element of the schema" in m for m in xsd_messages(xsd, tree))


def _rng_reach(node: etree._Element, defines: dict, seen: set) -> tuple[set, set]:
    """Element and attribute names an RNG pattern allows directly (refs followed)."""
    elements, attributes = set(), set()
    for child in node:
        if not isinstance(child.tag, str):
            continue
        if child.tag == f"{RNG}element":
            elements.add(child.get("name"))
        elif child.tag == f"{RNG}attribute":
            attributes.add(child.get("name"))
        elif child.tag == f"{RNG}ref":
            if child.get("name") not in seen:
                seen.add(child.get("name"))
                more = _rng_reach(defines[child.get("name")], defines, seen)
                elements |= more[0]
                attributes |= more[1]
        else:
            more = _rng_reach(child, defines, seen)
            elements |= more[0]
            attributes |= more[1]
    return elements, attributes


def test_every_element_child_and_attribute_is_allowed_by_tei_all(xsd, tei_schema_dir):
    """Statically: each element the XSD declares is a TEI element, each child it allows is
    allowed there by tei_all, and so is each attribute, with values from TEI's closed lists."""
    rng = etree.parse(str(tei_schema_dir / "tei_all.rng")).getroot()
    defines = {d.get("name"): d for d in rng.iter(f"{RNG}define")}
    tei_elements = {}
    for element in rng.iter(f"{RNG}element"):
        tei_elements.setdefault(element.get("name"), element)

    def local(name: str) -> str:
        return name.replace(f"{{{TEI_NS}}}", "").replace(
            "{http://www.w3.org/XML/1998/namespace}", "xml:"
        )

    problems, seen = [], set()

    def walk(decl) -> None:
        if id(decl) in seen:
            return
        seen.add(id(decl))
        name = local(decl.name)
        if name not in tei_elements:
            problems.append(f"<{name}> is not a TEI element")
            return
        children, attributes = _rng_reach(tei_elements[name], defines, set())
        if decl.type.is_complex():
            for attribute_name, attribute in decl.type.attributes.items():
                if attribute_name is None:
                    continue
                attribute_name = local(attribute_name)
                if attribute_name not in attributes:
                    problems.append(f"<{name}> @{attribute_name} is not allowed by TEI")
                    continue
                values = getattr(attribute.type, "enumeration", None) or []
                tei_values = _closed_values(tei_elements[name], attribute_name, defines)
                for value in values:
                    if tei_values is not None and value not in tei_values:
                        problems.append(f"<{name}> @{attribute_name}={value!r}: not in TEI's list")
            if hasattr(decl.type.content, "iter_elements"):
                for child in decl.type.content.iter_elements():
                    if local(child.name) not in children:
                        problems.append(f"<{name}> may not contain <{local(child.name)}> in TEI")
                    walk(child)

    walk(xsd.elements["TEI"])
    assert len(seen) > 80
    assert problems == []


def _closed_values(element: etree._Element, attribute: str, defines: dict) -> set | None:
    """TEI's closed list of values for an attribute of an element, or None if it is open."""
    stack, seen = [element], set()
    while stack:
        node = stack.pop()
        for child in node:
            if not isinstance(child.tag, str) or child.tag == f"{RNG}element":
                continue
            if child.tag == f"{RNG}attribute" and child.get("name") == attribute:
                values = {v.text for v in child.iter(f"{RNG}value")}
                has_data = child.find(f".//{RNG}data") is not None
                return values if values and not has_data else None
            if child.tag == f"{RNG}ref":
                if child.get("name") not in seen:
                    seen.add(child.get("name"))
                    stack.append(defines[child.get("name")])
            else:
                stack.append(child)
    return None


# --- the Julian/Gregorian assertion -------------------------------------------------------

JULIAN_SAMPLES = [
    (1582, 10, 5),
    (1600, 2, 29),
    (1699, 12, 31),
    (1700, 2, 18),
    (1700, 2, 19),
    (1700, 2, 29),
    (1700, 3, 1),
    (1750, 6, 15),
    (1800, 2, 17),
    (1800, 2, 29),
    (1800, 3, 1),
    (1861, 10, 12),
    (1870, 4, 10),
    (1899, 12, 31),
    (1900, 2, 16),
    (1900, 2, 17),
    (1900, 2, 29),
    (1900, 3, 1),
    (1905, 1, 9),
    (1917, 10, 25),
    (1918, 1, 31),
    (1999, 12, 31),
    (2100, 2, 15),
    (2100, 2, 16),
    (2100, 2, 29),
    (2100, 3, 1),
    (2150, 7, 1),
]


def _dated_text(pairs: list[tuple[str, str]]) -> etree._ElementTree:
    _, tree, paragraph = first_match("//t:body/t:p")
    for gregorian, julian in pairs:
        date = etree.SubElement(
            paragraph,
            f"{{{TEI_NS}}}date",
            {
                "when": gregorian,
                "when-custom": julian,
                "datingMethod": "#julian",
                "calendar": "#julian",
            },
        )
        date.text = julian
    return tree


def test_julian_offsets_of_every_period_are_accepted(xsd):
    pairs = []
    for year, month, dom in JULIAN_SAMPLES:
        gregorian = julian_to_gregorian(year, month, dom).isoformat()
        pairs.append((gregorian, f"{year:04d}-{month:02d}-{dom:02d}"))
    # The offsets the rule is stated in terms of, for the Gregorian date of each period.
    offsets = {(g, j): (day(g) - day(j)).days for g, j in pairs if not j.endswith("02-29")}
    assert offsets[("1917-11-07", "1917-10-25")] == 13
    assert offsets[("1582-10-15", "1582-10-05")] == 10
    assert offsets[("2150-07-15", "2150-07-01")] == 14
    assert xsd_messages(xsd, _dated_text(pairs)) == []


@pytest.mark.parametrize(
    "error", [-1, 1, -13, 26], ids=["day-early", "day-late", "no-offset", "wrong-direction"]
)
def test_julian_offsets_off_by_anything_are_rejected(xsd, error):
    pairs = []
    for year, month, dom in JULIAN_SAMPLES:
        gregorian = julian_to_gregorian(year, month, dom)
        pairs.append((shift(gregorian.isoformat(), error), f"{year:04d}-{month:02d}-{dom:02d}"))
    messages = xsd_messages(xsd, _dated_text(pairs))
    same_day = [m for m in messages if "must be the same day" in m]
    assert len(same_day) == len(pairs), messages


# --- each constraint of the XSD bites ----------------------------------------------------

FULL_WHEN = "//t:date[@datingMethod][string-length(@when) = 10][string-length(@when-custom) = 10]"
SAME_DAY = "must be the same day: the Gregorian date is later than the Julian"
MISSING_ID = "missing required attribute '{http://www.w3.org/XML/1998/namespace}id'"


def _pair(name: str) -> str:
    return (
        f"//t:date[@datingMethod][string-length(@{name}) = 10][string-length(@{name}-custom) = 10]"
    )


def _custom_shifted(name: str, days: int):
    def mutate(el):
        el.set(f"{name}-custom", shift(el.get(f"{name}-custom"), days))

    return mutate


def _julian_later(el):
    # Julian later than Gregorian by the same offset: the right size, the wrong direction.
    offset = (day(el.get("when")) - day(el.get("when-custom"))).days
    el.set("when-custom", shift(el.get("when"), offset))


def _swap(a: str, b: str):
    def mutate(el):
        first, second = el.get(a), el.get(b)
        el.set(a, second)
        el.set(b, first)

    return mutate


def _remove_all(xpath: str):
    def mutate(el):
        for found in el.xpath(xpath, namespaces=NS):
            found.getparent().remove(found)

    return mutate


def _header(xpath: str):
    return "/t:TEI[t:text]/t:teiHeader" + xpath


NOTE = (
    f'<note xmlns="{TEI_NS}" xml:id="x-n99" n="99" place="end" resp="#editors">'
    '<p xml:id="x-n99-p1">A note.</p></note>'
)

XSD_CASES = [
    # Julian and Gregorian dates of one day
    ("julian-when-wrong-size", FULL_WHEN, _custom_shifted("when", 1), "@when (Gregorian)"),
    ("julian-when-wrong-direction", FULL_WHEN, _julian_later, "@when (Gregorian)"),
    ("julian-when-swapped", FULL_WHEN, _swap("when", "when-custom"), SAME_DAY),
    ("julian-from", _pair("from"), _custom_shifted("from", -1), "@from (Gregorian)"),
    ("julian-to", _pair("to"), _custom_shifted("to", 2), "@to (Gregorian)"),
    (
        "julian-notBefore",
        _pair("notBefore"),
        _custom_shifted("notBefore", 1),
        "@notBefore (Gregorian)",
    ),
    (
        "julian-notAfter",
        _pair("notAfter"),
        _custom_shifted("notAfter", -1),
        "@notAfter (Gregorian)",
    ),
    # formats of dates
    (
        "date-format-when",
        "//t:date[@when]",
        set_attr("when", "17 November 1917"),
        "when='17 November 1917'",
    ),
    (
        "date-format-when-time",
        "//t:date[@when]",
        set_attr("when", "1917-11-17T10:00:00"),
        "when='1917-11-17T10:00:00'",
    ),
    ("date-format-from", "//t:date[@from]", set_attr("from", "1905/11/15"), "from='1905/11/15'"),
    (
        "date-format-notAfter",
        "//t:date[@notAfter]",
        set_attr("notAfter", "1917-11-31"),
        "notAfter='1917-11-31'",
    ),
    (
        "date-not-a-gregorian-day",
        "//t:date[@when]",
        set_attr("when", "1900-02-29"),
        "when='1900-02-29'",
    ),
    (
        "date-format-custom",
        "//t:date[@when-custom]",
        set_attr("when-custom", "1917-11-31"),
        "when-custom='1917-11-31'",
    ),
    (
        "date-format-to-custom",
        "//t:date[@to-custom]",
        set_attr("to-custom", "05-11-1905"),
        "to-custom='05-11-1905'",
    ),
    ("date-format-change", "//t:change", set_attr("when", "23.11.2026"), "when='23.11.2026'"),
    (
        "datingMethod-value",
        "//t:date[@datingMethod]",
        set_attr("datingMethod", "#gregorian"),
        "datingMethod='#gregorian'",
    ),
    (
        "calendar-value",
        "//t:date[@calendar]",
        set_attr("calendar", "#gregorian #julian"),
        "calendar='#gregorian #julian'",
    ),
    ("cert-value", "//t:date[@cert]", set_attr("cert", "certain"), "cert='certain'"),
    ("corr-cert-value", "//t:corr", set_attr("cert", "unknown"), "cert='unknown'"),
    (
        "when-with-range",
        "//t:date[@when]",
        set_attr("notBefore", "1900"),
        "cannot also have @from, @to, @notBefore or @notAfter",
    ),
    (
        "custom-without-datingMethod",
        "//t:date[@datingMethod]",
        drop_attr("datingMethod"),
        "A Julian date needs both parts",
    ),
    (
        "datingMethod-without-custom",
        "//t:date[@when][not(@datingMethod)]",
        set_attr("datingMethod", "#julian"),
        "A Julian date needs both parts",
    ),
    (
        "from-after-to",
        "//t:date[@from][@to][string-length(@from) = string-length(@to)]",
        _swap("from", "to"),
        "cannot be later than its end",
    ),
    (
        "notBefore-after-notAfter",
        "//t:date[@notBefore][@notAfter][string-length(@notBefore) = string-length(@notAfter)]",
        _swap("notBefore", "notAfter"),
        "cannot be later than the latest",
    ),
    # required identifiers
    ("id-missing-p", "//t:body/t:p", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-note", "//t:text//t:note[@n]", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-editorial-note", "//t:note[@type='editorial']", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-note-p", "//t:note/t:p", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-head", "//t:body/t:head", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-closer", "//t:closer", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-byline", "//t:byline", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-anchor", "//t:anchor", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-person", "//t:person", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-place", "//t:place", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-org", "//t:org", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-register-bibl", "//t:standOff//t:bibl", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-category", "//t:category", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-calendar", "//t:calendar", drop_attr(XML_ID), MISSING_ID),
    ("id-missing-TEI", "/t:TEI", drop_attr(XML_ID), MISSING_ID),
    ("id-pattern-upper", "//t:body/t:p", set_attr(XML_ID, "Para1"), "value doesn't match"),
    (
        "id-pattern-trailing-hyphen",
        "//t:person",
        set_attr(XML_ID, "someone-"),
        "value doesn't match",
    ),
    # values of @type, @place, @unit, @level ...
    ("note-type", "//t:text//t:note[@n]", set_attr("type", "footnote"), "type='footnote'"),
    ("note-place", "//t:text//t:note[@place]", set_attr("place", "side"), "place='side'"),
    ("note-n", "//t:text//t:note[@n]", set_attr("n", "iv"), "n='iv'"),
    ("head-type", "//t:body/t:head", set_attr("type", "main"), "type='main'"),
    ("title-level", "//t:text//t:title", set_attr("level", "u"), "level='u'"),
    ("title-type-in-titleStmt", "//t:titleStmt/t:title", set_attr("type", "alt"), "type='alt'"),
    ("register-title-type", "//t:standOff//t:title", set_attr("type", "short"), "type='short'"),
    ("milestone-unit", "//t:milestone", set_attr("unit", "chapter"), "unit='chapter'"),
    ("milestone-rend", "//t:milestone", set_attr("rend", "stars"), "rend='stars'"),
    ("source-bibl-type", "//t:sourceDesc//t:bibl", set_attr("type", "book"), "type='book'"),
    (
        "register-bibl-type",
        "//t:standOff//t:bibl",
        set_attr("type", "newspaper"),
        "type='newspaper'",
    ),
    ("rs-type", "//t:text//t:rs", set_attr("type", "person"), "type='person'"),
    ("list-type", "//t:list[@type]", set_attr("type", "other"), "type='other'"),
    ("register-persName-type", "//t:person/t:persName", set_attr("type", "nick"), "type='nick'"),
    ("register-orgName-type", "//t:org/t:orgName", set_attr("type", "birth"), "type='birth'"),
    ("register-note-type", "//t:person/t:note", set_attr("type", "remark"), "type='remark'"),
    ("idno-type", "//t:publicationStmt/t:idno", set_attr("type", "DOI"), "type='DOI'"),
    (
        "availability-status",
        "//t:availability",
        set_attr("status", "restricted"),
        "status='restricted'",
    ),
    ("language-ident", "//t:language", set_attr("ident", "de"), "ident='de'"),
    ("correspAction-type", "//t:correspAction", set_attr("type", "forwarded"), "type='forwarded'"),
    ("citeStructure-unit", "//t:citeStructure", set_attr("unit", "page"), "unit='page'"),
    ("correction-status", "//t:correction", set_attr("status", "low"), "status='low'"),
    ("pb-n", "//t:pb", set_attr("n", "xii"), "n='xii'"),
    (
        "geo-format",
        "//t:geo",
        lambda el: setattr(el, "text", "Petrograd"),
        "value doesn't match any pattern of ['-?",
    ),
    # links into the registers
    (
        "text-ref-missing",
        "//t:text//t:persName",
        drop_attr("ref"),
        "missing required attribute 'ref'",
    ),
    ("text-ref-local", "//t:text//t:placeName", set_attr("ref", "#moscow"), "ref='#moscow'"),
    ("text-ref-bare", "//t:text//t:title", set_attr("ref", "pravda"), "ref='pravda'"),
    (
        "text-ref-path",  # a file of another name is the Schematron's to resolve
        "//t:text//t:orgName",
        set_attr("ref", "../orgs.xml#cc"),
        "ref='../orgs.xml#cc'",
    ),
    (
        "term-ref-missing",
        "//t:keywords/t:term",
        drop_attr("ref"),
        "missing required attribute 'ref'",
    ),
    # the subset of TEI
    (
        "element-outside-subset",
        "//t:body/t:p",
        append(f'<hi xmlns="{TEI_NS}">x</hi>'),
        "Unexpected child with tag '{http://www.tei-c.org/ns/1.0}hi'",
    ),
    (
        "attribute-outside-subset",
        "//t:body/t:p",
        set_attr("rend", "italic"),
        "'rend' attribute not allowed",
    ),
    (
        "list-in-source-bibl",
        "//t:sourceDesc//t:bibl",
        append(f'<list xmlns="{TEI_NS}"><item>x</item></list>'),
        "Unexpected child",
    ),
    # header requirements
    ("licence-missing", "//t:availability", _remove_all("t:licence"), "Tag 'tei:licence'"),
    (
        "text-main-title",
        _header("/t:fileDesc/t:titleStmt/t:title[@type='main']"),
        drop_attr("type"),
        "A text must have exactly one main title",
    ),
    (
        "text-two-subtitles",
        _header("/t:fileDesc/t:titleStmt/t:title[@type='main']"),
        set_attr("type", "sub"),
        "A text must have exactly one main title",
    ),
    (
        "text-editors",
        _header("//t:respStmt[@xml:id='editors']"),
        drop_attr(XML_ID),
        'respStmt with xml:id="editors"',
    ),
    (
        "text-release-date",
        _header("/t:fileDesc/t:publicationStmt/t:date"),
        remove,
        "release date of the edition",
    ),
    ("text-refsDecl", _header("/t:encodingDesc/t:refsDecl"), remove, "citation scheme"),
    ("text-creation", _header("/t:profileDesc/t:creation"), remove, "when the text was written"),
    ("text-langUsage", _header("/t:profileDesc/t:langUsage"), remove, "declare its languages"),
    ("text-revisionDesc", _header("/t:revisionDesc"), remove, "revisionDesc with a change"),
    ("langUsage-russian", "//t:language[@ident='ru']", remove, 'Russian (language ident="ru")'),
    ("calendarDesc-gregorian", "//t:calendar[@xml:id='gregorian']", remove, 'xml:id="gregorian"'),
    (
        "calendarDesc-julian",
        "//t:calendar[@xml:id='julian']",
        set_attr(XML_ID, "old-style"),
        'xml:id="julian"',
    ),
    ("idno-local", "//t:idno[@type='local']", remove, "exactly one local identifier"),
    ("editorialDecl-missing", "//t:editorialDecl", remove, "Tag 'tei:editorialDecl'"),
    ("calendarDesc-missing", "//t:calendarDesc", remove, "Tag 'tei:calendarDesc'"),
    # notes
    ("note-without-number", "//t:text//t:note[@n]", drop_attr("n"), "needs its number (@n)"),
    (
        "note-without-place",
        "//t:text//t:note[@place]",
        drop_attr("place"),
        "its place in the printed source (@place)",
    ),
    (
        "note-without-resp",
        "//t:text//t:note[@n]",
        drop_attr("resp"),
        "missing required attribute 'resp'",
    ),
    (
        "note-loose-text",
        "//t:text//t:note[t:p]",
        lambda el: setattr(el[0], "tail", "loose"),
        "with no loose text",
    ),
    (
        "editorial-note-target",
        "//t:note[@type='editorial']",
        drop_attr("target"),
        "An editorial note",
    ),
    (
        "editorial-note-number",
        "//t:note[@type='editorial']",
        set_attr("n", "6"),
        "An editorial note",
    ),
    (
        "note-in-register-id-free",
        "//t:body/t:p",
        append(NOTE.replace(' xml:id="x-n99"', "")),
        MISSING_ID,
    ),
    # register entries
    (
        "person-main-name",
        "//t:person/t:persName[@type='main']",
        set_attr("type", "variant"),
        "exactly one normalised name (persName",
    ),
    (
        "place-main-name",
        "//t:place/t:placeName[@type='main']",
        set_attr("type", "variant"),
        "exactly one normalised name (placeName",
    ),
    (
        "org-main-name",
        "//t:org/t:orgName[@type='main']",
        set_attr("type", "variant"),
        "exactly one normalised name (orgName",
    ),
    (
        "derived-note-text",
        "//t:note[@type='derived']/t:term",
        lambda el: setattr(el, "tail", "and more"),
        'A note of type="derived"',
    ),
    ("standOff-empty", "//t:standOff", _remove_all("*"), "at least one register"),
]


@pytest.mark.parametrize(
    ("xpath", "mutate", "expected"),
    [pytest.param(x, m, e, id=i) for i, x, m, e in XSD_CASES],
)
def test_xsd_constraint_bites(xsd, xpath, mutate, expected):
    _, tree, target = first_match(xpath)
    assert xsd_messages(xsd, tree) == [], "the file must be valid before the change"
    mutate(target)
    messages = xsd_messages(xsd, tree)
    assert any(expected in m for m in messages), messages


# --- each rule of the Schematron bites ---------------------------------------------------


def _text_trees() -> tuple[dict[str, etree._ElementTree], list[str]]:
    trees = corpus_trees()
    texts = [name for name, tree in trees.items() if tree.find(f"{{{TEI_NS}}}text") is not None]
    assert len(texts) >= 2
    return trees, texts


def _in(tree: etree._ElementTree, xpath: str) -> etree._Element:
    found = tree.xpath(xpath, namespaces=NS)
    assert found, xpath
    return found[0]


def _registers(trees):
    return next(t for t in trees.values() if t.find(f"{{{TEI_NS}}}standOff") is not None)


def sch_dangling_register_ref(trees, texts):
    _in(trees[texts[0]], "//t:text//t:persName").set("ref", "registers.xml#nobody")


def sch_dangling_local_pointer(trees, texts):
    _in(trees[texts[0]], "//t:change").set("who", "#nobody")


def sch_dangling_resp(trees, texts):
    name = next(n for n in texts if trees[n].xpath("//t:corr", namespaces=NS))
    _in(trees[name], "//t:corr").set("resp", "#proofreaders")


def sch_dangling_note_target(trees, texts):
    name = next(n for n in texts if trees[n].xpath("//t:note[@target]", namespaces=NS))
    _in(trees[name], "//t:note[@target]").set("target", "#nowhere")


def sch_dangling_scheme(trees, texts):
    name = next(n for n in texts if trees[n].xpath("//t:keywords", namespaces=NS))
    _in(trees[name], "//t:keywords").set("scheme", "registers.xml#periods")


def sch_unknown_file(trees, texts):
    _in(trees[texts[0]], "//t:text//t:persName").set("ref", "people.xml#someone")


def sch_not_a_pointer(trees, texts):
    _in(trees[texts[0]], "//t:text//t:persName").set("ref", "someone")


def sch_several_pointers(trees, texts):
    _in(trees[texts[0]], "//t:change").set("who", "#editors #source-editors")


def sch_wrong_kind(trees, texts):
    place = _in(_registers(trees), "//t:place").get(XML_ID)
    _in(trees[texts[0]], "//t:text//t:persName").set("ref", f"registers.xml#{place}")


def sch_wrong_kind_term(trees, texts):
    person = _in(_registers(trees), "//t:person").get(XML_ID)
    name = next(n for n in texts if trees[n].xpath("//t:keywords", namespaces=NS))
    _in(trees[name], "//t:keywords/t:term").set("ref", f"registers.xml#{person}")


def sch_wrong_kind_scheme(trees, texts):
    name = next(n for n in texts if trees[n].xpath("//t:keywords", namespaces=NS))
    genre = _in(_registers(trees), "//t:category").get(XML_ID)
    _in(trees[name], "//t:keywords").set("scheme", f"registers.xml#{genre}")


def sch_wrong_kind_resp(trees, texts):
    name = next(n for n in texts if trees[n].xpath("//t:corr", namespaces=NS))
    _in(trees[name], "//t:corr").set("resp", "#julian")


def sch_datingMethod_not_calendar(trees, texts):
    _in(trees[texts[0]], "//t:date[@datingMethod]").set("datingMethod", "#editors")


def sch_unused_entry(trees, texts):
    _in(_registers(trees), "//t:listPerson").append(
        etree.fromstring(
            f'<person xmlns="{TEI_NS}" xml:id="nobody"><persName type="main">'
            "<forename>No</forename> <surname>Body</surname></persName></person>"
        )
    )


def sch_unused_existing_entry(trees, texts):
    # Unlink every mention of one place: its register entry is then unused.
    place = _in(_registers(trees), "//t:place").get(XML_ID)
    for tree in trees.values():
        for mention in tree.xpath(f"//*[@ref='registers.xml#{place}']"):
            mention.attrib.pop("ref")


def sch_duplicate_id_across_files(trees, texts):
    person = _in(_registers(trees), "//t:person").get(XML_ID)
    _in(trees[texts[0]], "//t:body/t:p").set(XML_ID, person)


def sch_duplicate_id_across_texts(trees, texts):
    other = _in(trees[texts[1]], "//t:body/t:p").get(XML_ID)
    _in(trees[texts[0]], "//t:body/t:p").set(XML_ID, other)


def sch_duplicate_file_id(trees, texts):
    trees[texts[0]].getroot().set(XML_ID, trees[texts[1]].getroot().get(XML_ID))


def sch_duplicate_id_in_file(trees, texts):
    _in(trees[texts[0]], "//t:body/t:p").set(XML_ID, "editors")


def sch_duplicate_note_number(trees, texts):
    name = next(n for n in texts if len(trees[n].xpath("//t:text//t:note[@n]", namespaces=NS)) > 1)
    notes = trees[name].xpath("//t:text//t:note[@n]", namespaces=NS)
    notes[1].set("n", notes[0].get("n"))


def _two_page_breaks(trees, texts, first: str, second: str) -> None:
    # After every page break the text has already, so only the pair can be out of order.
    last = trees[texts[0]].xpath("//t:body/t:p", namespaces=NS)[-1]
    last.append(etree.fromstring(f'<pb xmlns="{TEI_NS}" n="{first}"/>'))
    last.append(etree.fromstring(f'<pb xmlns="{TEI_NS}" n="{second}"/>'))


def sch_decreasing_pages(trees, texts):
    _two_page_breaks(trees, texts, "9000", "8999")


def sch_repeated_page(trees, texts):
    _two_page_breaks(trees, texts, "9000", "9000")


def sch_page_not_a_number(trees, texts):
    _in(trees[texts[0]], "//t:body/t:p").append(etree.fromstring(f'<pb xmlns="{TEI_NS}" n="xii"/>'))


def sch_calendar_on_empty_element(trees, texts):
    date = _in(trees[texts[0]], "//t:text//t:date[@calendar]")
    tail = date.tail
    date.clear()
    date.tail = tail
    date.set("when", "1917")
    date.set("calendar", "#gregorian")


def sch_calendar_undeclared(trees, texts):
    _in(trees[texts[0]], "//t:date[@calendar]").set("calendar", "#julian #revolutionary")


SCH_CASES = [
    (sch_dangling_register_ref, 'registers.xml has no entry with xml:id="nobody"'),
    (sch_dangling_local_pointer, 'this file has no element with xml:id="nobody"'),
    (sch_dangling_resp, 'this file has no element with xml:id="proofreaders"'),
    (sch_dangling_note_target, 'this file has no element with xml:id="nowhere"'),
    (sch_dangling_scheme, 'registers.xml has no entry with xml:id="periods"'),
    (sch_unknown_file, "points into people.xml, which is not among the files checked"),
    (sch_not_a_pointer, '@ref="someone" on <persName> is not a pointer to an identifier'),
    (sch_several_pointers, '@who="#editors #source-editors" on <change> holds several'),
    (sch_wrong_kind, "not a person of the register of persons"),
    (sch_wrong_kind_term, "not a genre (category) of the list of genres"),
    (sch_wrong_kind_scheme, "not to a classification scheme (taxonomy)"),
    (sch_wrong_kind_resp, '@resp="#julian" on <corr> points to a <calendar>'),
    (sch_datingMethod_not_calendar, "not to a calendar declared in the header"),
    (sch_unused_entry, 'The register entry <person xml:id="nobody"> (No Body) is used nowhere'),
    (sch_unused_existing_entry, "is used nowhere"),
    (sch_duplicate_id_across_files, "must be unique across all files"),
    (sch_duplicate_id_across_texts, "times in the collection (again on <p> in tei/"),
    (sch_duplicate_file_id, "on <TEI> is used 2 times in the collection"),
    (sch_duplicate_id_in_file, 'xml:id="editors" on <p> is used 2 times in this file'),
    (sch_duplicate_note_number, "times in this text"),
    (sch_decreasing_pages, 'Page break n="8999" comes after page 9000'),
    (sch_repeated_page, 'Page break n="9000" comes after page 9000'),
    (sch_page_not_a_number, 'Page break n="xii" is not a page number'),
    (sch_calendar_on_empty_element, '@calendar="#gregorian" on an empty <date>'),
    (sch_calendar_undeclared, '"#revolutionary" is not a calendar declared'),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(m, e, id=m.__name__.removeprefix("sch_")) for m, e in SCH_CASES],
)
def test_schematron_rule_bites(schematron, mutate, expected):
    trees, texts = _text_trees()
    mutate(trees, texts)
    messages = sch_messages(schematron, wrap(trees))
    assert any(expected in m for m in messages), messages


def test_a_text_alone_is_told_its_registers_are_missing(schematron):
    trees, texts = _text_trees()
    messages = sch_messages(schematron, wrap({texts[0]: trees[texts[0]]}))
    assert messages
    assert all("which is not among the files checked together" in m for m in messages), messages


def test_registers_may_sit_anywhere_in_the_collection(schematron):
    trees = {
        f"/data/edition/{name.replace('tei/', '')}": tree for name, tree in corpus_trees().items()
    }
    assert sch_messages(schematron, wrap(trees)) == []


def test_a_pointer_to_another_file_resolves_in_its_own_folder(schematron):
    """Two copies of the collection checked together: "registers.xml#x" in one copy
    means the registers beside it, as a relative link would."""
    trees = {
        f"{copy_}/{path.name}": parse(path) for copy_ in ("one", "two") for path in corpus_files()
    }
    registers = trees["two/registers.xml"]
    # A person the texts name, whose entry copy two then gives another id.
    named = [
        ref.partition("#")[2]
        for name, tree in sorted(trees.items())
        if name.startswith("two/") and name != "two/registers.xml"
        for ref in tree.xpath("//t:text//t:persName/@ref", namespaces=NS)
    ]
    person = registers.xpath("//t:person[@xml:id=$id]", namespaces=NS, id=named[0])[0]
    person.set(f"{{{XML_NS}}}id", f"{named[0]}-elsewhere")
    messages = sch_messages(schematron, wrap(trees))
    pointing = [m for m in messages if f'"registers.xml#{named[0]}"' in m]
    assert pointing and all("points to nothing" in m for m in pointing)
    # copy one still resolves to its own registers, which have the entry
    assert (
        sch_messages(schematron, wrap({k: v for k, v in trees.items() if k.startswith("one/")}))
        == []
    )
    assert any(f"{named[0]}-elsewhere" in m and "used nowhere" in m for m in messages)
