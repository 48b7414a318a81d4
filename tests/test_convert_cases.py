"""The hard cases of the corpus, pinned by their content in the generated TEI."""

from __future__ import annotations

from functools import cache

from conftest import REPO
from lxml import etree

from pipeline.xmltools import NSMAP, XML_ID


@cache
def tei(doc_id: str) -> etree._Element:
    return etree.parse(str(REPO / "tei" / f"{doc_id}.xml")).getroot()


def one(root: etree._Element, xpath: str) -> etree._Element:
    found = root.xpath(xpath, namespaces=NSMAP)
    assert len(found) == 1, (xpath, len(found))
    return found[0]


def date_attrs(element: etree._Element) -> dict[str, str]:
    return dict(element.attrib)


def text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


# Dates


def test_uncertain_day_old_style_first_in_the_creation_date():
    date = one(tei("from-the-cc-to-party-members"), "//tei:creation/tei:date")
    assert text(date) == "November 5 or 6 (18 or 19), 1917"
    assert date_attrs(date) == {
        "notBefore": "1917-11-18",
        "notAfter": "1917-11-19",
        "notBefore-custom": "1917-11-05",
        "notAfter-custom": "1917-11-06",
        "datingMethod": "#julian",
        "calendar": "#julian #gregorian",
    }


def test_new_style_first_in_the_title_is_worked_out_from_the_relation():
    date = one(tei("speeches-at-the-central-committee"), "//tei:body/tei:head/tei:date")
    assert text(date) == "November 14 (1), 1917"
    assert date.get("when") == "1917-11-14" and date.get("when-custom") == "1917-11-01"


def test_month_changes_inside_a_dual_date():
    date = one(
        tei("speeches-at-the-central-committee"),
        "//tei:note//tei:date[.='October 29 (November 11), 1917']",
    )
    assert date.get("when") == "1917-11-11" and date.get("when-custom") == "1917-10-29"


def test_ranges_dual_and_across_months():
    root = tei("our-tasks-and-the-soviet")
    creation = one(root, "//tei:creation/tei:date")
    assert text(creation) == "November 2-4 (15-17), 1905"
    assert (creation.get("from"), creation.get("to")) == ("1905-11-15", "1905-11-17")
    assert (creation.get("from-custom"), creation.get("to-custom")) == ("1905-11-02", "1905-11-04")
    span = one(root, "//tei:date[starts-with(., 'October 27')]")
    assert text(span) == "October 27 (November 9) to December 3 (16), 1905"
    assert (span.get("from"), span.get("to")) == ("1905-11-09", "1905-12-16")


def test_slash_dual_date_and_year_from_context():
    root = tei("resignations-from-the-central-committee")
    published = one(root, "//tei:bibl[@type='first-published']/tei:date")
    assert published.get("when") == "1917-11-19" and published.get("when-custom") == "1917-11-06"
    in_text = one(root, "//tei:body//tei:date[.='November 1/14']")
    assert in_text.get("when") == "1917-11-14" and in_text.get("cert") == "medium"


def test_single_dates_are_old_style_before_1918_and_new_style_after():
    root = tei("from-the-cc-to-party-members")
    october = one(root, "//tei:date[.='October 10, 1917']")
    assert october.get("when") == "1917-10-23" and october.get("when-custom") == "1917-10-10"
    assert october.get("calendar") == "#julian" and october.get("cert") is None
    published = one(tei("our-tasks-and-the-soviet"), "//tei:date[.='November 5, 1940']")
    assert date_attrs(published) == {"when": "1940-11-05", "calendar": "#gregorian"}


def test_no_calendar_on_an_empty_element_and_every_datable_has_gregorian_iso():
    for doc in ("from-the-cc-to-party-members", "our-tasks-and-the-soviet"):
        for date in tei(doc).iterfind(".//tei:date", NSMAP):
            assert text(date), "empty date"
            assert {"when", "from", "notBefore"} & set(date.attrib), etree.tostring(date)


# Notes


def test_marker_becomes_an_inline_note_with_n_place_and_resp():
    root = tei("speeches-at-the-central-committee")
    note = one(root, "//tei:p/tei:note[@n='1']")
    assert note.get("place") == "end" and note.get("resp") == "#source-editors"
    assert note.getparent().get(XML_ID) == "speeches-at-the-central-committee-p1"
    assert "negotiating with the Vikzhel." in text(note.getparent()).split("The reference")[0]
    assert len(note.findall("tei:p", NSMAP)) == 4  # a note of several paragraphs
    editors = one(root, "//tei:respStmt[@xml:id='source-editors']/tei:name")
    assert "Collected Works" in editors.text


def test_marker_on_the_subtitle_puts_the_note_there():
    note = one(tei("our-tasks-and-the-soviet"), "//tei:head[@type='sub']/tei:note")
    assert note.get("n") == "2" and text(note).startswith("“Our Tasks and the Soviet")


def test_per_note_override_of_place():
    note = one(tei("our-tasks-and-the-soviet"), "//tei:note[@n='1']")
    assert (
        note.get("place") == "foot" and text(note) == "See present edition, Vol. 5, pp. 451-67.—Ed."
    )


def test_note_without_marker_is_attached_to_the_title_and_declared():
    root = tei("the-bolsheviks-must-assume-power")
    note = one(root, "//tei:head[not(@type)]/tei:note")
    assert note.get("n") == "1" and note.get("type") == "unanchored"
    assert "note 1 has no marker" in text(
        one(root, "//tei:editorialDecl/tei:p[starts-with(., 'Notes')]")
    )


def test_marker_without_note_is_kept_as_anchor_with_an_editorial_note():
    root = tei("the-bolsheviks-must-assume-power")
    anchor = one(root, "//tei:anchor")
    assert anchor.get("n") == "6"
    editorial = anchor.getnext()
    assert editorial.tag == "{http://www.tei-c.org/ns/1.0}note"
    assert editorial.get("type") == "editorial" and editorial.get("resp") == "#editors"
    assert editorial.get("target") == "#" + anchor.get(XML_ID)
    assert "Insurrection is an art" in text(anchor.getparent())


# Structure


def test_page_line_becomes_pb_inside_a_rejoined_paragraph():
    root = tei("from-the-cc-to-party-members")
    pb = one(root, "//tei:pb[not(@type)]")
    assert pb.get("n") == "307"
    paragraph = pb.getparent()
    assert paragraph.tag.endswith("}p")
    assert "these Kornilovites have already been beaten and have fled at Gatchina" in text(
        paragraph
    )


def test_paragraphs_broken_mid_sentence_are_rejoined():
    root = tei("from-the-cc-to-party-members")
    joined = [text(p) for p in root.iterfind(".//tei:body/tei:p", NSMAP)]
    assert any("Comrades Kamkov, Spiro and Karelin, and invited them" in p for p in joined)
    assert any("jubilant over this fact and are maliciously rejoicing" in p for p in joined)
    assert len(joined) == 14
    assert all(p.rstrip().endswith((".", "!", "?")) for p in joined)


def test_multi_signatory_closer():
    closer = one(tei("resignations-from-the-central-committee"), "//tei:closer")
    names = closer.findall("tei:signed/tei:persName", NSMAP)
    assert [(text(n), n.get("ref")) for n in names] == [
        ("Yu. KAMENEV", "registers.xml#kamenev"),
        ("A. I. RYKOV", "registers.xml#rykov"),
        ("V. MILIUTIN", "registers.xml#milyutin"),
        ("G. ZINOVIEV", "registers.xml#zinoviev"),
        ("V. NOGIN", "registers.xml#nogin"),
    ]


def test_authors_from_the_author_line_with_et_al_completed_by_the_signatories():
    authors = tei("resignations-from-the-central-committee").xpath(
        "//tei:titleStmt/tei:author/tei:persName/@ref", namespaces=NSMAP
    )
    assert authors == [
        f"registers.xml#{n}" for n in ("zinoviev", "kamenev", "rykov", "milyutin", "nogin")
    ]


def test_title_and_subtitle():
    sub = tei("the-bolsheviks-must-assume-power")
    assert text(one(sub, "//tei:titleStmt/tei:title[@type='sub']")).startswith("A Letter to")


def test_web_apparatus_is_removed_and_declared_verbatim():
    root = tei("resignations-from-the-central-committee")
    body = text(one(root, "//tei:text"))
    for line in ("Zinoviev Archive", "Marxist Writers Archive", "Write Zinoviev Archive"):
        assert line not in body
    removed = [text(q) for q in root.iterfind(".//tei:list[@type='removed']//tei:quote", NSMAP)]
    assert "Write Zinoviev Archive Administrator" in removed and len(removed) == 5
    tasks = tei("our-tasks-and-the-soviet")
    licence = text(one(tasks, "//tei:licence[not(@target)]"))
    assert licence.endswith("as your source.") and "README" not in licence
    residue = [text(q) for q in tasks.iterfind(".//tei:list[@type='removed']//tei:quote", NSMAP)]
    assert "README" in residue


def test_credits_move_to_the_header():
    root = tei("our-tasks-and-the-soviet")
    credit = one(root, "//tei:respStmt[tei:name='R. Cymbala']")
    assert text(credit.find("tei:resp", NSMAP)) == "Transcription\\Markup"
    assert "Cymbala" not in text(one(root, "//tei:text"))


# Names


def test_register_variants_and_forms():
    root = tei("from-the-cc-to-party-members")
    assert one(root, "//tei:persName[.='Milyutin']").get("ref") == "registers.xml#milyutin"
    groups = {text(rs): rs.get("ref") for rs in root.iterfind(".//tei:rs", NSMAP)}
    assert groups["Kornilovites"] == "registers.xml#kornilov"
    assert groups["Kornilov men"] == "registers.xml#kornilov"
    speeches = tei("speeches-at-the-central-committee")
    assert one(speeches, "//tei:persName[.='Kaledins']").get("ref") == "registers.xml#kaledin"
    assert one(speeches, "//tei:persName[.='Kornilovs']").get("ref") == "registers.xml#kornilov"
    lenin = tei("the-bolsheviks-must-assume-power")
    assert one(lenin, "//tei:closer//tei:persName").get("ref") == "registers.xml#lenin"


def test_homonymous_newspapers_are_told_apart_by_date():
    in_1917 = one(tei("from-the-cc-to-party-members"), "//tei:title[.='Novaya Zhizn']")
    assert in_1917.get("ref") == "registers.xml#novaya-zhizn-1917"
    assert in_1917.get("level") == "j"
    in_1905 = tei("our-tasks-and-the-soviet").xpath(
        "//tei:title[.='Novaya Zhizn']/@ref", namespaces=NSMAP
    )
    assert set(in_1905) == {"registers.xml#novaya-zhizn-1905"}


# Interventions


def test_interventions_are_choices_with_the_source_reading_kept():
    root = tei("our-tasks-and-the-soviet")
    regs = {
        text(c.find("tei:orig", NSMAP)): text(c.find("tei:reg", NSMAP))
        for c in root.iterfind(".//tei:choice[tei:reg]", NSMAP)
    }
    assert regs["tire less"] == "tireless"
    corr = one(root, "//tei:choice[tei:sic='1900']/tei:corr")
    assert corr.get("cert") == "medium" and corr.get("resp") == "#editors"
    listed = one(root, "//tei:correction/tei:p/tei:list")
    assert "Union of Unions was founded" in text(listed)


# Letters


def test_letters_carry_correspdesc_with_both_calendars():
    root = tei("our-tasks-and-the-soviet")
    sent = one(root, "//tei:correspDesc/tei:correspAction[@type='sent']")
    refs = [e.get("ref") for e in sent if e.get("ref")]
    assert refs == ["registers.xml#lenin", "registers.xml#stockholm"]
    date = sent.find("tei:date", NSMAP)
    assert (date.get("from"), date.get("from-custom")) == ("1905-11-15", "1905-11-02")
    received = one(root, "//tei:correspAction[@type='received']/tei:orgName")
    assert received.get("ref") == "registers.xml#novaya-zhizn-editorial-board"
    letter = tei("the-bolsheviks-must-assume-power")
    addressees = letter.xpath("//tei:correspAction[@type='received']/*/@ref", namespaces=NSMAP)
    assert len(addressees) == 3
    assert not tei("from-the-cc-to-party-members").xpath("//tei:correspDesc", namespaces=NSMAP)
