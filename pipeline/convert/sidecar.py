"""The editorial sidecar beside each source: what the text itself cannot tell.

``sources/NAME.toml`` beside ``sources/NAME.txt``. Every key is declared here with its
meaning; an unknown key or a wrong type is an error naming the file, so a typo can
never silently switch an intervention off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.config import CalendarConfig, TomlSource, parse_toml
from pipeline.errors import EditionError

GENRES = ("letter", "speech", "minutes", "appeal", "statement", "article")
NOTE_RESP = ("author", "source-editors")
NOTE_PLACES = ("foot", "end", "margin", "inline")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True)
class DeclaredIntervention:
    type: str  # "reg" (regularisation) or "corr" (correction)
    orig: str  # the text as the source has it
    reading: str  # the regularised or corrected text
    reason: str
    occurrence: int | None = None  # which one, when the text occurs more than once
    cert: str = "high"
    context: str | None = None  # surrounding text that pins a short ``orig`` down
    line: int | None = None  # where the sidecar declares it


@dataclass(frozen=True)
class NoteRule:
    resp: str = "source-editors"
    place: str = "end"


@dataclass(frozen=True)
class Correspondence:
    """A letter's sending and receiving, by register names (for correspDesc)."""

    senders: tuple[str, ...]
    addressees: tuple[str, ...]
    place: str | None
    reason: str
    lines: dict[str, int | None] = field(default_factory=dict)  # where each key stands


EVIDENCE = ("internal", "external", "conjecture")


@dataclass(frozen=True)
class SourceEdition:
    """A printed edition the text was taken from, named by the sidecar (for sourceDesc)."""

    title: str
    authors: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    publisher: str | None = None
    place: str | None = None
    date: str | None = None
    volume: str | None = None
    pages: str | None = None
    page_breaks: bool = False  # the text's page lines are this edition's pages
    reason: str = ""
    line: int | None = None
    lines: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class NameRule:
    """A mention the registers' names cannot identify alone: which entry it is."""

    text: str
    ref: str  # the id of a register entry
    reason: str
    context: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class CrossReference:
    """A cross-reference of the text to another text of this edition."""

    text: str
    target: str  # the document id of the other text
    reason: str
    context: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class SuppliedDate:
    """A date expression of the text that names no date itself ("last Sunday")."""

    text: str
    date: str  # a date expression the converter reads
    reason: str
    evidence: str = "external"
    context: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Sidecar:
    path: Path | None
    genre: str | None = None
    title: str | None = None  # the title, when the text has no title line
    title_reason: str = ""
    creation: str | None = None  # a date expression, when the text gives none
    creation_reason: str = ""
    creation_evidence: str = "external"
    place: str | None = None  # where the text was written, by a register name
    place_reason: str = ""
    calendar_reason: str = ""  # why [dates] default-calendar is declared
    calendar_declared: bool = False
    sources: tuple[SourceEdition, ...] = ()
    names: tuple[NameRule, ...] = ()
    supplied_dates: tuple[SuppliedDate, ...] = ()
    links: tuple[CrossReference, ...] = ()
    lines: dict[str, int | None] = field(default_factory=dict)  # where top keys stand
    authors: tuple[str, ...] = ()  # names, when the text names no author
    authors_reason: str = ""
    default_calendar: str = "gregorian"
    language: str | None = None  # the text's language, when not the edition's
    original_language: str | None = None
    date_overrides: dict[str, str] = field(default_factory=dict)
    notes: NoteRule = NoteRule()
    note_overrides: dict[str, NoteRule] = field(default_factory=dict)
    source_editors: str = ""
    interventions: tuple[DeclaredIntervention, ...] = ()
    correspondence: Correspondence | None = None


EMPTY = Sidecar(path=None)


def load_sidecar(data: bytes | None, path: Path, calendar: CalendarConfig) -> Sidecar:
    """The sidecar read from ``data`` (None: the source has none, so it is empty)."""
    if data is None:
        return replace(EMPTY, default_calendar=calendar.default)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise EditionError("sidecar is not UTF-8", path) from None
    source = parse_toml(text, path, EditionError)
    return sidecar_from_dict(source.data, path, calendar, source)


class _Reader:
    """Checks one table of the sidecar against what it may hold; errors name its line."""

    def __init__(
        self,
        table: dict[str, Any],
        where: str,
        path: Path,
        source: TomlSource | None,
        key_path: tuple[str | int, ...] = (),
    ) -> None:
        self.table, self.where, self.path = table, where, path
        self.source, self.key_path = source, key_path

    def line(self, key: str | int | None = None) -> int | None:
        if self.source is None:
            return None
        return self.source.line((*self.key_path, key) if key is not None else self.key_path)

    def fail(self, message: str, key: str | int | None = None) -> EditionError:
        return EditionError(f"sidecar {self.where}: {message}", self.path, self.line(key))

    def only(self, *keys: str) -> None:
        unknown = sorted(set(self.table) - set(keys))
        if unknown:
            raise self.fail(f"unknown key '{unknown[0]}'; allowed: {', '.join(keys)}", unknown[0])

    def get(self, key: str, kind: type, default: Any = None, choices: tuple = ()) -> Any:
        value = self.table.get(key, default)
        if value is None:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"'{key}' must be a {kind.__name__}", key)
        if choices and value not in choices:
            raise self.fail(f"'{key}' must be one of {', '.join(choices)}, not '{value}'", key)
        return value

    def table_of(self, key: str) -> _Reader:
        value = self.table.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"'{key}' must be a table", key)
        return _Reader(
            value,
            f"[{key}]" if self.where == "top level" else f"{self.where}.{key}",
            self.path,
            self.source,
            (*self.key_path, key),
        )

    def item(self, key: str, index: int, value: Any, where: str) -> _Reader:
        if not isinstance(value, dict):
            raise self.fail(f"'{key}' must be a list of tables", key)
        return _Reader(value, where, self.path, self.source, (*self.key_path, key, index))


def _note_rule(reader: _Reader, base: NoteRule) -> NoteRule:
    return NoteRule(
        resp=reader.get("resp", str, base.resp, NOTE_RESP),
        place=reader.get("place", str, base.place, NOTE_PLACES),
    )


def sidecar_from_dict(
    data: dict[str, Any], path: Path, calendar: CalendarConfig, source: TomlSource | None = None
) -> Sidecar:
    """Check a sidecar's tables; ``calendar`` gives the edition's calendars and default."""
    top = _Reader(data, "top level", path, source)
    top.only(
        "genre",
        "title",
        "source",
        "name",
        "link",
        "language",
        "original-language",
        "creation",
        "author",
        "dates",
        "notes",
        "intervention",
        "correspondence",
    )
    calendars = tuple(dict.fromkeys((calendar.old, calendar.new)))
    language = top.get("language", str)
    original_language = top.get("original-language", str)
    for key, value in (("language", language), ("original-language", original_language)):
        if value is not None and not LANGUAGE_TAG.fullmatch(value):
            raise top.fail(f"'{key}' must be a language tag such as 'en', not '{value}'", key)

    creation = top.table_of("creation")
    creation.only("date", "reason", "evidence", "place")
    title = top.table_of("title")
    title.only("main", "reason")
    author = top.table_of("author")
    author.only("names", "reason")
    names = author.get("names", list, [])
    if not all(isinstance(n, str) for n in names):
        raise author.fail("'names' must be a list of strings")

    dates = top.table_of("dates")
    dates.only("default-calendar", "reason", "override", "supply")
    supplied = []
    for i, item in enumerate(dates.get("supply", list, [])):
        entry = dates.item("supply", i, item, f"[[dates.supply]] #{i + 1}")
        entry.only("text", "date", "reason", "evidence", "context")
        text, date, reason = (entry.get(k, str) for k in ("text", "date", "reason"))
        if not (text and date and reason):
            raise entry.fail("'text', 'date' and 'reason' are all required")
        context = entry.get("context", str)
        if context is not None and context.count(text) != 1:
            raise entry.fail("'context' must contain 'text' exactly once", "context")
        supplied.append(
            SuppliedDate(
                text,
                date,
                reason,
                entry.get("evidence", str, "external", EVIDENCE),
                context,
                entry.line(),
            )
        )
    overrides: dict[str, str] = {}
    for i, item in enumerate(dates.get("override", list, [])):
        entry = dates.item("override", i, item, f"[[dates.override]] #{i + 1}")
        entry.only("text", "calendar", "reason")
        text = entry.get("text", str)
        if not text:
            raise entry.fail("'text' is required")
        chosen = entry.get("calendar", str, None, calendars)
        if chosen is None:
            raise entry.fail("'calendar' is required", "calendar")
        overrides[text] = chosen

    notes = top.table_of("notes")
    notes.only("resp", "place", "source-editors", "override")
    base = _note_rule(notes, NoteRule())
    note_overrides = {}
    override_table = notes.table_of("override")
    for number in override_table.table:
        if not number.isdigit():
            raise override_table.fail(f"note numbers are digits, not '{number}'", number)
        one = override_table.table_of(number)
        one.only("resp", "place")
        note_overrides[number] = _note_rule(one, base)

    interventions = []
    for i, item in enumerate(top.get("intervention", list, [])):
        entry = top.item("intervention", i, item, f"[[intervention]] #{i + 1}")
        entry.only("type", "orig", "reading", "reason", "occurrence", "cert", "context")
        kind = entry.get("type", str, None, ("reg", "corr"))
        orig, reading, reason = (entry.get(k, str) for k in ("orig", "reading", "reason"))
        if not (kind and orig and reading is not None and reason):
            raise entry.fail("'type', 'orig', 'reading' and 'reason' are all required")
        context = entry.get("context", str)
        if context is not None and context.count(orig) != 1:
            raise entry.fail("'context' must contain 'orig' exactly once", "context")
        interventions.append(
            DeclaredIntervention(
                type=kind,
                orig=orig,
                reading=reading,
                reason=reason,
                occurrence=entry.get("occurrence", int),
                cert=entry.get("cert", str, "high", ("high", "medium", "low")),
                context=context,
                line=entry.line(),
            )
        )

    sources = []
    for i, item in enumerate(top.get("source", list, [])):
        entry = top.item("source", i, item, f"[[source]] #{i + 1}")
        keys = ("title", "author", "editor", "publisher", "place", "date", "volume", "pages")
        entry.only(*keys, "page-breaks", "reason")
        if not entry.get("title", str):
            raise entry.fail("'title' is required", "title")
        people = {key: entry.get(key, list, []) for key in ("author", "editor")}
        if not all(isinstance(n, str) for names in people.values() for n in names):
            raise entry.fail("'author' and 'editor' must be lists of names")
        sources.append(
            SourceEdition(
                title=entry.get("title", str),
                authors=tuple(people["author"]),
                editors=tuple(people["editor"]),
                publisher=entry.get("publisher", str),
                place=entry.get("place", str),
                date=entry.get("date", str),
                volume=entry.get("volume", str),
                pages=entry.get("pages", str),
                page_breaks=entry.get("page-breaks", bool, False),
                reason=entry.get("reason", str, ""),
                line=entry.line(),
                lines={key: entry.line(key) for key in keys},
            )
        )
    names_rules = []
    for i, item in enumerate(top.get("name", list, [])):
        entry = top.item("name", i, item, f"[[name]] #{i + 1}")
        entry.only("text", "ref", "reason", "context")
        text, ref, reason = (entry.get(k, str) for k in ("text", "ref", "reason"))
        if not (text and ref and reason):
            raise entry.fail("'text', 'ref' and 'reason' are all required")
        context = entry.get("context", str)
        if context is not None and context.count(text) != 1:
            raise entry.fail("'context' must contain 'text' exactly once", "context")
        names_rules.append(NameRule(text, ref, reason, context, entry.line("ref")))

    links = []
    for i, item in enumerate(top.get("link", list, [])):
        entry = top.item("link", i, item, f"[[link]] #{i + 1}")
        entry.only("text", "target", "reason", "context")
        text, target, reason = (entry.get(k, str) for k in ("text", "target", "reason"))
        if not (text and target and reason):
            raise entry.fail("'text', 'target' and 'reason' are all required")
        if not re.fullmatch(r"[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*", target):
            raise entry.fail(f"'target' must be a document id, not '{target}'", "target")
        context = entry.get("context", str)
        if context is not None and context.count(text) != 1:
            raise entry.fail("'context' must contain 'text' exactly once", "context")
        links.append(CrossReference(text, target, reason, context, entry.line()))

    correspondence = None
    if "correspondence" in data:
        letter = top.table_of("correspondence")
        letter.only("sender", "addressee", "place", "reason")
        people = {key: letter.get(key, list, []) for key in ("sender", "addressee")}
        if (
            not people["sender"]
            or not people["addressee"]
            or not all(isinstance(n, str) for names in people.values() for n in names)
        ):
            raise letter.fail("'sender' and 'addressee' must be non-empty lists of names")
        correspondence = Correspondence(
            senders=tuple(people["sender"]),
            addressees=tuple(people["addressee"]),
            place=letter.get("place", str),
            reason=letter.get("reason", str, ""),
            lines={key: letter.line(key) for key in ("sender", "addressee", "place")},
        )

    return Sidecar(
        path=path,
        title=title.get("main", str),
        title_reason=title.get("reason", str, ""),
        creation_evidence=creation.get("evidence", str, "external", EVIDENCE),
        place=creation.get("place", str),
        place_reason=creation.get("reason", str, ""),
        calendar_reason=dates.get("reason", str, ""),
        calendar_declared="default-calendar" in dates.table,
        sources=tuple(sources),
        names=tuple(names_rules),
        supplied_dates=tuple(supplied),
        links=tuple(links),
        lines={
            "author": author.line("names"),
            "place": creation.line("place"),
            "default-calendar": dates.line("default-calendar"),
        },
        correspondence=correspondence,
        genre=top.get("genre", str, None, GENRES),
        creation=creation.get("date", str),
        creation_reason=creation.get("reason", str, ""),
        authors=tuple(names),
        authors_reason=author.get("reason", str, ""),
        default_calendar=dates.get("default-calendar", str, calendar.default, calendars),
        language=language,
        original_language=original_language,
        date_overrides=overrides,
        notes=base,
        note_overrides=note_overrides,
        source_editors=notes.get("source-editors", str, ""),
        interventions=tuple(interventions),
    )
