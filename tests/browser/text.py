"""Words of a TEI reading text and of its HTML page, to prove that none is lost."""

from __future__ import annotations

import re
from collections import Counter

from lxml import etree, html

from pipeline.structure.reading import readable_text
from pipeline.xmltools import NSMAP

WORD = re.compile(r"\w+")
# What the pages add around the text: never part of the reading text.
ADDED = (
    "alt-original",
    "pilcrow",
    "noteref-wrap",
    "date-gloss",
    "visually-hidden",
    "pb",
    "note-foot",
    "note-label",
    "doc-kicker",
    "mode-switch",
    "rdgs",
)


def words(text: str) -> list[str]:
    return WORD.findall(text)


def _without_markers(text: str, markers: set[str]) -> str:
    for marker in markers:
        text = text.replace(f"[{marker}]", " ")
    return text


def tei_words(tei: etree._Element) -> list[str]:
    """The words of a TEI document's text and notes in reading mode."""
    out: list[str] = []
    for text in tei.findall("tei:text", NSMAP):
        passage = readable_text(text, "reading")
        markers = {note.marker for note in passage.notes}
        out += words(_without_markers(passage.text, markers))
        for note in passage.notes:
            for paragraph in note.paragraphs:
                out += words(_without_markers(paragraph, markers))
    return out


def tei_block_words(element: etree._Element) -> list[str]:
    passage = readable_text(element, "reading")
    return words(_without_markers(passage.text, {n.marker for n in passage.notes}))


def reading_html(element: html.HtmlElement) -> html.HtmlElement:
    """A copy of an HTML element as a reader in reading mode sees it."""
    copy = html.fromstring(html.tostring(element, encoding="unicode"))
    for el in list(copy.iter()):
        classes = set((el.get("class") or "").split())
        if classes & set(ADDED) and el.getparent() is not None:
            el.drop_tree()
    for br in copy.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return copy


def html_words(element: html.HtmlElement) -> list[str]:
    return words(reading_html(element).text_content())


def missing(expected: list[str], found: list[str]) -> Counter:
    return Counter(expected) - Counter(found)


def by_class(element: html.HtmlElement, cls: str, tag: str = "*") -> list[html.HtmlElement]:
    """Descendants of ``element`` with a class (the tests need no CSS selector library)."""
    return element.xpath(
        f".//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]"
    )
