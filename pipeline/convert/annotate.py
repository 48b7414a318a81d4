"""Annotation passes over blocks: interventions, dates, names. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.convert.dates import (
    DateContext,
    DateMatch,
    DateProblem,
    LocalCalendar,
    find_dates,
)
from pipeline.convert.markup import MarkupBlock, Span
from pipeline.convert.registers import NameMatcher
from pipeline.convert.segment import collapse
from pipeline.convert.sidecar import DeclaredIntervention
from pipeline.errors import EditionError


@dataclass(frozen=True)
class Located:
    """A block with the source line it starts on, for messages."""

    block: MarkupBlock
    line: int


def apply_interventions(
    blocks: list[Located], interventions: tuple[DeclaredIntervention, ...], sidecar_path: object
) -> list[tuple[DeclaredIntervention, int]]:
    """Apply each declared intervention as a ``choice``; returns (intervention, line) pairs.

    An intervention that matches nothing, or more than once without ``occurrence``, is an
    error: a silent no-op would hide a change to the text.
    """
    applied = []
    for number, item in enumerate(interventions, 1):
        orig = collapse(item.orig)
        context = collapse(item.context) if item.context else orig
        offset = context.index(orig)
        hits = [
            (located, match.start() + offset)
            for located in blocks
            for match in re.finditer(re.escape(context), located.block.text)
        ]
        label = f"intervention #{number} ('{item.context or item.orig}')"
        if not hits:
            raise EditionError(f"{label} matches nothing in the text", sidecar_path, item.line)
        if item.occurrence is None and len(hits) > 1:
            raise EditionError(
                f"{label} matches {len(hits)} times; say which with 'occurrence'",
                sidecar_path,
                item.line,
            )
        index = (item.occurrence or 1) - 1
        if not 0 <= index < len(hits):
            raise EditionError(
                f"{label}: occurrence {item.occurrence} but it matches {len(hits)} times",
                sidecar_path,
                item.line,
            )
        located, start = hits[index]
        block, end = located.block, start + len(orig)
        if block.overlaps(start, end) or block.within(start, end, ("choice",)):
            raise EditionError(
                f"{label} crosses another intervention or a note", sidecar_path, item.line
            )
        block.replace(start, end, item.reading)
        orig_tag, reading_tag = ("orig", "reg") if item.type == "reg" else ("sic", "corr")
        reading_attrs = {"resp": "#editors"}
        if item.type == "corr":
            reading_attrs["cert"] = item.cert
        block.spans.append(
            Span(
                start,
                start + len(item.reading),
                "choice",
                {},
                payload=(
                    orig_tag,
                    item.orig if orig == item.orig else orig,
                    reading_tag,
                    reading_attrs,
                ),
            )
        )
        applied.append((item, located.line))
    return applied


def tag_dates(
    block: MarkupBlock, context: DateContext, local: LocalCalendar | None = None
) -> tuple[list[DateMatch], list[DateProblem]]:
    matches, problems = find_dates(block.text, context, local)
    kept = []
    for match in matches:
        # a year inside a publication's title is part of the title, not a date
        if block.overlaps(match.start, match.end) or block.within(
            match.start, match.end, ("title",)
        ):
            continue
        block.spans.append(Span(match.start, match.end, "date", dict(match.attrs)))
        kept.append(match)
    return kept, problems


def tag_names(
    block: MarkupBlock,
    registers: NameMatcher,
    on_date: str | None,
    kinds: tuple[str, ...] = ("person", "place", "org", "bibl"),
) -> dict[str, int]:
    """Tag register mentions of the given kinds; returns counts by element name."""
    counts: dict[str, int] = {}
    for mention in registers.find(block.text, on_date):
        if mention.entry.kind not in kinds:
            continue
        if block.overlaps(mention.start, mention.end) or block.within(
            mention.start,
            mention.end,
            ("date", "choice", "persName", "placeName", "orgName", "rs", "title"),
        ):
            continue  # already tagged, perhaps as the sidecar declares
        entry = mention.entry
        ref = registers.ref(entry)
        if mention.derived:
            tag, attrs = "rs", {"type": "group", "ref": ref}
        elif entry.kind == "bibl":
            tag, attrs = "title", {"level": entry.title_level or "m", "ref": ref}
        else:
            tag = {"person": "persName", "place": "placeName", "org": "orgName"}[entry.kind]
            attrs = {"ref": ref}
        block.spans.append(Span(mention.start, mention.end, tag, attrs))
        counts[tag] = counts.get(tag, 0) + 1
    return counts


_CAPITALISED = re.compile(r"(?<![\w’'.-])([A-Z][a-z][\w’'-]*)")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s*[\"“”’)\]]*\s+|[\"“(\[—–-]\s*)$")


def unknown_capitalised(
    block: MarkupBlock,
    common: frozenset[str],
    lower: Callable[[str], bool],
    title: bool = False,
) -> list[str]:
    """Capitalised words that no register or date explains.

    Mid-sentence, a word is reported unless the settings call it common. At the start of
    a sentence, and anywhere in a title (where every word is capitalised), it is reported
    unless ``lower`` says it is a common word of the language.
    """
    found = []
    tagged = [s for s in block.spans if not s.empty]
    for match in _CAPITALISED.finditer(block.text):
        word = match.group(1).rstrip("’'")
        if word.endswith(("’s", "'s")):
            word = word[:-2]
        if word in common or any(s.start <= match.start() < s.end for s in tagged):
            continue
        if (title or _SENTENCE_START.search(block.text[: match.start()])) and lower(word):
            continue
        found.append(word)
    return found


_WORD = re.compile(r"(?<![\w’'-])([a-z][a-z’'-]*)")


def lower_case_words(texts: list[str]) -> frozenset[str]:
    """Every word the texts write in lower case."""
    return frozenset(m.group(1) for text in texts for m in _WORD.finditer(text))
