"""The editorial fixes, each pinned on a page written for it in tests/data/hard-cases.

Each fix is data (a sidecar, the registers or the archive style), never code that names a
text. The pages reproduce the shapes of source that called for the fixes (a page line of
an unnamed printed edition, paragraphs one to a line broken at page joins, a pull-quote,
a dead link, a cross-reference to another text, a citation of a documentary collection),
with persons, places, bodies and papers invented for the tests; the expectations are the
pages' own, so the bundled texts may change freely. What holds for every file of the
edition (no placeholders, no count of texts, verified identifiers) is checked on the
bundled files and the pages alike.
"""

from __future__ import annotations

import re
import tomllib

import pytest
from conftest import REPO, bundled_texts
from lxml import etree
from test_convert_cases import one, ref, text

from pipeline.xmltools import NSMAP, XML_ID

EDITION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["edition"]
# The pages of the fixes (the others are test_convert_cases.py's).
APPEAL = "from-the-line-committee-to-the-members"  # page line, page joins, derived words
MINUTES = "speeches-at-the-depot-committee"  # pull-quote, cross-reference, title date
LETTER = "the-depots-must-take-the-line"  # committees in the subtitle, dead link
RESIGNATIONS = "leaving-the-depot-committee"  # a documentary collection cited


@pytest.fixture
def tei(hard_cases):
    return hard_cases.__getitem__


def find(root: etree._Element, xpath: str) -> list:
    return root.xpath(xpath, namespaces=NSMAP)


def edition_files(hard_cases) -> dict[str, etree._Element]:
    """Every file of the bundled edition and every converted page, by name."""
    files = {p.name: etree.parse(str(p)).getroot() for p in sorted((REPO / "tei").glob("*.xml"))}
    return files | {f"hard-cases/{doc}.xml": root for doc, root in hard_cases.items()}


# 1. sourceDesc names the printed editions, structured


def test_a_page_line_names_its_printed_edition(tei):
    root = tei(APPEAL)
    assert not find(root, "//tei:sourceDesc/tei:p")  # no "names no bibliographic source"
    edition = one(root, "//tei:sourceDesc//tei:bibl[@type='printed-edition']")
    assert text(one(edition, "tei:title")) == "Collected Works"
    assert one(edition, "tei:biblScope[@unit='volume']").get("n") == "5"
    pages = one(edition, "tei:biblScope[@unit='page']")
    assert (pages.get("from"), pages.get("to")) == ("120", "124")
    assert one(edition, "tei:author/tei:persName").get("ref") == ref("kuzmin")
    assert one(edition, "tei:pubPlace/tei:placeName").get("ref") == ref("lesogorsk")
    page = one(root, "//tei:pb[@n='124']")
    assert page.get("edRef") == "#" + edition.get(XML_ID)


def test_sidecar_evidence_cites_the_collected_works(tei):
    for doc in (MINUTES, LETTER):  # a [[source]] without page lines: no pages, or no page-breaks
        edition = one(tei(doc), "//tei:bibl[@type='printed-edition']")
        assert text(one(edition, "tei:title")) == "Collected Works"
        assert one(edition, "tei:biblScope[@unit='volume']").get("n") == "5"


def test_citations_are_structured_and_tag_only_names_and_dates(tei):
    root = tei(RESIGNATIONS)
    source = one(root, "//tei:bibl[@type='source']")
    book = one(source, "tei:title")
    assert text(book) == "The Railway strikes, 1905-1917: Documents and materials"
    assert book.get("ref") == ref("rudin-voronov-1950")
    assert not find(book, ".//tei:date")  # the years in a title are no date
    editors = [e.get("ref") for e in find(source, "tei:editor/tei:persName")]
    assert editors == [ref("rudin"), ref("voronov")]
    assert one(source, "tei:publisher/tei:orgName[.='Lesogorsk University Press']") is not None
    assert one(source, "tei:pubPlace/tei:placeName").get("ref") == ref("tverdov")
    pages = one(source, "tei:biblScope[@unit='page']")
    assert (pages.get("from"), pages.get("to")) == ("77", "78")
    first = one(root, "//tei:bibl[@type='first-published']")
    assert one(first, "tei:biblScope[@unit='issue']").get("n") == "95"
    # A register's whole title wins over the author's surname inside it.
    works_source = one(tei(LETTER), "//tei:bibl[@type='source']")
    works = one(works_source, "tei:title")
    assert text(works) == "Kuzmin Collected Works" and not find(works_source, ".//tei:persName")
    assert works.get("ref") == ref("kuzmin-collected-works")
    assert one(works_source, "tei:biblScope[@unit='volume']").get("n") == "5"


# 2. The web page's pull-quote is no epigraph


def test_pull_quote_is_removed_and_declared(tei):
    root = tei(MINUTES)
    assert not find(root, "//tei:epigraph")
    removed = one(root, "//tei:list[@type='removed']/tei:item[@n='pull-quote']")
    assert text(removed).startswith('"There must be no waiting.')
    assert "There must be no waiting." in text(one(root, "//tei:body/tei:p[3]"))


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


def test_hard_breaks_in_mid_sentence_are_inferred_page_joins(tei):
    root = tei(APPEAL)
    joins = find(root, "//tei:p/tei:pb[@type='inferred']")
    assert [pb.get("n") for pb in joins] == ["121", "122", "123"]
    assert all(pb.get("cert") == "medium" and pb.get("resp") == "#editors" for pb in joins)
    marked = " ".join(_with_page_marks(p) for p in find(root, "//tei:body/tei:p"))
    for join in ("Gromov and|121 Dubov", "this fact and|122 are", "the outcries|123 of"):
        assert join in marked
    assert "have|124 already" in marked
    assert "inferred" in text(one(root, "//tei:segmentation"))


# 4. Names and dates


def test_committees_in_the_subtitle_are_organisations(tei):
    root = tei(LETTER)
    sub = one(root, "//tei:body/tei:head[@type='sub']")
    assert not find(sub, ".//tei:placeName")
    refs = [e.get("ref") for e in find(sub, ".//tei:orgName")]
    assert ref("luga-union-committee") in refs
    assert ref("vyborg-union-committee") in refs


def test_derived_words_and_the_last_congress(tei):
    root = tei(APPEAL)
    sukhovite = one(root, "//tei:rs[.='Sukhovite']")
    assert sukhovite.get("ref") == ref("sukhov")
    congress = one(
        root, "//tei:p[contains(., 'at the last Congress')]/tei:orgName[.='Congress of the Line']"
    )
    assert congress.get("ref") == ref("second-line-congress")
    # A word the registers do not derive from the name is no mention of it.
    assert "Sukhovists" in text(one(root, "//tei:body"))
    assert not find(root, "//tei:body//*[not(self::tei:p)][contains(., 'Sukhovists')]")


def test_supplied_and_qualified_dates(tei):
    root = tei(APPEAL)
    sunday = one(root, "//tei:date[.='last Sunday']")
    assert sunday.get("when") == "1917-11-25" and sunday.get("when-custom") == "1917-11-12"
    assert sunday.get("resp") == "#editors" and sunday.get("evidence") == "external"
    title = one(tei(MINUTES), "//tei:titleStmt/tei:title/tei:date")
    assert title.get("when") == "1917-11-26" and title.get("when-custom") == "1917-11-13"
    letter = tei(LETTER)
    early = one(letter, "(//tei:date[starts-with(., 'early in September')])[1]")
    assert (early.get("notBefore-custom"), early.get("notAfter-custom")) == (
        "1917-09-01",
        "1917-09-10",
    )
    creation = one(letter, "//tei:creation/tei:date")
    assert creation.get("resp") == "#editors" and creation.get("evidence") == "external"


# 5. Residue and cross-references


def test_dead_link_label_is_removed_and_declared(tei):
    root = tei(LETTER)
    note = one(root, "//tei:note[@n='2']")
    assert "See here" not in text(note) and text(note).endswith("September 14-22.")
    removed = one(root, "//tei:list[@type='removed']/tei:item[@n='link-residue']/tei:quote")
    assert text(removed) == "See here for more details."


def test_cross_reference_to_a_text_of_the_edition_is_linked_and_corrected(hard_cases, tei):
    root = tei(MINUTES)
    link = one(root, "//tei:ref")
    assert text(link) == "see pp. 120-24"
    assert link.get("target") == f"{APPEAL}.xml#{APPEAL}"
    assert hard_cases[APPEAL].get(XML_ID) == APPEAL  # the target is a text of the run
    fixes = [text(c.find("tei:corr", NSMAP)) for c in find(root, "//tei:note//tei:choice")]
    assert fixes.count(").") == 1 and "118)." in fixes


# 6. Responsibility


def test_no_placeholder_responsibility_and_no_example_domain(hard_cases, tei):
    for name, root in edition_files(hard_cases).items():
        data = etree.tostring(root, encoding="unicode")
        assert "Edition Team" not in data and "example.org" not in data, name
    root = tei(RESIGNATIONS)
    if not EDITION.get("publisher"):
        assert one(root, "//tei:publicationStmt/tei:authority").text == EDITION["title"]
    if not EDITION.get("base-url"):
        assert not find(root, "//tei:idno[@type='URI']")
    authors = [text(a) for a in find(root, "//tei:titleStmt/tei:author/tei:persName")]
    # a signatory the author line leaves to "et al." is named in full, not in capitals
    assert "Gleb Ivanovich Rybin" in authors and all(not a.isupper() for a in authors)


# fmt: off
NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
           "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
           "seventeen", "eighteen", "nineteen", "twenty")
# fmt: on
COUNTED = re.compile(rf"\b(?:\d+|{'|'.join(NUMBERS)})\s+(?:texts?|documents?|letters?|works)\b")


def test_projectdesc_counts_no_texts(hard_cases):
    """The project description holds for any number of texts: it names no count."""
    counts = {len(bundled_texts()), len(hard_cases)}
    words = {str(n) for n in counts} | {NUMBERS[n] for n in counts if n < len(NUMBERS)}
    for name, root in edition_files(hard_cases).items():
        for p in find(root, "//tei:projectDesc/tei:p"):
            said = text(p).lower()
            assert not any(re.search(rf"\b{word}\b", said) for word in words), name
            assert not COUNTED.search(said), name


# 7. Authority identifiers, only verified ones


def test_authority_identifiers_are_wikidata_items():
    """The registers' Wikidata identifiers are items, one an entry, no two entries alike
    (which ones are verified is the registers' word: no test can repeat it)."""
    registers = etree.parse(str(REPO / "tei" / "registers.xml")).getroot()
    idnos = find(registers, "//tei:idno[@type='wikidata']")
    assert idnos
    entries = [e.getparent().get(XML_ID) for e in idnos]
    assert all(entries) and len(set(entries)) == len(entries)
    items = [e.text for e in idnos]
    assert all(re.fullmatch(r"Q[1-9][0-9]*", item or "") for item in items), items
    assert len(set(items)) == len(items)
