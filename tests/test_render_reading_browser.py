"""The reading experience in a real browser (Chromium through Playwright, over local
HTTP): the keyboard alone opens an intervention's reason and a name's entry, uses the
search filters and moves along the chronology; a text has one Tab stop per kind of
thing; search finds a date by the other calendar, narrows to a person, and gives each
register entry alone; nothing is wider than the screen or cut off, at 320, 390 and
1280 px.

What each test looks for is read from the TEI and the registers, never from the pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from browser import sites
from browser.server import serve
from lxml import etree, html

from pipeline.render.dates import date_info, in_words
from pipeline.render.registers import RegisterLinks
from pipeline.render.search import name_variants
from pipeline.structure.registers import RegisterIndex
from pipeline.xmltools import NSMAP, XML_ID, parse_file

T = "{http://www.tei-c.org/ns/1.0}"
DESKTOP = {"width": 1280, "height": 900}
WIDTHS = {320: 640, 390: 844, 1280: 900}  # width -> height


@pytest.fixture(scope="module")
def expect():
    from playwright.sync_api import expect

    return expect


@pytest.fixture(scope="module")
def site() -> Path:
    return sites.corpus_site()[0]


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(viewport=DESKTOP)
    outside: list[str] = []
    context.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(base_url) else None,
    )
    yield context.new_page()
    context.close()
    assert not outside, f"the page asked for something outside the site: {outside}"


# --- facts from the TEI and the registers ------------------------------------------------


def texts() -> list[etree._Element]:
    return [parse_file(p).getroot() for p in sites.corpus_tei()]


def registers() -> RegisterIndex:
    path = sites.config().registers_path
    return RegisterIndex(parse_file(path).getroot(), path.name)


def words(el) -> str:
    return " ".join("".join(el.itertext()).split())


def in_citation(el) -> bool:
    return any(a.tag in (T + "teiHeader", T + "bibl", T + "biblStruct") for a in el.iterancestors())


def declared_reasons(tei) -> dict[tuple[str, str], str]:
    found = {}
    for item in tei.iterfind(".//tei:editorialDecl//tei:item", NSMAP):
        quotes = item.findall("tei:quote", NSMAP)
        if len(quotes) == 2:
            found[(words(quotes[0]), words(quotes[1]))] = words(item).split(words(quotes[1]), 1)[1]
    return found


def tab_to(page, selector: str, limit: int = 150) -> int:
    """Press Tab until the focus is on an element matching ``selector``."""
    for count in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement.matches(s)", selector):
            return count
    pytest.fail(f"Tab never reached {selector} in {limit} presses")


def active(page, script: str = "el => el.id"):
    return page.evaluate(f"() => ({script})(document.activeElement)")


def inside(box: dict, width: int, height: int) -> bool:
    return (
        box["x"] >= -0.5
        and box["y"] >= -0.5
        and box["x"] + box["width"] <= width + 0.5
        and box["y"] + box["height"] <= height + 0.5
    )


# --- the keyboard alone ---------------------------------------------------------------------


def test_keyboard_opens_an_intervention_and_reads_its_reason(page, base_url, expect) -> None:
    tei = next(t for t in texts() if declared_reasons(t))
    reasons = declared_reasons(tei)
    page.goto(base_url + f"texts/{tei.get(XML_ID)}.html")
    tab_to(page, ".choice")
    # The arrow keys move along the interventions to one with a declared reason.
    for _ in range(len(reasons) + 40):
        shown = page.evaluate(
            "() => [document.activeElement.dataset.source, document.activeElement.dataset.reading]"
        )
        if tuple(shown) in reasons:
            break
        page.keyboard.press("ArrowRight")
    reason = reasons[tuple(shown)]
    choice_id = active(page)
    page.keyboard.press("Enter")
    popover = page.locator(".note-popover:popover-open")
    expect(popover).to_be_visible()
    expect(popover).to_contain_text(shown[0])
    expect(popover).to_contain_text(shown[1])
    why = popover.locator("dt:text-is('Why') + dd").inner_text().strip()
    assert why and why in reason, (why, reason)
    page.keyboard.press("Tab")  # the Close button, at the top of the pop-over
    assert active(page, "el => el.textContent") == "Close"
    page.keyboard.press("Escape")
    expect(popover).to_have_count(0)
    assert active(page) == choice_id


def test_keyboard_opens_a_name_with_its_life_in_both_calendars(page, base_url, expect) -> None:
    index = registers()
    links = RegisterLinks(index)
    dual = {}
    for entry in index:
        born = entry.element.find("tei:birth/tei:date", NSMAP)
        if born is not None and born.get("when-custom"):
            dual[links.key(entry)] = (entry, date_info(born))
    tei = next(
        t
        for t in texts()
        if any(
            links.resolve(el.get("ref")) and links.resolve(el.get("ref"))[0] in dual
            for el in t.find(T + "text").iter(T + "persName")
        )
    )
    page.goto(base_url + f"texts/{tei.get(XML_ID)}.html")
    tab_to(page, "a.name")
    for _ in range(600):
        if active(page, "el => el.dataset.entry") in dual:
            break
        page.keyboard.press("ArrowRight")
    key = active(page, "el => el.dataset.entry")
    entry, born = dual[key]
    page.keyboard.press("Enter")
    popover = page.locator(".note-popover:popover-open")
    expect(popover).to_be_visible()
    assert popover.get_attribute("aria-label") == entry.name
    expect(popover).to_contain_text(born.gregorian)
    expect(popover).to_contain_text(born.julian)
    link = popover.get_by_role("link", name="Open the register entry")
    assert link.get_attribute("href").endswith(f"#{key}")
    page.keyboard.press("Escape")
    expect(popover).to_have_count(0)
    assert active(page, "el => el.dataset.entry") == key


KINDS = {
    "note": "a.noteref, a.appref",
    "name": "a.name",
    "date": ".date[tabindex]",
    "intervention": ".choice[tabindex]",
    "paragraph link": "a.pilcrow",
    "back link": "a.backref",
    "index": "a.index-link",
}


@pytest.mark.parametrize("tei_path", sites.corpus_tei(), ids=lambda p: p.stem)
def test_a_text_has_one_tab_stop_per_kind_of_thing(page, base_url, tei_path: Path) -> None:
    tei = parse_file(tei_path).getroot()
    page.goto(base_url + f"texts/{tei.get(XML_ID)}.html")
    seen: dict[str, list[str]] = {}
    for _ in range(120):
        page.keyboard.press("Tab")
        where = page.evaluate(
            "kinds => { const el = document.activeElement; if (!el.closest('article.document')) return null;"
            " for (const [k, s] of Object.entries(kinds)) if (el.matches(s)) return [k, el.outerHTML.slice(0, 80)];"
            " return ['other', el.tagName]; }",
            KINDS,
        )
        if where is None and seen:
            break
        if where:
            seen.setdefault(where[0], []).append(where[1])
    more = {kind: stops for kind, stops in seen.items() if kind != "other" and len(stops) > 1}
    assert not more, more
    # Every paragraph link is still reached, by the arrow keys.
    links = page.locator("article a.pilcrow").count()
    if links > 1:
        page.locator("article a.pilcrow").first.focus()
        for _ in range(links - 1):
            page.keyboard.press("ArrowDown")
        assert page.evaluate(
            "() => document.activeElement === [...document.querySelectorAll('article a.pilcrow')].pop()"
        )


def _named_in(index: RegisterIndex) -> dict[str, set[str]]:
    """Person -> the texts (ids) that name him or her in their text."""
    named: dict[str, set[str]] = {}
    for tei in texts():
        for el in tei.find(T + "text").iter():
            entry = index.resolve(el.get("ref")) if el.get("ref") else None
            if entry is not None and entry.kind == "person":
                named.setdefault(entry.name, set()).add(tei.get(XML_ID))
    return named


def _results(page) -> list[str]:
    page.wait_for_function(
        "() => { const s = document.getElementById('search-status').textContent; "
        "return s && !s.startsWith('Searching'); }"
    )
    return page.locator("#search-results h2 a").evaluate_all(
        "els => els.map(a => a.getAttribute('href'))"
    )


def test_keyboard_uses_the_search_filters(page, base_url) -> None:
    index = registers()
    named = _named_in(index)
    total = len(texts())
    person, ids = next((p, i) for p, i in sorted(named.items()) if 0 < len(i) < total)
    page.goto(base_url + "search.html")
    tab_to(page, "#filter-person")
    for _ in range(len(index) + 5):
        if page.evaluate("() => document.activeElement.value") == person:
            break
        page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.value") == person
    found = _results(page)
    texts_found = {
        re.sub(r"^.*/texts/([^/#]+)\.html.*$", r"\1", h) for h in found if "/texts/" in h
    }
    assert texts_found == ids
    others = [h for h in found if "/texts/" not in h]
    assert others and all("/persons/" in h for h in others)


def test_a_person_filter_narrows_the_results_to_the_texts_that_name_that_person(
    page, base_url
) -> None:
    index = registers()
    named = _named_in(index)
    person, ids = max(
        ((p, i) for p, i in named.items() if len(i) < len(texts())), key=lambda x: len(x[1])
    )
    page.goto(base_url + "search.html?q=the")
    everything = _results(page)
    page.select_option("#filter-person", person)
    narrowed = _results(page)
    assert len(narrowed) < len(everything)
    texts_found = {
        re.sub(r"^.*/texts/([^/#]+)\.html.*$", r"\1", h) for h in narrowed if "/texts/" in h
    }
    assert texts_found and texts_found <= ids


def test_keyboard_moves_along_the_chronology(page, base_url, expect) -> None:
    page.goto(base_url + "chronology.html")
    tab_to(page, "svg.timeline a.year-bar")
    first = active(page, "el => el.getAttribute('href')")
    page.keyboard.press("ArrowRight")
    second = active(page, "el => el.getAttribute('href')")
    assert second != first and second.startswith("#y")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(second) + "$"))
    expect(page.locator(second)).to_be_in_viewport()


# --- search ------------------------------------------------------------------------------------


def _paragraph_of(el) -> str:
    for ancestor in el.iterancestors():
        if ancestor.tag in (T + "p", T + "head", T + "note") and ancestor.get(XML_ID):
            return ancestor.get(XML_ID)
    raise AssertionError("a date outside any passage")


def test_a_new_style_date_finds_the_passage_that_gives_the_old_style(page, base_url) -> None:
    """A date written in the Old Style only, searched by its New Style date."""
    found = None
    for tei in texts():
        for el in tei.find(T + "text").iter(T + "date"):
            info = date_info(el)
            if (
                el.get("calendar") == "#julian"
                and el.get("when")
                and len(el.get("when")) == 10
                and el.get("when-custom")
                and not in_citation(el)
            ):
                found = (tei, el, info)
                break
        if found:
            break
    assert found, "no date of the texts is written in the Old Style alone"
    tei, el, info = found
    assert str(info.start[2]) not in words(el)  # the text does not give the New Style day
    page.goto(base_url + "search.html?q=" + quote(in_words(info.start)))
    hrefs = _results(page)
    assert any(h.endswith(f"texts/{tei.get(XML_ID)}.html#{_paragraph_of(el)}") for h in hrefs), (
        hrefs
    )


def test_each_register_entry_comes_up_alone(page, base_url, expect) -> None:
    index = registers()
    surnames: dict[str, list] = {}
    for entry in index:
        if entry.kind == "person" and entry.surname:
            surnames.setdefault(entry.surname, []).append(entry)
    checked = 0
    for surname, entries in sorted(surnames.items())[:3]:
        if len(entries) != 1:
            continue
        entry = entries[0]
        page.goto(base_url + "search.html?q=" + quote(surname))
        _results(page)
        result = page.locator("#search-results > li", has=page.locator("h2 a[href*='/persons/']"))
        own = result.filter(has_text=entry.heading)
        expect(own).to_have_count(1)
        excerpt = own.locator(".excerpt").inner_text()
        # No other entry runs into it (a name its own fields give aside).
        own = words(entry.element) + " " + entry.heading
        others = [e.heading for e in index if e is not entry and e.heading not in own]
        assert not [h for h in others if h in excerpt], (entry.id, excerpt)
        checked += 1
    assert checked


def test_spellings_of_a_name_find_each_other(page, base_url, site: Path) -> None:
    variants = name_variants(RegisterLinks(registers()))
    articles = {}
    for path in sorted((site / "texts").glob("*.html")):
        article = html.fromstring(path.read_bytes()).xpath("//article")[0]
        for ignored in article.xpath(".//*[@data-pagefind-ignore]"):
            ignored.drop_tree()  # what the search does not index
        articles[path.stem] = " ".join(article.text_content().split()).casefold()
    pair = next(
        (
            (typed, other, doc)
            for typed, others in variants.items()
            for other in others
            for doc, text in articles.items()
            if re.search(rf"\b{other}\b", text) and not re.search(rf"\b{typed}\b", text)
        ),
        None,
    )
    assert pair, "no text writes a name only in another of its spellings"
    typed, _, doc = pair
    page.goto(base_url + "search.html?q=" + quote(typed))
    assert any(f"/texts/{doc}.html" in h for h in _results(page))


# --- nothing wider than the screen, nothing cut off ---------------------------------------------


def _kinds_of_page(site: Path) -> dict[str, str]:
    links = RegisterLinks(registers())
    first = next(iter(sorted(links.entries)))
    register = page_of(site, links.page(first))
    entry = register.get_element_by_id(first).find("a").get("href")
    return {
        "home": "index.html",
        "text": f"texts/{sites.corpus_tei()[0].stem}.html",
        "register": links.page(first),
        "entry": entry,
        "chronology": "chronology.html",
        "search": "search.html?q=Soviet",
        "about": "about.html",
        "schema": "schema.html",
        "downloads": "downloads.html",
    }


def page_of(site: Path, rel: str) -> html.HtmlElement:
    return html.fromstring((site / rel).read_bytes())


def _longest_note(site: Path) -> tuple[str, str]:
    best = ("", "", 0)
    for path in sorted((site / "texts").glob("*.html")):
        for note in page_of(site, f"texts/{path.name}").xpath("//li[contains(@class,'note')]"):
            size = len(note.text_content())
            if size > best[2]:
                best = (f"texts/{path.name}", note.get("id"), size)
    return best[0], best[1]


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_nothing_is_wider_than_the_screen_or_cut_off(
    browser, base_url, site: Path, width: int
) -> None:
    height = WIDTHS[width]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    too_wide, clipped = [], []
    for name, rel in _kinds_of_page(site).items():
        page.goto(base_url + rel)
        if name == "search":
            _results(page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            too_wide.append(f"{name}: {scroll}px")

    def check(what: str) -> None:
        popover = page.locator(".note-popover:popover-open")
        box = popover.bounding_box()
        close = popover.get_by_role("button", name="Close").bounding_box()
        if not inside(box, width, height) or not inside(close, width, height):
            clipped.append(f"{what}: {box} {close}")
        page.keyboard.press("Escape")

    text, note = _longest_note(site)
    page.goto(base_url + text)
    page.locator(f"a.noteref[href='#{note}']").first.click()
    check(f"the longest note, {note}")
    page.locator("article .text a.name").last.scroll_into_view_if_needed()
    page.locator("article .text a.name").last.click()
    check("a name")
    for rel in (p.relative_to(site).as_posix() for p in sorted((site / "texts").glob("*.html"))):
        page.goto(base_url + rel)
        choices = page.locator("article .choice[tabindex]")
        if choices.count():
            choices.last.scroll_into_view_if_needed()
            choices.last.click()
            check(f"an intervention in {rel}")
        dates = page.locator("article .text .date[tabindex]")
        for i in range(min(dates.count(), 25)):
            dates.nth(i).focus()
            page.wait_for_timeout(30)
            box = dates.nth(i).locator(".date-gloss").bounding_box()
            if box and box["width"] > 1 and not inside(box, width, height):
                clipped.append(f"the tooltip of a date in {rel}: {box}")
            page.keyboard.press("Escape")
    context.close()
    assert not too_wide, too_wide
    assert not clipped, clipped


# --- a date in either calendar, both ways --------------------------------------------------------

TWO_CALENDARS = """<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="two-calendars" xml:lang="en">
  <teiHeader><fileDesc>
    <titleStmt><title>Two calendars</title></titleStmt>
    <publicationStmt><p>Made for a test.</p></publicationStmt>
    <sourceDesc><p>None.</p></sourceDesc>
  </fileDesc></teiHeader>
  <text><body>
    <p xml:id="new-style">The congress met on <date when="1917-11-07" when-custom="1917-10-25"
      datingMethod="#julian" calendar="#gregorian">7 November 1917</date>.</p>
    <p xml:id="old-style">The march took place on <date when="1905-01-22"
      when-custom="1905-01-09" datingMethod="#julian" calendar="#julian">9 January 1905</date>.</p>
    <p xml:id="no-date">Nothing else happened in January or in November.</p>
  </body></text>
</TEI>
"""


def test_a_date_is_found_by_the_other_calendar_both_ways(browser, tmp_path: Path) -> None:
    """7 November 1917 is 25 October in the Old Style; 9 January 1905 O.S. is 22 January."""
    source = tmp_path / "in" / "two-calendars.xml"
    source.parent.mkdir()
    source.write_text(TWO_CALENDARS, encoding="utf-8")
    site = tmp_path / "site"
    sites.build_foreign([source], site)
    with serve(site) as url:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        for typed, passage in (
            ("25 October 1917", "new-style"),  # the Old Style of a date written New Style
            ("October 25, 1917", "new-style"),
            ("22 January 1905", "old-style"),  # the New Style of a date written Old Style
            ("1905-01-22", "old-style"),
        ):
            page.goto(url + "search.html?q=" + quote(typed))
            hrefs = _results(page)
            assert [h.rpartition("#")[2] for h in hrefs] == [passage], (typed, hrefs)
        context.close()


def test_a_filter_longer_than_the_bound_takes_its_choices_from_the_index(
    browser, site: Path, tmp_path: Path
) -> None:
    """With a bound below a filter's length, the search page lists no choice of it; the
    search fills them from the index: the same choices as the whole page gives."""
    whole = html.fromstring((site / "search.html").read_bytes())
    choices = {
        s.get("data-facet"): [o.get("value") for o in s.xpath("option") if o.get("value")]
        for s in whole.xpath("//select[@data-facet]")
    }
    bound = max(len(values) for values in choices.values()) - 1
    long = {facet for facet, values in choices.items() if len(values) > bound}
    bounded = tmp_path / "site"
    config = sites.project_config().replace(list_page_items=bound)
    sites.build_corpus(bounded, config)
    page_html = html.fromstring((bounded / "search.html").read_bytes())
    for select in page_html.xpath("//select[@data-facet]"):
        listed = [o for o in select.xpath("option") if o.get("value")]
        assert (not listed) == (select.get("data-facet") in long), select.get("data-facet")
    context = browser.new_context(viewport=DESKTOP)
    try:
        with serve(bounded) as url:
            view = context.new_page()
            facet = min(long)
            wanted = choices[facet][len(choices[facet]) // 2]
            view.goto(url + "search.html?" + f"{facet}={quote(wanted)}")
            view.wait_for_function("() => !document.querySelector('select[data-from-index]')")
            for name in long:
                filled = view.locator(f"#filter-{name} option").evaluate_all(
                    "els => els.map(o => o.value).filter(v => v)"
                )
                assert sorted(filled) == sorted(choices[name]), name
            # A choice given in the address is taken once the choices are there.
            assert view.locator(f"#filter-{facet}").input_value() == wanted
    finally:
        context.close()
