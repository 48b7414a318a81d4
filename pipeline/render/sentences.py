"""The sentence a date stands in, for the chronology: "what happened" in the text's words.

A date is found in its block (a paragraph, a verse line, a note...) read as the edited
text reads: the edited side of each choice, the lemma of an apparatus entry, nothing
that was struck out, and no note that stands inside the paragraph. The block is split
into sentences at a full stop, question or exclamation mark followed by a capital,
except after an initial ("V. I. Lenin"), a run of initials ("R.S.D.L.P.") or a common
abbreviation ("No. 5"). A sentence longer than ``LONGEST`` is cut to the part around
the date.
"""

from __future__ import annotations

import re

from lxml import etree

from pipeline.structure.reading import choose
from pipeline.xmltools import TEI_NS

_T = f"{{{TEI_NS}}}"
_BLOCKS = frozenset(
    _T + name
    for name in (
        "p",
        "ab",
        "l",
        "head",
        "item",
        "cell",
        "note",
        "dateline",
        "salute",
        "signed",
        "byline",
        "trailer",
        "quote",
        "label",
        "stage",
        "speaker",
    )
)
_DATES = frozenset(_T + name for name in ("date", "time", "origDate"))
_SKIPPED = frozenset(_T + name for name in ("note", "del", "fw", "pb", "cb", "milestone"))
_CHOSEN = frozenset(_T + name for name in ("choice", "app"))
_BOUNDARY = re.compile(r"[.!?][\"”’»)\]]*\s+(?=[\"“‘«(\[]?[A-Z0-9\u0400-\u042F])")
_ABBREVIATIONS = frozenset(
    "no nos vol vols p pp cf ed eds st mr mrs dr ff viz ch fig art op comp trans"  # noqa: SIM905
    " jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
LONGEST = 320
_SIDE = 150  # characters kept on each side of the date in a long sentence


class SentenceFinder:
    """Sentences of dates, each block read once."""

    def __init__(self) -> None:
        self._blocks: dict[etree._Element, tuple[str, dict[etree._Element, tuple[int, int]]]] = {}

    def sentence(self, date: etree._Element) -> str:
        block = _block_of(date)
        if block not in self._blocks:
            self._blocks[block] = _read(block)
        text, spans = self._blocks[block]
        if date not in spans:
            return ""
        start, end = spans[date]
        return _around(text, start, end)


def _block_of(el: etree._Element) -> etree._Element:
    for ancestor in el.iterancestors():
        if ancestor.tag in _BLOCKS:
            return ancestor
    parent = el.getparent()
    return parent if parent is not None else el


def _read(block: etree._Element) -> tuple[str, dict[etree._Element, tuple[int, int]]]:
    """The block's text as the edited text reads, and where each date in it stands."""
    parts: list[str] = []
    size = 0
    spans: dict[etree._Element, tuple[int, int]] = {}

    def add(text: str | None) -> None:
        nonlocal size
        if text:
            parts.append(text)
            size += len(text)

    def walk(el: etree._Element) -> None:
        start = size
        add(el.text)
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIPPED:
                pass
            elif tag in _CHOSEN:
                chosen = choose(child, "reading")
                if chosen is not None:
                    walk(chosen)
            elif tag == _T + "lb":
                if child.get("break") != "no":
                    add(" ")
            else:
                walk(child)
            add(child.tail)
        if el.tag in _DATES:
            spans[el] = (start, size)

    walk(block)
    return "".join(parts), spans


def _boundaries(text: str) -> list[int]:
    """Where sentences begin, after the first."""
    found = []
    for match in _BOUNDARY.finditer(text):
        before = text[: match.start()].rsplit(None, 1)
        word = before[-1] if before else ""
        bare = word.strip('"“‘«([').lower()
        if len(bare) <= 1 or "." in bare or bare in _ABBREVIATIONS:
            continue  # an initial, initials, an abbreviation
        found.append(match.end())
    return found


def _around(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` that holds ``start``-``end``, whitespace normalised."""
    first, last = 0, len(text)
    for boundary in _boundaries(text):
        if boundary <= start:
            first = boundary
        elif boundary >= end:
            last = boundary
            break
    sentence = text[first:last]
    start, end = start - first, end - first
    if len(sentence) > LONGEST:
        head, tail = sentence[:start], sentence[end:]
        if len(head) > _SIDE:
            head = "… " + head[-_SIDE:].split(" ", 1)[-1]
        if len(tail) > _SIDE:
            tail = tail[:_SIDE].rsplit(" ", 1)[0] + " …"
        sentence = head + sentence[start:end] + tail
    return " ".join(sentence.split())
