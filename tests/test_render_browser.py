"""The HTML edition in a real browser: Chromium driven by Playwright, over local HTTP.

One browser and one server for the whole module; the site is built once per test run.
Screenshots of every kind of page, at phone and desktop widths, are kept in
tests/artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from browser import sites, tools
from browser.server import serve
from conftest import bundled_texts, texts_with
from lxml import etree, html

from pipeline.xmltools import TEI_NS, XML_ID, parse_file

SHOTS = tools.ARTIFACTS / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NS = {"tei": TEI_NS}

# The texts each test opens are picked by what the test needs of them, so that the
# tests hold whatever texts the edition has.
NOTE_IN_TEXT = "//tei:body//tei:p//tei:note"
NAME_IN_TEXT = "//tei:text//*[self::tei:persName or self::tei:placeName or self::tei:orgName][@ref]"
PERSON_IN_TEXT = "//tei:body//tei:p//tei:persName[@ref]"
DATE_IN_TEXT = "//tei:text//tei:date"
# A correction that is the first intervention of a paragraph the page gives an id.
CORRECTION = "//tei:text//tei:p[@xml:id]/tei:choice[1][tei:sic and tei:corr]"
# The elements a heading's words may be in on its page; after anything else (a note's
# marker, a date's gloss) the page shows more than the words.
PLAIN_IN_HEAD = {"persName", "placeName", "orgName", "rs", "name", "title", "hi"}


def _page(doc_id: str) -> str:
    return f"texts/{doc_id}.html"


def _root(doc_id: str) -> etree._Element:
    return parse_file(bundled_texts()[doc_id]).getroot()


def _words(text: str) -> str:
    return " ".join(text.split())


def _with_all(*xpaths: str) -> list[str]:
    """The texts that have each of ``xpaths``."""
    return texts_with(" and ".join(f"boolean({xpath})" for xpath in xpaths))


@functools.cache
def _reading_text() -> str:
    """The text the reading tests open: the first with a note in its paragraphs."""
    return texts_with(NOTE_IN_TEXT)[0]


@functools.cache
def _correction() -> tuple[str, str, str, str]:
    """The text and the correction the switching tests look at (text, paragraph id,
    the editors' reading, the source's). The text also has notes, names and dates, which
    the screenshots and the accessibility check open; a correction with a date inside is
    preferred, so that the date's hidden gloss is seen not to show."""
    found = [
        (doc_id, choice)
        for doc_id in _with_all(CORRECTION, NOTE_IN_TEXT, NAME_IN_TEXT, DATE_IN_TEXT)
        for choice in _root(doc_id).xpath(CORRECTION, namespaces=NS)
    ]
    dated = [(doc_id, c) for doc_id, c in found if c.xpath("tei:corr//tei:date", namespaces=NS)]
    doc_id, choice = (dated or found)[0]
    corr, sic = (choice.find(f"{{{TEI_NS}}}{name}") for name in ("corr", "sic"))
    return (
        doc_id,
        choice.getparent().get(XML_ID),
        _words("".join(corr.itertext())),
        _words("".join(sic.itertext())),
    )


def _choice_text() -> str:
    return _page(_correction()[0])


@functools.cache
def _searched_name() -> str:
    """What a reader searches for: the surname of the first person a text names by that
    surname (in a paragraph of its body), as the registers give it."""
    registers = etree.parse(str(sites.config().registers_path))
    for doc_id in texts_with(PERSON_IN_TEXT):
        for name in _root(doc_id).xpath(PERSON_IN_TEXT, namespaces=NS):
            key = name.get("ref").partition("#")[2]
            surnames = registers.xpath(
                "//tei:person[@xml:id=$key]/tei:persName[@type='main']/tei:surname",
                namespaces=NS,
                key=key,
            )
            for surname in surnames:
                if surname.text and surname.text in "".join(name.itertext()):
                    return surname.text
    raise AssertionError("no text names a person of the registers by surname")


def _heading(doc_id: str) -> str:
    """The words the text's first heading shows on its page, up to anything more."""
    head = _root(doc_id).xpath("//tei:text//tei:head", namespaces=NS)[0]
    words = [head.text or ""]
    for child in head:
        if etree.QName(child).localname not in PLAIN_IN_HEAD:
            break
        words += ["".join(child.itertext()), child.tail or ""]
    return _words("".join(words))


def _title(doc_id: str) -> str:
    """The text's title, as the home page lists it."""
    stmt = _root(doc_id).find(f".//{{{TEI_NS}}}titleStmt")
    titles = stmt.findall(f"{{{TEI_NS}}}title[@type='main']") or stmt.findall(f"{{{TEI_NS}}}title")
    return _words("".join(titles[0].itertext()))


@pytest.fixture(scope="module")
def playwright_api():
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail(
            "Python Playwright is not installed: pip install playwright (a test "
            "dependency; the browser itself is Debian's chromium)",
            pytrace=False,
        )
    return sync_playwright, expect


@pytest.fixture(scope="module")
def browser(playwright_api):
    sync_playwright, _ = playwright_api
    executable = tools.chromium()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(executable), args=tools.CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def expect(playwright_api):
    return playwright_api[1]


@pytest.fixture(scope="module")
def site() -> Path:
    return sites.corpus_site()[0]


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[str, str]:
    """Every kind of page, a text and a register entry's own page among them."""
    register = html.fromstring((site / "persons.html").read_bytes())
    entry = register.xpath("//article[@class='entry']//h3/a/@href")[0]
    return {
        "home": "index.html",
        "text": _page(_reading_text()),
        "persons": "persons.html",
        "places": "places.html",
        "organisations": "organisations.html",
        "publications": "publications.html",
        "chronology": "chronology.html",
        "search": f"search.html?q={quote(_searched_name())}",
        "about": "about.html",
        "schema": "schema.html",
        "downloads": "downloads.html",
        "entry": entry,
    }


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


def _context(browser, base_url: str, **options):
    context = browser.new_context(**{"viewport": DESKTOP, **options})
    outside: list[str] = []

    def watch(request) -> None:
        if not request.url.startswith((base_url, "file:")):
            outside.append(request.url)

    context.on("request", watch)
    return context, outside


@pytest.fixture
def page(browser, base_url):
    context, outside = _context(browser, base_url)
    yield context.new_page()
    context.close()
    assert not outside, f"the page asked for something outside the site: {outside}"


@pytest.fixture
def page_without_js(browser, base_url):
    context, outside = _context(browser, base_url, java_script_enabled=False)
    yield context.new_page()
    context.close()
    assert not outside, f"the page asked for something outside the site: {outside}"


def _url(pattern: str) -> re.Pattern:
    return re.compile(re.escape(pattern) + "$")


# --- reading ---------------------------------------------------------------------------------


def test_home_to_text_and_a_note_and_back(page, base_url: str, expect) -> None:
    doc_id = _reading_text()
    page.goto(base_url + "index.html")
    page.get_by_role("link", name=_title(doc_id)).click()
    expect(page).to_have_url(_url(_page(doc_id)))
    expect(page.locator("h1")).to_contain_text(_heading(doc_id))

    marker = page.locator("p a.noteref").first
    marker_id = marker.get_attribute("id")
    note_id = marker.get_attribute("href").removeprefix("#")
    # The note's words (without its paragraphs' ¶ links, which the pop-over leaves out).
    note_text = page.locator(f"#{note_id} .note-body").evaluate(
        "el => { const c = el.cloneNode(true); c.querySelectorAll('.pilcrow').forEach(p => p.remove());"
        " return c.innerText.trim().slice(0, 40); }"
    )
    marker.click()
    popover = page.locator(".note-popover")
    expect(popover).to_be_visible()
    expect(popover).to_contain_text(note_text)
    popover.get_by_role("link", name="Show in the list of notes").click()
    expect(popover).to_be_hidden()
    expect(page).to_have_url(_url(f"#{note_id}"))
    expect(page.locator(f"#{note_id}")).to_be_in_viewport()
    page.locator(f"#{note_id} a.backref").click()
    expect(page).to_have_url(_url(f"#{marker_id}"))
    expect(page.locator(f"#{marker_id}")).to_be_in_viewport()


def test_notes_work_without_javascript(page_without_js, base_url: str, expect) -> None:
    page = page_without_js
    page.goto(base_url + _page(_reading_text()))
    expect(page.locator("article .text p").first).to_be_visible()
    marker = page.locator("p a.noteref").first
    note_id = marker.get_attribute("href").removeprefix("#")
    marker.click()
    expect(page).to_have_url(_url(f"#{note_id}"))
    expect(page.locator(f"#{note_id}")).to_be_in_viewport()
    page.locator(f"#{note_id} a.backref").click()
    expect(page).to_have_url(_url(f"#{marker.get_attribute('id')}"))


def test_notes_from_the_keyboard(page, base_url: str, expect) -> None:
    page.goto(base_url + _page(_reading_text()))
    marker = page.locator("p a.noteref").first
    marker.focus()
    page.keyboard.press("Enter")
    popover = page.locator(".note-popover")
    expect(popover).to_be_visible()
    assert page.evaluate("!!document.activeElement.closest('.note-popover')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") in ("A", "BUTTON")
    page.keyboard.press("Escape")
    expect(popover).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == marker.get_attribute("id")


def test_a_name_leads_to_its_register_entry_and_back(page, base_url: str, expect) -> None:
    text_page = _page(texts_with(PERSON_IN_TEXT)[0])
    page.goto(base_url + text_page)
    name = page.locator("p a.name-person").first
    mention_id = name.get_attribute("id")
    register, _, entry = name.get_attribute("href").removeprefix("../").partition("#")
    name.click()  # a preview first, then the way to the register
    page.locator(".note-popover").get_by_role("link", name="Open the register entry").click()
    expect(page).to_have_url(_url(f"{register}#{entry}"))
    expect(page.locator(f"#{entry}")).to_be_in_viewport()
    back = page.locator(f"article.entry:has(#{entry}) a[href$='#{mention_id}']")
    expect(back).to_have_count(1)
    back.click()
    expect(page).to_have_url(_url(f"{text_page}#{mention_id}"))
    expect(page.locator(f"#{mention_id}")).to_be_in_viewport()


def _choice(page):
    """The correction on its page: the first intervention of its paragraph."""
    return page.locator(f"[id='{_correction()[1]}'] > .choice").first


# The words of a choice a reader sees: the alternative on display, without the hidden
# two-calendar gloss of a date inside it.
SHOWN = """el => [...el.children]
    .filter(alt => alt.getClientRects().length > 0)
    .map(alt => { const copy = alt.cloneNode(true);
                  copy.querySelectorAll('.date-gloss').forEach(g => g.remove());
                  return copy.textContent; })
    .join('|')"""


def test_switching_to_the_source_reading(page, base_url: str) -> None:
    _, _, edited, source = _correction()
    page.goto(base_url + _choice_text())
    assert _words(_choice(page).evaluate(SHOWN)) == edited
    page.get_by_text("As in the source", exact=True).click()
    assert _words(_choice(page).evaluate(SHOWN)) == source
    page.reload()  # the choice is remembered
    assert _words(_choice(page).evaluate(SHOWN)) == source
    page.get_by_text("Edited: with the editors’ corrections").click()
    assert _words(_choice(page).evaluate(SHOWN)) == edited


def test_switching_works_without_javascript(page_without_js, base_url: str) -> None:
    _, _, edited, source = _correction()
    page = page_without_js
    page.goto(base_url + _choice_text())
    assert _words(_choice(page).evaluate(SHOWN)) == edited
    page.get_by_text("As in the source", exact=True).click()
    assert _words(_choice(page).evaluate(SHOWN)) == source


def test_a_date_shows_both_calendars_on_focus(page, base_url: str, expect) -> None:
    # A text whose dates are all in the Julian calendar: its first date has both.
    julian = "//tei:text[.//tei:date][not(.//tei:date[not(@datingMethod='#julian')])]"
    page.goto(base_url + _page(texts_with(julian)[0]))
    date = page.locator(".text .date[tabindex]").first
    gloss = date.locator(".date-gloss")
    assert gloss.bounding_box()["width"] <= 1
    date.focus()
    expect(gloss).to_contain_text("Old Style (Julian)")
    assert gloss.bounding_box()["width"] > 50
    page.keyboard.press("Escape")
    assert gloss.bounding_box()["width"] <= 1


# --- search ---------------------------------------------------------------------------------


def test_search_finds_a_person_and_opens_the_text(page, base_url: str, expect) -> None:
    name = _searched_name()
    page.goto(base_url + "search.html")
    page.locator("#search-q").fill(name)
    page.keyboard.press("Enter")
    results = page.locator("#search-results > li")
    expect(results.first).to_be_visible()
    expect(page.locator("#search-status")).to_contain_text(f"found for “{name}”")
    link = page.locator("#search-results h2 a[href*='/texts/']").first
    href = link.get_attribute("href")
    assert "#" in href
    link.click()
    expect(page).to_have_url(re.compile(r"/texts/[^/]+\.html#.+$"))
    target = href.split("#", 1)[1]
    expect(page.locator(f"[id='{target}']")).to_contain_text(name)


def test_search_opened_from_disk_explains_itself(browser, site: Path, expect) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto((site / "search.html").as_uri() + f"?q={quote(_searched_name())}")
    expect(page.locator("#search-offline")).to_be_visible()
    context.close()


# --- layout, accessibility, screenshots ---------------------------------------------------------


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_kind_of_page_fits_and_is_photographed(
    browser, base_url: str, pages: dict[str, str], viewport
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, outside = _context(browser, base_url, viewport=viewport)
    page = context.new_page()
    too_wide = []
    for name, path in pages.items():
        page.goto(base_url + path)
        if name == "search":
            page.locator("#search-results > li").first.wait_for()
        page.screenshot(
            path=str(SHOTS / f"{name}-{viewport['width']}.png"), full_page=name in ("home", "text")
        )
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            too_wide.append(f"{name}: {width}px")
    page.goto(base_url + _choice_text())
    page.locator("p a.noteref").first.click()
    page.screenshot(path=str(SHOTS / f"note-popover-{viewport['width']}.png"))
    # What opens in place, and the names highlighted.
    for name, selector in (("name", "article .text a.name"), ("intervention", ".choice[tabindex]")):
        page.keyboard.press("Escape")
        page.locator(selector).first.scroll_into_view_if_needed()
        page.locator(selector).first.click()
        page.screenshot(path=str(SHOTS / f"{name}-popover-{viewport['width']}.png"))
    page.keyboard.press("Escape")
    page.locator("label[for='highlight-all']").click()
    page.locator("article .text p").nth(2).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"names-highlighted-{viewport['width']}.png"))
    page.locator("label[for='highlight-none']").click()
    context.close()
    assert not too_wide, f"pages wider than the screen: {too_wide}"
    assert not outside, outside


def _axe(page, axe_js: Path) -> list[str]:
    page.add_script_tag(path=str(axe_js))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(json.dumps(n["target"]) for n in v["nodes"][:4])
        for v in result["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations(
    browser, base_url: str, pages: dict[str, str], scheme: str
) -> None:
    axe_js = tools.axe_script()
    context, _ = _context(browser, base_url, color_scheme=scheme)
    page = context.new_page()
    found = {}
    for name, path in pages.items():
        page.goto(base_url + path)
        if name == "search":
            page.locator("#search-results > li").first.wait_for()
        violations = _axe(page, axe_js)
        if violations:
            found[name] = violations
    # The text as the source has it, with a note open in place.
    page.goto(base_url + _choice_text())
    page.get_by_text("As in the source", exact=True).click()
    page.locator("p a.noteref").first.click()
    violations = _axe(page, axe_js)
    if violations:
        found["text, source reading, note open"] = violations
    # A name's and an intervention's pop-over, the names highlighted, a date's tooltip.
    for state, selector in (
        ("name open", "article .text a.name"),
        ("intervention open", ".choice[tabindex]"),
    ):
        page.goto(base_url + _choice_text())
        page.locator(selector).first.click()
        violations = _axe(page, axe_js)
        if violations:
            found[f"text, {state}"] = violations
    page.locator("label[for='highlight-all']").click()
    page.locator("article .text .date[tabindex]").first.focus()
    violations = _axe(page, axe_js)
    if violations:
        found["text, names highlighted, a date focused"] = violations
    page.locator("label[for='highlight-none']").click()
    context.close()
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


def test_print_shows_the_text_without_the_controls(page, base_url: str, expect) -> None:
    page.goto(base_url + _page(_reading_text()))
    page.emulate_media(media="print")
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator(".mode-switch")).to_be_hidden()
    expect(page.locator("article .text p").first).to_be_visible()
    expect(page.locator("#ed-cite")).to_be_visible()
