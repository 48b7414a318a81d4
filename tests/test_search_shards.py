"""A search index in shards finds what one index finds (Chromium, over local HTTP).

The edition is built twice: with its settings (one index), and with at most a few pages
per index, so that Pagefind writes several shards that the search page merges at query
time. For each shard, a word found only on few pages, one of them in that shard, is
searched on both sites, and so is that word with letters added (found nowhere, so that
Pagefind falls back to its longest known prefix): the results are the same pages.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from browser import sites
from browser.server import serve
from lxml import html

from pipeline.render.search import SHARDS

SHARD_PAGES = 15


@pytest.fixture(scope="module")
def sharded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("sharded") / "site"
    config = sites.project_config().replace(search_shard_pages=SHARD_PAGES)
    sites.build_corpus(site, config)
    return site


def _words(site: Path, page: str) -> set[str]:
    """The words of a page's indexed part (lower case, letters only)."""
    tree = html.fromstring((site / page).read_bytes())
    body = tree.xpath("//*[@data-pagefind-body]")
    text = " ".join(b.text_content() for b in body)
    return {w.lower() for w in re.findall(r"[^\W\d_]{6,}", text)}


def _results(page, base_url: str, word: str) -> set[str]:
    page.goto(base_url + "search.html?q=" + quote(word))
    page.wait_for_function(
        "() => { const s = document.getElementById('search-status').textContent; "
        "return s && !s.startsWith('Searching'); }"
    )
    hrefs = page.locator("#search-results h2 a").evaluate_all(
        "els => els.map(a => a.getAttribute('href'))"
    )
    # Each result's page, as a path from the site's root.
    return {re.sub(r"^(\./|/)", "", href.split("#")[0]) for href in hrefs}


def test_the_shards_hold_every_indexed_page_once(sharded: Path) -> None:
    listing = json.loads((sharded / "pagefind" / SHARDS).read_text(encoding="utf-8"))
    groups = [listing["pages"], *(shard["pages"] for shard in listing["shards"])]
    assert len(groups) > 2
    assert all(0 < len(group) <= SHARD_PAGES for group in groups)
    everything = [p for group in groups for p in group]
    marked = sorted(
        p.relative_to(sharded).as_posix()
        for p in sharded.rglob("*.html")
        if b"data-pagefind-body" in p.read_bytes()
    )
    assert sorted(everything) == marked
    for shard in listing["shards"]:
        assert (sharded / "pagefind" / shard["path"] / "pagefind-entry.json").is_file()


def test_a_sharded_index_finds_a_word_of_every_shard_as_one_index_does(
    browser, sharded: Path
) -> None:
    single = sites.corpus_site()[0]
    alone = json.loads((single / "pagefind" / SHARDS).read_text(encoding="utf-8"))
    assert alone == {"shards": []}  # there, so that search is not answered 404
    listing = json.loads((sharded / "pagefind" / SHARDS).read_text(encoding="utf-8"))
    groups = [listing["pages"], *(shard["pages"] for shard in listing["shards"])]
    pages = {p: _words(sharded, p) for group in groups for p in group}
    frequency = Counter(w for words in pages.values() for w in words)
    context = browser.new_context()
    page = context.new_page()
    refused: list[str] = []  # nothing search asks for may be missing, on either site
    page.on("response", lambda answer: refused.append(answer.url) if answer.status >= 400 else 0)
    checked = 0
    with serve(single) as one, serve(sharded) as many:
        for group in groups:
            # The rarest word of the shard's pages: few results, so none is cut off.
            word = min((w for p in group for w in pages[p]), key=lambda w: (frequency[w], w))
            found = _results(page, many, word)
            assert found & set(group), (word, found)
            assert found == _results(page, one, word), word
            # A word no page has: each index falls back to the longest prefix it knows,
            # which must be the same prefix in every shard as in one index.
            unknown = word + "qx"
            assert _results(page, many, unknown) == _results(page, one, unknown), unknown
            checked += 1
    context.close()
    assert checked == len(groups)
    assert refused == []
