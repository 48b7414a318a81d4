"""The HTML edition: pages, no lost words, valid HTML, links, determinism, safety."""

from __future__ import annotations

import json
import pickle
import shutil
from collections import Counter
from dataclasses import fields
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser import sites
from browser.text import by_class, html_words, missing, tei_block_words, tei_words
from browser.tools import html_errors
from conftest import copy_project, files_below
from lxml import html

from pipeline.build import MARKER as MANIFEST
from pipeline.config import load_config
from pipeline.errors import EditionError
from pipeline.render.dates import date_info as read_date
from pipeline.render.dates import parse_iso
from pipeline.render.site import site_path
from pipeline.structure import document_name
from pipeline.structure.identifiers import external_url, safe_id, slugify
from pipeline.xmltools import NSMAP, XML_ID, parse_file

TEI_NS = "http://www.tei-c.org/ns/1.0"


@pytest.fixture(scope="module")
def corpus() -> Path:
    return sites.corpus_site()[0]


@pytest.fixture(scope="module")
def foreign() -> Path:
    return sites.foreign_site()[0]


def page(site: Path, rel: str) -> html.HtmlElement:
    return html.fromstring((site / rel).read_bytes())


def text_members(path: Path):
    root = parse_file(path).getroot()
    if root.tag == f"{{{TEI_NS}}}TEI":
        return [root]
    return list(root.iter(f"{{{TEI_NS}}}TEI"))


# --- what is written --------------------------------------------------------------------


def test_every_page_and_download_is_written(corpus: Path) -> None:
    for rel in (
        "index.html",
        "persons.html",
        "places.html",
        "organisations.html",
        "publications.html",
        "chronology.html",
        "search.html",
        "about.html",
        "static/edition.css",
        "static/edition.js",
        "static/search.js",
        "downloads/edition.txt",
        "downloads/registers.xml",
        "pagefind/pagefind.js",
    ):
        assert (corpus / rel).is_file(), rel
    for tei in sites.corpus_tei():
        doc_id = parse_file(tei).getroot().get(XML_ID)
        assert (corpus / "texts" / f"{doc_id}.html").is_file()
        assert (corpus / "downloads" / f"{doc_id}.xml").read_bytes() == tei.read_bytes()
        assert (corpus / "downloads" / f"{doc_id}.txt").stat().st_size > 0


def test_home_lists_texts_by_date_with_both_calendars(corpus: Path) -> None:
    home = page(corpus, "index.html")
    cards = by_class(home, "doc-card")
    assert len(cards) == len(sites.corpus_tei())
    dates = [by_class(c, "ns")[0].find(".//time").get("datetime") for c in cards]
    assert dates == sorted(dates)
    first = cards[0].text_content()
    assert "N.S." in first and "O.S." in first
    hrefs = {a.get("href") for a in home.iter("a")}
    assert {"persons.html", "chronology.html", "search.html", "about.html"} <= hrefs


# --- no words lost ------------------------------------------------------------------------


@pytest.mark.parametrize("tei_path", sites.corpus_tei(), ids=lambda p: p.stem)
def test_no_word_of_the_reading_text_is_lost(corpus: Path, tei_path: Path) -> None:
    tei = parse_file(tei_path).getroot()
    doc = page(corpus, f"texts/{tei.get(XML_ID)}.html")
    article = by_class(doc, "document", "article")[0]
    lost = missing(tei_words(tei), html_words(article))
    assert not lost, f"words of the TEI missing from the page: {dict(lost)}"
    # Paragraph by paragraph, in order: the anchor of each is its xml:id.
    for p in tei.iterfind(".//tei:body//tei:p[@xml:id]", NSMAP):
        found = doc.get_element_by_id(p.get(XML_ID))
        assert html_words(found) == tei_block_words(p), p.get(XML_ID)


@pytest.mark.parametrize("name", sites.FOREIGN_VALID)
def test_foreign_tei_loses_no_word(foreign: Path, name: str) -> None:
    members = text_members(sites.FOREIGN_DIR / name)
    for index, tei in enumerate(members, start=1):
        doc_name = document_name(tei, Path(name).stem, index, len(members))
        article = by_class(page(foreign, f"texts/{doc_name}.html"), "document", "article")[0]
        lost = missing(tei_words(tei), html_words(article))
        assert not lost, f"{name}: words of the TEI missing from the page: {dict(lost)}"


def test_foreign_headers_show_what_they_have(foreign: Path) -> None:
    letter = page(foreign, "texts/letter-1843-03-12.html")
    panel = letter.get_element_by_id("ed-header").text_content()
    assert "Ada Lovelace" in panel and "Charles Babbage" in panel and "CC BY 4.0" in panel
    manuscript = page(foreign, "texts/ms-example-12.html").get_element_by_id("ed-header")
    assert "MS. Example 12" in manuscript.text_content()
    assert "Parchment" in manuscript.text_content()  # only in the full header listing
    # Names point into the file's own particDesc: they link to its entries, and a name
    # without a pointer stays a name.
    linked = {a.get("href") for a in by_class(letter, "name", "a")}
    assert linked == {
        "../persons.html#letter-1843-03-12-lovelace",
        "../persons.html#letter-1843-03-12-babbage",
    }
    assert by_class(letter, "name", "span")


def test_foreign_corpus_gives_one_page_per_text(foreign: Path) -> None:
    for doc_id in ("corpus-text-1", "corpus-text-2"):
        doc = page(foreign, f"texts/{doc_id}.html")
        assert "A two-text example corpus" in doc.get_element_by_id("ed-header").text_content()
    second = page(foreign, "texts/corpus-text-2.html")
    assert second.findall(".//h1")[0].text_content().strip() == "Second text"


@pytest.mark.parametrize("name", ["not_tei_docbook.xml", "p4_tei2.xml", "not_wellformed.xml"])
def test_a_folder_of_nothing_renderable_builds_nothing(tmp_path: Path, name: str) -> None:
    with pytest.raises(EditionError, match="every file was left out"):
        sites.build_foreign([sites.FOREIGN_DIR / name], tmp_path / "site", search=False)
    assert not (tmp_path / "site").exists()


# --- quality -------------------------------------------------------------------------------


def test_every_page_is_valid_html(corpus: Path, foreign: Path) -> None:
    """The Nu Html Checker, run once over both sites."""
    errors = html_errors(corpus, foreign)
    assert not errors, "\n".join(errors[:30])


_html_files = sites.html_files


def test_every_internal_link_lands(corpus: Path, foreign: Path) -> None:
    for site in (corpus, foreign):
        broken = sites.broken_links(site)
        assert not broken, broken[:20]


def test_no_request_leaves_the_site(corpus: Path, foreign: Path) -> None:
    """No web fonts, CDN scripts or images from elsewhere: only links may point out."""
    for site in (corpus, foreign):
        for path in _html_files(site):
            doc = page(site, str(path.relative_to(site)))
            for el in doc.iter():
                for attr in ("src", "srcset", "data"):
                    value = el.get(attr)
                    assert not value or not urlsplit(value).netloc, (path, value)
                if el.tag == "link":
                    assert not urlsplit(el.get("href", "")).netloc or el.get("rel") in (
                        "canonical",
                        "prev",
                        "next",
                        "license",
                    ), (path, el.get("href"))
    css = (corpus / "static" / "edition.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css


def test_names_link_to_registers_and_back(corpus: Path) -> None:
    registers = {
        name: page(corpus, name)
        for name in ("persons.html", "places.html", "organisations.html", "publications.html")
    }
    back_links = {
        a.get("href")
        for doc in registers.values()
        for ul in by_class(doc, "mention-list")
        for a in ul.iter("a")
    }
    names = 0
    for path in sorted((corpus / "texts").glob("*.html")):
        for a in by_class(page(corpus, f"texts/{path.name}"), "name", "a"):
            if not a.get("id"):
                continue
            names += 1
            register, _, entry = a.get("href").removeprefix("../").partition("#")
            assert registers[register].get_element_by_id(entry) is not None
            assert f"texts/{path.name}#{a.get('id')}" in back_links, a.get("id")
    assert names > 100


def test_chronology_is_in_calendar_order(corpus: Path) -> None:
    chrono = page(corpus, "chronology.html")
    events = chrono.xpath("//ol[@class='events']/li")
    assert len(events) > 50
    starts = [
        tuple(int(x) for x in e.xpath(".//p[@class='event-date']//time/@datetime")[0].split("-"))
        for e in events
        if e.xpath(".//p[@class='event-date']//time/@datetime")
    ]
    assert starts == sorted(starts)
    both = [e for e in events if e.xpath(".//p[@class='event-date']/span[@class='os']")]
    assert both, "no date gives the Old Style beside the New Style"


def test_about_is_generated_from_the_encoding(corpus: Path) -> None:
    about = page(corpus, "about.html").text_content()
    about = " ".join(about.split())
    tei = parse_file(sites.corpus_tei()[0]).getroot()
    norm = tei.find(".//tei:editorialDecl/tei:normalization/tei:p", NSMAP)
    assert " ".join("".join(norm.itertext()).split()) in about
    schema = sites.config().root / "schema" / "edition.xsd"
    if schema.is_file():  # the schema's own words, in the schema reference
        reference = " ".join(page(corpus, "schema.html").text_content().split())
        xs = "{http://www.w3.org/2001/XMLSchema}"
        doc = (
            parse_file(schema)
            .getroot()
            .find(f".//{xs}element[@name='pb']/{xs}annotation/{xs}documentation")
        )
        assert " ".join("".join(doc.itertext()).split()) in reference
    assert "“Mar 6” to “May 6”" in about


def test_about_without_the_schema_says_so(foreign: Path) -> None:
    about = page(foreign, "about.html").text_content()
    assert "documentation of the schema is not part of this build" in about


def test_a_missing_project_schema_stops_the_build(tmp_path: Path) -> None:
    cfg = sites.project_config().replace(schema_dir=tmp_path / "missing")
    with pytest.raises(EditionError, match="project schema is missing"):
        sites.build_corpus(tmp_path / "site", search=False, config=cfg)
    assert not (tmp_path / "site").exists()


# --- build behaviour ---------------------------------------------------------------------


def test_building_twice_gives_identical_sites(corpus: Path, tmp_path: Path) -> None:
    again = tmp_path / "site"
    sites.build_corpus(again)
    first, second = files_below(corpus), files_below(again)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert not differing, f"differ between two builds: {differing}"


def test_rebuild_with_nothing_changed_stops_at_once(tmp_path: Path) -> None:
    site = tmp_path / "site"
    first = sites.build_corpus(site, search=False)
    before = files_below(site)
    second = sites.build_corpus(site, search=False)
    assert second.up_to_date and not first.up_to_date
    assert second.documents == first.documents and second.pages == first.pages
    assert files_below(site) == before
    (site / "index.html").write_text("damaged", encoding="utf-8")
    third = sites.build_corpus(site, search=False)
    assert not third.up_to_date and files_below(site) == before


def test_a_failed_build_leaves_the_previous_site(tmp_path: Path) -> None:
    site = tmp_path / "out" / "site"
    inputs = tmp_path / "in"
    inputs.mkdir()
    for tei in sites.corpus_tei():
        shutil.copy(tei, inputs)
    sites.build_foreign([inputs], site, search=False, strict=True)
    before = files_below(site)
    (inputs / "broken.xml").write_text(
        "<TEI xmlns='http://www.tei-c.org/ns/1.0'><text>", encoding="utf-8"
    )
    with pytest.raises(EditionError):
        sites.build_foreign([inputs], site, search=False, strict=True)
    assert files_below(site) == before
    leftovers = [p.name for p in site.parent.iterdir() if p.suffix not in (".lock", ".cache")]
    assert leftovers == ["site"]


def test_a_theme_overrides_templates_and_stylesheet(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "edition.css").write_text("body { color: rebeccapurple; }\n", encoding="utf-8")
    base = Path(__file__).resolve().parent.parent / "pipeline" / "render" / "templates"
    footer = (
        (base / "base.html")
        .read_text(encoding="utf-8")
        .replace('<footer class="site-footer">', '<footer class="site-footer"><p>Theme footer</p>')
    )
    (theme / "base.html").write_text(footer, encoding="utf-8")
    cfg = sites.project_config().replace(theme_dir=theme)
    site = tmp_path / "site"
    sites.build_corpus(site, search=False, config=cfg)
    assert (site / "static" / "edition.css").read_text() == "body { color: rebeccapurple; }\n"
    assert "Theme footer" in (site / "texts" / f"{sites.corpus_tei()[0].stem}.html").read_text()
    assert (site / "static" / "edition.js").is_file()


def test_attribute_values_never_reach_paths_or_links(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.xml"
    hostile.write_text(
        """<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="évil">
  <teiHeader><fileDesc><titleStmt><title>&lt;script&gt;alert(1)&lt;/script&gt;</title></titleStmt>
  <publicationStmt><availability><licence target="javascript:alert(1)">Free</licence>
  </availability></publicationStmt><sourceDesc><p>Nowhere.</p></sourceDesc></fileDesc>
  </teiHeader>
  <text><body>
    <p xml:id="pé1">A <ref target="javascript:alert(2)">link</ref>, a
      <persName ref="javascript:alert(3)">name</persName> and
      <graphic url="http://tracker.example/x.png"/> an image.
      <ptr target="../../etc/passwd"/></p>
  </body></text>
</TEI>""",
        encoding="utf-8",
    )
    site = tmp_path / "site"
    sites.build_foreign([hostile], site, search=False)
    written = {p.relative_to(site).as_posix() for p in site.rglob("*")}
    assert "texts/hostile.html" in written
    assert all(".." not in name for name in written)
    text = (site / "texts" / "hostile.html").read_text(encoding="utf-8")
    assert 'href="javascript' not in text
    # An image is a link the reader may follow, never something the page loads.
    doc = html.fromstring(text)
    assert not [el for el in doc.iter() if "tracker.example" in (el.get("src") or "")]
    links = [a for a in doc.iter("a") if "tracker.example" in (a.get("href") or "")]
    assert links and all("noopener" in a.get("rel", "") for a in links)
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)" in text
    assert 'id="pe1"' in text


def test_manifest_records_every_file(corpus: Path) -> None:
    manifest = json.loads((corpus / MANIFEST).read_text())
    listed = set(manifest["files"])
    assert listed == {p for p in files_below(corpus) if p != MANIFEST}
    assert not any(":" in name or name.startswith("/") for name in listed)


# --- small parts -----------------------------------------------------------------------------


def _date(xml: str):
    from lxml import etree

    return read_date(etree.fromstring(f'<date xmlns="{TEI_NS}" {xml}>x</date>'))


def test_dates_give_both_calendars_from_the_tei() -> None:
    info = _date('when="1917-11-07" when-custom="1917-10-25" datingMethod="#julian"')
    assert (info.gregorian, info.julian, info.machine) == (
        "7 November 1917",
        "25 October 1917",
        "1917-11-07",
    )
    assert "Old Style (Julian): 25 October 1917" in info.gloss()
    uncertain = _date(
        'notBefore="1917-11-18" notAfter="1917-11-19" '
        'notBefore-custom="1917-11-05" notAfter-custom="1917-11-06" '
        'datingMethod="#julian" cert="medium"'
    )
    assert uncertain.julian == "5 or 6 November 1917" and "certainty" in uncertain.gloss()
    assert _date('when="1843"').machine == "1843"
    assert _date("").gloss() == ""
    assert parse_iso("1917-13-01") is None and parse_iso("0000") == (0, 0, 0)


def test_identifiers_are_made_safe() -> None:
    assert slugify("../../Über Döcs!") == "uber-docs"
    assert slugify("///") == "text"
    assert safe_id("our-tasks-p12") == "our-tasks-p12"
    assert safe_id('a"b <c>') == "a-b-c"
    assert safe_id("1st") == "x-1st"
    assert external_url("https://example.org/x") == "https://example.org/x"
    for bad in (
        "javascript:alert(1)",
        "data:text/html,x",
        "//evil.example",
        "/etc/passwd",
        "http://a b",
    ):
        assert external_url(bad) is None


def test_old_addresses_are_sent_on(tmp_path: Path) -> None:
    """Redirects (old id -> new id) give moved texts a page and moved passages an anchor."""
    project = copy_project(tmp_path / "project")
    doc = parse_file(sites.corpus_tei()[0]).getroot().get(XML_ID)
    (project / "tei" / "redirects.toml").write_text(
        f'[redirects]\n"an-old-text" = "{doc}"\n"{doc}#{doc}-old-p9" = "{doc}#{doc}-p1"\n',
        encoding="utf-8",
    )
    site = tmp_path / "site"
    sites.build_corpus(site, search=False, config=load_config(project / "pyproject.toml"))
    moved = (site / "texts" / "an-old-text.html").read_text(encoding="utf-8")
    assert f"{doc}.html" in moved
    page_html = page(site, f"texts/{doc}.html")
    anchor = page_html.get_element_by_id(f"{doc}-old-p9")
    assert anchor.find(".//a").get("href").endswith(f"#{doc}-p1")

    # Wrong redirects are refused, each named where it is given, and nothing is written.
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    (project / "tei" / "redirects.toml").write_text(
        f'[redirects]\n"{doc}" = "an-old-text"\n"gone-a" = "gone-b"\n'
        '"loop-a" = "loop-b"\n"loop-b" = "loop-a"\n',
        encoding="utf-8",
    )
    with pytest.raises(EditionError, match=r"4 wrong redirect\(s\)") as info:
        sites.build_corpus(site, search=False, config=load_config(project / "pyproject.toml"))
    shown = [line[line.index("tei/redirects.toml") :] for line in info.value.details]
    assert sorted(shown) == sorted(
        [
            f"tei/redirects.toml:2:1: error: redirect from an id that still exists: {doc}",
            "tei/redirects.toml:3:1: error: redirect to an id that does not exist: gone-a -> gone-b",
            "tei/redirects.toml:4:1: error: redirects go round in a circle: loop-a -> loop-b",
            "tei/redirects.toml:5:1: error: redirects go round in a circle: loop-b -> loop-a",
        ]
    )
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


def test_site_paths_stay_inside_the_site() -> None:
    assert site_path("dts/index.json") == "dts/index.json"
    for bad in ("../escape.txt", "/etc/x", "a/../../b", "a\\b", "nul\0", ""):
        with pytest.raises(EditionError):
            site_path(bad)
    with pytest.raises(EditionError):
        site_path(MANIFEST, frozenset({MANIFEST}))


class _Forgetful:
    """A store that says it keeps what it is given, and keeps nothing."""

    keeps = True

    def get(self, kind: str, key: str) -> None:
        return None

    def put(self, kind: str, key: str, value: object) -> None:
        pass


def _analysed(store: object) -> list:
    """The bundled corpus's texts as the collection holds them, with ``store``."""
    from pipeline.render.registers import RegisterLinks
    from pipeline.render.site import analyse_collection, load_templates
    from pipeline.structure import FileKind, load_collection

    collection = load_collection(sites.config(), sources=False)
    texts = [f for f in collection.files if f.kind != FileKind.REGISTERS]
    registers = RegisterLinks(collection.registers) if collection.registers else None
    return analyse_collection(texts, registers, load_templates(), store=store)[0]


def test_a_large_collection_is_held_as_summaries_that_give_the_whole_back() -> None:
    """Where a store keeps the analyses, the collection holds each text without its
    body, notes and plain text; its page gets them back, from the store or made again
    when the store lost them, the same as the analysis never summarised."""
    from pipeline.render.documents import complete

    whole = _analysed(None)
    held = _analysed(_Forgetful())
    assert [d.slug for d in held] == [d.slug for d in whole]
    for summary, full in zip(held, whole, strict=True):
        assert summary.whole is not None and full.whole is None
        assert not summary.body and not summary.notes
        assert not any(p.blocks for p in summary.plain)
        assert full.body and any(p.blocks for p in full.plain)
        got = complete(summary)
        differ = [f.name for f in fields(got) if getattr(got, f.name) != getattr(full, f.name)]
        assert differ == [], differ


class _Kept:
    """A store that keeps what it is given (pickled, as the build's is), and counts
    what is asked of it by kind."""

    keeps = True

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], bytes] = {}
        self.asked: Counter[str] = Counter()

    def get(self, kind: str, key: str) -> object:
        self.asked[kind] += 1
        data = self.entries.get((kind, key))
        return pickle.loads(data) if data is not None else None

    def put(self, kind: str, key: str, value: object) -> None:
        self.entries[(kind, key)] = pickle.dumps(value)


def test_a_kept_collection_is_read_back_as_summaries_alone() -> None:
    """A build after another reads each text's summary, not its whole analysis; a
    text's page still gets the whole back, the same as the analysis never kept."""
    from pipeline.render.documents import complete

    store = _Kept()
    whole = _analysed(None)
    _analysed(store)
    store.asked.clear()
    held = _analysed(store)
    assert store.asked["summary"] == len(held) and store.asked["document"] == 0
    for summary, full in zip(held, whole, strict=True):
        assert not summary.body and not any(p.blocks for p in summary.plain)
        got = complete(summary)
        differ = [f.name for f in fields(got) if getattr(got, f.name) != getattr(full, f.name)]
        assert differ == [], differ
    assert store.asked["document"] == len(held)
