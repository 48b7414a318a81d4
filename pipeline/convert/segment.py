"""Reading the layout of a source: which lines are title, metadata, text, notes, apparatus.

The cues come from the archive style file (``archive_style.toml``); author lines and
signatures are recognised by the registers' names. Nothing here knows a particular text.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

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
        cues = data["cues"]
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
        )
    except (tomllib.TOMLDecodeError, KeyError, re.error) as exc:
        raise EditionError(f"invalid archive style: {exc}", origin) from None


@dataclass(frozen=True)
class Metadata:
    field: str
    label: str  # the label as written ("Transcription\\Markup"), for credits
    value: str
    line: str  # the whole line, collapsed, as it must reappear in the header
    number: int


@dataclass(frozen=True)
class Removed:
    kind: str
    text: str
    reason: str
    number: int
    whole_line: bool = True


@dataclass(frozen=True)
class PageBreak:
    n: str
    number: int


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
    kind: str  # title | subtitle | author | epigraph
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
    body: list[Paragraph | PageBreak | SectionBreak] = field(default_factory=list)
    signatures: list[HeadLine] = field(default_factory=list)
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


def read_layout(lines: list[str], style: ArchiveStyle, registers: NameMatcher) -> Layout:
    """Classify every line of a source; each line lands in exactly one place."""
    layout = Layout()
    kinds: list[tuple[str, int, str]] = []  # (kind, line number, collapsed text)
    for number, raw in enumerate(lines, 1):
        line = collapse(raw)
        if not line:
            kinds.append(("blank", number, line))
            continue
        apparatus = next((a for a in style.apparatus if a.regex.match(line)), None)
        if apparatus:
            layout.removed.append(Removed(apparatus.kind, line, apparatus.reason, number))
            kinds.append(("removed", number, line))
            continue
        meta = _match_metadata(line, number, style, layout)
        if meta:
            layout.metadata.append(meta)
            kinds.append(("meta", number, line))
        elif style.page.match(line):
            kinds.append(("page", number, style.page.match(line)["n"]))
        elif style.section_break.match(line):
            kinds.append(("section", number, line))
        elif style.note_start.match(line):
            kinds.append(("note", number, line))
        else:
            kinds.append(("text", number, line))

    body_start = _read_head(kinds, layout, registers)
    rest = kinds[body_start:]
    note_at = next((i for i, k in enumerate(rest) if k[0] == "note"), len(rest))
    body, notes = rest[:note_at], rest[note_at:]

    texts = [k for k in body if k[0] == "text"]
    while texts and registers.match_whole(texts[-1][2]) is not None:
        signature = texts.pop()
        layout.signatures.insert(0, HeadLine("signature", signature[2], signature[1]))
    if layout.signatures:
        cut = body.index(next(k for k in body if k[1] == layout.signatures[0].number))
        body = body[:cut]

    blank_separated = sum(1 for k in body if k[0] == "blank") >= len(texts) // 2
    layout.body = _paragraphs(body, blank_separated, style)
    layout.notes = _notes(notes, style)
    return layout


def _match_metadata(line: str, number: int, style: ArchiveStyle, layout: Layout) -> Metadata | None:
    for pattern in style.metadata:
        match = pattern.regex.match(line)
        if not match:
            continue
        value = match["value"].strip()
        kept_line = line
        for residue in style.residues:
            found = residue.regex.search(value)
            if found:
                layout.removed.append(
                    Removed(residue.kind, found.group(0).strip(), residue.reason, number, False)
                )
                value = value[: found.start()].rstrip()
                kept_line = kept_line[: len(kept_line) - len(found.group(0))].rstrip()
        groups = match.groupdict()
        label = groups.get("label") or pattern.field
        return Metadata(pattern.field, label, value, kept_line, number)
    return None


def _read_head(kinds: list[tuple[str, int, str]], layout: Layout, registers: NameMatcher) -> int:
    """Title, subtitle, author and epigraph lines before the text; returns where it starts."""
    seen_title = seen_meta = False
    for index, (kind, number, text) in enumerate(kinds):
        if kind in ("blank", "removed"):
            continue
        if kind == "meta":
            seen_meta = True
            continue
        if kind != "text":
            return index
        if registers.match_whole(text) is not None and not any(
            h.kind == "author" for h in layout.head
        ):
            layout.head.append(HeadLine("author", text, number))
        elif not seen_title:
            layout.head.append(HeadLine("title", text, number))
            seen_title = True
        elif seen_meta:
            return index
        elif _is_epigraph(text):
            layout.head.append(HeadLine("epigraph", text, number))
        elif (
            _title_case_ratio(text) >= 0.5
            and len(text) <= 200
            and not any(h.kind in ("subtitle", "epigraph") for h in layout.head)
        ):
            layout.head.append(HeadLine("subtitle", text, number))
        else:
            return index
    return len(kinds)


def _paragraphs(
    kinds: list[tuple[str, int, str]], blank_separated: bool, style: ArchiveStyle
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
            continues = current is not None and (
                not _ends_sentence(last_text, style.note_marker)
                or (text[:1].islower())
                or (blank_separated and not gap)
            )
            if continues:
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


def _notes(kinds: list[tuple[str, int, str]], style: ArchiveStyle) -> list[NoteText]:
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
