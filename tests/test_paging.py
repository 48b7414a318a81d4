"""Lists of the whole collection go on over numbered pages (setting ``list-page-items``):
no such page holds more than the bound, no item is lost or repeated, every link lands,
and the pages are valid HTML. Each site is built twice, with a bound far below its
lists and with the default, and the paged lists are compared with the whole ones."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from browser import sites
from browser.tools import html_errors
from lxml import html

from pipeline.build import build

BOUND = 4


@pytest.fixture(scope="module")
def paged() -> tuple[Path, Path]:
    root = sites.workdir() / "paged"
    corpus = root / "corpus"
    sites.build_corpus(corpus, sites.project_config().replace(list_page_items=BOUND), search=False)
    foreign = root / "foreign"
    config = sites.config().replace(theme_dir=None, list_page_items=BOUND)
    build(config, sites.options(tei_paths=tuple(sites.foreign_paths()), site_dir=foreign))
    return corpus, foreign


@pytest.fixture(scope="module")
def whole() -> tuple[Path, Path]:
    return sites.corpus_site()[0], sites.foreign_site()[0]


def _tree(path: Path) -> html.HtmlElement:
    return html.fromstring(path.read_bytes())


def _series(site: Path, first: str) -> list[Path]:
    """A list's pages in order: ``first`` (from the site root), then its numbered pages."""
    path = site / first
    pages = [path]
    folder = path.with_suffix("")
    for n in range(2, 10_000):
        following = path.with_name(f"{path.stem}-{n}{path.suffix}")
        inside = folder / f"{n}.html"  # an entry's own pages
        if following.exists():
            pages.append(following)
        elif inside.exists():
            pages.append(inside)
        else:
            break
    return pages


def _items(pages: list[Path], xpath: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", el if isinstance(el, str) else el.text_content()).strip()
        for page in pages
        for el in _tree(page).xpath(xpath)
    ]


def _targets(pages: list[Path], site: Path, xpath: str) -> list[str]:
    """The links of ``xpath``, each from the site's root (pages lie at several depths)."""
    found = []
    for page in pages:
        for href in _tree(page).xpath(xpath):
            path, _, fragment = href.partition("#")
            target = (page.parent / path).resolve().relative_to(site.resolve()).as_posix()
            found.append(f"{target}#{fragment}")
    return found


# A list, its first page, what counts as one of its items.
LISTS = [
    ("index.html", "//ol[@class='doc-list']/li//h3/a/@href"),
    ("downloads.html", "//ul[@class='downloads']/li"),
    (
        "chronology.html",
        (
            "//ul[@class='written-list']/li | //li[contains(@class,'passage ')] | "
            "//li[contains(@class,'life ')]"
        ),
    ),
    ("about.html", "//section[@class='interventions']//li | //section[@class='interventions']/h3"),
    (
        "validation.html",
        "//section[contains(@class,'verdict')]//h2 | //li[contains(@class,'finding ')]",
    ),
    ("persons.html", "//article[@class='entry']/h3/@id"),
    ("places.html", "//article[@class='entry']/h3/@id"),
    ("organisations.html", "//article[@class='entry']/h3/@id"),
    ("publications.html", "//article[@class='entry']/h3/@id"),
]


def _lists(whole_site: Path) -> list[tuple[str, str]]:
    return [(first, xpath) for first, xpath in LISTS if (whole_site / first).exists()]


def test_no_item_of_a_list_is_lost_or_repeated(paged, whole) -> None:
    checked = 0
    for paged_site, whole_site in zip(paged, whole, strict=True):
        for first, xpath in _lists(whole_site):
            expected = _items([whole_site / first], xpath)
            found = _items(_series(paged_site, first), xpath)
            assert found == expected, first
            checked += bool(expected)
    assert checked >= 6


def test_a_long_list_goes_on_over_pages_of_at_most_the_bound(paged, whole) -> None:
    for paged_site, whole_site in zip(paged, whole, strict=True):
        for first, xpath in _lists(whole_site):
            if first in ("about.html", "validation.html"):
                continue  # weighed by interventions and findings: below
            total = len(_items([whole_site / first], xpath))
            pages = _series(paged_site, first)
            assert len(pages) == max(1, math.ceil(total / BOUND)), first
            for page in pages:
                assert len(_items([page], xpath)) <= BOUND, page
        for first in ("about.html", "validation.html"):
            if not (whole_site / first).exists():
                continue
            xpath = dict(LISTS)[first]
            for page in _series(paged_site, first):
                parts = _tree(page).xpath(
                    "//section[@class='interventions'] | //section[contains(@class,'verdict')]"
                )
                weight = len(_items([page], xpath))
                # A text (or file) alone on its page may weigh more than the bound.
                assert weight <= BOUND or len(parts) == 1, page


def test_a_register_s_list_shows_a_bounded_share_of_each_entry_s_mentions(whole) -> None:
    """On a register's list, an entry shows the mentions of a few texts (a 25th of the
    bound, at least one) and how many more there are; its own page has them all. (With
    a bound its registers fit in, so that the lists show mentions at all.)"""
    # The most texts an entry is named in, from the entries' own pages; a bound that
    # shows fewer.
    most = max(
        len(_tree(entry).xpath("//ul[@class='mention-list']/li"))
        for first, _ in LISTS[-4:]
        for entry in (whole[0] / first.removesuffix(".html")).glob("*.html")
    )
    assert most >= 2, "no entry is named in two texts: nothing to cut"
    bound = 25 * (most - 1)
    site = sites.workdir() / "mentions"
    sites.build_corpus(site, sites.project_config().replace(list_page_items=bound), search=False)
    shown = max(1, math.ceil(bound / 25))
    cut = 0
    for first, _ in LISTS[-4:]:
        if not (whole[0] / first).exists():
            continue
        for page in _series(site, first):
            for article in _tree(page).xpath("//article[@class='entry']"):
                texts = article.xpath(".//ul[@class='mention-list']/li[not(@class='more')]")
                assert len(texts) <= shown, page
                more = article.xpath(".//ul[@class='mention-list']/li[@class='more']")
                cut += bool(more)
                if more:
                    assert more[0].xpath(".//a/@href")[0].endswith(".html")
    assert cut


def test_an_entry_s_mentions_go_on_over_its_own_pages(paged, whole) -> None:
    """Every entry's page, cut into pages of at most the bound in occurrences and texts
    written (a text with more alone), lists the same occurrences and the same texts
    written as the whole page."""
    paged_corpus, whole_corpus = paged[0], whole[0]
    longer = authors = 0
    for entry in sorted(whole_corpus.glob("*/*.html")):
        rel = entry.relative_to(whole_corpus).as_posix()
        if rel.split("/")[0] not in ("persons", "places", "organisations", "publications"):
            continue
        xpath = "//ul[@class='mention-list']/li//a/@href"
        wrote = "//p[@class='authored']/a/@href"
        pages = _series(paged_corpus, rel)
        assert _targets(pages, paged_corpus, xpath) == _targets([entry], whole_corpus, xpath)
        assert _targets(pages, paged_corpus, wrote) == _targets([entry], whole_corpus, wrote)
        in_all = len(_tree(entry).xpath("//ul[@class='mention-list']/li"))
        for page in pages:
            texts = _tree(page).xpath("//ul[@class='mention-list']/li")
            occurrences = len(_items([page], xpath)) - len(texts)
            written = len(_items([page], wrote))
            assert occurrences + written <= BOUND or len(texts) + written == 1, page
            if 0 < len(texts) < in_all:  # the heading counts all the texts, not this page's
                [heading] = _items([page], "//*[@class='mentions-heading']")
                assert heading.endswith(f" in {in_all} texts, among them"), (page, heading)
        if len(pages) > 1:  # what search shows of the entry: its name, not the page count
            heading = _tree(pages[0]).xpath("//h1")[0]
            assert "(page 1 of" in heading.text_content()
            for ignored in heading.xpath(".//*[@data-pagefind-ignore]"):
                ignored.drop_tree()
            assert heading.text_content() == _tree(entry).xpath("//h1")[0].text_content()
        longer += len(pages) > 1
        authors += bool(_items([entry], wrote))
    assert longer and authors


def test_names_in_the_texts_lead_to_the_entry_s_own_page_when_its_register_is_paged(
    paged,
) -> None:
    corpus = paged[0]
    lists = "|".join(first.removesuffix(".html") for first, _ in LISTS[-4:])
    to_entries, to_lists = [], []
    for page in sorted((corpus / "texts").glob("*.html")):
        for a in _tree(page).iter("a"):
            href = a.get("href") or ""
            if re.match(rf"\.\./({lists})/", href):
                to_entries.append(href)
            elif re.match(rf"\.\./({lists})(-\d+)?\.html#", href):
                to_lists.append(href)
    assert to_entries
    assert not to_lists, to_lists[:5]


def test_every_link_of_a_paged_site_lands(paged) -> None:
    for site in paged:
        broken = sites.broken_links(site)
        assert not broken, broken[:20]


def test_paged_pages_are_valid_html(paged) -> None:
    errors = html_errors(*paged)
    assert not errors, "\n".join(errors[:20])


def test_the_collection_s_plain_text_goes_on_over_parts_of_at_most_the_bound(paged, whole) -> None:
    """edition.txt, edition-2.txt...: each at most the bound in texts, together the
    whole text's texts in the same order, each part listed on the home page and on the
    Downloads page."""
    rule = "\n\n" + "=" * 72 + "\n\n"
    checked = 0
    for paged_site, whole_site in zip(paged, whole, strict=True):
        for folder in ("downloads", "downloads/original"):
            whole_txt = whole_site / folder / "edition.txt"
            if not whole_txt.exists():
                continue
            expected = whole_txt.read_text("utf-8").split(rule)[1:]
            parts = [paged_site / folder / "edition.txt"]
            while (more := paged_site / folder / f"edition-{len(parts) + 1}.txt").exists():
                parts.append(more)
            assert len(parts) == math.ceil(len(expected) / BOUND), folder
            found = []
            for number, part in enumerate(parts, 1):
                texts = part.read_text("utf-8").split(rule)[1:]
                assert 0 < len(texts) <= BOUND, part
                assert f"Part {number} of {len(parts)}:" in part.read_text("utf-8"), part
                found += texts
            assert found == expected, folder
            checked += 1
            if folder == "downloads" and len(parts) > 1:
                home = set(_tree(paged_site / "index.html").xpath("//a/@href"))
                assert {f"downloads/{p.name}" for p in parts} <= home
                if (paged_site / "downloads.html").exists():
                    listed = _items(_series(paged_site, "downloads.html"), "//a/@href")
                    assert {f"downloads/{p.name}" for p in parts} <= set(listed)
    assert checked >= 2
