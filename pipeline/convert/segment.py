"""Reading the layout of a source: which lines are title, metadata, text, notes, apparatus.

The cues come from the archive style file (``archive_style.toml``); author lines and
signatures are recognised by the registers' names. Nothing here knows a particular text.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pipeline.convert.dates import DateContext, find_dates
from pipeline.convert.registers import NameMatcher
from pipeline.errors import EditionError

_QUOTES_OPEN = "\"“«'‘"
_QUOTES_CLOSE = "\"”»'’"
_SENTENCE_END = re.compile(r"[.!?:;][\"”’»')\]]*$")
_SPACE = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def collapse(text: str) -> str:
    """Whitespace normalisation: every run of (non-breaking) spaces becomes one space."""
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class MetadataPattern:
    field: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class ApparatusPattern:
    kind: str
    regex: re.Pattern[str]
    reason: str


@dataclass(frozen=True)
class ArchiveStyle:
    metadata: tuple[MetadataPattern, ...]
    apparatus: tuple[ApparatusPattern, ...]
    residues: tuple[ApparatusPattern, ...]
    page: re.Pattern[str]
    section_break: re.Pattern[str]
    note_start: re.Pattern[str]
    note_marker: re.Pattern[str]
    header_key: re.Pattern[str]
    salute: re.Pattern[str]
    address: re.Pattern[str]
    closing: re.Pattern[str]
    office: re.Pattern[str]
    signature: re.Pattern[str]
    postscript: re.Pattern[str]
    interjection: re.Pattern[str]


# Cues a style file may leave out: the built-in style's are used.
_OPTIONAL_CUES = (
    "header-key",
    "salute",
    "address",
    "closing",
    "office",
    "signature",
    "postscript",
    "interjection",
)


BUILT_IN_STYLE = "archive_style.toml"


def built_in_style() -> bytes:
    return resources.files("pipeline.convert").joinpath(BUILT_IN_STYLE).read_bytes()


def load_style(data: bytes | None = None, origin: str | Path = BUILT_IN_STYLE) -> ArchiveStyle:
    """The archive style: the package's own, or a user's file of the same shape."""
    if data is None:
        data = built_in_style()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise EditionError("archive style is not UTF-8", origin) from None
    try:
        data = tomllib.loads(text)
        cues = dict(data["cues"])
        if any(key not in cues for key in _OPTIONAL_CUES):
            built_in = tomllib.loads(built_in_style().decode("utf-8"))["cues"]
            for key in _OPTIONAL_CUES:
                cues.setdefault(key, built_in[key])
        return ArchiveStyle(
            metadata=tuple(
                MetadataPattern(m["field"], re.compile(m["pattern"])) for m in data["metadata"]
            ),
            apparatus=tuple(
                ApparatusPattern(a["kind"], re.compile(a["pattern"]), a["reason"])
                for a in data["apparatus"]
            ),
            residues=tuple(
                ApparatusPattern(a["kind"], re.compile(a["pattern"]), a["reason"])
                for a in data.get("residue", [])
            ),
            page=re.compile(cues["page"]),
            section_break=re.compile(cues["section-break"]),
            note_start=re.compile(cues["note-start"]),
            note_marker=re.compile(cues["note-marker"]),
            **{key.replace("-", "_"): re.compile(cues[key]) for key in _OPTIONAL_CUES},
        )
    except (tomllib.TOMLDecodeError, KeyError, re.error) as exc:
        raise EditionError(f"invalid archive style: {exc}", origin) from None


@dataclass(frozen=True)
class Metadata:
    field: str  # a metadata pattern's field, or "unrecognised"
    label: str  # the label as written ("Transcription\\Markup"), for credits
    value: str
    line: str  # the first line, collapsed, as it must reappear in the header
    number: int
    # Every source line of a header entry broken over several lines: (number, text as
    # kept), each listed in the header verbatim.
    parts: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Removed:
    kind: str
    text: str
    reason: str
    number: int
    whole_line: bool = True


@dataclass(frozen=True)
class PageBreak:
    n: str  # "" when not known
    number: int
    inferred: bool = False  # a hard break in mid-sentence: the page join of the print


@dataclass(frozen=True)
class SectionBreak:
    number: int


# A paragraph is a run of text pieces; page breaks may stand between them.
Piece = str | PageBreak


@dataclass
class Paragraph:
    pieces: list[Piece]
    number: int  # first source line


@dataclass(frozen=True)
class HeadLine:
    # head: title | subtitle | author | epigraph; opener: dateline | address | salute;
    # closer: salute | signature | office | dateline
    kind: str
    text: str
    number: int


@dataclass
class NoteText:
    n: str
    paragraphs: list[Paragraph]
    number: int


@dataclass
class Layout:
    head: list[HeadLine] = field(default_factory=list)
    metadata: list[Metadata] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    opener: list[HeadLine] = field(default_factory=list)
    body: list[Paragraph | PageBreak | SectionBreak] = field(default_factory=list)
    closer: list[HeadLine] = field(default_factory=list)
    postscripts: list[Paragraph] = field(default_factory=list)
    notes: list[NoteText] = field(default_factory=list)


def _title_case_ratio(line: str) -> float:
    words = [w for w in re.findall(r"[^\W\d_][\w’'.()-]*", line)]
    if not words:
        return 0.0
    return sum(1 for w in words if w[0].isupper()) / len(words)


def _is_epigraph(line: str) -> bool:
    return len(line) > 2 and line[0] in _QUOTES_OPEN and line[-1] in _QUOTES_CLOSE


def _ends_sentence(line: str, marker: re.Pattern[str]) -> bool:
    return bool(_SENTENCE_END.search(marker.sub("", line).rstrip()))


_DATE_LINE_REST = re.compile(r"[\s,.;:–—-]*")


def is_date_line(line: str, registers: NameMatcher) -> bool:
    """A line that is nothing but a date, perhaps with a place: ``Geneva, 5.XI.1905``."""
    if len(line) > 80:
        return False
    matches, problems = find_dates(line, DateContext())
    spans = [(m.start, m.end) for m in matches] + [(p.start, p.end) for p in problems]
    if not spans:
        return False
    spans += [
        (m.start, m.end) for m in registers.find(line) if m.entry.kind == "place" and not m.derived
    ]
    rest = line
    for start, end in sorted(spans, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    return bool(_DATE_LINE_REST.fullmatch(rest))


Kind = tuple[str, int, str]  # (kind, line number, collapsed text)


def read_layout(lines: list[str], style: ArchiveStyle, registers: NameMatcher) -> Layout:
    """Classify every line of a source; each line lands in exactly one place."""
    layout = Layout()
    kinds = _classify(lines, style, layout)
    _header_like(kinds, style, layout)

    body_start = _read_head(kinds, layout, registers, style)
    rest = kinds[body_start:]
    note_at = next((i for i, k in enumerate(rest) if k[0] == "note"), len(rest))
    body, notes = rest[:note_at], rest[note_at:]
    body = _read_opener(body, layout, style, registers)
    body = _read_closer(body, layout, style, registers)

    texts = [k for k in body if k[0] == "text"]
    blank_separated = sum(1 for k in body if k[0] == "blank") >= len(texts) // 2
    layout.body = _paragraphs(body, blank_separated, style, _unwrapped(body, style))
    _number_page_joins(layout.body)
    if not any(isinstance(item, Paragraph) for item in layout.body):
        _rescue_paragraph(layout)
    layout.notes = _notes(notes, style)
    layout.metadata.sort(key=lambda m: m.number)
    return layout


def _classify(lines: list[str], style: ArchiveStyle, layout: Layout) -> list[Kind]:
    kinds: list[Kind] = []
    collapsed = [collapse(raw) for raw in lines]
    taken: set[int] = set()  # continuation lines of a header entry
    for index, line in enumerate(collapsed):
        number = index + 1
        if index in taken:
            kinds.append(("meta", number, line))
            continue
        if not line:
            kinds.append(("blank", number, line))
            continue
        apparatus = next((a for a in style.apparatus if a.regex.match(line)), None)
        if apparatus:
            layout.removed.append(Removed(apparatus.kind, line, apparatus.reason, number))
            kinds.append(("removed", number, line))
            continue
        if _matching_metadata(line, style) is not None:
            following = _continuation(collapsed, index, style)
            taken.update(following)
            parts = [(number, line)] + [(i + 1, collapsed[i]) for i in following]
            layout.metadata.append(_metadata(parts, style, layout))
            kinds.append(("meta", number, line))
        elif style.page.match(line):
            kinds.append(("page", number, style.page.match(line)["n"]))
        elif style.section_break.match(line):
            kinds.append(("section", number, line))
        else:
            line = _cut_residue(line, number, style, layout)
            kind = "note" if style.note_start.match(line) else "text"
            kinds.append((kind, number, line))
    return kinds


def _cut_residue(line: str, number: int, style: ArchiveStyle, layout: Layout) -> str:
    """Link texts of the web page at the end of a line of text are cut and declared."""
    for residue in style.residues:
        found = residue.regex.search(line)
        if found and found.start() > 0:
            layout.removed.append(
                Removed(residue.kind, found.group(0).strip(), residue.reason, number, False)
            )
            line = line[: found.start()].rstrip()
    return line


def _matching_metadata(line: str, style: ArchiveStyle) -> tuple[MetadataPattern, re.Match] | None:
    for pattern in style.metadata:
        match = pattern.regex.match(line)
        if match:
            return pattern, match
    return None


_OPEN_END = re.compile(r"(?:[,;:(&–—-]|\b(?:and|of|the|in|by|at))$")


def _plain_line(line: str, style: ArchiveStyle) -> bool:
    """A line that is no cue of its own (so it may continue a header entry)."""
    return bool(line) and not (
        any(a.regex.match(line) for a in style.apparatus)
        or _matching_metadata(line, style)
        or style.page.match(line)
        or style.note_start.match(line)
        or style.section_break.match(line)
        or style.header_key.match(line)
    )


def _continuation(lines: list[str], index: int, style: ArchiveStyle) -> list[int]:
    """The lines after a header entry that belong to it: its value, when the key stands
    alone ("Published:"), or the rest of a value broken after a comma or mid-phrase."""
    pattern, match = _matching_metadata(lines[index], style)
    value = match["value"].strip()
    if pattern.field == "licence":
        value = style.header_key.sub(r"\g<value>", value).strip()
    taken: list[int] = []
    last = lines[index]
    cursor = index + 1
    while cursor < len(lines):
        line = lines[cursor]
        if not line and not value and not taken:
            cursor += 1  # "Source:" followed by a blank line and then its value
            continue
        if not _plain_line(line, style):
            break
        if value and not (_OPEN_END.search(last) or line[:1].islower() or line[:1].isdigit()):
            break
        taken.append(cursor)
        last, value = line, value + " " + line
        cursor += 1
    return taken


def _metadata(parts: list[tuple[int, str]], style: ArchiveStyle, layout: Layout) -> Metadata:
    """One header entry from its lines; link texts glued to its end are cut and declared."""
    pattern, match = _matching_metadata(parts[0][1], style)
    kept = list(parts)
    number, last = kept[-1]
    for residue in style.residues:
        found = residue.regex.search(last)
        if found and found.start() > 0:
            layout.removed.append(
                Removed(residue.kind, found.group(0).strip(), residue.reason, number, False)
            )
            last = last[: found.start()].rstrip()
    kept[-1] = (number, last)
    combined = collapse(" ".join(text for _, text in kept))
    whole = pattern.regex.match(combined)
    value = (whole or match)["value"].strip()
    groups = match.groupdict()
    label = groups.get("label") or pattern.field
    return Metadata(pattern.field, label, value, kept[0][1], parts[0][0], tuple(kept))


def _header_like(kinds: list[Kind], style: ArchiveStyle, layout: Layout) -> None:
    """Lines next to the header block that look like "Key: value" but that no metadata
    pattern knows: moved to the header as they stand (and reported)."""
    changed = True
    while changed:
        changed = False
        for index, (kind, number, text) in enumerate(kinds):
            if (
                kind != "text"
                or len(text) > 150  # a paragraph that happens to start "Word: ..."
                or not style.header_key.match(text)
                or style.salute.match(text)
            ):
                continue
            neighbours = [
                k for k in (_neighbour(kinds, index, -1), _neighbour(kinds, index, 1)) if k
            ]
            if any(k[0] == "meta" for k in neighbours):
                key = style.header_key.match(text)
                layout.metadata.append(
                    Metadata(
                        "unrecognised", key["key"], key["value"], text, number, ((number, text),)
                    )
                )
                kinds[index] = ("meta", number, text)
                changed = True


def _neighbour(kinds: list[Kind], index: int, step: int) -> Kind | None:
    cursor = index + step
    while 0 <= cursor < len(kinds):
        if kinds[cursor][0] not in ("blank", "removed"):
            return kinds[cursor]
        cursor += step
    return None


def _read_head(
    kinds: list[Kind], layout: Layout, registers: NameMatcher, style: ArchiveStyle
) -> int:
    """Title, subtitle, author and epigraph lines before the text; returns where it starts.

    A header line or a date line is never a title: the title stands before the header
    block, and a text whose first line is a header line has none.
    """
    seen_title = seen_meta = False
    for index, (kind, number, text) in enumerate(kinds):
        if kind in ("blank", "removed"):
            continue
        if kind == "meta":
            seen_meta = True
            continue
        if kind != "text":
            return index
        if is_date_line(text, registers):
            if seen_title or seen_meta:
                return index  # the dateline of the opener
            layout.opener.append(HeadLine("dateline", text, number))
            continue
        if registers.match_whole(text) is not None and not any(
            h.kind == "author" for h in layout.head
        ):
            layout.head.append(HeadLine("author", text, number))
        elif not seen_title and not seen_meta and not _opens_letter(text, style):
            layout.head.append(HeadLine("title", text, number))
            seen_title = True
        elif seen_meta or not seen_title:
            return index
        elif _is_epigraph(text):
            layout.head.append(HeadLine("epigraph", text, number))
        elif (
            _title_case_ratio(text) >= 0.5
            and len(text) <= 200
            and not _opens_letter(text, style, address=True)
            and not any(h.kind in ("subtitle", "epigraph") for h in layout.head)
        ):
            layout.head.append(HeadLine("subtitle", text, number))
        else:
            return index
    return len(kinds)


def _opens_letter(text: str, style: ArchiveStyle, address: bool = False) -> bool:
    """A salutation (or, after a title, an address) opens the message of a letter."""
    return bool(style.salute.match(text) or (address and style.address.match(text)))


def _short(text: str) -> bool:
    return len(text) <= 150


def _read_opener(
    body: list[Kind], layout: Layout, style: ArchiveStyle, registers: NameMatcher
) -> list[Kind]:
    """Dateline, address and salutation before the message; the rest is returned."""
    texts = [i for i, k in enumerate(body) if k[0] == "text"]
    taken: list[int] = []
    previous = None
    for position, index in enumerate(texts):
        if len(texts) - position <= 1:
            break  # the message keeps at least one line
        _, number, text = body[index]
        if not _short(text):
            break
        if is_date_line(text, registers) and not any(h.kind == "dateline" for h in layout.opener):
            kind = "dateline"
        elif (
            style.address.match(text)
            and not any(h.kind == "salute" for h in layout.opener)
            or (
                previous == "address"
                and body[index - 1][0] == "text"
                and len(text.split()) <= 6
                and not _ends_sentence(text, style.note_marker)
            )
        ):
            kind = "address"
        elif style.salute.match(text):
            kind = "salute"
        else:
            break
        layout.opener.append(HeadLine(kind, text, number))
        taken.append(index)
        previous = kind
        if kind == "salute":
            break
    return [k for i, k in enumerate(body) if i not in taken]


def _read_closer(
    body: list[Kind], layout: Layout, style: ArchiveStyle, registers: NameMatcher
) -> list[Kind]:
    """Postscripts, then closing salutation, signatures, offices and dateline at the end
    of the message; the rest is returned."""
    texts = [i for i, k in enumerate(body) if k[0] == "text"]
    ps_at = next(
        (
            position
            for position, index in enumerate(texts)
            if position > 0 and style.postscript.match(body[index][2])
        ),
        None,
    )
    if ps_at is not None:
        cut = texts[ps_at]
        layout.postscripts = [
            Paragraph([text], number) for kind, number, text in body[cut:] if kind == "text"
        ]
        body = body[:cut]
        texts = texts[:ps_at]
    taken: list[HeadLine] = []
    for position in range(len(texts) - 1, 0, -1):
        _, number, text = body[texts[position]]
        if any(k[0] == "page" for k in body[texts[position] :]):
            break  # a closer never spans a page cue
        kind = _closer_kind(text, style, registers)
        if kind is None:
            break
        taken.insert(0, HeadLine(kind, text, number))
    if taken:
        cut = next(i for i, k in enumerate(body) if k[1] == taken[0].number)
        body = body[:cut]
    layout.closer = taken
    return body


def _closer_kind(text: str, style: ArchiveStyle, registers: NameMatcher) -> str | None:
    if not _short(text):
        return None
    if registers.match_whole(text) is not None or style.signature.match(text):
        return "signature"
    whole = registers.find(text)
    if (
        len(whole) == 1
        and whole[0].entry.kind == "org"
        and not text[: whole[0].start].strip(" The")
        and not text[whole[0].end :].strip(" .")
    ):
        return "signature"
    if is_date_line(text, registers):
        return "dateline"
    if style.closing.match(text):
        return "salute"
    if style.office.match(text) and not _SENTENCE_END.search(text.rstrip(".")):
        return "office"
    return None


def _unwrapped(body: list[Kind], style: ArchiveStyle) -> bool:
    """Whether the paragraphs stand one to a line (a hard break in mid-sentence is then
    no line wrap but the join of two printed pages)."""
    texts = [k for k in body if k[0] == "text"]
    if not texts or sum(len(k[2]) for k in texts) / len(texts) < 200:
        return False
    broken = sum(
        1
        for first, second in itertools.pairwise(body)
        if first[0] == second[0] == "text" and not _ends_sentence(first[2], style.note_marker)
    )
    return broken <= len(texts) / 4


def _paragraphs(
    kinds: list[Kind], blank_separated: bool, style: ArchiveStyle, unwrapped: bool = False
) -> list[Paragraph | PageBreak | SectionBreak]:
    """Rejoin paragraphs broken by line and page breaks; keep the breaks as cues."""
    out: list[Paragraph | PageBreak | SectionBreak] = []
    current: Paragraph | None = None
    pending: list[PageBreak] = []
    last_text = ""
    gap = False  # a blank line since the last text line

    def close() -> None:
        nonlocal current
        if current is not None:
            out.append(current)
        current = None

    for kind, number, text in kinds:
        if kind == "blank":
            gap = True
        elif kind == "page":
            pending.append(PageBreak(text, number))
        elif kind == "section":
            close()
            out.extend(pending)
            pending = []
            out.append(SectionBreak(number))
        elif kind == "text":
            mid_sentence = not _ends_sentence(last_text, style.note_marker)
            continues = current is not None and (
                mid_sentence or (text[:1].islower()) or (blank_separated and not gap)
            )
            if continues:
                if unwrapped and mid_sentence and not gap and not pending:
                    pending.append(PageBreak("", number, inferred=True))
                current.pieces.extend(pending)
                current.pieces.append(text)
            else:
                close()
                out.extend(pending)
                current = Paragraph([text], number)
            pending = []
            last_text, gap = text, False
    close()
    out.extend(pending)
    return out


def _page_breaks(body: list[Paragraph | PageBreak | SectionBreak]) -> list[tuple[list, int]]:
    """Every page break in text order, as (the list holding it, its index)."""
    found = []
    for index, item in enumerate(body):
        if isinstance(item, PageBreak):
            found.append((body, index))
        elif isinstance(item, Paragraph):
            found += [
                (item.pieces, i) for i, p in enumerate(item.pieces) if isinstance(p, PageBreak)
            ]
    return found


def _number_page_joins(body: list[Paragraph | PageBreak | SectionBreak]) -> None:
    """An inferred page join takes its number from the nearest explicit page line: counted
    back from a later one, else on from an earlier one."""
    breaks = _page_breaks(body)
    numbers = [
        int(holder[i].n) if not holder[i].inferred and holder[i].n.isdigit() else None
        for holder, i in breaks
    ]
    for position, (holder, i) in enumerate(breaks):
        if not holder[i].inferred:
            continue
        later = next(
            ((p, n) for p, n in enumerate(numbers) if p > position and n is not None), None
        )
        earlier = next(
            (
                (p, n)
                for p, n in reversed(list(enumerate(numbers)))
                if p < position and n is not None
            ),
            None,
        )
        if later is not None:
            n = later[1] - (later[0] - position)
        elif earlier is not None:
            n = earlier[1] + (position - earlier[0])
        else:
            continue
        if n > 0:
            holder[i] = PageBreak(str(n), holder[i].number, inferred=True)


def _rescue_paragraph(layout: Layout) -> None:
    """A text needs a paragraph: a lone line taken for a subtitle, salutation or closer
    line is the message after all."""
    for source in (layout.head, layout.opener, layout.closer):
        candidates = [h for h in source if h.kind not in ("title", "author", "dateline")]
        if candidates:
            line = max(candidates, key=lambda h: len(h.text))
            source.remove(line)
            layout.body.insert(0, Paragraph([line.text], line.number))
            return


def _notes(kinds: list[Kind], style: ArchiveStyle) -> list[NoteText]:
    notes: list[NoteText] = []
    for kind, number, text in kinds:
        if kind == "note":
            match = style.note_start.match(text)
            notes.append(NoteText(match["n"], [Paragraph([match["text"]], number)], number))
        elif kind == "text" and notes:
            notes[-1].paragraphs.append(Paragraph([text], number))
        elif kind == "page" and notes:
            notes[-1].paragraphs[-1].pieces.append(PageBreak(text, number))
    return notes
