"""Words of a TEI reading text and of its HTML page, to prove that none is lost."""

from __future__ import annotations

import re
from collections import Counter

from lxml import etree, html

from pipeline.structure.reading import readable_text
from pipeline.xmltools import NSMAP, XML_ID

WORD = re.compile(r"\w+")
# What the pages add around the text: never part of the reading text.
ADDED = (
    "alt-original",
    "pilcrow",
    "noteref-wrap",
    "date-gloss",
    "int-gloss",
    "visually-hidden",
    "pb",
    "note-foot",
    "note-label",
    "doc-kicker",
    "mode-switch",
    "rdgs",
    "lineno",
    "line-n",
    "appref-wrap",
    "app-loc",
    "index-kind",
    "index-label",
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
    for el in copy.iter():
        # A block ends a word; two blocks never run together as one.
        if el.tag in ("p", "div", "li", "dt", "dd", "section", "h1", "h2", "h3", "td", "th"):
            el.tail = " " + (el.tail or "")
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


# --- the one measure of lost words, for every file --------------------------------------

TEI = "{http://www.tei-c.org/ns/1.0}"
_EDITED = ("corr", "reg", "expan")
_SOURCE = ("sic", "orig", "abbr")
_BREAKS = {TEI + "lb", TEI + "pb", TEI + "cb"}
# Elements that stand apart from the words around them (blocks, lines, entries, the
# readings of an apparatus); any other element may be part of a word (D<ex>is</ex>).
_APART = {
    TEI + name
    for name in [
        "p",
        "ab",
        "l",
        "lg",
        "head",
        "div",
        "div1",
        "div2",
        "div3",
        "div4",
        "div5",
        "div6",
        "div7",
        "item",
        "label",
        "list",
        "cell",
        "row",
        "table",
        "note",
        "sp",
        "speaker",
        "stage",
        "castItem",
        "castGroup",
        "castList",
        "closer",
        "opener",
        "salute",
        "signed",
        "dateline",
        "address",
        "addrLine",
        "trailer",
        "byline",
        "docTitle",
        "titlePart",
        "docAuthor",
        "docDate",
        "epigraph",
        "cit",
        "lem",
        "rdg",
        "rdgGrp",
        "app",
        "gap",
        "fw",
        "person",
        "place",
        "org",
        "bibl",
        "event",
        "listBibl",
        "listPerson",
        "listPlace",
        "listOrg",
        "figure",
        "figDesc",
    ]
}


def _chosen(choice: etree._Element, mode: str) -> list[etree._Element]:
    """The alternative of a choice shown in ``mode``, by name: in reading mode the
    edited one, in original mode the source's; otherwise the first."""
    children = [c for c in choice if isinstance(c.tag, str)]
    wanted = _EDITED + _SOURCE if mode == "reading" else _SOURCE + _EDITED
    for name in wanted:
        for child in children:
            if child.tag == TEI + name:
                return [child]
    return children[:1]


def source_words(tei: etree._Element, mode: str, description: bool = False) -> list[str]:
    """Every word a reader must find of a TEI document, read straight from the XML and
    independently of the pipeline: the text and its notes, every reading of an apparatus,
    and the entries of the registers in the text and its standOff (with
    ``description``, also the manuscript description of its source). Only what the view
    leaves out is left out: the other side of a choice, in reading mode what a ``del``
    struck out, and the printed number of a ``ref`` that is a note's marker (the note is
    counted). A break with ``break="no"`` joins the two halves of a word."""
    pieces: list[str] = []
    notes = {n.get(XML_ID) for n in tei.iter(TEI + "note") if n.get(XML_ID)}

    def walk(el: etree._Element, apart_all: bool = False) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            if isinstance(el, etree._Entity):
                pieces.append(el.text or "")
            return
        if tag == TEI + "choice":
            for child in _chosen(el, mode):
                walk(child)
            return
        if tag == TEI + "del" and mode == "reading":
            return
        if tag in (TEI + "ref", TEI + "ptr") and (el.get("target") or "#")[1:] in notes:
            return
        if tag == TEI + "lb" and el.get("break") != "no":
            pieces.append(" ")
        apart = " " if apart_all or tag in _APART else ""
        pieces.append(apart)
        # What was struck out and what replaced it are two readings, two words.
        inner(el, apart_all or tag == TEI + "subst")
        pieces.append(apart)

    def inner(el: etree._Element, apart_all: bool = False) -> None:
        pieces.append(el.text or "")
        for child in el:
            joined = child.tag in _BREAKS and child.get("break") == "no"
            if joined:
                while pieces and not pieces[-1].strip():
                    pieces.pop()
                if pieces:
                    pieces[-1] = pieces[-1].rstrip()
            walk(child, apart_all)
            tail = child.tail or ""
            pieces.append(tail.lstrip() if joined else tail)

    for part in tei.findall(TEI + "text") + tei.findall(TEI + "standOff"):
        walk(part)
    if description:  # a catalogue's fields: each element is a field of its own
        for part in tei.findall(f"{TEI}teiHeader/{TEI}fileDesc/{TEI}sourceDesc/{TEI}msDesc"):
            walk(part, apart_all=True)
    return words("".join(pieces))


def page_words(page: html.HtmlElement, mode: str = "reading") -> list[str]:
    """The words of a document page's article as shown in ``mode``: its text, notes,
    apparatus and index, without what the page adds (markers, line numbers, page labels);
    in reading mode without what was struck out, in original mode with the source's
    side of each choice instead of the edited one."""
    article = by_class(page, "document", "article")[0]
    copy = html.fromstring(html.tostring(article, encoding="unicode"))
    hidden = "alt-reading" if mode == "original" else "del"
    for el in list(copy.iter()):
        classes = set((el.get("class") or "").split())
        if hidden in classes and el.getparent() is not None:
            el.drop_tree()
    if mode == "original":
        for el in by_class(copy, "alt-original"):
            el.set("class", "shown-original")
    return html_words(copy)
