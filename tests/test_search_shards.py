"""A search index in shards finds what one index finds (Chromium, over local HTTP).

The edition is built twice: with its settings (one index), and with at most a few pages
per index, so that Pagefind writes several shards that the search page merges at query
time. For each shard, a word found only on few pages, one of them in that shard, is
searched on both sites, and so is that word with letters added (found nowhere, so that
Pagefind falls back to its longest known prefix): the results are the same pages.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from browser import sites
from browser.server import serve
from lxml import html

from pipeline.render.search import SHARDS, run_pagefind

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


class _Store(dict):
    def get_bytes(self, kind: str, key: str) -> bytes | None:
        return self.get((kind, key))

    def put_bytes(self, kind: str, key: str, data: bytes) -> None:
        self[(kind, key)] = data


class _HoldsAll:
    """A site that holds every index as an earlier version left it."""

    def holds_files(self, files: list[str], key: str) -> bool:
        return True

    def made_files(self, files: list[str], key: str) -> None:
        raise AssertionError(f"made again: {files[:3]}")


def test_an_index_kept_in_place_is_never_written_through(sharded: Path, tmp_path: Path) -> None:
    """A site being written may start as hard links to the current one: where every
    shard is kept, indexing it writes no file that the current site shares."""
    linked = tmp_path / "linked"
    for path in sorted(sharded.rglob("*")):
        target = linked / path.relative_to(sharded)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in sharded.rglob("*") if p.is_file()}
    listing = json.loads((sharded / "pagefind" / SHARDS).read_text(encoding="utf-8"))
    store = _Store()
    copy = tmp_path / "copy"
    shutil.copytree(sharded, copy)
    run_pagefind(copy, shard_pages=len(listing["pages"]), store=store)  # the words known
    run_pagefind(linked, shard_pages=len(listing["pages"]), store=store, keeper=_HoldsAll())
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in sharded.rglob("*") if p.is_file()}
    assert after == before
    assert (linked / "pagefind" / SHARDS).read_bytes() == (
        sharded / "pagefind" / SHARDS
    ).read_bytes()
