"""Anyone's TEI: every well-formed file renders, in its own terms, with no word lost.

The files in tests/data/projects/ are written in the style of other projects (EpiDoc,
a verse drama, an ELTeC novel, a letter edition, critical editions, a manuscript
catalogue, a transcription with facsimile, a corpus, right-to-left scripts); each test
pins what its module must show, read from the file itself where it can be.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from browser import sites
from browser.text import by_class, missing, page_words, source_words, words
from lxml import etree, html

from pipeline.build import ValidationFailed
from pipeline.config.site import SiteConfig
from pipeline.errors import EditionError
from pipeline.render.tei_html import image_link, text_direction
from pipeline.structure import document_name
from pipeline.xmltools import NSMAP, TEI_NS, XML_ID, XML_LANG, parse_bytes, parse_file

T = f"{{{TEI_NS}}}"


@pytest.fixture(scope="module")
def built() -> tuple[Path, object]:
    return sites.projects_site()


@pytest.fixture(scope="module")
def site(built) -> Path:
    return built[0]


def page(site: Path, rel: str) -> html.HtmlElement:
    return html.fromstring((site / rel).read_bytes())


def members(path: Path) -> list[tuple[str, etree._Element]]:
    """(page name, TEI element) of each document of a file, named as the site names them."""
    root = parse_file(path).getroot()
    teis = [root] if root.tag == T + "TEI" else list(root.iter(T + "TEI"))
    return [(document_name(t, path.stem, i, len(teis)), t) for i, t in enumerate(teis, 1)]


def text_page(site: Path, name: str) -> html.HtmlElement:
    return page(site, f"texts/{name}.html")


def text_of(el: html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def project(name: str) -> Path:
    return sites.PROJECTS_DIR / name


def doc_id(name: str) -> str:
    return parse_file(project(name)).getroot().get(XML_ID)


# --- every file renders -----------------------------------------------------------------


def test_every_document_of_every_file_has_its_page(site: Path) -> None:
    for path in sites.projects():
        for name, _ in members(path):
            assert (site / "texts" / f"{name}.html").is_file(), (path.name, name)


def test_invalid_files_render_and_the_validation_page_says_why(site: Path, built) -> None:
    report = built[1]
    validation = page(site, "validation.html")
    verdicts = {text_of(s.find(".//h2")): s for s in by_class(validation, "verdict", "section")}
    assert set(verdicts) == {p.relative_to(sites.REPO).as_posix() for p in sites.projects()}
    invalid = [p for p, s in verdicts.items() if "verdict-invalid" in s.get("class")]
    assert invalid, "the projects' files include files that are not valid TEI P5"
    for path, section in verdicts.items():
        assert "verdict-left-out" not in section.get("class"), path
        findings = [text_of(li) for li in by_class(section, "finding-error", "li")]
        if path in invalid:
            # Each finding is file:line:col, and the console gives the same line.
            assert findings and all(
                re.match(rf"{re.escape(path)}:\d+:\d+ error", f) for f in findings
            )
            assert any(
                re.match(rf"{re.escape(path)}:\d+:\d+: error: ", w) for w in report.findings
            ), path
        # Every rendered file's page is linked from its verdict.
        assert section.xpath(".//a[starts-with(@href, 'texts/')]"), path


def test_messages_say_exactly_what_is_wrong(site: Path) -> None:
    validation = text_of(page(site, "validation.html"))
    assert "xsi:schemaLocation is not allowed on <TEI>" in validation
    assert "{http://" not in validation
    assert "or its value is not valid" not in validation


# --- no word lost: one measure for every file -----------------------------------------------


def _txt(site: Path, name: str, mode: str) -> str:
    folder = site / "downloads" / ("original" if mode == "original" else "")
    return (folder / f"{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sites.projects(), ids=lambda p: p.name)
def test_no_word_lost_in_page_or_plain_text(site: Path, path: Path) -> None:
    for name, tei in members(path):
        for mode in ("reading", "original"):
            shown = page_words(text_page(site, name), mode)
            expected = source_words(tei, mode, description=True)
            assert expected, (path.name, name)
            lost = missing(expected, shown)
            assert not lost, f"{path.name} ({mode}): missing from the page: {dict(lost)}"
            lost = missing(source_words(tei, mode), words(_txt(site, name, mode)))
            assert not lost, f"{path.name} ({mode}): missing from the plain text: {dict(lost)}"


def test_the_measure_sees_a_lost_word(site: Path) -> None:
    """The measure itself: drop one word from a page and it is reported."""
    name, tei = members(project("letter_registers.xml"))[0]
    doc = text_page(site, name)
    target = doc.xpath("//article//p[contains(@class, 'salute')]")[0]
    target.text = ""
    for child in target:
        child.drop_tree()
    assert missing(source_words(tei, "reading"), page_words(doc))


# --- metadata from each file -----------------------------------------------------------------


def _field(doc: html.HtmlElement, label: str) -> list[str]:
    panel = doc.get_element_by_id("ed-header").find(".//dl")
    values, current = [], None
    for el in panel:
        if el.tag == "dt":
            current = text_of(el)
        elif el.tag == "dd" and current == label:
            values.append(text_of(el))
    return values


def test_title_is_the_texts_own_not_its_series(site: Path) -> None:
    path = project("letter_registers.xml")
    root = parse_file(path).getroot()
    analytic = root.find(".//tei:titleStmt/tei:title[@level='a']", NSMAP)
    series = root.find(".//tei:titleStmt/tei:title[@level='s']", NSMAP)
    doc = text_page(site, root.get(XML_ID))
    assert text_of(doc.find(".//h1")) == " ".join(analytic.text.split())
    assert text_of(doc.find(".//title")).startswith(" ".join(analytic.text.split()))
    assert " ".join(series.text.split()) in _field(doc, "Series")


def test_authors_by_their_names_only(site: Path) -> None:
    for file in ("verse_drama.xml", "letter_registers.xml"):
        root = parse_file(project(file)).getroot()
        author = root.find(".//tei:titleStmt/tei:author", NSMAP)
        idnos = [i.text for i in author.iter(T + "idno")]
        assert idnos
        doc = text_page(site, root.get(XML_ID))
        shown = _field(doc, "Author")
        assert shown and not any(i in " ".join(shown) for i in idnos), shown
        cite = text_of(doc.get_element_by_id("ed-cite"))
        assert not any(i in cite for i in idnos)


def test_header_descriptions_are_not_genres(site: Path) -> None:
    root = parse_file(project("novel_backnotes.xml")).getroot()
    keys = [el.get("key") for el in root.find(".//tei:textDesc", NSMAP)]
    doc = text_page(site, root.get(XML_ID))
    kicker = text_of(by_class(doc, "doc-kicker")[0])
    assert not any(k in kicker for k in keys)
    assert not _field(doc, "Genre")
    drama = parse_file(project("verse_drama.xml")).getroot()
    term = drama.find(".//tei:keywords/tei:term", NSMAP).text
    assert _field(text_page(site, drama.get(XML_ID)), "Genre") == [term]


def test_dates_come_from_the_file_in_both_calendars(site: Path) -> None:
    root = parse_file(project("letter_registers.xml")).getroot()
    doc = text_page(site, root.get(XML_ID))
    sent = root.find(".//tei:correspAction[@type='sent']/tei:date", NSMAP).get("when")
    assert doc.xpath("//p[contains(@class, 'doc-kicker')]//time/@datetime") == [sent]
    received = root.find(".//tei:correspAction[@type='received']/tei:date", NSMAP)
    gloss = " ".join(_field(doc, "Received"))
    assert "Old Style (Julian): 15 May 1850" in gloss and "27 May 1850" in gloss
    assert received.get("when-custom") == "1850-05-15"


def test_languages_and_right_to_left_scripts(site: Path) -> None:
    root = parse_file(project("rtl_bilingual.xml")).getroot()
    doc = text_page(site, root.get(XML_ID))
    for div in root.iter(T + "div"):
        lang = div.get(XML_LANG)
        shown = doc.get_element_by_id(div.get(XML_ID))
        assert shown.get("lang") == lang
        assert shown.get("dir") == ("rtl" if lang in ("ar", "he", "syc") else None), lang
    assert text_direction("ar-Latn") is None and text_direction("he-IL") == "rtl"
    assert _field(doc, "Languages") == [t.text for t in root.iter(T + "language")]


def test_nothing_of_the_bundled_edition_appears(site: Path) -> None:
    config = sites.config()
    ours = [config.title, config.subtitle, config.publisher, *config.editors]
    ours += [p.strip()[:60] for p in config.introduction.split("\n\n") if p.strip()]
    ours += [  # the titles, whole (a title may hold a date or a name)
        " ".join(
            "".join(parse_file(t).find(".//tei:titleStmt/tei:title", NSMAP).itertext()).split()
        )
        for t in sites.corpus_tei()
    ]
    for path in sorted(site.rglob("*.html")):
        text = " ".join(html.fromstring(path.read_bytes()).text_content().split())
        leaked = [o for o in ours if o and " ".join(o.split()) in text]
        assert not leaked, (path.name, leaked)
    home = text_of(page(site, "index.html"))
    assert sites.PROJECTS_TITLE in home
    assert sites.PROJECTS_INTRODUCTION.split("\n\n")[1] in home


# --- transcription, Leiden, EpiDoc ---------------------------------------------------------


def test_transcription_marks(site: Path) -> None:
    root = parse_file(project("transcription_facsimile.xml")).getroot()
    doc = text_page(site, root.get(XML_ID))
    text = by_class(doc, "text", "div")[0]
    body = text_of(text)
    # choice follows the switch: edited reading, and the source's beside it.
    corrections = by_class(text, "choice")
    assert {c.get("class").split()[1] for c in corrections} == {
        "expansion",
        "correction",
        "regularisation",
    }
    corr = next(c for c in corrections if "correction" in c.get("class"))
    assert text_of(by_class(corr, "alt-reading")[0]) == "lettuce"
    assert text_of(by_class(corr, "alt-original")[0]) == "letuce"
    # additions, deletions, unclear, gap, supplied, damage, space, hi, fw, metamark
    assert [text_of(e) for e in text.iter("del")][:1] == ["beans"]
    assert "place-above" in text.xpath("//ins[normalize-space()='radishes']/@class")[0]
    assert by_class(text, "unclear")[0].get("title") == "unclear: faded"
    assert text_of(by_class(text, "gap")[0]) == "[---]"
    assert text_of(by_class(text, "supplied")[0]) == "4"
    assert by_class(text, "damage") and by_class(text, "space") and by_class(text, "metamark")
    sups = [s for s in text.iter("sup") if "noteref-wrap" not in s.get("class", "")]
    assert [text_of(s) for s in sups] == ["1", "st"]
    assert by_class(text, "fw")
    # a break inside a word keeps it whole
    assert "before June" in body and "instead" not in body and "in-stead" in body


def test_epidoc_leiden_conventions(site: Path) -> None:
    root = parse_file(project("epidoc_inscription.xml")).getroot()
    doc = text_page(site, root.get(XML_ID))
    edition = doc.xpath("//section[contains(@class, 'type-edition')]")[0]
    assert [text_of(e) for e in by_class(edition, "ex")][:2] == ["is", "anibus"]
    css = (site / "static" / "edition.css").read_text(encoding="utf-8")
    assert '.ex::before { content: "("; }' in css and '.supplied::before { content: "["; }' in css
    assert "text-emphasis" in css.split(".unclear")[1].split("}")[0]
    assert by_class(edition, "unclear") and text_of(by_class(edition, "supplied")[0]) == "III"
    gaps = [text_of(g) for g in by_class(edition, "gap")]
    assert gaps == ["[.....]", "[---]"]  # five characters lost, then an unknown extent
    numbers = [text_of(n) for n in by_class(edition, "lineno")]
    assert numbers == ["1", "5"]  # the first line and every fifth
    assert "optimo" in text_of(edition)
    headings = [text_of(h) for h in doc.xpath("//h2[contains(@class, 'div-type')]")]
    assert headings == ["Edition", "Translation", "Apparatus", "Commentary", "Bibliography"]


# --- drama and verse -----------------------------------------------------------------------


def test_drama(site: Path) -> None:
    root = parse_file(project("verse_drama.xml")).getroot()
    doc = text_page(site, root.get(XML_ID))
    text = by_class(doc, "text", "div")[0]
    assert by_class(text, "castList") and len(by_class(text, "castItem")) == len(
        list(root.iter(T + "castItem"))
    )
    assert len(by_class(text, "sp")) == len(list(root.iter(T + "sp")))
    assert next(text_of(s) for s in by_class(text, "speaker")) == "ANSELM."
    assert len(by_class(text, "stage")) == len(list(root.iter(T + "stage")))
    parts = {p: [text_of(e) for e in by_class(text, f"part-{p.lower()}")] for p in "MF"}
    for p, shown in parts.items():
        assert shown == [" ".join(l.text.split()) for l in root.iter(T + "l") if l.get("part") == p]
    css = (site / "static" / "edition.css").read_text(encoding="utf-8")
    assert ".text .l.part-m { padding-left" in css and ".text .l.part-f { padding-left" in css


def test_verse_line_numbers(site: Path) -> None:
    root = parse_file(project("apparatus_external.xml")).getroot()
    doc = text_page(site, root.get(XML_ID))
    numbers = [text_of(n) for n in by_class(doc, "line-n")]
    assert numbers == [l.get("n") for l in root.iter(T + "l") if int(l.get("n")) % 5 == 0]


# --- critical apparatus ----------------------------------------------------------------------


def test_inline_apparatus_gives_readings_and_witnesses(site: Path) -> None:
    root = parse_file(project("apparatus_inline.xml")).getroot()
    doc = text_page(site, root.get(XML_ID))
    apps = list(root.iter(T + "app"))
    markers = by_class(doc, "appref", "a")
    entries = by_class(doc.get_element_by_id("ed-apparatus"), "app-entry", "li")
    assert len(markers) == len(entries) == len(apps)
    witnesses = {
        w.get(XML_ID): " ".join("".join(w.itertext()).split()) for w in root.iter(T + "witness")
    }
    for marker, entry, app in zip(markers, entries, apps, strict=True):
        assert marker.get("href") == f"#{entry.get('id')}"
        shown = {(text_of(w), w.get("title")) for w in by_class(entry, "wit", "abbr")}
        wits = {
            w.lstrip("#") for r in app.iter(T + "rdg", T + "lem") for w in r.get("wit", "").split()
        }
        assert shown == {(w, witnesses[w]) for w in wits}
    lemma = by_class(entries[0], "lem")[0]
    assert text_of(lemma) == "parvus"
    assert "om." in text_of(entries[3])  # an empty reading is an omission


def test_external_apparatus_keeps_its_line_references(site: Path) -> None:
    root = parse_file(project("apparatus_external.xml")).getroot()
    doc = text_page(site, root.get(XML_ID))
    entries = by_class(doc, "app-entry", "li")
    locs = [text_of(by_class(e, "app-loc")[0]) for e in entries]
    assert locs == ["1", "2", "4", "6–7", "8"]
    for entry in entries:
        back = entry.xpath(".//a[contains(@class, 'backref')]/@href")[0]
        marker = doc.get_element_by_id(back[1:])
        line = marker.xpath("ancestor::div[contains(@class, 'l ')][1]")
        assert line, back  # the marker stands on its line, beside the text
    assert "[1] [2]" not in text_of(doc)


# --- notes -------------------------------------------------------------------------------


def test_back_notes_are_anchored_and_no_number_is_bare(site: Path) -> None:
    for file in ("novel_backnotes.xml", "letter_registers.xml"):
        root = parse_file(project(file)).getroot()
        doc = text_page(site, root.get(XML_ID))
        # Every note of the text, but those of register entries (shown in the index).
        notes = [
            n for n in root.find(T + "text").iter(T + "note") if n.getparent().tag != T + "person"
        ]
        listed = by_class(doc.get_element_by_id("ed-notes"), "note", "li")
        assert len(listed) == len(notes)
        for marker in by_class(doc, "noteref", "a"):
            target = doc.get_element_by_id(marker.get("href")[1:])
            assert "note" in target.get("class")
            back = target.xpath(".//a[contains(@class, 'backref')]/@href")[0]
            assert back == f"#{marker.get('id')}"
        # The notes' own place (a div of the back matter) shows no bare numbers.
        back_div = doc.xpath("//div[contains(@class, 'type-notes')]")
        assert not back_div or not words(text_of(back_div[0]))
    novel = parse_file(project("novel_backnotes.xml")).getroot()
    doc = text_page(site, novel.get(XML_ID))
    for note in novel.iter(T + "note"):
        anchor = note.get("target")[1:]
        marker = doc.get_element_by_id(anchor).getnext()
        assert "noteref-wrap" in marker.get("class"), anchor


# --- names and registers ----------------------------------------------------------------------


def test_names_resolve_into_the_files_own_lists(site: Path) -> None:
    root = parse_file(project("letter_registers.xml")).getroot()
    name = root.get(XML_ID)
    doc = text_page(site, name)
    text = by_class(doc, "text", "div")[0]
    for el in root.find(T + "text").iter(T + "persName", T + "placeName", T + "rs", T + "title"):
        if not el.get("ref"):
            continue
        key = f"{name}-{el.get('ref')[1:]}"
        links = text.xpath(f".//a[@data-entry='{key}']")
        assert links, key
        register, _, anchor = links[0].get("href").removeprefix("../").partition("#")
        entry = page(site, register).get_element_by_id(anchor)
        assert entry is not None and doc.get_element_by_id(f"index-{key}") is not None
    # The lists are registers: never reading text, all in the text's index.
    index_text = text_of(doc.get_element_by_id("ed-index"))
    for listing in root.find(T + "text").iter(T + "listPerson", T + "listPlace", T + "listBibl"):
        for entry in listing:
            # An entry's dates, coordinates and identifiers are never in the reading text.
            for part in entry.iter(T + "birth", T + "geo", T + "idno", T + "note"):
                shown = " ".join("".join(part.itertext()).split())
                assert shown not in text_of(text), shown
                assert shown in index_text, shown
    index = doc.get_element_by_id("ed-index")
    links = index.xpath(".//a[starts-with(@href, 'http')]")
    assert links and all("noopener" in a.get("rel") for a in links)


# --- letters, descriptions, facsimiles, corpora, long texts --------------------------------


def test_letters_are_laid_out_as_letters(site: Path) -> None:
    doc = text_page(site, doc_id("letter_registers.xml"))
    for cls in ("opener", "closer", "dateline", "salute", "signed", "postscript", "address"):
        assert by_class(doc, cls), cls
    assert [f.split(",")[0] for f in _field(doc, "Sent")] == ["Johanna Muster"]


def test_manuscript_description_is_a_description_page(site: Path) -> None:
    root = parse_file(project("manuscript_catalogue.xml")).getroot()
    doc = text_page(site, root.get(XML_ID))
    description = doc.get_element_by_id("ed-description")
    headings = [text_of(h) for h in description.iter("h3")]
    assert headings == ["Contents", "Physical description", "History", "Further information"]
    shelfmark = root.find(".//tei:msIdentifier/tei:idno", NSMAP).text
    assert shelfmark in text_of(by_class(description, "ms-identifier")[0])
    items = by_class(description, "ms-item")
    assert len(items) == len(list(root.iter(T + "msItem")))


def test_page_images_link_to_the_facsimile(site: Path) -> None:
    root = parse_file(project("transcription_facsimile.xml")).getroot()
    doc = text_page(site, root.get(XML_ID))
    pbs = by_class(doc, "pb", "span")
    links = [pb.find("a").get("href") for pb in pbs if pb.find("a") is not None]
    iiif = root.find(".//tei:surface/tei:graphic", NSMAP).get("url")
    relative = root.findall(".//tei:surface/tei:graphic", NSMAP)[1].get("url")
    assert links == [f"{iiif}/full/max/0/default.jpg", sites.IMAGES_BASE + relative]
    # The thumbnail comes from the IIIF service, in a panel the reader opens.
    images = doc.get_element_by_id("ed-images")
    thumbs = images.xpath(".//details//img")
    assert [i.get("src") for i in thumbs] == [f"{iiif}/full/240,/0/default.jpg"]
    assert all(i.get("loading") == "lazy" for i in thumbs)


def test_image_addresses_are_checked() -> None:
    assert image_link("images/a.jpg") is None  # relative, and no base to serve it
    assert image_link("../etc/passwd", "https://x.example/") is None
    assert image_link("javascript:alert(1)", "https://x.example/") is None
    assert image_link("a b.jpg", "https://x.example/") is None
    found = image_link("https://iiif.example.org/iiif/2/abc/info.json")
    assert found.thumbnail == "https://iiif.example.org/iiif/2/abc/full/240,/0/default.jpg"
    found = image_link("https://iiif.example.org/iiif/2/abc/full/max/0/default.jpg")
    assert found.thumbnail.startswith("https://iiif.example.org/iiif/2/abc/full/240,")
    assert image_link("https://example.org/scan.jpg").thumbnail == ""


def test_a_corpus_gives_each_text_a_page_and_an_xinclude_is_a_notice(site: Path) -> None:
    path = project("corpus_sermons.xml")
    corpus_title = parse_file(path).find("tei:teiHeader//tei:title", NSMAP).text
    for name, tei in members(path):
        doc = text_page(site, name)
        assert corpus_title in text_of(doc.get_element_by_id("ed-header"))
    validation = text_of(page(site, "validation.html"))
    assert "xi:include of 'sermon-easter.xml' is not followed" in validation


def test_an_xinclude_in_a_text_is_a_notice(tmp_path: Path) -> None:
    sites.build_foreign([sites.FOREIGN_DIR / "xinclude.xml"], tmp_path / "site", search=False)
    notice = by_class(page(tmp_path / "site", "texts/xinclude.html"), "xinclude")
    assert notice and "chapter1.xml" in text_of(notice[0])
    assert notice[0].get("role") == "note"


def test_long_texts_have_contents_and_citable_divisions(site: Path) -> None:
    root = parse_file(project("novel_backnotes.xml")).getroot()
    doc = text_page(site, root.get(XML_ID))
    toc = doc.get_element_by_id("ed-toc")
    chapters = [d for d in root.iter(T + "div") if d.find(T + "head") is not None]
    links = toc.xpath(".//a/@href")
    assert links == [f"#{d.get(XML_ID)}" for d in chapters]
    for d in chapters:
        section = doc.get_element_by_id(d.get(XML_ID))
        assert section.tag == "section"
        assert text_of(section.find("h2")) == " ".join(d.find(T + "head").text.split())
    short = text_page(site, doc_id("letter_registers.xml"))
    assert short.get_element_by_id("ed-toc", None) is None


# --- downloads ---------------------------------------------------------------------------------


def test_downloads_are_the_received_files_packed(site: Path) -> None:
    for path in sites.projects():
        stem = document_name(parse_file(path).getroot(), path.stem)
        packed = site / "downloads" / f"{stem}.xml.zip"
        with zipfile.ZipFile(packed) as archive:
            [entry] = archive.namelist()
            assert archive.read(entry) == path.read_bytes()
    assert not list((site / "downloads").glob("*.xml"))


# --- builds of mixed folders, strictness, themes ------------------------------------------------


def _mixed(tmp_path: Path) -> Path:
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in ("letter_correspdesc.xml", "invalid_drama_speaker_outside_sp.xml"):
        shutil.copy(sites.FOREIGN_DIR / name, folder)
    for name in ("not_wellformed.xml", "not_tei_docbook.xml"):
        shutil.copy(sites.FOREIGN_DIR / name, folder)
    return folder


def test_a_mixed_folder_builds_and_lists_what_it_left_out(tmp_path: Path) -> None:
    site = tmp_path / "site"
    report = sites.build_foreign([_mixed(tmp_path)], site, search=False)
    assert report.documents == 2
    assert (site / "texts" / "letter-1843-03-12.html").is_file()
    assert (site / "texts" / "invalid_drama_speaker_outside_sp.html").is_file()
    assert any(
        "invalid_drama_speaker_outside_sp.xml:23" in w and "<speaker>" in w for w in report.findings
    )
    validation = page(site, "validation.html")
    left_out = by_class(validation, "verdict-left-out", "section")
    assert sorted(text_of(s.find(".//h2")).rsplit("/", 1)[1] for s in left_out) == [
        "not_tei_docbook.xml",
        "not_wellformed.xml",
    ]
    broken = next(s for s in left_out if "not_wellformed" in text_of(s))
    assert re.search(r"not_wellformed\.xml:18:\d+ error: not well-formed XML", text_of(broken))
    assert any(
        re.search(r"not_wellformed\.xml: warning: left out of the site: ", w)
        for w in report.findings
    )


def test_strict_builds_nothing_and_its_summary_borrows_no_position(tmp_path: Path) -> None:
    site = tmp_path / "site"
    with pytest.raises(ValidationFailed) as info:
        sites.build_foreign([_mixed(tmp_path)], site, search=False, strict=True)
    error = info.value
    assert (error.path, error.line, error.column) == (None, None, None)
    assert error.shown().startswith("error: ")
    assert re.match(r"\d+ validation error\(s\) in 3 files; nothing was built", error.message)
    assert all(re.match(r"\S+\.xml:\d+(:\d+)?: error: ", d) for d in error.details)
    assert not site.exists()


def test_a_theme_overriding_one_element_changes_only_that_element(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    (theme / "tei").mkdir(parents=True)
    (theme / "tei" / "hi.html").write_text(
        '{% macro hi(el) %}<mark class="theme-hi">{{ el.inline }}</mark>{% endmacro %}\n',
        encoding="utf-8",
    )
    files = [project("transcription_facsimile.xml"), project("epidoc_inscription.xml")]
    plain_site, themed_site = tmp_path / "plain", tmp_path / "themed"
    cfg = sites.config().replace(theme_dir=None)
    from pipeline.build import BuildOptions, build

    for folder, theme_dir in ((plain_site, None), (themed_site, theme)):
        build(
            cfg.replace(theme_dir=theme_dir),
            BuildOptions(
                tei_paths=tuple(files),
                site_dir=folder,
                search=False,
                tei_schema_dir=sites.options().tei_schema_dir,
                site=SiteConfig.defaults(tmp_path),
            ),
        )

    def unwrapped(doc: html.HtmlElement, cls: str) -> tuple[str, int]:
        found = by_class(doc, cls)
        for el in found:
            el.drop_tag()
        return html.tostring(doc, encoding="unicode"), len(found)

    his = 0
    for path in sorted((plain_site / "texts").glob("*.html")):
        before, n_before = unwrapped(html.fromstring(path.read_bytes()), "tei-hi")
        themed = html.fromstring((themed_site / "texts" / path.name).read_bytes())
        after, n_after = unwrapped(themed, "theme-hi")
        assert before == after, path.name
        assert n_before == n_after
        his += n_after
    assert his == sum(len(list(parse_file(f).getroot().iter(T + "hi"))) for f in files)


def test_every_element_name_renders_by_its_macro_or_the_generic_one() -> None:
    from pipeline.render.site import load_templates

    templates = load_templates()
    for name in ("hi", "persName", "placeName", "app", "lb", "set", "del", "listPerson"):
        assert templates.for_tag(T + name)[1] is templates.macro(name), name
    assert templates.for_tag(T + "notAnElement")[1] is templates.macro("any_element")
    assert templates.for_tag("{urn:x}thing")[1] is templates.macro("foreign_element")


def test_an_unknown_element_keeps_every_word_and_its_name(tmp_path: Path) -> None:
    path = tmp_path / "unknown.xml"
    path.write_text(
        f'<TEI xmlns="{TEI_NS}"><teiHeader><fileDesc><titleStmt><title>U</title></titleStmt>'
        "<publicationStmt><p>P</p></publicationStmt><sourceDesc><p>S</p></sourceDesc>"
        "</fileDesc></teiHeader><text><body><p>Before <madeUp>inside words</madeUp> after."
        '</p><otherBlock><p>A paragraph</p></otherBlock><x:y xmlns:x="urn:x">alien</x:y>'
        "</body></text></TEI>",
        encoding="utf-8",
    )
    site = tmp_path / "site"
    sites.build_foreign([path], site, search=False)
    doc = page(site, "texts/unknown.html")
    assert (
        text_of(by_class(doc, "tei-madeUp".lower())[0]) == "inside words"
        or text_of(by_class(doc, "tei-madeup")[0]) == "inside words"
    )
    assert by_class(doc, "tei-otherblock", "div")
    assert "alien" in text_of(by_class(doc, "tei-other")[0])
    assert Counter(words("Before inside words after A paragraph alien")) <= Counter(page_words(doc))


def test_no_site_when_nothing_is_tei(tmp_path: Path) -> None:
    with pytest.raises(EditionError, match="every file was left out") as info:
        sites.build_foreign(
            [sites.FOREIGN_DIR / "not_tei_docbook.xml"], tmp_path / "site", search=False
        )
    # Why each file was left out is said with the error, not lost with the report.
    assert any(
        re.match(r"\S*not_tei_docbook\.xml:\d+:\d+: error: not a TEI document", line)
        for line in info.value.details
    ), info.value.details


def test_a_repeated_id_is_reported_and_the_file_rendered_whole(tmp_path: Path) -> None:
    """A repeated xml:id breaks validity, not well-formedness: the file is published."""
    path = sites.FOREIGN_DIR / "duplicate_id.xml"
    site = tmp_path / "site"
    report = sites.build_foreign([path], site, search=False)
    tei = parse_bytes(path.read_bytes(), path, repeated_ids=True).getroot()
    name = document_name(tei, path.stem)
    doc = text_page(site, name)
    for mode in ("reading", "original"):
        expected = source_words(tei, mode, description=True)
        assert not missing(expected, page_words(doc, mode)), mode
    repeated = tei.xpath("//*[@xml:id]", namespaces=NSMAP)
    ids = [el.get(XML_ID) for el in repeated]
    [again] = [el for i, el in enumerate(repeated) if ids[i] in ids[:i]]
    assert any(
        re.search(rf"duplicate_id\.xml:{again.sourceline}:\d+: error: duplicate xml:id", line)
        for line in report.findings
    ), report.findings
    html_ids = page(site, f"texts/{name}.html").xpath("//@id")
    assert len(html_ids) == len(set(html_ids))  # the page itself keeps its ids apart
    validation = page(site, "validation.html")
    assert "duplicate xml:id" in text_of(validation)
    assert not by_class(validation, "verdict-left-out", "section")
