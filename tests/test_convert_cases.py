"""The hard cases of conversion, each pinned on a page written for it.

The pages in tests/data/hard-cases are in the archive's style, with sidecars and register
entries (persons, places, bodies and papers invented for the tests) of their own. Each
exercises cases the converter must get right: dates in both calendars, in every order
and form; notes, their markers and their absence; page lines inside broken paragraphs;
signatories; web apparatus; declared interventions; homonyms told apart by date; letters.
The expectations are the pages' own, so the bundled texts may change freely.
"""

from __future__ import annotations

import pytest
import xmlschema
from conftest import REPO
from lxml import etree

from pipeline.xmltools import NSMAP, XML_ID


@pytest.fixture
def tei(hard_cases):
    return hard_cases.__getitem__


def one(root: etree._Element, xpath: str) -> etree._Element:
    found = root.xpath(xpath, namespaces=NSMAP)
    assert len(found) == 1, (xpath, len(found))
    return found[0]


def text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def ref(entry: str) -> str:
    return f"registers.xml#{entry}"


def test_every_page_is_valid_against_the_project_schema_and_tei_all(hard_cases, tei_all_rng):
    schema = xmlschema.XMLSchema11(str(REPO / "schema" / "edition.xsd"))
    for doc, root in hard_cases.items():
        tree = root.getroottree()
        assert tei_all_rng.validate(tree), (doc, str(tei_all_rng.error_log))
        assert [f"{e.path}: {e.reason}" for e in schema.iter_errors(tree)] == [], doc


# Dates


def test_uncertain_day_old_style_first_in_the_creation_date(tei):
    date = one(tei("to-all-party-organisations"), "//tei:creation/tei:date")
    assert text(date) == "November 7 or 8 (20 or 21), 1917"
    assert dict(date.attrib) == {
        "notBefore": "1917-11-20",
        "notAfter": "1917-11-21",
        "notBefore-custom": "1917-11-07",
        "notAfter-custom": "1917-11-08",
        "datingMethod": "#julian",
        "calendar": "#julian #gregorian",
    }


def test_new_style_first_in_the_title_is_worked_out_from_the_relation(tei):
    date = one(tei("speeches-at-the-line-conference"), "//tei:body/tei:head/tei:date")
    assert text(date) == "November 22 (9), 1917"
    assert date.get("when") == "1917-11-22" and date.get("when-custom") == "1917-11-09"


def test_month_changes_inside_a_dual_date(tei):
    date = one(
        tei("speeches-at-the-line-conference"),
        "//tei:note//tei:date[.='October 30 (November 12), 1917']",
    )
    assert date.get("when") == "1917-11-12" and date.get("when-custom") == "1917-10-30"


def test_ranges_dual_and_across_months(tei):
    root = tei("the-strike-committees")
    creation = one(root, "//tei:creation/tei:date")
    assert text(creation) == "November 8-10 (21-23), 1905"
    assert (creation.get("from"), creation.get("to")) == ("1905-11-21", "1905-11-23")
    assert (creation.get("from-custom"), creation.get("to-custom")) == ("1905-11-08", "1905-11-10")
    span = one(root, "//tei:date[starts-with(., 'October 28')]")
    assert text(span) == "October 28 (November 10) to December 4 (17), 1905"
    assert (span.get("from"), span.get("to")) == ("1905-11-10", "1905-12-17")


def test_slash_dual_date_and_year_from_context(tei):
    root = tei("withdrawal-from-the-line-committee")
    published = one(root, "//tei:bibl[@type='first-published']/tei:date")
    assert published.get("when") == "1917-11-24" and published.get("when-custom") == "1917-11-11"
    in_text = one(root, "//tei:body//tei:date[.='November 9/22']")
    assert in_text.get("when") == "1917-11-22" and in_text.get("cert") == "medium"


def test_single_dates_are_old_style_before_1918_and_new_style_after(tei):
    october = one(tei("to-all-party-organisations"), "//tei:date[.='October 12, 1917']")
    assert october.get("when") == "1917-10-25" and october.get("when-custom") == "1917-10-12"
    assert october.get("calendar") == "#julian" and october.get("cert") is None
    published = one(tei("the-strike-committees"), "//tei:date[.='March 3, 1941']")
    assert dict(published.attrib) == {"when": "1941-03-03", "calendar": "#gregorian"}


def test_no_calendar_on_an_empty_element_and_every_datable_has_gregorian_iso(hard_cases):
    for root in hard_cases.values():
        for date in root.iterfind(".//tei:date", NSMAP):
            assert text(date), "empty date"
            has_calendar = {"calendar", "datingMethod"} & set(date.attrib)
            assert {"when", "from", "notBefore"} & set(date.attrib) or not has_calendar


# Notes


def test_marker_becomes_an_inline_note_with_n_place_and_resp(tei):
    root = tei("speeches-at-the-line-conference")
    note = one(root, "//tei:p/tei:note[@n='1']")
    assert note.get("place") == "end" and note.get("resp") == "#source-editors"
    assert note.getparent().get(XML_ID) == "speeches-at-the-line-conference-p1"
    assert text(note.getparent()).split("The reference")[0].endswith("the Line Committee.")
    assert len(note.findall("tei:p", NSMAP)) == 4  # a note of several paragraphs
    editors = one(root, "//tei:respStmt[@xml:id='source-editors']/tei:name")
    assert "Collected Works" in editors.text


def test_marker_on_the_subtitle_puts_the_note_there(tei):
    note = one(tei("the-strike-committees"), "//tei:head[@type='sub']/tei:note")
    assert note.get("n") == "2" and text(note).startswith("“The Strike Committees")


def test_per_note_override_of_place(tei):
    root = tei("the-strike-committees")
    note = one(root, "//tei:note[@n='1']")
    assert (
        note.get("place") == "foot" and text(note) == "See present edition, Vol. 2, pp. 101-09.—Ed."
    )
    assert one(root, "//tei:note[@n='3']").get("place") == "end"


def test_note_without_marker_is_attached_to_the_title_and_declared(tei):
    root = tei("the-line-must-strike")
    note = one(root, "//tei:head[not(@type)]/tei:note")
    assert note.get("n") == "1" and note.get("type") == "unanchored"
    assert "note 1 has no marker" in text(
        one(root, "//tei:editorialDecl/tei:p[starts-with(., 'Notes')]")
    )


def test_marker_without_note_is_kept_as_anchor_with_an_editorial_note(tei):
    root = tei("the-line-must-strike")
    anchor = one(root, "//tei:anchor")
    assert anchor.get("n") == "6"
    editorial = anchor.getnext()
    assert editorial.tag == "{http://www.tei-c.org/ns/1.0}note"
    assert editorial.get("type") == "editorial" and editorial.get("resp") == "#editors"
    assert editorial.get("target") == "#" + anchor.get(XML_ID)
    assert "A strike is a battle" in text(anchor.getparent())


# Structure


def test_page_line_becomes_pb_inside_a_rejoined_paragraph(tei):
    pb = one(tei("to-all-party-organisations"), "//tei:pb[not(@type)]")
    assert pb.get("n") == "58"
    paragraph = pb.getparent()
    assert paragraph.tag.endswith("}p")
    assert "the flight of their detachments from the town" in text(paragraph)


def test_paragraphs_broken_mid_sentence_are_rejoined(tei):
    root = tei("to-all-party-organisations")
    joined = [text(p) for p in root.iterfind(".//tei:body/tei:p", NSMAP)]
    assert any("the newspapers of the owners are jubilant over this fact" in p for p in joined)
    assert len(joined) == 4
    assert all(p.rstrip().endswith((".", "!", "?")) for p in joined)


def test_multi_signatory_closer(tei):
    closer = one(tei("withdrawal-from-the-line-committee"), "//tei:closer")
    names = closer.findall("tei:signed/tei:persName", NSMAP)
    assert [(text(n), n.get("ref")) for n in names] == [
        ("I. BELOV", ref("belov")),
        ("A. K. GROMOV", ref("gromov")),
        ("M. DUBOV", ref("dubov")),
        ("S. ZORIN", ref("zorin")),
    ]


def test_authors_from_the_author_line_with_et_al_completed_by_the_signatories(tei):
    authors = tei("withdrawal-from-the-line-committee").xpath(
        "//tei:titleStmt/tei:author/tei:persName/@ref", namespaces=NSMAP
    )
    assert authors == [ref(n) for n in ("belov", "gromov", "dubov", "zorin")]


def test_title_and_subtitle(tei):
    root = tei("the-line-must-strike")
    assert text(one(root, "//tei:titleStmt/tei:title[@type='sub']")).startswith("A Letter to")
    assert text(one(root, "//tei:titleStmt/tei:title[@type='main']")) == "The Line Must Strike"


def test_web_apparatus_is_removed_and_declared_verbatim(tei):
    root = tei("withdrawal-from-the-line-committee")
    body = text(one(root, "//tei:text"))
    for line in ("Belov Archive", "Test Writers Archive", "Write Belov Archive"):
        assert line not in body
    removed = [text(q) for q in root.iterfind(".//tei:list[@type='removed']//tei:quote", NSMAP)]
    assert "Write Belov Archive Administrator" in removed and len(removed) == 5
    letter = tei("the-strike-committees")
    licence = text(one(letter, "//tei:licence[not(@target)]"))
    assert licence.endswith("as your source.") and "README" not in licence
    residue = [text(q) for q in letter.iterfind(".//tei:list[@type='removed']//tei:quote", NSMAP)]
    assert "README" in residue


def test_credits_move_to_the_header(tei):
    root = tei("the-strike-committees")
    credit = one(root, "//tei:respStmt[tei:name='A. Tester']")
    assert text(credit.find("tei:resp", NSMAP)) == "Transcription\\Markup"
    assert "Tester" not in text(one(root, "//tei:text"))


# Names


def test_register_variants_and_derived_forms(tei):
    root = tei("to-all-party-organisations")
    assert one(root, "//tei:byline//tei:persName").get("ref") == ref("orlov")
    groups = {text(rs): rs.get("ref") for rs in root.iterfind(".//tei:rs", NSMAP)}
    assert groups == {"Orlovites": ref("orlov"), "Orlov men": ref("orlov")}
    signed = one(tei("the-line-must-strike"), "//tei:closer//tei:persName")
    assert (text(signed), signed.get("ref")) == ("P. ORLOV", ref("orlov"))


def test_homonymous_newspapers_are_told_apart_by_date(tei):
    in_1917 = one(tei("to-all-party-organisations"), "//tei:title[.='Svobodnoye Slovo']")
    assert in_1917.get("ref") == ref("svobodnoye-slovo-1917") and in_1917.get("level") == "j"
    in_1905 = tei("the-strike-committees").xpath(
        "//tei:title[.='Svobodnoye Slovo']/@ref", namespaces=NSMAP
    )
    assert set(in_1905) == {ref("svobodnoye-slovo-1905")}


# Interventions


def test_interventions_are_choices_with_the_source_reading_kept(tei):
    root = tei("the-strike-committees")
    regs = {
        text(c.find("tei:orig", NSMAP)): text(c.find("tei:reg", NSMAP))
        for c in root.iterfind(".//tei:choice[tei:reg]", NSMAP)
    }
    assert regs == {"tire less": "tireless"}
    corr = one(root, "//tei:choice[tei:sic='1902']/tei:corr")
    assert corr.get("cert") == "medium" and corr.get("resp") == "#editors"
    assert text(corr) == "1906"
    listed = one(root, "//tei:correction/tei:p/tei:list")
    assert "founded in May 1905" in text(listed)


# Letters


def test_letters_carry_correspdesc_with_both_calendars(tei):
    root = tei("the-strike-committees")
    sent = one(root, "//tei:correspDesc/tei:correspAction[@type='sent']")
    assert [e.get("ref") for e in sent if e.get("ref")] == [ref("orlov"), ref("vyborg")]
    date = sent.find("tei:date", NSMAP)
    assert (date.get("from"), date.get("from-custom")) == ("1905-11-21", "1905-11-08")
    received = one(root, "//tei:correspAction[@type='received']/tei:orgName")
    assert received.get("ref") == ref("svobodnoye-slovo-editorial-board")
    addressees = tei("the-line-must-strike").xpath(
        "//tei:correspAction[@type='received']/*/@ref", namespaces=NSMAP
    )
    assert addressees == [
        ref(e) for e in ("line-committee", "luga-depot-committee", "vyborg-depot-committee")
    ]
    assert not tei("to-all-party-organisations").xpath("//tei:correspDesc", namespaces=NSMAP)
