"""Pages and anchors that keep old links working when ids move (``tei/redirects.toml``).

A page for each moved document, and for each moved point an anchor with the old id on
its document's page that sends the reader on.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping

from pipeline.structure.collection import document_page as default_page
from pipeline.structure.redirects import resolve


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


def redirect_pages(
    redirects: Mapping[str, str], page: Callable[[str], str] = default_page
) -> dict[str, bytes]:
    """The redirect page of each moved document: path in the site -> HTML.

    Points moved inside a document need no page of their own: their anchors are in
    ``redirect_anchors``. Nothing is written here.
    """
    pages: dict[str, bytes] = {}
    for old in sorted(redirects):
        if "#" in old:
            continue
        new = resolve(redirects, old)
        location = page(old)
        pages[location] = _redirect_page(_target(new, page, location), old)
    return pages


def redirect_anchors(
    redirects: Mapping[str, str], page: Callable[[str], str] = default_page
) -> dict[str, str]:
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
