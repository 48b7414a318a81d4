"""Annotated text: a string plus spans, turned into nested TEI elements.

Each block (paragraph, heading, note paragraph) is built as plain reading text with
standoff spans; names, dates and interventions are found on the text and recorded as
spans, and only at the end are the spans nested into XML. Zero-width spans (page
breaks, notes) sit between characters and always go outside any span that starts or
ends at the same place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from pipeline.xmltools import tei

_WHITESPACE = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]")


@dataclass
class Span:
    start: int
    end: int
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    payload: Any = None  # choice: (orig tag, orig text, reading tag); note: rendered element
    seq: int = 0  # keeps zero-width spans at one place in their insertion order

    @property
    def empty(self) -> bool:
        return self.start == self.end


@dataclass
class MarkupBlock:
    text: str
    spans: list[Span] = field(default_factory=list)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether [start, end) crosses the edge of a span already here (no clean nesting)."""
        for span in self.spans:
            if span.empty:
                if start < span.start < end:
                    return True
                continue
            inside = span.start <= start and end <= span.end
            around = start <= span.start and span.end <= end
            disjoint = end <= span.start or span.end <= start
            if not (inside or around or disjoint):
                return True
        return False

    def within(self, start: int, end: int, tags: tuple[str, ...]) -> bool:
        return any(
            s.tag in tags and s.start <= start and end <= s.end and not s.empty for s in self.spans
        )

    def replace(self, start: int, end: int, new: str) -> int:
        """Replace text[start:end]; spans after it move, spans around it stretch."""
        delta = len(new) - (end - start)
        self.text = self.text[:start] + new + self.text[end:]
        for span in self.spans:
            if span.start >= end and not (span.empty and span.start == end and start == end):
                span.start += delta
                span.end += delta
            elif span.end >= end and span.start <= start:
                span.end += delta
        return delta


class BlockBuilder:
    """Collects text pieces and cues, normalising whitespace as it goes."""

    def __init__(self, marker: re.Pattern[str] | None = None) -> None:
        self._chars: list[str] = []
        self._pending_space = False
        self._spans: list[Span] = []
        self._marker = marker
        self.markers: list[Span] = []

    def add_text(self, text: str) -> None:
        position = 0
        if self._marker is not None:
            for match in self._marker.finditer(text):
                self._add_plain(text[position : match.start()])
                span = self.add_cue("noteref", {"n": match["n"]})
                self.markers.append(span)
                position = match.end()
        self._add_plain(text[position:])

    def _add_plain(self, text: str) -> None:
        for char in text:
            if _WHITESPACE.match(char):
                self._pending_space = True
                continue
            if self._pending_space and self._chars:
                self._chars.append(" ")
            self._pending_space = False
            self._chars.append(char)

    def line_break(self) -> None:
        self._pending_space = True

    def add_cue(self, tag: str, attrs: dict[str, str]) -> Span:
        span = Span(len(self._chars), len(self._chars), tag, dict(attrs), seq=len(self._spans))
        self._spans.append(span)
        return span

    def build(self) -> MarkupBlock:
        return MarkupBlock("".join(self._chars), self._spans)


_ORDER = {"note": 0}


def render_block(block: MarkupBlock, element: etree._Element) -> etree._Element:
    """Write the block's text and spans into ``element`` as nested TEI."""
    spans = sorted(block.spans, key=lambda s: (s.start, 0 if s.empty else 1, -s.end, s.seq))
    _fill(element, block.text, spans, 0, len(block.text))
    return element


def _append_text(parent: etree._Element, text: str) -> None:
    if not text:
        return
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _fill(parent: etree._Element, text: str, spans: list[Span], start: int, end: int) -> None:
    position = start
    index = 0
    while index < len(spans):
        span = spans[index]
        _append_text(parent, text[position : span.start])
        position = max(position, span.start)
        if span.empty:
            parent.append(_empty_element(span))
            index += 1
            continue
        inner = []
        index += 1
        while index < len(spans) and (
            spans[index].end <= span.end
            and not (spans[index].empty and spans[index].start == span.end)
        ):
            inner.append(spans[index])
            index += 1
        child = etree.SubElement(parent, tei(span.tag), span.attrs)
        if span.tag == "choice":
            orig_tag, orig_text, reading_tag, reading_attrs = span.payload
            etree.SubElement(child, tei(orig_tag)).text = orig_text
            reading = etree.SubElement(child, tei(reading_tag), reading_attrs)
            _fill(reading, text, inner, span.start, span.end)
        else:
            _fill(child, text, inner, span.start, span.end)
        position = span.end
    _append_text(parent, text[position:end])


def _empty_element(span: Span) -> etree._Element:
    if span.payload is not None:
        return span.payload
    return etree.Element(tei(span.tag), span.attrs)
