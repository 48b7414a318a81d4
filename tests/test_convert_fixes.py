"""The editorial fixes to the bundled texts, pinned by their content in the committed TEI.

Each fix is data (a sidecar, the registers or the archive style), never code that names a
text; these tests read what the conversion made of that data.
"""

from __future__ import annotations

import tomllib
from functools import cache

from conftest import REPO
from lxml import etree

from pipeline.xmltools import NSMAP, XML_ID

EDITION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["edition"]


@cache
def tei(doc_id: str) -> etree._Element:
    return etree.parse(str(REPO / "tei" / f"{doc_id}.xml")).getroot()


def find(root: etree._Element, xpath: str) -> list:
    return root.xpath(xpath, namespaces=NSMAP)


def one(root: etree._Element, xpath: str) -> etree._Element:
    found = find(root, xpath)
    assert len(found) == 1, (xpath, len(found))
    return found[0]


def text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


# 1. sourceDesc names the printed editions, structured


def test_a_page_line_names_its_printed_edition():
    root = tei("from-the-cc-to-party-members")
    assert not find(root, "//tei:sourceDesc/tei:p")  # no "names no bibliographic source"
    edition = one(root, "//tei:sourceDesc//tei:bibl[@type='printed-edition']")
    assert text(one(edition, "tei:title")) == "Collected Works"
    assert one(edition, "tei:biblScope[@unit='volume']").get("n") == "26"
    pages = one(edition, "tei:biblScope[@unit='page']")
    assert (pages.get("from"), pages.get("to")) == ("303", "307")
    assert one(edition, "tei:author/tei:persName").get("ref") == "registers.xml#lenin"
    assert one(edition, "tei:pubPlace/tei:placeName").get("ref") == "registers.xml#moscow"
    page = one(root, "//tei:pb[@n='307']")
    assert page.get("edRef") == "#" + edition.get(XML_ID)


def test_sidecar_evidence_cites_the_collected_works():
    for doc in ("speeches-at-the-central-committee", "the-bolsheviks-must-assume-power"):
        edition = one(tei(doc), "//tei:bibl[@type='printed-edition']")
        assert text(one(edition, "tei:title")) == "Collected Works"
        assert one(edition, "tei:biblScope[@unit='volume']").get("n") == "26"


def test_citations_are_structured_and_tag_only_names_and_dates():
    root = tei("resignations-from-the-central-committee")
    source = one(root, "//tei:bibl[@type='source']")
    book = one(source, "tei:title")
    assert text(book) == "The Bolshevik revolution, 1917-1918: Documents and materials"
    assert book.get("ref") == "registers.xml#bunyan-fisher-1934"
    assert not find(book, ".//tei:date")  # the years in a title are no date
    editors = [e.get("ref") for e in find(source, "tei:editor/tei:persName")]
    assert editors == ["registers.xml#bunyan", "registers.xml#fisher"]
    assert one(source, "tei:publisher/tei:orgName[.='Stanford University Press']") is not None
    assert one(source, "tei:pubPlace/tei:placeName").get("ref") == "registers.xml#london"
    pages = one(source, "tei:biblScope[@unit='page']")
    assert (pages.get("from"), pages.get("to")) == ("203", "204")
    first = one(root, "//tei:bibl[@type='first-published']")
    assert one(first, "tei:biblScope[@unit='issue']").get("n") == "201"
    tasks = one(tei("our-tasks-and-the-soviet"), "//tei:bibl[@type='source']")
    works = one(tasks, "tei:title")
    assert text(works) == "Lenin Collected Works" and not find(tasks, ".//tei:persName")
    assert one(tasks, "tei:biblScope[@unit='volume']").get("n") == "10"


# 2. The web page's pull-quote is no epigraph


def test_pull_quote_is_removed_and_declared():
    root = tei("speeches-at-the-central-committee")
    assert not find(root, "//tei:epigraph")
    removed = one(root, "//tei:list[@type='removed']/tei:item[@n='pull-quote']")
    assert text(removed).startswith('"There must be no vacillation.')
    assert "There must be no vacillation." in text(one(root, "//tei:body/tei:p[3]"))


# 3. Page joins of the printed edition


def _with_page_marks(paragraph: etree._Element) -> str:
    """The paragraph's text with "|n" where a page break stands."""
    parts = []
    for node in paragraph.iter():
        if node.tag == f"{{{NSMAP['tei']}}}pb":
            parts.append(f"|{node.get('n')}")
        elif node.text:
            parts.append(node.text)
        if node is not paragraph and node.tail:
            parts.append(node.tail)
    return " ".join("".join(parts).split())


def test_hard_breaks_in_mid_sentence_are_inferred_page_joins():
    root = tei("from-the-cc-to-party-members")
    joins = find(root, "//tei:p/tei:pb[@type='inferred']")
    assert [pb.get("n") for pb in joins] == ["304", "305", "306"]
    assert all(pb.get("cert") == "medium" and pb.get("resp") == "#editors" for pb in joins)
    marked = " ".join(_with_page_marks(p) for p in find(root, "//tei:body/tei:p"))
    for join in ("Spiro and|304 Karelin", "this fact and|305 are", "the outcries|306 of"):
        assert join in marked
    assert "have|307 already" in marked
    assert "inferred" in text(one(root, "//tei:segmentation"))


# 4. Names and dates


def test_committees_in_the_subtitle_are_organisations():
    root = tei("the-bolsheviks-must-assume-power")
    sub = one(root, "//tei:body/tei:head[@type='sub']")
    assert not find(sub, ".//tei:placeName")
    refs = [e.get("ref") for e in find(sub, ".//tei:orgName")]
    assert "registers.xml#petrograd-committee" in refs
    assert "registers.xml#moscow-committee" in refs


def test_derived_words_and_the_last_congress():
    root = tei("from-the-cc-to-party-members")
    kornilovite = one(root, "//tei:rs[.='Kornilovite']")
    assert kornilovite.get("ref") == "registers.xml#kornilov"
    congress = one(
        root, "//tei:p[contains(., 'at the last Congress')]/tei:orgName[.='Congress of Soviets']"
    )
    assert congress.get("ref") == "registers.xml#second-congress-of-soviets"
    assert not find(tei("our-tasks-and-the-soviet"), "//tei:rs[.='Marxists']")


def test_supplied_and_qualified_dates():
    root = tei("from-the-cc-to-party-members")
    sunday = one(root, "//tei:date[.='last Sunday']")
    assert sunday.get("when") == "1917-11-11" and sunday.get("when-custom") == "1917-10-29"
    assert sunday.get("resp") == "#editors" and sunday.get("evidence") == "external"
    speeches = tei("speeches-at-the-central-committee")
    title = one(speeches, "//tei:titleStmt/tei:title/tei:date")
    assert title.get("when") == "1917-11-14" and title.get("when-custom") == "1917-11-01"
    early = one(
        tei("our-tasks-and-the-soviet"), "(//tei:date[starts-with(., 'early in November')])[1]"
    )
    assert (early.get("notBefore-custom"), early.get("notAfter-custom")) == (
        "1905-11-01",
        "1905-11-10",
    )
    letter = tei("the-bolsheviks-must-assume-power")
    creation = one(letter, "//tei:creation/tei:date")
    assert creation.get("resp") == "#editors" and creation.get("evidence") == "external"


# 5. Residue and cross-references


def test_dead_link_label_is_removed_and_declared():
    root = tei("the-bolsheviks-must-assume-power")
    note = one(root, "//tei:note[@n='2']")
    assert "See here" not in text(note) and text(note).endswith("September 14-22.")
    removed = one(root, "//tei:list[@type='removed']/tei:item[@n='link-residue']/tei:quote")
    assert text(removed) == "See here for more details."


def test_cross_reference_to_a_text_of_the_edition_is_linked_and_corrected():
    root = tei("speeches-at-the-central-committee")
    link = one(root, "//tei:ref")
    assert text(link) == "see pp. 303-07"
    target = "from-the-cc-to-party-members"
    assert link.get("target") == f"{target}.xml#{target}"
    assert (REPO / "tei" / f"{target}.xml").is_file()
    fixes = [text(c.find("tei:corr", NSMAP)) for c in find(root, "//tei:note//tei:choice")]
    assert fixes.count(").") == 1 and "301)." in fixes


# 6. Responsibility


def test_no_placeholder_responsibility_and_no_example_domain():
    for path in sorted((REPO / "tei").glob("*.xml")):
        data = path.read_text(encoding="utf-8")
        assert "Edition Team" not in data and "example.org" not in data, path.name
    root = tei("resignations-from-the-central-committee")
    if not EDITION.get("publisher"):
        assert one(root, "//tei:publicationStmt/tei:authority").text == EDITION["title"]
    if not EDITION.get("base-url"):
        assert not find(root, "//tei:idno[@type='URI']")
    authors = [text(a) for a in find(root, "//tei:titleStmt/tei:author/tei:persName")]
    assert "Alexei Ivanovich Rykov" in authors and all(not a.isupper() for a in authors)


def test_projectdesc_counts_no_texts():
    for path in sorted((REPO / "tei").glob("*.xml")):
        root = etree.parse(str(path)).getroot()
        for p in find(root, "//tei:projectDesc/tei:p"):
            assert " five " not in f" {text(p)} ", path.name


# 7. Authority identifiers, only verified ones


def test_authority_identifiers_are_wikidata_items():
    registers = etree.parse(str(REPO / "tei" / "registers.xml")).getroot()
    ids = {
        e.getparent().get(XML_ID): e.text for e in find(registers, "//tei:idno[@type='wikidata']")
    }
    assert ids["lenin"] == "Q1394" and ids["marx"] == "Q9061" and ids["moscow"] == "Q649"
