"""The reading model: what a reader sees of a TEI document, shared by every output.

Both the plain-text export and the HTML renderer go through this module, so the two
never disagree about which reading of a ``choice`` is shown, how notes are numbered,
or how a date is given in both calendars.

The API is small:

- ``MODES``: ``"reading"`` (the edited text: ``corr``, ``reg``, ``expan``; the text as
  revised, without what its ``del`` struck out) or ``"original"`` (the source as it
  stands: ``sic``, ``orig``, ``abbr``, deletions included). In an ``app``
  both modes show the ``lem``, or the first ``rdg`` where there is no ``lem``.
- ``choose(element, mode)``: the child of a ``choice`` (or ``app``) shown in a mode.
- ``readable_text(element, mode)``: the text of any element, with note markers ``[n]``,
  and the notes met on the way, collected separately.
- ``read_documents(root, mode)``: every document of a ``TEI`` or ``teiCorpus`` root as a
  ``ReadingDocument``: header facts, the blocks of the text, and the notes.
- ``date_label(date)``: the one way both exports show a date in both calendars.
- ``gap_label(gap)``: a gap as the Leiden conventions write it (``[---]``, ``[.....]``).

Notes are placed where a reader meets them: at their own place, at the element their
``@target`` points to, or at a ``ref``/``ptr`` that points to them (whose own text, the
printed number, is the marker). Lists of persons, places, organisations, events and
works (``listPerson``...) are registers, never reading text: their entries are read
separately (``ReadingDocument.entries``), as are the readings of a critical apparatus
(``ReadingDocument.apparatus``); the text shows the lemma.

It works on any TEI P5 document, not only this edition's: a header part that is missing
is left empty, and outputs show ``UNKNOWN`` for it.
"""

from __future__ import annotations

import dataclasses
import re
from copy import deepcopy
from dataclasses import dataclass, field

from lxml import etree

from pipeline.errors import EditionError
from pipeline.xmltools import NSMAP, TEI_NS, XML_ID

MODES = ("reading", "original")
UNKNOWN = "unknown"

# Names are the whole rule: a choice is read by what its children are, never by their
# order. Each mode falls back to the other mode's names so that a choice holding only
# one side of a pair still shows its text.
_PREFERENCE = {
    "reading": ("corr", "reg", "expan", "sic", "orig", "abbr"),
    "original": ("sic", "orig", "abbr", "corr", "reg", "expan"),
}

_T = f"{{{TEI_NS}}}"
_LINE = "\n"  # pieces are joined and split on this; text nodes never keep raw newlines
_XML_SPACE = re.compile(r"[ \t\r\n]+")  # XML whitespace only: a no-break space is text

# Elements that hold blocks rather than being one.
_CONTAINERS = frozenset(
    {"text", "front", "body", "back", "group", "div"} | {f"div{i}" for i in range(1, 8)}
)
# Elements that always stand on a line of their own inside a block.
_LINE_UNITS = frozenset(
    {
        "p",
        "ab",
        "l",
        "lg",
        "list",
        "item",
        "table",
        "row",
        "sp",
        "speaker",
        "head",
        "closer",
        "opener",
        "salute",
        "signed",
        "dateline",
        "address",
        "addrLine",
        "byline",
        "epigraph",
        "trailer",
        "argument",
        "castList",
        "castGroup",
        "castItem",
        "docTitle",
        "titlePart",
        "titlePage",
        "docImprint",
        "postscript",
        "floatingText",
        "figure",
        "listBibl",
    }
    | _CONTAINERS
)
# Elements that are a line of their own only among element siblings (a stage direction
# inside a speech, not one inside a verse line).
_CONTEXT_UNITS = frozenset({"stage", "bibl", "quote", "cit", "docAuthor", "docDate"})
# Inside these a line break is a new line; in prose it is a space.
_LINE_BASED = frozenset(
    {
        "ab",
        "lg",
        "l",
        "closer",
        "opener",
        "address",
        "signed",
        "salute",
        "dateline",
        "castList",
        "titlePage",
        "docTitle",
    }
)
# Children of a note that make it a note of several paragraphs.
_NOTE_PARAGRAPHS = frozenset({"p", "ab", "lg", "list", "table", "sp", "listBibl", "figure"})
# Elements that separate words without a line of their own.
_WORD_BREAKS = frozenset({"cell"})
# Lists that are registers (read as entries, never as reading text) wherever they stand.
REGISTER_LISTS = frozenset(
    {"listPerson", "listPlace", "listOrg", "listEvent", "listNym", "listRelation", "listObject"}
)
# A listBibl is a register where it stands beside the text, a bibliography inside it.
_REGISTER_PLACES = frozenset({"back", "standOff", "particDesc", "settingDesc"} | REGISTER_LISTS)
# Breaks that may fall inside a word (break="no" joins the two halves).
_BREAKS = frozenset({"lb", "pb", "cb"})
# Titles that name a series, journal or collection, not the text itself.
_SERIES_LEVELS = frozenset({"s", "j"})
_OTHER_TITLES = frozenset({"sub", "short", "alt", "abbreviated", "desc", "collection", "series"})
# Inside a name these say who it is, not what the name is.
_NOT_NAME = frozenset({"idno", "ptr", "note", "email", "affiliation"})


@dataclass(frozen=True)
class ReadingNote:
    """A note, shown at its place as ``[marker]`` and given after the text."""

    marker: str
    paragraphs: tuple[str, ...]
    xml_id: str | None
    type: str | None
    element: etree._Element = field(compare=False, repr=False)


@dataclass(frozen=True)
class ReadingBlock:
    """A unit of the text: one paragraph, heading, verse group, speech, closer...

    ``kind`` is the TEI element's local name (``"text"`` for stray text between blocks).
    ``text`` has note markers and one line per line of verse, signature or speech.
    ``depth`` counts the divisions the block is in, for heading levels.
    """

    kind: str
    text: str
    xml_id: str | None
    type: str | None
    depth: int
    element: etree._Element | None = field(compare=False, repr=False)


@dataclass(frozen=True)
class ReadingEntry:
    """An entry of a register list in the document (a person, place, work...)."""

    kind: str  # the TEI name of the entry: person, place, org, bibl, event...
    text: str
    xml_id: str | None
    element: etree._Element = field(compare=False, repr=False)


@dataclass(frozen=True)
class ReadingVariant:
    """One reading of an apparatus entry, with the witnesses that have it."""

    text: str  # "" where the witnesses omit the lemma
    witnesses: tuple[str, ...]


@dataclass(frozen=True)
class ReadingApp:
    """An apparatus entry: where it is, its lemma and the other readings."""

    loc: str  # the line or place it refers to, "" when the TEI does not say
    lemma: str
    variants: tuple[ReadingVariant, ...]
    notes: tuple[str, ...]
    element: etree._Element = field(compare=False, repr=False)


@dataclass(frozen=True)
class Passage:
    """The readable text of an element and the notes it holds."""

    text: str
    notes: tuple[ReadingNote, ...]


@dataclass(frozen=True)
class DocDate:
    """A document's date: as written, and normalised in each calendar it is known in.

    ``gregorian`` comes from ``@when``, ``@from``/``@to`` or ``@notBefore``/``@notAfter``;
    ``julian`` from their ``-custom`` twins when ``@datingMethod`` names the Julian
    calendar. ``sort_key`` is the ISO start of the date, for ordering documents.
    """

    written: str
    gregorian: str | None
    julian: str | None
    sort_key: str | None


@dataclass(frozen=True)
class ReadingDocument:
    """One TEI document as a reader meets it. Empty tuples mean the header is silent."""

    xml_id: str | None
    mode: str
    titles: tuple[str, ...]
    subtitles: tuple[str, ...]
    authors: tuple[str, ...]
    date: DocDate | None
    sources: tuple[str, ...]
    licences: tuple[str, ...]
    blocks: tuple[ReadingBlock, ...]
    notes: tuple[ReadingNote, ...]
    entries: tuple[ReadingEntry, ...] = ()
    apparatus: tuple[ReadingApp, ...] = ()
    editors: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.titles[0] if self.titles else UNKNOWN


def _local(element: etree._Element) -> str | None:
    """The TEI local name, or None for comments, PIs and other vocabularies."""
    tag = element.tag
    if isinstance(tag, str) and tag.startswith(_T):
        return tag[len(_T) :]
    return None


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")


def choose(choice: etree._Element, mode: str) -> etree._Element | None:
    """The child of a ``choice`` shown in ``mode``, picked by name, never by position.

    For an ``app`` it is the ``lem``, else the first ``rdg`` (also inside ``rdgGrp``),
    in both modes. None when there is nothing to show.
    """
    _check_mode(mode)
    if _local(choice) == "app":
        for path in ("tei:lem", "tei:rdgGrp/tei:lem", "tei:rdg", "tei:rdgGrp/tei:rdg"):
            found = choice.find(path, NSMAP)
            if found is not None:
                return found
        return None
    children = [child for child in choice if _local(child) is not None]
    for name in _PREFERENCE[mode]:
        for child in children:
            if _local(child) == name:
                return child
    # Unpaired alternatives (seg, unclear, a nested choice): the first is the default.
    return children[0] if children else None


def _finish(pieces: list[str], lines: bool = True) -> str:
    """Normalise the whitespace of each line; drop empty lines."""
    parts = (_XML_SPACE.sub(" ", part).strip() for part in "".join(pieces).split(_LINE))
    return ("\n" if lines else " ").join(part for part in parts if part)


def _note_markers(scope: etree._Element) -> dict[etree._Element, str]:
    """Markers of the notes in ``scope``: ``@n``, else a running number.

    The running numbers continue after the highest numeric ``@n``, so an editors' note
    without a number can never take the number of an author's note; they count notes by
    position, so the same note has the same number however much of the text is read.
    """
    notes = [note for text in _texts_of(scope) for note in text.iter(_T + "note")]
    numbers = [int(n) for n in (note.get("n", "").strip() for note in notes) if n.isdecimal()]
    running = max(numbers, default=0)
    markers = {}
    for note in notes:
        n = (note.get("n") or "").strip()
        if not n:
            running += 1
            n = str(running)
        markers[note] = n
    return markers


def _texts_of(scope: etree._Element) -> list[etree._Element]:
    # Notes in the header are not part of the text and take no number from it.
    return scope.findall("tei:text", NSMAP) if _local(scope) == "TEI" else [scope]


def _pointers(value: str | None) -> list[str]:
    """The ids a ``@target`` or ``@ref`` points to within the same file."""
    return [p[1:] for p in (value or "").split() if p.startswith("#") and len(p) > 1]


def _inside(element: etree._Element, ancestor: etree._Element) -> bool:
    return element is ancestor or any(a is ancestor for a in element.iterancestors())


@dataclass
class NotePlaces:
    """Where each note of a document is shown, when that is not its own place.

    A note standing between blocks or in the back matter, whose ``@target`` points to an
    element of the text, is shown after that element (``after``); a ``ref`` or ``ptr``
    pointing to a note is that note's marker (``refs``). ``moved`` holds both kinds: at
    their own place they show nothing.
    """

    after: dict[str, list[etree._Element]]
    refs: dict[etree._Element, etree._Element]
    moved: set[etree._Element]


def note_places(scope: etree._Element) -> NotePlaces:
    """The places of the notes of a ``TEI`` document (or of any element read alone)."""
    ids: dict[str, etree._Element] = {}
    notes: list[etree._Element] = []
    pointers: list[etree._Element] = []
    for text in _texts_of(scope):
        for el in text.iter():
            if not isinstance(el.tag, str):
                continue
            xml_id = el.get(XML_ID)
            if xml_id:
                ids.setdefault(xml_id, el)
            if el.tag == _T + "note":
                notes.append(el)
            elif el.tag in (_T + "ref", _T + "ptr") and el.get("target"):
                pointers.append(el)
    places = NotePlaces({}, {}, set())
    by_id = {n.get(XML_ID): n for n in notes if n.get(XML_ID)}
    for pointer in pointers:
        for target in _pointers(pointer.get("target"))[:1]:
            note = by_id.get(target)
            if (
                note is not None
                and note not in places.moved
                and not any(a.tag == _T + "note" for a in pointer.iterancestors())
            ):
                places.refs[pointer] = note
                places.moved.add(note)
    for note in notes:
        if note in places.moved:
            continue
        parent = note.getparent()
        detached = parent is None or _local(parent) in _CONTAINERS | {"noteGrp"}
        if not detached:
            continue
        for target in _pointers(note.get("target")):
            element = ids.get(target)
            if element is None or _inside(element, note):
                continue
            if any(a.tag == _T + "note" for a in element.iterancestors()):
                continue
            places.after.setdefault(target, []).append(note)
            places.moved.add(note)
            break
    return places


def gap_label(gap: etree._Element) -> str:
    """A gap as the Leiden conventions write it: a dot per missing character where their
    number is known (up to twenty), else ``[---]``."""
    unit = (gap.get("unit") or "").lower()
    quantity = (gap.get("quantity") or "").strip()
    if unit in ("character", "characters", "char", "chars") and quantity.isdecimal():
        count = int(quantity)
        if 0 < count <= 20:
            return "[" + "." * count + "]"
    return "[---]"


def is_register_list(element: etree._Element) -> bool:
    """A list of persons, places, works... that is a register rather than reading text."""
    name = _local(element)
    if name in REGISTER_LISTS:
        return True
    if name == "listBibl":
        parent = element.getparent()
        return parent is not None and _local(parent) in _REGISTER_PLACES
    return False


def register_lists(tei: etree._Element, header: bool = True) -> list[etree._Element]:
    """The register lists of a document, outermost only: in its text, its ``standOff``
    and (with ``header``) its header's ``particDesc``, ``settingDesc`` and the like."""
    places = [*_texts_of(tei), *tei.findall("tei:standOff", NSMAP)]
    if header:
        places += tei.findall("tei:teiHeader/tei:profileDesc", NSMAP)
    found = []
    for place in places:
        for element in place.iter(*(_T + n for n in (*REGISTER_LISTS, "listBibl"))):
            if is_register_list(element) and not any(
                is_register_list(a) for a in element.iterancestors()
            ):
                found.append(element)
    return found


def _not_text(element: etree._Element) -> bool:
    """Registers and external apparatus: shown apart from the reading text."""
    return _local(element) == "listApp" or is_register_list(element)


class _Reader:
    """Reads one document's elements in one mode, collecting the notes it meets."""

    def __init__(self, scope: etree._Element, mode: str, inline_notes: bool = False) -> None:
        _check_mode(mode)
        self.mode = mode
        self.scope = scope
        self._markers: dict[etree._Element, str] | None = None
        self.places = note_places(scope) if not inline_notes else NotePlaces({}, {}, set())
        self.pending: list[etree._Element] = []
        self.apps: list[etree._Element] = []
        # Header fields have nowhere to send a note: its text stays in brackets in place.
        self.inline_notes = inline_notes

    def text(self, element: etree._Element) -> str:
        pieces: list[str] = []
        self.inner(element, pieces, _local(element) in _LINE_BASED)
        self.after(element, pieces)
        return _finish(pieces)

    def inner(self, element: etree._Element, out: list[str], lines: bool) -> None:
        """The element's content: its text, its children and their tails."""
        out.append(_clean(element.text))
        for child in element:
            joined = child.get("break") == "no" and _local(child) in _BREAKS
            if joined:
                _strip_end(out)
            self.piece(child, out, lines)
            tail = _clean(child.tail)
            out.append(tail.lstrip() if joined else tail)

    def piece(self, element: etree._Element, out: list[str], lines: bool) -> None:
        """One element, without its tail, with the markers of the notes that point to it."""
        if not self._piece(element, out, lines):
            self.after(element, out)

    def _piece(self, element: etree._Element, out: list[str], lines: bool) -> bool:
        """One element, without its tail; True where its notes' markers are placed."""
        if isinstance(element, etree._Entity):
            out.append(element.text or "")
            return False
        if not isinstance(element.tag, str):
            return False  # comment or processing instruction
        name = _local(element)
        if name == "note":
            if self.inline_notes:
                out.append(" (")
                self.inner(element, out, lines)
                out.append(") ")
            elif element not in self.places.moved:
                self.mark(element, out)
            return False
        if name in ("ref", "ptr") and element in self.places.refs:
            self.mark(self.places.refs[element], out)
            return False
        if name in ("choice", "app"):
            if name == "app" and not self.inline_notes:
                self.apps.append(element)
            chosen = choose(element, self.mode)
            if chosen is not None:
                self.piece(chosen, out, lines)
            return False
        if name == "lb":
            if element.get("break") != "no":
                out.append(_LINE if lines else " ")
            return False
        if name in ("pb", "cb"):
            return False  # page and column breaks are not part of the running text
        if name == "gap":
            out.append(gap_label(element))
            self.inner(element, out, lines)  # a description of what is missing, if any
            return False
        if name == "del" and self.mode == "reading":
            return False  # the edited text is the text as revised: what was struck out is not read
        if _not_text(element):
            return False
        if name == "subst" and self.mode == "original":
            # What was struck out and what replaced it stand apart, as two words.
            out.append(_clean(element.text))
            for child in element:
                out.append(" ")
                self.piece(child, out, lines)
                out.append(" " + _clean(child.tail))
            return False
        unit = name in _LINE_UNITS or (name in _CONTEXT_UNITS and _among_elements(element))
        breaks = _LINE if unit else (" " if name in _WORD_BREAKS else "")
        out.append(breaks)
        self.inner(element, out, lines or name in _LINE_BASED)
        # The markers close the element, inside its line, as on its page.
        self.after(element, out)
        out.append(breaks)
        return True

    def after(self, element: etree._Element, out: list[str]) -> None:
        """Markers of the notes that point to ``element``, after it."""
        xml_id = element.get(XML_ID) if isinstance(element.tag, str) else None
        if xml_id and xml_id in self.places.after:
            for note in self.places.after[xml_id]:
                self.mark(note, out)

    def mark(self, note: etree._Element, out: list[str]) -> None:
        if note not in self.pending:
            self.pending.append(note)
        out.append(f"[{self.marker(note)}]")

    @property
    def markers(self) -> dict[etree._Element, str]:
        if self._markers is None:  # a header field never numbers notes: found on demand
            self._markers = _note_markers(self.scope)
        return self._markers

    def marker(self, note: etree._Element) -> str:
        if note not in self.markers:
            # A note outside the scope (read from elsewhere): number it after the rest.
            self.markers[note] = (note.get("n") or "").strip() or str(len(self.markers) + 1)
        return self.markers[note]

    def note_paragraphs(self, note: etree._Element) -> tuple[str, ...]:
        paragraphs: list[str] = []
        run: list[str] = [_clean(note.text)]
        for child in note:
            if _local(child) in _NOTE_PARAGRAPHS:
                paragraphs.append(_finish(run))
                run = []
                pieces: list[str] = []
                self.piece(child, pieces, _local(child) in _LINE_BASED)
                paragraphs.append(_finish(pieces))
            else:
                self.piece(child, run, False)
            run.append(_clean(child.tail))
        paragraphs.append(_finish(run))
        return tuple(p for p in paragraphs if p)

    def notes(self) -> tuple[ReadingNote, ...]:
        """The notes met so far (and the notes inside them), in reading order."""
        notes = []
        index = 0
        while index < len(self.pending):  # reading a note may find further notes
            note = self.pending[index]
            index += 1
            notes.append(
                ReadingNote(
                    marker=self.marker(note),
                    paragraphs=self.note_paragraphs(note),
                    xml_id=note.get(XML_ID),
                    type=note.get("type"),
                    element=note,
                )
            )
        self.pending.clear()
        markers = [note.marker for note in notes]
        # Numbered notes are looked up by number; anything else stays in text order.
        if all(m.isdecimal() for m in markers) and len(set(markers)) == len(markers):
            notes.sort(key=lambda note: int(note.marker))
        return tuple(notes)

    def blocks(self, container: etree._Element, depth: int = 0) -> list[ReadingBlock]:
        blocks: list[ReadingBlock] = []
        run: list[str] = [_clean(container.text)]

        def flush() -> None:
            # Text straight inside a container is not valid TEI, but it is not lost.
            text = _finish(run)
            if text:
                blocks.append(ReadingBlock("text", text, None, None, depth, None))
            run.clear()

        for child in container:
            name = _local(child)
            if name in _CONTAINERS:
                flush()
                inner = depth + 1 if name.startswith("div") else depth
                blocks.extend(self.blocks(child, inner))
            elif name == "note":
                if child not in self.places.moved:
                    self.pending.append(child)  # between blocks: no marker to show
            elif name == "milestone":
                flush()
                if "asterism" in (child.get("rend") or "") or child.get("unit") == "section":
                    blocks.append(
                        ReadingBlock(
                            "milestone", "* * *", child.get(XML_ID), child.get("unit"), depth, child
                        )
                    )
            elif name is not None and _not_text(child):
                flush()
            elif name is not None or isinstance(child.tag, str):
                flush()
                pieces: list[str] = []
                self.piece(child, pieces, name in _LINE_BASED)
                text = _finish(pieces)
                if text:
                    kind = name if name is not None else etree.QName(child).localname
                    blocks.append(
                        ReadingBlock(kind, text, child.get(XML_ID), child.get("type"), depth, child)
                    )
            run.append(_clean(child.tail))
        flush()
        return blocks

    def entries(self, scope: etree._Element) -> list[ReadingEntry]:
        """The entries of the register lists in the text and in ``standOff``."""
        found: list[ReadingEntry] = []
        for element in register_lists(scope, header=False):
            self._list_entries(element, found)
        return found

    def _list_entries(self, listing: etree._Element, found: list[ReadingEntry]) -> None:
        for child in listing:
            name = _local(child)
            if name is None:
                continue
            if is_register_list(child):
                self._list_entries(child, found)
                continue
            # An entry's notes are part of the entry: they stay in place, in brackets.
            text = _finish([_Reader(child, self.mode, inline_notes=True).text(child)], False)
            if text:
                found.append(ReadingEntry(name, text, child.get(XML_ID), child))

    def apparatus(self, scope: etree._Element) -> list[ReadingApp]:
        """The apparatus entries: the ``app``s met in the text, then those of each
        ``listApp``, in order."""
        apps = list(dict.fromkeys(self.apps))
        for text in _texts_of(scope):
            for listing in text.iter(_T + "listApp"):
                apps.extend(a for a in listing.iter(_T + "app") if a not in apps)
        return [self._app(app) for app in apps]

    def _app(self, app: etree._Element) -> ReadingApp:
        header = _Reader(app, self.mode, inline_notes=True)
        chosen = choose(app, self.mode)
        variants = []
        for rdg in app.iter(_T + "rdg", _T + "lem"):
            if rdg is chosen:
                continue
            witnesses = tuple(_pointers(rdg.get("wit")) + _pointers(rdg.get("source")))
            variants.append(ReadingVariant(header.text(rdg), witnesses))
        notes = tuple(header.text(n) for n in app.findall("tei:note", NSMAP))
        return ReadingApp(
            loc=app_location(app),
            lemma=header.text(chosen) if chosen is not None else "",
            variants=tuple(variants),
            notes=tuple(n for n in notes if n),
            element=app,
        )


def app_location(app: etree._Element) -> str:
    """The line an apparatus entry refers to: its ``@loc``, the ``@n`` of the element
    its ``@from`` points to, or of the verse line or line break it stands in."""
    loc = (app.get("loc") or "").strip()
    if loc:
        return loc
    start = _pointers(app.get("from"))
    if start:
        found = app.getroottree().getroot().xpath("//*[@xml:id=$id]", id=start[0], namespaces=NSMAP)
        target = found[0] if found else None
        end = _pointers(app.get("to"))
        label = (target.get("n") or start[0]) if target is not None else start[0]
        if end:
            found_end = (
                app.getroottree().getroot().xpath("//*[@xml:id=$id]", id=end[0], namespaces=NSMAP)
            )
            last = (found_end[0].get("n") or end[0]) if found_end else end[0]
            if last != label:
                return f"{label}–{last}"
        return label
    for line in app.iterancestors(_T + "l"):
        return (line.get("n") or "").strip()
    previous = app.xpath("preceding::tei:lb[@n][1]/@n", namespaces=NSMAP)
    return str(previous[0]).strip() if previous else ""


def _strip_end(out: list[str]) -> None:
    """Drop the whitespace at the end of what was read (before a break inside a word)."""
    while out and not out[-1].strip():
        if out[-1] == _LINE:
            break
        out.pop()
    if out and out[-1] != _LINE:
        out[-1] = out[-1].rstrip()


def _clean(text: str | None) -> str:
    # Raw newlines in the XML are whitespace; only _LINE pieces may break lines.
    return text.replace("\n", " ") if text else ""


def _among_elements(element: etree._Element) -> bool:
    """True when the element's parent holds elements only (no text of its own)."""
    parent = element.getparent()
    if parent is None:
        return True
    if parent.text and parent.text.strip():
        return False
    return not any(child.tail and child.tail.strip() for child in parent)


def _scope(element: etree._Element) -> etree._Element:
    """The TEI document an element belongs to (inside a corpus, its own TEI)."""
    for ancestor in element.iterancestors(_T + "TEI"):
        return ancestor
    return element if _local(element) == "TEI" else element.getroottree().getroot()


def readable_text(element: etree._Element, mode: str) -> Passage:
    """The element's text as a reader sees it in ``mode``.

    The chosen reading of each ``choice``; a note becomes its marker ``[n]`` (where the
    note is shown: see ``note_places``) and its content is returned in ``notes``; a page
    break is nothing; a line break is a space, or a new line in verse, closers and other
    line-based parts, and nothing where it breaks a word (``break="no"``). All other text
    is kept, with its whitespace normalised. A note passed in gives its own content.
    """
    reader = _Reader(_scope(element), mode)
    if _local(element) == "note":
        paragraphs = reader.note_paragraphs(element)
        return Passage("\n\n".join(paragraphs), reader.notes())
    return Passage(reader.text(element), reader.notes())


# --- dates ---------------------------------------------------------------------------

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _parse_iso(value: str) -> tuple[int, int | None, int | None] | None:
    match = _ISO.match(value.strip())
    if not match:
        return None
    year, month, day = match.groups()
    month_n = int(month) if month else None
    if month_n is not None and not 1 <= month_n <= 12:
        return None
    return int(year), month_n, int(day) if day else None


def _day_month(parts: tuple[int, int | None, int | None]) -> str:
    _, month, day = parts
    if month is None:
        return ""
    return f"{day} {MONTHS[month - 1]}" if day else MONTHS[month - 1]


def _single(value: str) -> str:
    parts = _parse_iso(value)
    if parts is None:
        return value.strip()
    return " ".join(x for x in (_day_month(parts), str(parts[0])) if x)


def _span(start: str, end: str, uncertain: bool) -> str:
    """A range as people write it: '12–14 September 1917', '5 or 6 November 1917'."""
    if start == end:
        return _single(start)
    a, b = _parse_iso(start), _parse_iso(end)
    if a is None or b is None:
        return f"{_single(start)} – {_single(end)}"
    # Share what the two ends have in common: '12–14 September 1917'.
    if a[0] == b[0] and a[1] and b[1] and bool(a[2]) == bool(b[2]):
        if a[1] == b[1] and a[2] and b[2]:
            left, right, suffix = str(a[2]), str(b[2]), f" {MONTHS[a[1] - 1]} {a[0]}"
        else:
            left, right, suffix = _day_month(a), _day_month(b), f" {a[0]}"
    else:
        left, right, suffix = _single(start), _single(end), ""
    if uncertain:
        consecutive = a[:2] == b[:2] and a[2] and b[2] and b[2] == a[2] + 1
        if consecutive:
            return f"{left} or {right}{suffix}"
        return f"between {left} and {right}{suffix}"
    dash = "–" if " " not in left + right else " – "
    return f"{left}{dash}{right}{suffix}"


def _normalised(date: etree._Element, suffix: str) -> str | None:
    """The date from @when, @from/@to or @notBefore/@notAfter (plus ``suffix``)."""

    def get(name: str) -> str | None:
        return (date.get(name + suffix) or "").strip() or None

    if get("when"):
        return _single(get("when"))
    for first, last, uncertain in (("from", "to", False), ("notBefore", "notAfter", True)):
        start, end = get(first), get(last)
        if start and end:
            return _span(start, end, uncertain)
        if start:
            return f"{'not before' if uncertain else 'from'} {_single(start)}"
        if end:
            return f"{'not after' if uncertain else 'until'} {_single(end)}"
    return None


def _sort_key(date: etree._Element) -> str | None:
    for name in ("when", "from", "notBefore", "to", "notAfter"):
        if date.get(name):
            return date.get(name).strip()
    for name in ("when-custom", "from-custom", "notBefore-custom"):
        if date.get(name):
            return date.get(name).strip()
    return None


def read_date(date: etree._Element, mode: str = "reading") -> DocDate:
    """A TEI ``date`` (or ``origDate``...) as written and in both calendars."""
    julian = None
    if "julian" in (date.get("datingMethod") or "").lower():
        julian = _normalised(date, "-custom")
    written = _Reader(date, mode, inline_notes=True).text(date)
    if julian is None and "julian" in (date.get("calendar") or "").lower():
        # Written in the Julian calendar, with no normalised Julian value: as written.
        julian = written or None
    return DocDate(
        written=written,
        gregorian=_normalised(date, ""),
        julian=julian,
        sort_key=_sort_key(date),
    )


def date_label(date: DocDate | None) -> str:
    """The date both exports show: '5 or 6 November 1917 (O.S.) = 18 or 19 November
    1917 (N.S.)' when both calendars are known, else the one known, else as written."""
    if date is None:
        return UNKNOWN
    if date.julian and date.gregorian:
        return f"{date.julian} (O.S.) = {date.gregorian} (N.S.)"
    if date.gregorian:
        return date.gregorian
    if date.julian:
        return f"{date.julian} (O.S.)"
    return date.written or UNKNOWN


# --- documents -----------------------------------------------------------------------


def _texts(reader: _Reader, elements: list[etree._Element]) -> tuple[str, ...]:
    texts = (_finish([reader.text(el)], lines=False) for el in elements)
    return tuple(text for text in texts if text)


def _sources(reader: _Reader, source_desc: etree._Element | None) -> tuple[str, ...]:
    if source_desc is None:
        return ()
    items: list[str] = []
    for child in source_desc:
        name = _local(child)
        if name in ("listBibl", "listWit"):
            items.extend(_sources(reader, child))
        elif name == "msDesc":
            ident = child.find("tei:msIdentifier", NSMAP)
            parts = _texts(reader, list(ident)) if ident is not None else ()
            items.extend([", ".join(parts)] if parts else _texts(reader, [child]))
        elif name is not None and name != "head":
            items.extend(_texts(reader, [child]))
    return tuple(items)


def _licences(reader: _Reader, header: etree._Element) -> tuple[str, ...]:
    items: list[str] = []
    for availability in header.iterfind("tei:fileDesc/tei:publicationStmt/tei:availability", NSMAP):
        for child in availability:
            if _local(child) not in ("p", "ab", "licence"):
                continue
            text = " ".join(_texts(reader, [child]))
            target = (child.get("target") or "").strip()
            if target and target not in text:
                # Angle brackets: the plain-text way to set a URL off from its sentence.
                text = f"{text} <{target}>" if text else f"<{target}>"
            if text:
                items.append(text)
    return tuple(items)


def _creation_date(reader: _Reader, header: etree._Element, mode: str) -> DocDate | None:
    """The document's date: its creation, the sending of a letter (or any dated action
    of it), else the first normalised date of its source description."""
    profile = "tei:profileDesc/"
    for path in (
        profile + "tei:creation//tei:date",
        profile + "tei:creation//tei:origDate",
        profile + "tei:correspDesc/tei:correspAction[@type='sent']/tei:date",
        profile + "tei:correspDesc/tei:correspAction/tei:date",
    ):
        date = header.find(path, NSMAP)
        if date is not None:
            return read_date(date, mode)
    creation = header.find(profile + "tei:creation", NSMAP)
    written = _texts(reader, [creation]) if creation is not None else ()
    if written:
        return DocDate(written[0], None, None, None)
    for date in header.iterfind("tei:fileDesc/tei:sourceDesc//*", NSMAP):
        if _local(date) in ("date", "origDate") and _sort_key(date):
            return read_date(date, mode)
    return None


def ranked_titles(titles: list[etree._Element]) -> list[etree._Element]:
    """The titles of a ``titleStmt`` that name the text itself, best first: the main or
    analytic title before others; a series, journal or collection title only when there
    is nothing else; subtitles, short and alternative titles never."""

    def rank(title: etree._Element) -> int:
        kind, level = title.get("type"), title.get("level")
        if kind == "main":
            return 0
        if level == "a":
            return 1
        if level in (None, "m", "u"):
            return 2
        return 3

    own = [t for t in titles if t.get("type") not in _OTHER_TITLES]
    texts = [t for t in own if t.get("level") not in _SERIES_LEVELS]
    return sorted(texts or own, key=rank)


def name_text(reader: _Reader, element: etree._Element) -> str:
    """A person's or body's name as written, without the identifiers, pointers and notes
    that say who it is (``<author>Name<idno>Q42</idno></author>`` is ``Name``)."""
    if not any(_local(el) in _NOT_NAME for el in element.iter()):
        return _finish([reader.text(element)], lines=False)
    copy = deepcopy(element)
    for el in list(copy.iter()):
        if el is not copy and _local(el) in _NOT_NAME:
            el.getparent().remove(el)  # the tail goes too: it belongs with the identifier
    return _finish([reader.text(copy)], lines=False)


def _names(reader: _Reader, elements: list[etree._Element]) -> tuple[str, ...]:
    names = (name_text(reader, el) for el in elements)
    return tuple(name for name in names if name)


def _languages(header: etree._Element) -> tuple[str, ...]:
    found = []
    for language in header.iterfind("tei:profileDesc/tei:langUsage/tei:language", NSMAP):
        text = " ".join("".join(language.itertext()).split()) or (language.get("ident") or "")
        if text:
            found.append(text)
    return tuple(found)


def note_markers(tei: etree._Element) -> dict[etree._Element, str]:
    """The marker of each note of a document's text, as every output numbers them."""
    return _note_markers(tei)


def read_document(tei: etree._Element, mode: str, text: bool = True) -> ReadingDocument:
    """A ``TEI`` element as a ``ReadingDocument`` in ``mode``; with ``text=False`` the
    header's facts only (no blocks, notes, entries or apparatus are read)."""
    _check_mode(mode)
    header_reader = _Reader(tei, mode, inline_notes=True)
    header = tei.find("tei:teiHeader", NSMAP)
    if header is None:
        header = etree.Element(_T + "teiHeader")
    stmt = "tei:fileDesc/tei:titleStmt/"
    titles = header.findall(stmt + "tei:title", NSMAP)
    authors = _names(header_reader, header.findall(stmt + "tei:author", NSMAP))
    if not authors:  # a letter names its writer in correspDesc
        sent = "tei:profileDesc/tei:correspDesc/tei:correspAction[@type='sent']/"
        authors = _names(
            header_reader,
            [
                el
                for path in ("tei:persName", "tei:orgName", "tei:name")
                for el in header.findall(sent + path, NSMAP)
            ],
        )

    blocks: list[ReadingBlock] = []
    notes: tuple[ReadingNote, ...] = ()
    entries: list[ReadingEntry] = []
    apparatus: list[ReadingApp] = []
    if text:
        reader = _Reader(tei, mode)
        for part in tei.findall("tei:text", NSMAP):
            blocks.extend(reader.blocks(part))
        notes = reader.notes()
        entries = reader.entries(tei)
        apparatus = reader.apparatus(tei)
    return ReadingDocument(
        xml_id=tei.get(XML_ID),
        mode=mode,
        titles=_texts(header_reader, ranked_titles(titles)),
        subtitles=_texts(header_reader, [t for t in titles if t.get("type") == "sub"]),
        authors=authors,
        date=_creation_date(header_reader, header, mode),
        sources=_sources(header_reader, header.find("tei:fileDesc/tei:sourceDesc", NSMAP)),
        licences=_licences(header_reader, header),
        blocks=tuple(blocks),
        notes=notes,
        entries=tuple(entries),
        apparatus=tuple(apparatus),
        editors=_names(header_reader, header.findall(stmt + "tei:editor", NSMAP)),
        languages=_languages(header),
    )


def read_documents(root: etree._Element, mode: str) -> list[ReadingDocument]:
    """Every document of a ``TEI`` or ``teiCorpus`` root (a corpus's TEI in order).

    Raises EditionError, with the file and line, for anything that is not TEI P5.
    """
    path = root.getroottree().docinfo.URL
    name = _local(root)
    if name == "TEI":
        return [read_document(root, mode)]
    if name == "teiCorpus":
        documents: list[ReadingDocument] = []
        for child in root:
            if _local(child) in ("TEI", "teiCorpus"):
                documents.extend(read_documents(child, mode))
        return documents
    tag = etree.QName(root).localname if isinstance(root.tag, str) else str(root.tag)
    if tag == "TEI.2":
        message = "TEI P4 document (root <TEI.2>): only TEI P5 is read"
    else:
        message = f"not a TEI document: the root element is <{tag}>"
    raise EditionError(message, path, root.sourceline)


def detached(document: ReadingDocument) -> ReadingDocument:
    """The document without its references to the TEI tree: what plain text needs, and
    small enough to be kept (and stored) once the tree is gone."""

    def strip(items: tuple) -> tuple:
        return tuple(
            dataclasses.replace(item, element=None) if hasattr(item, "element") else item
            for item in items
        )

    return dataclasses.replace(
        document,
        blocks=strip(document.blocks),
        notes=strip(document.notes),
        entries=strip(document.entries),
        apparatus=strip(document.apparatus),
    )
