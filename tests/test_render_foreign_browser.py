"""Other projects' TEI in a real browser: valid HTML, no accessibility violation, no page
wider than the screen, pop-overs that work, and downloads that never run script.

Chromium is driven by Playwright over local HTTP; the site is the one built from
tests/data/projects/ (see tests/browser/sites.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import sites, tools
from browser.server import serve
from conftest import local_server

from pipeline.xmltools import TEI_NS

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def site() -> Path:
    return sites.projects_site()[0]


@pytest.fixture(scope="module")
def pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


def _context(browser, base_url: str, **options):
    """A browser context that records every request outside the site, and answers none."""
    context = browser.new_context(**{"viewport": DESKTOP, **options})
    outside: list[str] = []

    def route(route) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return context, outside


def test_every_page_is_valid_html(site: Path) -> None:
    errors = tools.html_errors(site)
    assert not errors, "\n".join(errors[:30])


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_page_is_wider_than_the_screen(browser, base_url, pages, viewport) -> None:
    context, outside = _context(browser, base_url, viewport=viewport)
    page = context.new_page()
    too_wide = []
    for rel in pages:
        page.goto(base_url + rel)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            too_wide.append(f"{rel}: {width}px")
    context.close()
    assert not too_wide, f"pages wider than the screen: {too_wide}"
    assert not outside, f"pages asked for something outside the site: {outside}"


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(tools.axe_script()))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(json.dumps(n["target"]) for n in v["nodes"][:4])
        for v in result["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations(browser, base_url, pages, scheme) -> None:
    context, _ = _context(browser, base_url, color_scheme=scheme)
    page = context.new_page()
    found = {}
    for rel in pages:
        page.goto(base_url + rel)
        violations = _axe(page)
        if violations:
            found[rel] = violations
    # With what opens in place: an apparatus entry, a name's entry, a note, an image.
    for rel, selector in (
        ("texts/carmen-de-horto.html", "a.appref"),
        ("texts/brief-0117.html", "a.name[data-entry]"),
        ("texts/FRA99901_Exemple.html", "a.noteref"),
        ("texts/notebook-3.html", "details.facsimile summary"),
    ):
        page.goto(base_url + rel)
        page.locator(selector).first.click()
        violations = _axe(page)
        if violations:
            found[f"{rel}, {selector} open"] = violations
    context.close()
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


def test_an_apparatus_entry_opens_in_place_and_leads_back(browser, base_url) -> None:
    from playwright.sync_api import expect

    context, outside = _context(browser, base_url)
    page = context.new_page()
    page.goto(base_url + "texts/carmen-de-horto.html")
    marker = page.locator("a.appref").first
    entry_id = marker.get_attribute("href").removeprefix("#")
    marker.click()
    popover = page.locator(".note-popover")
    expect(popover).to_be_visible()
    expect(popover).to_contain_text("paruus")
    expect(popover).to_contain_text("Variant readings")
    popover.get_by_role("link", name="Show in the apparatus").click()
    expect(page.locator(f"#{entry_id}")).to_be_in_viewport()
    page.locator(f"#{entry_id} a.backref").click()
    expect(page.locator(f"#{marker.get_attribute('id')}")).to_be_in_viewport()
    context.close()
    assert not outside


def test_a_name_opens_its_entry_in_place(browser, base_url) -> None:
    from playwright.sync_api import expect

    context, outside = _context(browser, base_url)
    page = context.new_page()
    page.goto(base_url + "texts/brief-0117.html")
    page.locator("p a.name[data-entry='brief-0117-pl-odessa']").first.click()
    popover = page.locator(".note-popover")
    expect(popover).to_be_visible()
    expect(popover).to_contain_text("46.477 30.733")
    page.keyboard.press("Escape")
    expect(popover).to_be_hidden()
    context.close()
    # Without script the name is a link to its register entry.
    context, _ = _context(browser, base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "texts/brief-0117.html")
    page.locator("p a.name[data-entry='brief-0117-pl-odessa']").first.click()
    expect(page).to_have_url(re.compile(r"places\.html#brief-0117-pl-odessa$"))
    context.close()
    assert not outside


def test_page_images_load_only_when_asked_for(browser, base_url) -> None:
    context, outside = _context(browser, base_url)
    page = context.new_page()
    page.goto(base_url + "texts/notebook-3.html")
    page.wait_for_load_state("networkidle")
    assert not outside, f"the page loaded images by itself: {outside}"
    page.locator("#ed-images details summary").first.click()
    page.wait_for_timeout(300)
    assert outside and all(u.startswith("https://iiif.example.org/") for u in outside), outside
    context.close()


# --- downloads never run script ---------------------------------------------------------


def _payload(listener: str) -> str:
    """TEI that is valid, with XHTML in its xenoData that calls ``listener``."""
    xhtml = "http://www.w3.org/1999/xhtml"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="{TEI_NS}" xml:id="payload">
  <teiHeader>
    <fileDesc>
      <titleStmt><title>A letter with something in its metadata</title></titleStmt>
      <publicationStmt><p>Unpublished.</p></publicationStmt>
      <sourceDesc><p>Born digital.</p></sourceDesc>
    </fileDesc>
    <xenoData>
      <script xmlns="{xhtml}">fetch("{listener}/script-ran");</script>
      <img xmlns="{xhtml}" src="{listener}/image-loaded" alt=""/>
    </xenoData>
  </teiHeader>
  <text><body><p>Nothing to see here.</p></body></text>
</TEI>
"""


class _PlainServer:
    """`python -m http.server` on a free port, as most static hosts serve a site."""

    def __init__(self, folder: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline()
        port = re.search(r"port (\d+)", line)
        assert port, line
        self.url = f"http://127.0.0.1:{port.group(1)}/"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _open(browser, url: str) -> None:
    """Open ``url`` as a reader would, following the link, and wait a moment."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(url, wait_until="load")
    except Exception as exc:  # a download is not a page: Chromium says so and saves it
        if "Download is starting" not in str(exc):
            raise
    page.wait_for_timeout(1000)
    context.close()


def test_a_tei_download_runs_nothing_over_a_plain_static_server(browser, tmp_path: Path) -> None:
    listener_root = tmp_path / "listener"
    listener_root.mkdir()
    with local_server(listener_root) as listener:
        source = tmp_path / "in" / "payload.xml"
        source.parent.mkdir()
        source.write_text(_payload(listener.url), encoding="utf-8")
        site = tmp_path / "site"
        sites.build_foreign([source], site, search=False)
        # The guard removed: the same file as received, served under its own name.
        (site / "unguarded.xml").write_bytes(source.read_bytes())
        server = _PlainServer(site)
        try:
            context = browser.new_context(accept_downloads=True)
            page = context.new_page()
            page.goto(server.url + "texts/payload.html")
            link = page.get_by_role("link", name="TEI XML, packed (ZIP)")
            with page.expect_download() as download:
                link.click()
            saved = tmp_path / "saved.zip"
            download.value.save_as(saved)
            page.wait_for_timeout(500)
            context.close()
            _open(browser, server.url + "downloads/payload.xml.zip")
            assert listener.requests == [], listener.requests
            # What the link gives is the file as received, byte for byte.
            import zipfile

            with zipfile.ZipFile(saved) as archive:
                assert archive.read(archive.namelist()[0]) == source.read_bytes()
            # The test can fail: served as it came, the same file runs its payload.
            _open(browser, server.url + "unguarded.xml")
            assert listener.requests, "the unguarded file ran nothing: the test proves nothing"
        finally:
            server.close()
