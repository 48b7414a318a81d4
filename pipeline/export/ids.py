"""Persistent ids: every published ``xml:id`` stays resolvable, or is redirected.

A release keeps the list of the ids it published (``tei/published-ids.txt``), one a line,
sorted: ``docid`` for a document, ``docid#xmlid`` for a point inside it. An id may only
disappear from the TEI when ``tei/redirects.toml`` says where it went:

    [redirects]
    "old-doc#old-doc-p3" = "old-doc#old-doc-p4"
    "old-doc" = "new-doc"

The HTML keeps old links working: a page for each moved document, and for each moved
point an anchor with the old id on its document's page that sends the reader on.
"""

from __future__ import annotations

import html
import json
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from lxml import etree

from pipeline.errors import EditionError
from pipeline.render.ids import is_safe_id
from pipeline.xmltools import XML_ID

HEADER = (
    "# Published xml:ids of this edition: 'docid' or 'docid#xmlid', one a line, sorted.\n"
    "# An id listed here may only leave the TEI with an entry in redirects.toml.\n"
)


def document_id(tree: etree._ElementTree, fallback: str) -> str:
    """The id a document is published under: its root ``xml:id``, else the file stem."""
    value = tree.getroot().get(XML_ID) or fallback
    if not is_safe_id(value):
        raise EditionError(f"document id {value!r} is not a safe identifier")
    return value


def current_ids(documents: Mapping[str, etree._ElementTree]) -> set[str]:
    """``docid`` and ``docid#xmlid`` for every document (keyed by its id) and its ids."""
    ids: set[str] = set()
    for doc_id, tree in documents.items():
        ids.add(doc_id)
        for element in tree.getroot().iter():
            value = element.get(XML_ID) if isinstance(element.tag, str) else None
            if value and element is not tree.getroot():
                ids.add(f"{doc_id}#{value}")
    return ids


def parse_id_list(text: str) -> list[str]:
    """The ids of a published-ids file; blank lines and ``#`` comments are skipped.

    An id line always starts with a document id, never with ``#``.
    """
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def format_id_list(ids: Iterable[str]) -> str:
    """The published-ids file: a short header, then the ids sorted, one a line."""
    return HEADER + "".join(f"{item}\n" for item in sorted(set(ids)))


def _check_entry(value: object, where: str | Path) -> str:
    if not isinstance(value, str):
        raise EditionError(f"redirect entries must be strings, not {value!r}", where)
    doc, _, point = value.partition("#")
    if not is_safe_id(doc) or (point and not is_safe_id(point)) or value.endswith("#"):
        raise EditionError(f"redirect entry {value!r} is not 'docid' or 'docid#xmlid'", where)
    return value


def parse_redirects(text: str, where: str | Path = "redirects.toml") -> dict[str, str]:
    """Old id -> new id from the ``[redirects]`` table; every id is checked."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EditionError(f"invalid TOML: {exc}", where) from None
    unknown = set(data) - {"redirects"}
    if unknown:
        raise EditionError(f"unknown table or key: {', '.join(sorted(unknown))}", where)
    table = data.get("redirects", {})
    if not isinstance(table, dict):
        raise EditionError("'redirects' must be a table", where)
    redirects = {_check_entry(old, where): _check_entry(new, where) for old, new in table.items()}
    for old, new in redirects.items():
        if ("#" in old) != ("#" in new):
            raise EditionError(f"{old!r} and {new!r}: a document must move to a document "
                               "and a point to a point", where)
    return redirects


def resolve(redirects: Mapping[str, str], old: str) -> str:
    """Follow a chain of redirects (a -> b -> c) to its end; a cycle is an error."""
    seen = [old]
    current = old
    while current in redirects:
        current = redirects[current]
        if current in seen:
            raise EditionError(f"redirects go round in a circle: {' -> '.join(seen)}")
        seen.append(current)
    return current


def vanished_ids(published: Iterable[str], current: Iterable[str],
                 redirects: Mapping[str, str]) -> list[str]:
    """Published ids that are gone from the TEI with no redirect to an existing id."""
    present = set(current)
    return sorted(old for old in set(published) - present
                  if old not in redirects or resolve(redirects, old) not in present)


def broken_redirects(redirects: Mapping[str, str], current: Iterable[str]) -> list[str]:
    """Redirects whose chain ends at an id that does not exist."""
    present = set(current)
    return sorted(f"{old} -> {resolve(redirects, old)}" for old in redirects
                  if resolve(redirects, old) not in present)


def updated_id_list(published: Iterable[str], current: Iterable[str]) -> list[str]:
    """The new list: nothing published is ever dropped, new ids are added."""
    return sorted(set(published) | set(current))


# --- HTML -------------------------------------------------------------------------------


def default_page(doc_id: str) -> str:
    """Where the HTML edition publishes a document, relative to the site folder."""
    return f"texts/{doc_id}.html"


def _target(new: str, page: Callable[[str], str], relative_to: str) -> str:
    doc, _, point = new.partition("#")
    href = _relative(page(doc), relative_to)
    return f"{href}#{point}" if point else href


def _relative(target: str, from_page: str) -> str:
    """A link from one page of the site to another, both relative to the site folder."""
    depth = from_page.count("/")
    return "../" * depth + target


def _redirect_page(href: str, title: str) -> bytes:
    link = html.escape(href, quote=True)
    # A meta refresh works without scripts; the script keeps a fragment the reader asked
    # for only when the document moved as a whole and the target has none.
    text = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>Moved: {html.escape(title)}</title>\n"
        f'<link rel="canonical" href="{link}">\n'
        f'<meta http-equiv="refresh" content="0; url={link}">\n'
        '<meta name="robots" content="noindex">\n'
        "</head>\n"
        "<body>\n"
        f'<p>This text has moved to <a href="{link}">{link}</a>.</p>\n'
        f"<script>location.replace({json.dumps(href)} + "
        f"({json.dumps('#' in href)} ? '' : location.hash));</script>\n"
        "</body>\n"
        "</html>\n"
    )
    return text.encode("utf-8")


def redirect_pages(redirects: Mapping[str, str], site_dir: Path,
                   page: Callable[[str], str] = default_page) -> dict[Path, bytes]:
    """The redirect page of each moved document: path under ``site_dir`` -> HTML.

    Points moved inside a document need no page of their own: their anchors are in
    ``redirect_anchors``. Nothing is written here.
    """
    pages: dict[Path, bytes] = {}
    for old in sorted(redirects):
        if "#" in old:
            continue
        new = resolve(redirects, old)
        location = page(old)
        pages[site_dir / location] = _redirect_page(_target(new, page, location), old)
    return pages


def redirect_anchors(redirects: Mapping[str, str],
                     page: Callable[[str], str] = default_page) -> dict[str, str]:
    """Per document id, HTML to put in its page for the points that moved away from it.

    Each old id becomes a short paragraph with a link to the new place, so an old link
    still lands on a note saying where the passage went; a small script follows a
    fragment naming an old id at once.
    """
    by_doc: dict[str, dict[str, str]] = {}
    for old in sorted(redirects):
        if "#" not in old:
            continue
        doc, _, point = old.partition("#")
        new = resolve(redirects, old)
        by_doc.setdefault(doc, {})[point] = _target(new, page, page(doc))
    snippets: dict[str, str] = {}
    for doc, moves in by_doc.items():
        lines = ['<div class="moved-ids">']
        for point, href in moves.items():
            lines.append(
                f'<p id="{html.escape(point, quote=True)}">The passage once cited here as '
                f"<code>{html.escape(point)}</code> has moved: "
                f'<a href="{html.escape(href, quote=True)}">go to it</a>.</p>'
            )
        lines.append("</div>")
        table = json.dumps(moves, sort_keys=True).replace("</", "<\\/")
        lines.append(
            "<script>(function () {"
            f"var moved = {table};"
            "var id = decodeURIComponent(location.hash.slice(1));"
            "if (Object.prototype.hasOwnProperty.call(moved, id)) {"
            "location.replace(moved[id]);}"
            "})();</script>"
        )
        snippets[doc] = "\n".join(lines) + "\n"
    return snippets
