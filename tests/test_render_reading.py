"""What a reader meets on the built pages: the chronology of events, notes of the printed
page apart, names and dates where they belong, the registers' names for authors, the
editors' interventions with their reasons, every register entry a page of its own,
facets for the search, the reader's guide apart from the schema reference, and a
search index that is the same from one build to the next.

Every expectation is read from the TEI, the registers or the schema, never from the
pages; the site is the one built once per test run (tests/browser/sites.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from browser import sites
from browser.text import by_class, reading_html
from lxml import etree, html

from pipeline.render.dates import date_info, date_keys, in_words, parse_iso
from pipeline.render.registers import RegisterLinks
from pipeline.render.search import name_variants, settle_index
from pipeline.structure.reading import choose
from pipeline.structure.registers import RegisterIndex
from pipeline.xmltools import NSMAP, XML_ID, XML_LANG, parse_file

T = "{http://www.tei-c.org/ns/1.0}"
DATES = (T + "date", T + "time", T + "origDate")


@pytest.fixture(scope="module")
def site() -> Path:
    return sites.corpus_site()[0]


def page(site: Path, rel: str) -> html.HtmlElement:
    return html.fromstring((site / rel).read_bytes())


def texts() -> list[etree._Element]:
    return [parse_file(p).getroot() for p in sites.corpus_tei()]


def registers() -> RegisterIndex:
    path = sites.config().registers_path
    return RegisterIndex(parse_file(path).getroot(), path.name)


def words(el: etree._Element | html.HtmlElement) -> str:
    return " ".join("".join(el.itertext()).split())


def in_citation(el: etree._Element) -> bool:
    """In the header, or in a bibliographic entry: never an event."""
    return any(a.tag in (T + "teiHeader", T + "bibl", T + "biblStruct") for a in el.iterancestors())


def key(info) -> tuple:
    return info.start, info.end or info.start


# --- the chronology -------------------------------------------------------------------------


def test_no_date_of_a_header_or_a_citation_is_an_event(site: Path) -> None:
    chrono = page(site, "chronology.html")
    events = {li.get("id"): li for li in by_class(chrono, "event", "li")}
    texts_dates, cited = set(), set()
    for tei in texts():
        for el in tei.iter(*DATES):
            info = date_info(el)
            if info.start is None:
                continue
            (cited if in_citation(el) else texts_dates).add(key(info))
    lives = set()
    for entry in registers():
        for event in entry.element.iterfind("tei:birth/tei:date", NSMAP):
            lives.add(key(date_info(event)))
        for event in entry.element.iterfind("tei:death/tei:date", NSMAP):
            lives.add(key(date_info(event)))
    # One entry for each date of the texts and notes, and of the registers' lives...
    assert len(events) == len(texts_dates | lives)
    # ...and none for a date only a header or a citation gives.
    only_cited = cited - texts_dates - lives
    assert only_cited, "the texts' headers give dates of their own"
    shown = {
        words(li.xpath(".//p[@class='event-date']/span[@class='ns']")[0]) for li in events.values()
    }
    for tei in texts():
        for el in tei.iter(*DATES):
            info = date_info(el)
            if info.start is not None and key(info) in only_cited:
                assert not any(s.startswith(info.gregorian) for s in shown), words(el)
    for li in events.values():
        for a in li.iterfind(".//a[@class='passage-link']"):
            doc, _, target = a.get("href").partition("#")
            found = page(site, doc).get_element_by_id(target)
            assert found.xpath("ancestor::aside") == [], a.get("href")
            assert found.xpath("ancestor::*[contains(@class, 'text') or contains(@class, 'notes')]")
    # The dates of writing are a band of their own, with no event in it.
    band = chrono.get_element_by_id("written-heading").getparent()
    assert not by_class(band, "event")
    written = {a.get("href") for a in band.iter("a")}
    for tei in texts():
        if tei.find("tei:teiHeader/tei:profileDesc/tei:creation//tei:date", NSMAP) is not None:
            assert f"texts/{tei.get(XML_ID)}.html" in written


def test_each_event_says_what_happened_and_where(site: Path) -> None:
    chrono = page(site, "chronology.html")
    pages: dict[str, html.HtmlElement] = {}
    passages = by_class(chrono, "passage", "li")
    assert passages
    for li in passages:
        sentence = words(li.find(".//q"))
        mark = words(li.find(".//q/mark"))
        assert mark and mark in sentence
        doc, _, target = li.find(".//a").get("href").partition("#")
        pages.setdefault(doc, page(site, doc))
        block = pages[doc].get_element_by_id(target)
        if "date" in (block.get("class") or "").split():  # a date standing in no passage
            block = block.xpath(
                "ancestor::*[self::p or self::li or self::dd or starts-with(name(), 'h')][1]"
            )[0]
        # The sentence is the passage's own, as the edited text reads.
        shown = reading_html(block).text_content()
        for part in sentence.strip("… ").split(" … "):
            assert " ".join(part.split()) in " ".join(shown.split()), (target, part)
    # The same sentence is never given twice under one date.
    for event in by_class(chrono, "event", "li"):
        said = [
            (li.find(".//a").get("href").split("#")[0], words(li.find(".//q")))
            for li in by_class(event, "passage", "li")
        ]
        assert len(said) == len(set(said)), event.get("id")


def test_the_timeline_fits_and_leads_to_each_year(site: Path) -> None:
    chrono = page(site, "chronology.html")
    svgs = chrono.findall(".//svg")
    assert len(svgs) == 2  # a narrow and a wide drawing
    years = {h.get("id") for h in chrono.xpath("//section[@class='year']/h2")}
    for svg in svgs:
        assert svg.get("viewbox") and svg.find("title") is not None  # (lxml lowercases)
        bars = svg.findall(".//a")
        assert {a.get("href").lstrip("#") for a in bars} == years
        assert all(a.get("aria-label") for a in bars)


# --- notes, headings, paragraphs, languages -------------------------------------------------


def test_footnotes_of_the_printed_page_are_marked_and_listed_apart(site: Path) -> None:
    mixed = 0
    for tei in texts():
        notes = list(tei.find(T + "text").iter(T + "note"))
        foot = [n for n in notes if n.get("place") in ("foot", "bottom")]
        doc = page(site, f"texts/{tei.get(XML_ID)}.html")
        if not foot or len(foot) == len(notes):
            assert not doc.xpath("//*[@id='ed-footnotes']")
            continue
        mixed += 1
        listed = doc.get_element_by_id("ed-footnotes")
        labels = [words(s) for s in by_class(listed, "note-label")]
        assert labels == [("*" * min(i, 3)) for i in range(1, len(foot) + 1)][: len(labels)]
        assert len(labels) == len(foot)
        for note in foot:
            marker = doc.xpath(f"//a[@href='#{note.get(XML_ID)}'][contains(@class,'noteref')]")
            assert marker and "*" in words(marker[0])
        numbered = [words(s) for s in by_class(doc.get_element_by_id("ed-notes"), "note-label")]
        expected = [n.get("n") for n in notes if n not in foot]
        assert numbered == expected and numbered == sorted(numbered, key=int)
    assert mixed, "no text of the edition mixes footnotes and endnotes"


def test_headings_are_named_without_their_note_markers(site: Path) -> None:
    checked = 0
    for path in sorted((site / "texts").glob("*.html")):
        for heading in page(site, f"texts/{path.name}").xpath("//h1|//h2|//h3|//h4"):
            markers = by_class(heading, "noteref-wrap")
            if not markers:
                continue
            checked += 1
            text = words(heading)
            for marker in markers:
                text = text.replace(words(marker), "", 1)
            assert heading.get("aria-label") == " ".join(text.split()), path.name
    assert checked


def test_a_paragraph_link_comes_before_its_paragraph(site: Path) -> None:
    for path in sorted((site / "texts").glob("*.html")):
        for link in by_class(page(site, f"texts/{path.name}"), "pilcrow", "a"):
            paragraph = link.getparent()
            assert (
                paragraph.tag == "p" and paragraph[0] is link and not (paragraph.text or "").strip()
            )


def test_the_page_language_is_the_documents(site: Path) -> None:
    for tei in texts():
        doc = page(site, f"texts/{tei.get(XML_ID)}.html")
        assert doc.get("lang") == (tei.get(XML_LANG) or "en")
    foreign = sites.projects_site()[0]
    other = 0
    for path in sites.projects():
        root = parse_file(path).getroot()
        lang = root.get(XML_LANG)
        if root.tag != T + "TEI" or not lang or lang == "en" or root.get(XML_ID) is None:
            continue
        target = foreign / "texts" / f"{root.get(XML_ID)}.html"
        if not target.is_file():
            continue
        other += 1
        doc = html.fromstring(target.read_bytes())
        assert doc.get("lang") == lang
        # The pages' own words stay marked as English.
        assert (
            doc.find(".//header").get("lang") == "en" and doc.find(".//aside").get("lang") == "en"
        )
    assert other, "no other project's text is in another language"
    assert page(site, "index.html").get("lang") == "en"


# --- names and dates where they belong --------------------------------------------------------


def test_no_name_or_date_is_a_link_in_a_citation(site: Path) -> None:
    for tei in texts():
        doc = page(site, f"texts/{tei.get(XML_ID)}.html")
        fields = {words(dt): dt.getnext() for dt in doc.get_element_by_id("ed-header").iter("dt")}
        sources = doc.xpath("//dl[@class='meta']/dt[.='Sources']/following-sibling::dd")
        cited = [el for el in tei.iterfind(".//tei:sourceDesc//tei:bibl", NSMAP) if el.iter(*DATES)]
        assert sources and cited and fields
        for dd in doc.xpath("//dl[@class='meta']/dd"):
            label = dd.xpath("preceding-sibling::dt[1]")[0]
            if words(label) not in ("Sources", "Licence", "Publication", "Series"):
                continue
            assert not dd.xpath(".//a[contains(@class,'name')]"), words(label)
            assert not dd.xpath(".//*[@tabindex]"), words(label)
        # The names in them are still there, as names.
        named = [el for b in cited for el in b.iter() if el.get("ref")]
        for dd in sources:
            assert not dd.xpath(".//a[contains(@class, 'name')]")
        if named:
            assert doc.xpath("//dl[@class='meta']/dd//span[contains(@class,'name')]")


def test_authors_and_correspondents_are_named_as_the_registers_name_them(site: Path) -> None:
    index = registers()
    for tei in texts():
        doc = page(site, f"texts/{tei.get(XML_ID)}.html")
        header = tei.find(T + "teiHeader")
        meta = doc.xpath("//dl[@class='meta']")[0]

        def field(label: str, meta: html.HtmlElement = meta) -> list[str]:
            return [
                words(dd)
                for dd in meta.xpath(f"dt[.='{label}']/following-sibling::dd")
                if dd.xpath(f"preceding-sibling::dt[1][.='{label}']")
            ]

        for author in header.iterfind("tei:fileDesc/tei:titleStmt/tei:author", NSMAP):
            named = next((el for el in author.iter() if el.get("ref")), None)
            entry = index.resolve(named.get("ref")) if named is not None else None
            if entry is not None:
                assert entry.name in field("Authors") + field("Author")
        for action in header.iterfind(".//tei:correspAction", NSMAP):
            label = {"sent": "Sent", "received": "Received"}[action.get("type")]
            shown = " ".join(field(label))
            for person in action.iterfind("tei:persName", NSMAP):
                entry = index.resolve(person.get("ref"))
                assert entry is not None and entry.name in shown, (label, entry)


def test_credits_and_revisions_are_in_readers_words(site: Path) -> None:
    for tei in texts():
        doc = page(site, f"texts/{tei.get(XML_ID)}.html")
        meta = doc.xpath("//dl[@class='meta']")[0]
        resp = meta.xpath("dt[.='Responsibility']/following-sibling::dd")
        assert resp and not any("\\" in words(dd) for dd in resp)
        changes = tei.findall(".//tei:revisionDesc/tei:change", NSMAP)
        history = meta.xpath("dt[.='History of the encoding']/following-sibling::dd")
        assert len(history) == len(changes)
        for change, dd in zip(changes, history, strict=True):
            assert words(dd).startswith(in_words(parse_iso(change.get("when"))))
            assert not words(dd).startswith("TEI generated")


def _declared_reasons(tei: etree._Element) -> dict[tuple[str, str], str]:
    reasons = {}
    for item in tei.iterfind(".//tei:editorialDecl//tei:item", NSMAP):
        quotes = item.findall("tei:quote", NSMAP)
        if len(quotes) == 2:
            tail = words(item).split(words(quotes[1]), 1)[1]
            reasons[(words(quotes[0]), words(quotes[1]))] = tail
    return reasons


def test_each_intervention_carries_both_readings_and_its_reason(site: Path) -> None:
    checked = 0
    for tei in texts():
        doc = page(site, f"texts/{tei.get(XML_ID)}.html")
        reasons = _declared_reasons(tei)
        shown = [c for c in by_class(doc, "choice", "span") if c.get("tabindex") == "0"]
        choices = [
            c
            for c in tei.find(T + "text").iter(T + "choice")
            if not any(a.tag == T + "choice" for a in c.iterancestors())
        ]
        readings = sorted(
            (words(choose(c, "reading")), words(choose(c, "original"))) for c in choices
        )
        assert sorted((el.get("data-reading"), el.get("data-source")) for el in shown) == readings
        for el in shown:
            edited, source = el.get("data-reading"), el.get("data-source")
            reason = reasons.get((source, edited))
            if reason:
                checked += 1
                assert el.get("data-reason") and el.get("data-reason") in reason
            about = doc.get_element_by_id(el.get("aria-describedby"))
            assert about.get("hidden") is not None and source in words(about)
    assert checked


# --- registers and search -----------------------------------------------------------------------


def test_each_register_entry_has_a_page_of_its_own(site: Path) -> None:
    index = registers()
    links = RegisterLinks(index)
    for entry in index:
        register = page(site, links.page(links.key(entry)))
        heading = register.get_element_by_id(links.key(entry))
        own = heading.find("a").get("href")
        entry_page = page(site, own)
        body = entry_page.xpath("//*[@data-pagefind-body]")
        assert len(body) == 1 and words(entry_page.get_element_by_id("ed-title")) == entry.heading
        # One entry: no other's heading or fields are on it.
        assert len(body[0].xpath(".//dl[@class='entry-data']")) <= 1
        assert not body[0].xpath(".//h2[not(@class='mentions-heading')]|.//h3")
        assert not register.xpath("//*[@data-pagefind-body]")


def test_each_text_page_carries_its_facets(site: Path) -> None:
    index = registers()
    facets = {"person": "person", "place": "place", "org": "organisation"}
    for tei in texts():
        doc = page(site, f"texts/{tei.get(XML_ID)}.html")
        expected: dict[str, set[str]] = {}
        for el in tei.find(T + "text").iter():
            entry = index.resolve(el.get("ref")) if el.get("ref") else None
            if entry is not None and entry.kind in facets:
                expected.setdefault(facets[entry.kind], set()).add(entry.name)
        for facet, names in expected.items():
            shown = {words(s) for s in doc.xpath(f"//*[@data-pagefind-filter='{facet}']")}
            assert shown == names, facet
        assert doc.xpath("//*[@data-pagefind-sort='date']") and doc.xpath(
            "//*[@data-pagefind-sort='title']"
        )


def test_a_date_is_indexed_in_both_calendars(site: Path) -> None:
    dual = 0
    for tei in texts():
        doc = page(site, f"texts/{tei.get(XML_ID)}.html")
        keyed = doc.xpath("//article//span[@data-dates]")
        for el in tei.find(T + "text").iter(*DATES):
            info = date_info(el)
            if info.julian_start is None or in_citation(el):
                continue
            dual += 1
            keys = date_keys(info).split()
            assert info.start and info.julian_start and len(keys) >= 2
            assert any(k.get("data-dates") == " ".join(keys) for k in keyed)
    assert dual


def test_name_variants_are_spellings_of_one_entry() -> None:
    index = registers()
    variants = name_variants(RegisterLinks(index))
    assert variants
    for word, others in variants.items():
        for other in others:
            assert any(
                word in " ".join(entry.names).casefold()
                and other in " ".join(entry.names).casefold()
                for entry in index
            ), (word, other)


def test_the_readers_guide_and_the_schema_reference_are_apart(site: Path) -> None:
    about = page(site, "about.html")
    schema = page(site, "schema.html")
    assert about.xpath("//a[@href='schema.html']")
    assert not about.xpath("//dl[@class='schema-elements']")
    xs = "{http://www.w3.org/2001/XMLSchema}"
    root = parse_file(sites.config().root / "schema" / "edition.xsd").getroot()
    documented = {
        el.get("name")
        for el in root.iter(xs + "element")
        if el.get("name") and el.find(f"{xs}annotation/{xs}documentation") is not None
    }
    listed = {words(dt) for dt in schema.xpath("//dl[@class='schema-elements']/dt")}
    assert documented <= listed
    guide = words(about.get_element_by_id("about-reading").getparent())
    assert "arrow keys" in guide and "Highlight names" in guide


def test_the_search_index_is_the_same_from_run_to_run(site: Path, tmp_path: Path) -> None:
    """Pagefind writes its filters in an order of its own each time; settled, two runs
    over the same pages give the same files."""
    runs = []
    for name in ("a", "b"):
        copy = tmp_path / name
        shutil.copytree(site, copy, ignore=shutil.ignore_patterns("pagefind"))
        command = [sys.executable, "-m", "pagefind", "--site", str(copy), "--force-language", "en"]
        subprocess.run(command, check=True, capture_output=True)
        runs.append(copy / "pagefind")
    raw = [
        {p.relative_to(r).as_posix(): p.read_bytes() for p in r.rglob("*") if p.is_file()}
        for r in runs
    ]
    for run in runs:
        settle_index(run)
    settled = [
        {p.relative_to(r).as_posix(): p.read_bytes() for p in r.rglob("*") if p.is_file()}
        for r in runs
    ]
    assert settled[0] == settled[1]
    assert any(name.startswith("filter/") for name in settled[0])
    # Settling changes nothing more the second time.
    settle_index(runs[0])
    again = {
        p.relative_to(runs[0]).as_posix(): p.read_bytes() for p in runs[0].rglob("*") if p.is_file()
    }
    assert again == settled[0]
    if raw[0] != raw[1]:  # the usual case: unsettled, the two runs differ
        assert sorted(raw[0]) != sorted(raw[1]) or any(raw[0][k] != raw[1][k] for k in raw[0])


def test_date_keys_give_both_calendars() -> None:
    el = etree.fromstring(
        f'<date xmlns="{T[1:-1]}" when="1917-11-07" when-custom="1917-10-25" '
        'datingMethod="#julian">x</date>'
    )
    assert date_keys(date_info(el)).split() == ["dt19171107", "dt191711", "dt19171025", "dt191710"]
    month = etree.fromstring(f'<date xmlns="{T[1:-1]}" when="1905">x</date>')
    assert date_keys(date_info(month)) == ""
    assert re.fullmatch(r"(dt\d{6,8} ?)+", date_keys(date_info(el)))
