"""TEI to HTML: a walker that hands each element to its Jinja template.

How an element looks is decided by a macro of the same name in the templates of
``templates/tei/`` (``{% macro hi(el) %}``, ``{% macro set_(el) %}`` for a name that is a
Jinja keyword); a theme folder's ``tei/*.html`` overrides any of them (see
``TeiTemplates``). Elements without a macro of their own go to ``any_element``, elements
of other vocabularies to ``foreign_element``: both keep every word and mark the
element's name as a class. No HTML is written here.

The walker does what a template cannot: it escapes text, tells a template whether it
stands in flow or phrasing content (so the output is valid HTML whatever the nesting),
and collects what other pages need: notes, name mentions (for the registers), dates
(for the chronology), interventions (for the About page), the table of contents and the
apparatus. A macro reaches these through the ``Node`` it is given (``el.footnote()``,
``el.paragraph()``...).

Rendering is memoised: when a macro's output depends only on the element's attributes
(those it read) and its context, the part before and after the element's content is
kept and reused for every element with the same values, so a page of thousands of
``hi`` or ``persName`` without ids costs one macro call per distinct form.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from jinja2 import Environment
from lxml import etree
from markupsafe import Markup, escape

from pipeline.render.dates import DateInfo, date_info, date_keys
from pipeline.render.ids import IdRegistry
from pipeline.render.registers import RegisterLinks
from pipeline.render.sentences import SentenceFinder
from pipeline.structure import reading
from pipeline.structure.identifiers import class_token, external_url, safe_id, safe_lang
from pipeline.structure.reading import choose
from pipeline.xmltools import TEI_NS, XI_NS, XML_ID, XML_LANG, XML_NS

_T = f"{{{TEI_NS}}}"


# --- what a page collects -------------------------------------------------------------


@dataclass(frozen=True)
class PageNote:
    html_id: str
    marker_id: str
    label: str
    body: Markup
    resp: str
    kind: str
    foot: bool = False  # a footnote of the printed page, listed apart from the endnotes


@dataclass(frozen=True)
class Mention:
    entry_key: str
    html_id: str
    where: str
    text: str


@dataclass(frozen=True)
class DateMention:
    info: DateInfo
    html_id: str
    written: str
    where: str
    kind: str  # "text", "note", "written", "source", "bibl" (in a bibliographic entry)
    sentence: str = ""  # the sentence of the reading text it stands in
    anchor: str = ""  # the id of its paragraph or note, for a link to the passage


@dataclass(frozen=True)
class ShownIntervention:
    kind: str  # correction, regularisation, expansion
    source: str
    reading: str
    resp: str
    cert: str
    where: str
    html_id: str
    reason: str = ""  # as the header's editorial declarations give it


@dataclass(frozen=True)
class TocEntry:
    level: int  # 1 for a top division
    label: str
    html_id: str


@dataclass(frozen=True)
class Reading:
    """One reading of an apparatus entry, with its witnesses (siglum, description)."""

    body: Markup  # empty where the witnesses omit the lemma
    witnesses: tuple[tuple[str, str], ...]
    kind: str  # rdg, lem, or the type of its rdgGrp


@dataclass
class AppEntry:
    """An apparatus entry: shown after the text, pointed to from where it applies."""

    html_id: str
    marker_id: str
    loc: str
    lemma: Markup
    readings: list[Reading]
    notes: list[Markup]
    witnesses: tuple[tuple[str, str], ...] = ()  # the lemma's
    target: str = ""  # the id of the line it refers to, when known
    marked: bool = False  # a marker in the text leads to it (and back)


@dataclass(frozen=True)
class PageImage:
    """An image a page break or graphic points to: a link, and a thumbnail for IIIF."""

    label: str
    href: str
    thumbnail: str  # "" unless the image is a IIIF Image API service


# --- the facts of one document, found once ---------------------------------------------


_IIIF_REQUEST = re.compile(
    r"^(?P<service>https?://.+?)/(?:full|square|\d+,\d+,\d+,\d+|pct:[\d.,]+)/"
    r"[^/]+/!?\d+(?:\.\d+)?/[a-z]+\.(?:jpg|jpeg|png|gif|webp|tif|tiff)$"
)
_FILE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{2,5}$")


def image_link(url: str | None, base: str = "") -> PageImage | None:
    """Where an image URL from the TEI may be linked to, and its IIIF thumbnail.

    Absolute http(s) URLs are kept as they are; a relative path is resolved against
    ``base`` (the images-base-url setting) when there is one, and refused when it tries
    to leave it. A URL that is a IIIF Image API service (``.../info.json``, an image
    request, or a ``/iiif/`` path without a file suffix) gives a thumbnail request.
    """
    value = (url or "").strip()
    if not value:
        return None
    absolute = external_url(value)
    if absolute is None:
        if not base or any(c in value for c in ":\\?#") or value.startswith("/"):
            return None
        parts = value.split("/")
        if any(part in ("", ".", "..") for part in parts) or any(c.isspace() for c in value):
            return None
        absolute = external_url(base.rstrip("/") + "/" + value)
        if absolute is None:
            return None
    service = ""
    if absolute.endswith("/info.json"):
        service = absolute.removesuffix("/info.json")
    else:
        match = _IIIF_REQUEST.match(absolute)
        if match:
            service = match.group("service")
        elif "/iiif/" in absolute and not _FILE_SUFFIX.search(absolute.rsplit("/", 1)[-1]):
            service = absolute.rstrip("/")
    if service:
        return PageImage(
            "", f"{service}/full/max/0/default.jpg", f"{service}/full/240,/0/default.jpg"
        )
    return PageImage("", absolute, "")


class DocumentFacts:
    """What rendering one TEI document needs to know about the whole of it."""

    def __init__(
        self,
        tei: etree._Element,
        *,
        id_map: dict[str, str],
        note_markers: Mapping[etree._Element, str],
        images_base: str = "",
    ) -> None:
        self.tei = tei
        self.id_map = id_map
        self.note_markers = dict(note_markers)
        self.places = reading.note_places(tei)
        self.resp_names = _resp_names(tei)
        self.witnesses = _witnesses(tei)
        self.images = _facsimile(tei, images_base)
        self.images_base = images_base
        self.app_after = _external_apparatus(tei)
        # Elements something points to, whose markers close them or follow them.
        self.pointed_ids = frozenset(self.places.after)
        self.reasons = intervention_reasons(tei)
        self.foot_labels = _foot_labels(tei)


_FOOT = frozenset({"foot", "bottom"})


def _foot_labels(tei: etree._Element) -> dict[etree._Element, str]:
    """Footnotes of a text that also has notes elsewhere (at its end, in the margin): the
    printed page marks them apart from the numbered notes, with asterisks (or their own
    non-numeric ``@n``)."""
    notes = [n for text in tei.findall(_T + "text") for n in text.iter(_T + "note")]
    foot = [n for n in notes if (n.get("place") or "").strip() in _FOOT]
    if not foot or len(foot) == len(notes):
        return {}
    labels = {}
    for index, note in enumerate(foot, start=1):
        n = (note.get("n") or "").strip()
        labels[note] = (
            n
            if n and not n.isdecimal()
            else "*" * min(index, 3) + (str(index) if index > 3 else "")
        )
    return labels


def intervention_reasons(tei: etree._Element) -> dict[tuple[str, str], str]:
    """(source reading, edited reading) -> the reason the header declares for it: an item
    of ``editorialDecl`` that quotes the two readings, then says why."""
    reasons: dict[tuple[str, str], str] = {}
    for item in tei.iterfind(f"{_T}teiHeader/{_T}encodingDesc/{_T}editorialDecl//{_T}item"):
        quotes = item.findall(_T + "quote")
        if len(quotes) != 2:
            continue
        rest = [quotes[1].tail or ""]
        node = quotes[1].getnext()
        while node is not None:
            rest.append("".join(node.itertext()) + (node.tail or ""))
            node = node.getnext()
        reason = " ".join("".join(rest).split()).lstrip(" :")
        # "(source line 32): why": where in the transcription is the editors' business.
        reason = re.sub(r"^\([^()]*\)\s*:\s*", "", reason)
        reasons.setdefault((_plain(quotes[0]), _plain(quotes[1])), reason)
    return reasons


def _plain(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


def _plain_reading(el: etree._Element) -> str:
    """The words of ``el`` as the edited text reads: without its notes, the edited side
    of each choice, the lemma of each apparatus entry."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        parts.append(node.text or "")
        for child in node:
            tag = child.tag
            if tag in (_T + "note",) or not isinstance(tag, str):
                pass
            elif tag in (_T + "choice", _T + "app"):
                chosen = choose(child, "reading")
                if chosen is not None:
                    walk(chosen)
            else:
                walk(child)
            parts.append(child.tail or "")

    walk(el)
    return " ".join("".join(parts).split())


def plain(el: etree._Element) -> str:
    """The text of an element, whitespace normalised."""
    return _plain(el)


def _resp_names(tei: etree._Element) -> dict[str, str]:
    names: dict[str, str] = {}
    header = tei.find(_T + "teiHeader")
    if header is None:
        return names
    for el in header.iter(_T + "respStmt", _T + "editor", _T + "author", _T + "person"):
        key = el.get(XML_ID)
        if not key:
            continue
        # A responsibility names a person, or the edition itself (orgName) when its
        # editors are not named.
        name = next(
            (
                found
                for found in (el.find(_T + tag) for tag in ("name", "persName", "orgName"))
                if found is not None
            ),
            None,
        )
        names[key] = _plain(name if name is not None else el)
    for el in header.iter(_T + "name", _T + "persName"):
        if el.get(XML_ID) and el.get(XML_ID) not in names:
            names[el.get(XML_ID)] = _plain(el)
    return names


def _witnesses(tei: etree._Element) -> dict[str, tuple[str, str]]:
    """Witness id -> (siglum, description), from every ``listWit`` of the document."""
    found: dict[str, tuple[str, str]] = {}
    for witness in tei.iter(_T + "witness"):
        key = witness.get(XML_ID)
        if not key:
            continue
        abbr = witness.find(_T + "abbr")
        siglum = _plain(abbr) if abbr is not None else (witness.get("n") or key)
        found[key] = (siglum or key, _plain(witness))
    return found


def _facsimile(tei: etree._Element, base: str) -> dict[str, PageImage]:
    """Surface, zone and graphic ids -> the image to link to."""
    images: dict[str, PageImage] = {}
    for facsimile in tei.iter(_T + "facsimile"):
        for surface in facsimile.iter(_T + "surface"):
            graphic = surface.find(_T + "graphic")
            image = image_link(graphic.get("url"), base) if graphic is not None else None
            if image is None:
                continue
            if surface.get(XML_ID):
                images[surface.get(XML_ID)] = image
            for inner in surface.iter(_T + "zone", _T + "graphic"):
                if inner.get(XML_ID):
                    images.setdefault(inner.get(XML_ID), image)
        for graphic in facsimile.iter(_T + "graphic"):
            if graphic.get(XML_ID) and graphic.get(XML_ID) not in images:
                image = image_link(graphic.get("url"), base)
                if image is not None:
                    images[graphic.get(XML_ID)] = image
    return images


def _external_apparatus(tei: etree._Element) -> dict[etree._Element, list[etree._Element]]:
    """Elements of the text -> the ``app``s of a ``listApp`` that refer to them (by
    ``@from`` or by ``@loc``, the ``@n`` of a verse line or line break)."""
    apps = [app for listing in tei.iter(_T + "listApp") for app in listing.iter(_T + "app")]
    if not apps:
        return {}
    by_id: dict[str, etree._Element] = {}
    by_n: dict[str, etree._Element] = {}
    for text in tei.iter(_T + "text"):
        for el in text.iter(_T + "l", _T + "lb", _T + "ab", _T + "p", _T + "lg", _T + "anchor"):
            if el.get(XML_ID):
                by_id.setdefault(el.get(XML_ID), el)
            if el.get("n") and el.tag in (_T + "l", _T + "lb"):
                by_n.setdefault(el.get("n").strip(), el)
    found: dict[etree._Element, list[etree._Element]] = {}
    for app in apps:
        target = None
        start = reading._pointers(app.get("from"))
        if start:
            target = by_id.get(start[0])
        elif app.get("loc"):
            target = by_n.get(app.get("loc").strip())
        if target is not None:
            found.setdefault(target, []).append(app)
    return found


# --- context --------------------------------------------------------------------------


_CTX_FIELDS = ("phrasing", "in_link", "depth", "original", "header", "top", "bibl")


class Ctx:
    """Where an element stands; interned, so it is compared and hashed as one object."""

    __slots__ = (
        "_variants",
        "bibl",
        "depth",
        "header",
        "in_link",
        "key",
        "original",
        "phr",
        "phrasing",
        "top",
    )

    def __init__(
        self,
        phrasing: bool,
        in_link: bool,
        depth: int,
        original: bool,
        header: bool,
        top: bool,
        bibl: bool = False,
    ) -> None:
        self.phrasing = phrasing  # inside p, heading, link...: only phrasing content
        self.in_link = in_link  # inside <a>: no nested links or focusable elements
        self.depth = depth  # heading level of the enclosing section
        self.original = original  # inside the source reading of a choice
        self.header = header  # rendering teiHeader content: notes stay inline
        self.top = top  # a direct child of text/body/front/back
        self.bibl = bibl  # inside a bibliographic entry: names and dates are not links
        self.key = (phrasing, in_link, depth, original, header, top, bibl)
        self._variants: dict[tuple, Ctx] = {}
        # The same context in phrasing content (asked for at every element).
        self.phr: Ctx = self if phrasing else self.but(phrasing=True)

    def for_children(self, top: bool, division: bool) -> Ctx:
        """The context of an element's children: directly in text/body/front/back
        (``top``), or in a division one level deeper."""
        wanted = (top, division)
        found = self._variants.get(wanted)
        if found is None:
            depth = min(self.depth + 1, 6) if division else self.depth
            found = self._variants[wanted] = self.but(top=top, depth=depth)
        return found

    def but(self, **changes: Any) -> Ctx:
        wanted = tuple(sorted(changes.items()))
        found = self._variants.get(wanted)
        if found is None:
            values = dict(zip(_CTX_FIELDS, self.key, strict=True))
            values.update(changes)
            found = self._variants[wanted] = ctx(**values)
        return found


@functools.cache
def ctx(
    phrasing: bool = False,
    in_link: bool = False,
    depth: int = 1,
    original: bool = False,
    header: bool = False,
    top: bool = False,
    bibl: bool = False,
) -> Ctx:
    return Ctx(phrasing, in_link, depth, original, header, top, bibl)


# --- the templates ----------------------------------------------------------------------

TEMPLATE_FOLDER = "tei/"
GENERIC = "any_element"  # a TEI element without a macro of its own
FOREIGN = "foreign_element"  # an element of another vocabulary (XInclude, MathML...)


class TeiTemplates:
    """The element macros of an environment, by TEI element name.

    Every template below ``tei/`` is loaded; each macro renders the element it is named
    after (a trailing ``_`` is dropped: ``set_`` renders ``set``); names starting with
    ``_`` are helpers; a file's ``{% set ALIASES = {"placeName": "persName"} %}`` has
    elements rendered by another element's macro (unless they have one of their own).
    Later sources win: the built-in files, then the built-in files named after one
    element (``tei/hi.html``), then the theme's files, then the theme's one-element files.
    A theme file with the same name as a built-in file replaces it.
    """

    def __init__(self, env: Environment, theme_names: frozenset[str] = frozenset()) -> None:
        self.env = env
        names = env.list_templates(filter_func=lambda n: n.startswith(TEMPLATE_FOLDER))

        def order(name: str) -> tuple[int, str]:
            stem = name[len(TEMPLATE_FOLDER) :].removesuffix(".html")
            single = "/" not in stem and not stem.startswith("_") and stem.isidentifier()
            return (2 if name in theme_names else 0) + (1 if single else 0), name

        self.macros: dict[str, Callable[..., Markup]] = {}
        aliases: dict[str, str] = {}
        for name in sorted(names, key=order):
            module = env.get_template(name).module
            for attr in dir(module):
                if attr.startswith("_"):
                    continue
                macro = getattr(module, attr)
                if callable(macro) and hasattr(macro, "arguments"):
                    self.macros[attr.removesuffix("_")] = macro
            # ALIASES = {"placeName": "persName"}: elements rendered by another's macro.
            found = getattr(module, "ALIASES", None)
            if isinstance(found, dict):
                aliases.update({str(k): str(v) for k, v in found.items()})
        for element, target in aliases.items():
            if element not in self.macros and target in self.macros:
                self.macros[element] = self.macros[target]
        if GENERIC not in self.macros or FOREIGN not in self.macros:
            raise KeyError(f"the templates must define {GENERIC} and {FOREIGN}")
        self._by_tag: dict[str, tuple[str, Callable[..., Markup]]] = {}
        self._page_macros: Any = None
        # Memo: (tag, context, profile) -> the attribute names its macro read, and
        # (that, names, values) -> (before the content, which content, after it).
        self.read_sets: dict[tuple, list[tuple[str, ...]]] = {}
        self.outputs: dict[tuple, tuple[str, int, str]] = {}

    def for_tag(self, tag: str) -> tuple[str, Callable[..., Markup]]:
        """(local name, macro) for a Clark tag."""
        found = self._by_tag.get(tag)
        if found is None:
            if tag.startswith(_T):
                name = tag[len(_T) :]
                found = (name, self.macros.get(name) or self.macros[GENERIC])
            else:
                found = (etree.QName(tag).localname, self.macros[FOREIGN])
            self._by_tag[tag] = found
        return found

    def macro(self, name: str) -> Callable[..., Markup]:
        return self.macros[name]

    def page_macro(self, name: str) -> Callable[..., Markup]:
        """A macro of the page templates' ``_macros.html`` (made once)."""
        if self._page_macros is None:
            self._page_macros = self.env.get_template("_macros.html").module
        return getattr(self._page_macros, name)


# --- what the walker works out before a macro runs --------------------------------------


class Record:
    """What the walker works out for an element before its macro runs (a paragraph's
    number, a name's register entry, a date's calendars...), with the side effects that
    go with it (the paragraph is counted, the mention recorded).

    ``KEY`` fields are what the output may depend on: they are part of the memo key.
    ``SLOTS`` are values that differ from element to element (ids, labels, links): a
    macro prints them and never tests them, so one output serves every element alike in
    the rest, with its own values put in.
    """

    KEY: ClassVar[tuple[str, ...]] = ()
    SLOTS: ClassVar[tuple[str, ...]] = ()
    where: str | None = None  # where what the element holds is (for mentions): "¶ 3"
    anchor: str | None = None  # the id of the passage it opens (for links to it)

    def key(self) -> tuple:
        return tuple([getattr(self, name) for name in self.KEY])


@dataclass
class Paragraph(Record):
    KEY: ClassVar[tuple[str, ...]] = ("citable",)
    SLOTS: ClassVar[tuple[str, ...]] = ("id", "label")
    citable: bool  # it has an address of its own (an id and a ¶ link)
    id: str | None
    label: str  # for "Link to paragraph 3"
    where: str | None = None
    anchor: str | None = None


@dataclass
class Heading(Record):
    KEY: ClassVar[tuple[str, ...]] = ("level", "subtitle", "anchored", "labelled")
    SLOTS: ClassVar[tuple[str, ...]] = ("id", "label")
    level: int  # 1-6; 0: not a heading here (a head of a list, figure...)
    subtitle: bool
    anchored: bool
    id: str | None
    where: str | None = None
    # Its name without the markers of the notes in it ("Title", not "Title Note 1").
    label: str = ""

    @property
    def labelled(self) -> bool:
        return bool(self.label)


@dataclass
class Division(Record):
    KEY: ClassVar[tuple[str, ...]] = ("headed", "level", "anchored")
    SLOTS: ClassVar[tuple[str, ...]] = ("id",)
    headed: bool
    level: int  # the level of its heading
    anchored: bool
    id: str | None


@dataclass
class Line(Record):
    KEY: ClassVar[tuple[str, ...]] = ("numbered", "first", "fifth")
    SLOTS: ClassVar[tuple[str, ...]] = ("n",)
    numbered: bool  # show the number: every fifth line, and where the count starts anew
    first: bool  # nothing before it in its block: no break before it
    fifth: bool  # a number divisible by five
    n: str


@dataclass
class PageBreak(Record):
    KEY: ClassVar[tuple[str, ...]] = ("anchored", "linked")
    SLOTS: ClassVar[tuple[str, ...]] = ("id", "label", "href")
    anchored: bool
    linked: bool  # there is an image of the page to link to
    id: str | None
    label: str
    href: str


@dataclass
class NameLink(Record):
    KEY: ClassVar[tuple[str, ...]] = ("linked", "anchored", "external", "kind", "known")
    SLOTS: ClassVar[tuple[str, ...]] = ("href", "id", "entry")
    linked: bool
    anchored: bool
    external: bool  # an authority URL, out of the site
    kind: str  # person, place, org, bibl, or ""
    known: bool  # it has a register entry
    href: str | None
    id: str | None
    entry: str | None  # the site key of its register entry


@dataclass
class DateView(Record):
    KEY: ClassVar[tuple[str, ...]] = ("glossed", "timed", "anchored", "focusable", "keyed")
    SLOTS: ClassVar[tuple[str, ...]] = ("id", "gloss", "machine", "keys")
    glossed: bool  # it has normalised values to show in both calendars
    timed: bool  # a value for <time datetime>
    anchored: bool
    focusable: bool
    id: str | None
    gloss: str
    machine: str
    keys: str = ""  # search keys of the date in both calendars (see dates.date_keys)

    @property
    def keyed(self) -> bool:
        return bool(self.keys)


@dataclass
class NoteMark(Record):
    KEY: ClassVar[tuple[str, ...]] = ("shown", "foot")
    SLOTS: ClassVar[tuple[str, ...]] = ("html_id", "marker_id", "label")
    shown: bool  # a marker here (not a note shown where it points, nor in a header)
    html_id: str
    marker_id: str
    label: str
    foot: bool = False  # a footnote of the printed page, marked apart


@dataclass
class Quotation(Record):
    KEY: ClassVar[tuple[str, ...]] = ("marked", "blocks")
    marked: bool  # its text begins with a quotation mark of its own
    blocks: bool  # it holds paragraphs, verse... and no words of its own


@dataclass(frozen=True)
class Choice:
    kind: str  # correction, regularisation, expansion; "" for alternatives shown all
    id: str | None
    reading: Node | None
    source: Node | None
    alternatives: list[Node]
    description: str  # what the editors did, in a sentence: the description of the choice
    about_id: str | None  # the id of that description
    label: str = ""  # "Correction"
    reading_text: str = ""
    source_text: str = ""
    reason: str = ""  # as the header declares it
    resp: str = ""  # who made it, by name
    cert: str = ""  # @cert of the edited reading


# --- the node a macro is given -----------------------------------------------------------

INLINE, FLOW, LINK = 1, 2, 3
_CONTENT = -1  # in a memoised output: where the content goes
_DEFERRED = -2  # ...and where the note markers that stood inside a link go, after it
_TOKEN = re.compile("\x00([0-9]+)\x00")
_tokens = itertools.count()
_ATTR_NAMES = {"xml:id": XML_ID, "xml:lang": XML_LANG, "xml:space": f"{{{XML_NS}}}space"}
_RTL = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "ku", "ps", "sd", "syc", "syr", "ug", "ur", "yi"}
)
_RTL_SCRIPTS = frozenset({"arab", "hebr", "syrc", "thaa", "nkoo", "samr", "mand"})


def text_direction(lang: str | None) -> str | None:
    """``rtl`` for a language tag of a right-to-left script (Arabic, Hebrew, Syriac...)."""
    if not lang:
        return None
    parts = lang.lower().split("-")
    if any(part in _RTL_SCRIPTS for part in parts[1:]):
        return "rtl"
    if any(len(part) == 4 and part.isalpha() for part in parts[1:]):
        return None  # a script subtag that is not right-to-left (ar-Latn)
    return "rtl" if parts[0] in _RTL else None


def _token(node: Node, value: object) -> str:
    token = f"\x00{next(_tokens)}\x00"
    node.tokens[token] = value
    return token


class Content:
    """An element's children, rendered when the template prints them."""

    __slots__ = ("body", "context", "mode", "node", "token")

    def __init__(self, node: Node, mode: int, context: Ctx) -> None:
        self.node = node
        self.mode = mode
        self.context = context
        self.body: str | None = None
        self.token = ""

    def render(self) -> str:
        if self.body is None:
            node = self.node
            r = node.r
            mark = len(r._deferred)
            self.body = r._content(node, self.context)
            if self.context.in_link and not node.ctx.in_link:
                node.deferred_markers = r._deferred[mark:]
                del r._deferred[mark:]
        return self.body

    def __html__(self) -> str:
        self.render()
        if not self.token:
            self.token = _token(self.node, self)
        return self.token

    def __str__(self) -> str:
        self.node.volatile = True
        return self.render()

    def __bool__(self) -> bool:
        self.node.volatile = True
        return bool(self.render().strip())


class Slot:
    """A value of a record that differs from element to element: printed, never tested."""

    __slots__ = ("field", "node", "value")

    def __init__(self, node: Node, field: str, value: object) -> None:
        self.node = node
        self.field = field
        self.value = value

    def __html__(self) -> str:
        return _token(self.node, self)

    def _used(self) -> object:
        self.node.volatile = True  # tested or computed with: this output is its own
        return self.value

    def __str__(self) -> str:
        return str(self._used())

    def __bool__(self) -> bool:
        return bool(self._used())

    def __eq__(self, other: object) -> bool:
        return self._used() == other

    def __hash__(self) -> int:
        return hash(self.value)

    def __len__(self) -> int:
        return len(self._used())  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> object:
        return getattr(self._used(), name)


class Recorded:
    """A record as a macro sees it: key fields as they are, slots as ``Slot``s."""

    __slots__ = ("_node", "_record")

    def __init__(self, record: Record, node: Node) -> None:
        self._record = record
        self._node = node

    def __getattr__(self, name: str) -> object:
        value = getattr(self._record, name)
        if name in self._record.SLOTS:
            return Slot(self._node, name, value)
        return value


class Node:
    """A TEI element as its macro sees it: attributes, context, content, and actions.

    Reading an attribute (``attr``, ``has``, ``classes``, ``lang``) or the context is
    remembered, so the output can be reused for elements alike in those; anything else
    (the text, the children, an id, an action) makes this output the element's own.
    """

    __slots__ = (
        "ctx",
        "deferred_markers",
        "el",
        "name",
        "r",
        "reads",
        "record",
        "tokens",
        "volatile",
        "where_label",
    )

    def __init__(
        self, el: etree._Element, r: Renderer, context: Ctx, name: str, owner: Node | None = None
    ) -> None:
        self.el = el
        self.r = r
        self.ctx = context
        self.name = name
        self.reads: list[str] = []
        self.volatile = False
        # A node made for a macro (a child, a reading of a choice) prints into the output
        # of the macro's own node: they share its tokens.
        self.tokens: dict[str, object] = owner.tokens if owner is not None else {}
        self.where_label: str | None = None
        self.deferred_markers: list[str] = []
        self.record: Record | None = None

    def __html__(self) -> str:
        self.volatile = True
        return self.r._node(self.el, self.ctx)

    # -- attributes (remembered) --

    def attr(self, name: str, default: str = "") -> str:
        key = _ATTR_NAMES.get(name, name)
        self.reads.append(key)
        value = self.el.get(key)
        return default if value is None else value

    def has(self, name: str) -> bool:
        return bool(self.attr(name))

    def tokens_of(self, name: str) -> list[str]:
        return self.attr(name).split()

    def classes(self, *extra: str) -> str:
        """``tei-NAME`` and a class per ``@type``/``@rend`` token (made safe), plus ``extra``."""
        found = [*extra, f"tei-{class_token(self.name)}"]
        for attribute in ("type", "rend"):
            value = self.attr(attribute)
            if value:
                for part in value.split()[:4]:
                    token = class_token(part)
                    if token:
                        found.append(f"{attribute}-{token}")
        return " ".join(found)

    @property
    def lang(self) -> str | None:
        return safe_lang(self.attr("xml:lang")) or None

    @property
    def dir(self) -> str | None:
        return text_direction(self.lang)

    def attributes(self, *extra: str, own_id: bool = True) -> dict[str, str | None]:
        """``id`` (from ``xml:id``, the first time it is written), ``lang``, ``dir`` and
        ``class``: for Jinja's ``xmlattr`` filter."""
        html_id = self.id if own_id and self.attr("xml:id") else None
        lang = self.lang
        return {
            "id": html_id,
            "lang": lang,
            "dir": text_direction(lang),
            "class": self.classes(*extra),
        }

    @property
    def phrase_level(self) -> bool:
        """An element that stands within a line (a name, a date...), even among blocks."""
        return self.name in PHRASE_LEVEL

    # -- context (part of every memo key) --

    @property
    def phrasing(self) -> bool:
        return self.ctx.phrasing

    @property
    def in_link(self) -> bool:
        return self.ctx.in_link

    @property
    def original(self) -> bool:
        return self.ctx.original

    @property
    def header(self) -> bool:
        return self.ctx.header

    @property
    def depth(self) -> int:
        return self.ctx.depth

    @property
    def namespace(self) -> str:
        return etree.QName(self.el).namespace or ""

    def tag(self, block: str, inline: str = "span") -> str:
        """The HTML element for a block: ``block`` in flow content, else ``inline``."""
        return inline if self.ctx.phrasing else block

    # -- content --

    @property
    def inline(self) -> Content:
        """The children as phrasing content (for a p, heading or span)."""
        return Content(self, INLINE, self.ctx.phr)

    @property
    def flow(self) -> Content:
        """The children as flow content (phrasing where the element holds text)."""
        return Content(self, FLOW, self.ctx)

    @property
    def link_inline(self) -> Content:
        """The children inside a link: note markers wait until after it."""
        return Content(self, INLINE, self.ctx.phr.but(in_link=True))

    @property
    def source_inline(self) -> Content:
        """The children as the source's reading of a choice (nothing recorded twice)."""
        return Content(self, INLINE, self.ctx.phr.but(original=True))

    # -- what the walker worked out (see Record) --

    def _recorded(self, kind: type[Record]) -> Recorded:
        if isinstance(self.record, kind):
            return Recorded(self.record, self)
        # Asked of an element it was not worked out for: work it out now, this once.
        self.volatile = True
        return Recorded(_ACTIONS_BY_RECORD[kind](self.r, self), self)

    def paragraph(self) -> Recorded:
        return self._recorded(Paragraph)

    def heading(self) -> Recorded:
        return self._recorded(Heading)

    def division(self) -> Recorded:
        return self._recorded(Division)

    def line(self) -> Recorded:
        return self._recorded(Line)

    def page(self) -> Recorded:
        return self._recorded(PageBreak)

    def name_link(self) -> Recorded:
        return self._recorded(NameLink)

    def date(self) -> Recorded:
        return self._recorded(DateView)

    def note_mark(self) -> Recorded:
        return self._recorded(NoteMark)

    def quotation(self) -> Recorded:
        return self._recorded(Quotation)

    # -- the element's own (never memoised) --

    def _own(self) -> Renderer:
        self.volatile = True
        return self.r

    @property
    def text(self) -> str:
        self.volatile = True
        return _plain(self.el)

    @property
    def id(self) -> str | None:
        return self._own()._id_of(self.el)

    @property
    def parent(self) -> str:
        self.volatile = True
        parent = self.el.getparent()
        return etree.QName(parent).localname if parent is not None else ""

    @property
    def has_blocks(self) -> bool:
        """True when a child is more than a phrase: a paragraph, a list, a description..."""
        self.volatile = True
        return any(
            isinstance(c.tag, str)
            and (not c.tag.startswith(_T) or c.tag[len(_T) :] not in PHRASE_LEVEL)
            for c in self.el
        )

    def _child(self, child: etree._Element, context: Ctx | None = None) -> Node:
        return Node(child, self.r, context or self.ctx, self.r.t.for_tag(child.tag)[0], self)

    @property
    def kids(self) -> list[Node]:
        """The child elements, each printable as a whole (``{{ child }}``)."""
        self._own()
        return [self._child(c) for c in self.el if isinstance(c.tag, str)]

    def kids_named(self, *names: str) -> list[Node]:
        return [k for k in self.kids if k.name in names]

    @property
    def parts(self) -> list[str | Node]:
        """The content in order: text (whitespace-only text left out) and child nodes."""
        self._own()
        out: list[str | Node] = []
        if self.el.text and self.el.text.strip():
            out.append(self.el.text)
        for child in self.el:
            if isinstance(child.tag, str):
                out.append(self._child(child))
            elif isinstance(child, etree._Entity):
                out.append(child.text or "")
            if child.tail and child.tail.strip():
                out.append(child.tail)
        return out

    @property
    def lemma(self) -> Node | None:
        """The reading an ``app`` shows in the text: its ``lem``, else its first ``rdg``."""
        self._own()
        chosen = choose(self.el, "reading")
        return self._child(chosen, self.ctx.phr) if chosen is not None else None

    def pointed_note(self) -> PageNote | None:
        """For a ``ref``/``ptr`` that is a note's marker: that note, numbered."""
        r = self._own()
        note = r.facts.places.refs.get(self.el) if r.facts is not None else None
        return r.footnote(note) if note is not None else None

    @property
    def register_list(self) -> bool:
        """A list of persons, places, works... that is a register, not reading text."""
        self.volatile = True
        return reading.is_register_list(self.el)

    @property
    def deferred(self) -> Markup:
        """Note markers that stood inside this element's link, to print after it."""
        return Markup(_token(self, _DEFERRED))

    def defer(self, marker: Markup) -> str:
        """Keep a note marker until the link it stands in is closed."""
        r = self._own()
        r._deferred.append(r._fill(str(marker), self))
        return ""

    def footnote(self) -> PageNote:
        return self._own().footnote(self.el)

    def choice(self) -> Choice:
        return self._own().choice(self)

    def apparatus_entry(self) -> AppEntry:
        return self._own().apparatus_entry(self.el)

    def link(self) -> str | None:
        return self._own().link(self)

    def image(self) -> PageImage | None:
        return self._own().image(self.el)

    @property
    def gap_label(self) -> str:
        self.volatile = True
        return reading.gap_label(self.el)

    def witnesses(self, pointers: str) -> list[tuple[str, str]]:
        return self._own().witness_list(pointers)


# --- the walker ----------------------------------------------------------------------------

_TOPS = frozenset({"text", "body", "front", "back", "group"})
_DIVS = frozenset({"div", "div1", "div2", "div3", "div4", "div5", "div6", "div7"})
_BREAKS = frozenset({_T + "lb", _T + "pb", _T + "cb"})
_TOP_TAGS = frozenset(_T + name for name in _TOPS)
_DIV_TAGS = frozenset(_T + name for name in _DIVS)
_KINDS = {"corr": "correction", "reg": "regularisation", "expan": "expansion"}
_WHAT = {"correction": "Corrected", "regularisation": "Regularised", "expansion": "Expanded"}
_LABELS = {"correction": "Correction", "regularisation": "Regularisation", "expansion": "Expansion"}
_BIBL_TAGS = frozenset(_T + name for name in ("bibl", "biblStruct", "biblFull"))
_MARKER_OK = re.compile(r"^[\w.*†‡§-]{1,8}$")
_QUOTE_MARKS = "\"'“‘«„‚‹”"
_QUOTED_BLOCKS = frozenset({"p", "lg", "l", "list", "quote", "sp", "ab"})
_MAX_DEPTH = 120  # deeper than this, text is kept but not laid out (Python's recursion)
_WHERE_LABELS = {
    "head": "title",
    "byline": "byline",
    "closer": "closer",
    "opener": "opener",
    "epigraph": "epigraph",
    "trailer": "trailer",
    "postscript": "postscript",
    "docTitle": "title",
    "castList": "cast list",
    "sp": "speech",
    "lg": "verse",
}
# The register entry a naming element points to is of this kind, unless it says.
_NAME_KINDS = {
    "persName": "person",
    "placeName": "place",
    "geogName": "place",
    "orgName": "org",
    "title": "bibl",
    "name": "",
    "rs": "",
    "term": "",
}


# Elements that stand within a line (TEI's phrase-level classes, in the main): shown as
# spans even where they stand among blocks, so that neighbouring phrases stay together.
PHRASE_LEVEL = frozenset(
    [
        "abbr",
        "add",
        "addName",
        "affiliation",
        "age",
        "am",
        "att",
        "bloc",
        "c",
        "choice",
        "code",
        "corr",
        "country",
        "damage",
        "date",
        "del",
        "dim",
        "depth",
        "distinct",
        "district",
        "emph",
        "ex",
        "expan",
        "foreign",
        "forename",
        "g",
        "gap",
        "genName",
        "geogFeat",
        "geogName",
        "gi",
        "height",
        "hi",
        "idno",
        "institution",
        "lang",
        "lb",
        "locus",
        "material",
        "measure",
        "mentioned",
        "name",
        "nameLink",
        "num",
        "objectType",
        "offset",
        "orgName",
        "orig",
        "origDate",
        "origPlace",
        "pc",
        "persName",
        "placeName",
        "pubPlace",
        "publisher",
        "ptr",
        "q",
        "ref",
        "reg",
        "region",
        "repository",
        "roleName",
        "rs",
        "seg",
        "settlement",
        "sic",
        "soCalled",
        "supplied",
        "surname",
        "time",
        "title",
        "term",
        "unclear",
        "val",
        "w",
        "width",
    ]
)


def _escape(text: str) -> str:
    """Text as HTML text content (quotes need no escaping there)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _has_text(el: etree._Element) -> bool:
    """True if ``el`` has mixed content: words directly inside it."""
    if el.text and el.text.strip():
        return True
    return any(c.tail and c.tail.strip() for c in el)


class Renderer:
    """Renders the TEI of one page and collects what the other pages need."""

    def __init__(
        self,
        *,
        templates: TeiTemplates,
        slug: str,
        root: str,
        registers: RegisterLinks | None,
        ids: IdRegistry,
        facts: DocumentFacts | None = None,
        scope: str = "",
        record_mentions: bool = True,
        record_dates: bool = True,
        date_prefix: str = "d",
        date_kind: str = "text",
    ) -> None:
        self.t = templates
        self.slug = slug
        self.root = root
        self.registers = registers
        self.ids = ids
        self.facts = facts
        self.scope = scope  # the register scope of the document (its own lists)
        self.id_map = facts.id_map if facts is not None else {}
        self.record_mentions = record_mentions
        self.record_dates = record_dates
        self.date_prefix = date_prefix
        self.date_kind = date_kind
        self.notes: list[PageNote] = []
        self.mentions: list[Mention] = []
        self.dates: list[DateMention] = []
        self.interventions: list[ShownIntervention] = []
        self.toc: list[TocEntry] = []
        self.apparatus: list[AppEntry] = []
        self.images: list[PageImage] = []
        self.has_h1 = False
        self.paragraphs = 0
        self._where = "text"
        self._anchor = ""  # the id of the paragraph or note being rendered
        self._sentences = SentenceFinder()
        self._in_note = 0
        self._deferred: list[str] = []
        self._counts = {"m": 0, "d": 0, "c": 0, "note": 0, "app": 0, "div": 0}
        self._noted: dict[etree._Element, PageNote] = {}
        self._apps: dict[etree._Element, AppEntry] = {}
        self._attached: set[etree._Element] = set()
        self._last_line: dict[etree._Element, int] = {}
        self._depth = 0
        self._profile = (root, registers is not None, record_mentions, record_dates)

    # -- public entry points ------------------------------------------------------------

    def flow(self, el: etree._Element, *, header: bool = False) -> Markup:
        """The content of ``el`` as flow content (for a div, li or dd)."""
        return Markup(self._children(el, ctx(header=header)))

    def inline(
        self,
        el: etree._Element,
        *,
        header: bool = False,
        in_link: bool = False,
        bibl: bool = False,
    ) -> Markup:
        """The content of ``el`` as phrasing content (for a p, heading or span);
        ``bibl``: a citation, whose names and dates are not links."""
        return Markup(
            self._children(el, ctx(phrasing=True, header=header, in_link=in_link, bibl=bibl))
        )

    def element(self, el: etree._Element, *, header: bool = False) -> Markup:
        """``el`` itself, in flow content."""
        return Markup(self._node(el, ctx(header=header)))

    def element_inline(
        self, el: etree._Element, *, header: bool = False, bibl: bool = False
    ) -> Markup:
        """``el`` itself, in phrasing content."""
        return Markup(self._node(el, ctx(phrasing=True, header=header, bibl=bibl)))

    @contextmanager
    def where(self, label: str, anchor: str | None = None) -> Iterator[None]:
        saved, self._where = self._where, label
        saved_anchor = self._anchor
        if anchor is not None:
            self._anchor = anchor
        try:
            yield
        finally:
            self._where = saved
            self._anchor = saved_anchor

    # -- machinery ------------------------------------------------------------------------

    def _next(self, counter: str) -> int:
        self._counts[counter] += 1
        return self._counts[counter]

    def _children(self, el: etree._Element, context: Ctx) -> str:
        if not context.phrasing and _has_text(el):
            context = context.phr
        tag = el.tag
        child_ctx = context.for_children(tag in _TOP_TAGS, tag in _DIV_TAGS)
        if tag in _BIBL_TAGS and not child_ctx.bibl:
            child_ctx = child_ctx.but(bibl=True)
        phrasing = context.phrasing
        parts: list[str] = []
        text = el.text
        if text:
            parts.append(_escape(text) if phrasing or text.strip() else "\n")
        node = self._node
        for child in el:
            if child.tag in _BREAKS and child.get("break") == "no":
                # A break inside a word: the word is whole again on the page.
                if parts and not parts[-1].strip():
                    parts.pop()
                if parts:
                    parts[-1] = parts[-1].rstrip()
                parts.append(node(child, child_ctx))
                tail = (child.tail or "").lstrip()
            else:
                parts.append(node(child, child_ctx))
                tail = child.tail
            if tail:
                parts.append(_escape(tail) if phrasing or tail.strip() else "\n")
        return "".join(parts)

    def _content(self, node: Node, context: Ctx) -> str:
        """What an element holds, in ``context``; the markers of the notes and apparatus
        entries that point to the element close it."""
        record = node.record
        anchor = record.anchor if record is not None else None
        if node.where_label is not None or anchor:
            saved, self._where = self._where, node.where_label or self._where
            saved_anchor, self._anchor = self._anchor, anchor or self._anchor
            try:
                body = self._children(node.el, context)
            finally:
                self._where = saved
                self._anchor = saved_anchor
        else:
            body = self._children(node.el, context)
        facts = self.facts
        if facts is not None and (
            node.el.get(XML_ID) in facts.pointed_ids or node.el in facts.app_after
        ):
            body += self._attachments(node.el, context)
        return body

    def _attachments(self, el: etree._Element, context: Ctx) -> str:
        facts = self.facts
        if facts is None or el in self._attached:
            return ""
        self._attached.add(el)
        html = ""
        xml_id = el.get(XML_ID)
        if xml_id and xml_id in facts.places.after:
            html += "".join(
                self._macro_for(n, context.phr, "note_marker") for n in facts.places.after[xml_id]
            )
        for app in facts.app_after.get(el, ()):
            html += self._macro_for(app, context.phr, "app_marker")
            self.apparatus_entry(app).marked = True
        return html

    def _macro_for(self, el: etree._Element, context: Ctx, macro: str) -> str:
        """``el`` rendered by a macro other than its own (a marker where it points)."""
        node = Node(el, self, context, etree.QName(el).localname)
        return self._fill(str(self.t.macro(macro)(node)), node)

    def _node(self, el: etree._Element, context: Ctx) -> str:
        tag = el.tag
        if not isinstance(tag, str):
            if isinstance(el, etree._Entity):
                return escape(el.text or "")  # an entity the safe parser did not expand
            return ""  # comments and processing instructions are not text
        self._depth += 1
        try:
            if self._depth > _MAX_DEPTH:
                return escape(" ".join("".join(el.itertext()).split()))
            name, macro = self.t.for_tag(tag)
            where = _WHERE_LABELS.get(name) if context.top and not self._in_note else None
            if where is not None:
                saved, self._where = self._where, where
                try:
                    html = self._render(el, context, name, macro)
                finally:
                    self._where = saved
            else:
                html = self._render(el, context, name, macro)
            facts = self.facts
            if (
                facts is not None
                and (el.get(XML_ID) in facts.pointed_ids or el in facts.app_after)
                and el not in self._attached
            ):
                # Nothing of the element was printed to close: the markers follow it.
                html += self._attachments(el, context)
            return html
        finally:
            self._depth -= 1

    def _render(
        self, el: etree._Element, context: Ctx, name: str, macro: Callable[..., Markup]
    ) -> str:
        t = self.t
        node = Node(el, self, context, name)
        tag_name = el.tag
        action = _ACTIONS.get(tag_name)
        record = None
        if action is not None:
            record = node.record = action(self, node)
            node.where_label = record.where
        memo_key = (tag_name, context.key, self._profile)
        sets = t.read_sets.get(memo_key)
        if sets:
            record_key = record.key() if record is not None else ()
            for names in sets:
                values = tuple([el.get(n) for n in names])
                hit = t.outputs.get((memo_key, names, values, record_key))
                if hit is not None:
                    return self._assemble(hit, node)
        out = str(macro(node))
        if not node.volatile:
            entry = self._memo_entry(out, node)
            if entry is not None:
                names = tuple(dict.fromkeys(node.reads))
                known = t.read_sets.setdefault(memo_key, [])
                if names not in known:
                    known.append(names)
                values = tuple([el.get(n) for n in names])
                record_key = record.key() if record is not None else ()
                t.outputs[(memo_key, names, values, record_key)] = entry
        return self._fill(out, node)

    def _memo_entry(self, out: str, node: Node) -> tuple[tuple, int] | None:
        """The output as parts to reuse (text, where the content goes, which slot goes
        where), or None when it cannot serve another element."""
        pieces = _TOKEN.split(out)
        parts: list[str | int] = []
        mode = 0
        record = node.record
        for index, piece in enumerate(pieces):
            if index % 2 == 0:
                if piece:
                    parts.append(piece)
                continue
            value = node.tokens.get(f"\x00{piece}\x00")
            if isinstance(value, Content):
                if mode or value.node is not node:
                    return None  # printed twice, or a child's content
                if value.context is node.ctx:
                    mode = FLOW
                elif value.context is node.ctx.phr:
                    mode = INLINE
                elif value.context is node.ctx.phr.but(in_link=True) and not node.ctx.in_link:
                    mode = LINK
                else:
                    return None
                parts.append(_CONTENT)
            elif isinstance(value, Slot) and record is not None and value.node is node:
                parts.append(record.SLOTS.index(value.field))
            elif value is _DEFERRED:
                parts.append(_DEFERRED)
            else:
                return None
        return tuple(parts), mode

    def _assemble(self, entry: tuple[tuple, int], node: Node) -> str:
        parts, mode = entry
        record = node.record
        out = []
        for part in parts:
            if part.__class__ is str:
                out.append(part)
            elif part == _CONTENT:
                if mode == LINK:
                    mark = len(self._deferred)
                    out.append(self._content(node, node.ctx.phr.but(in_link=True)))
                    node.deferred_markers = self._deferred[mark:]
                    del self._deferred[mark:]
                else:
                    out.append(self._content(node, node.ctx if mode == FLOW else node.ctx.phr))
            elif part == _DEFERRED:
                out.append("".join(node.deferred_markers))
            else:
                out.append(escape(getattr(record, record.SLOTS[part])))
        return "".join(out)

    def _fill(self, out: str, node: Node) -> str:
        """The output with each token replaced: content by its HTML, a slot by its value."""
        if not node.tokens:
            return out

        def value(match: re.Match) -> str:
            found = node.tokens[match.group(0)]
            if isinstance(found, Content):
                return found.body or ""
            if found is _DEFERRED:
                return "".join(node.deferred_markers)
            return escape(found.value)

        return _TOKEN.sub(value, out)

    def _id_of(self, el: etree._Element) -> str | None:
        """The HTML id of an element with an xml:id, the first time it is written."""
        xml_id = el.get(XML_ID)
        if not xml_id:
            return None
        known = self.id_map.get(xml_id)
        if known is None:
            known = self.ids.claim(xml_id, "tei")
            self.id_map[xml_id] = known
        if known in self.ids.emitted:
            return None
        self.ids.emitted.add(known)
        return known

    # -- structure ------------------------------------------------------------------------

    def paragraph(self, node: Node) -> Paragraph:
        """A paragraph of the text is counted and has an address: its xml:id, else the
        page's name and its number."""
        if node.ctx.phrasing:
            return Paragraph(False, None, "")
        html_id = self._id_of(node.el)
        if self._in_note or node.ctx.header or node.ctx.original:
            return Paragraph(html_id is not None, html_id, self._where, anchor=html_id)
        self.paragraphs += 1
        if html_id is None and self.record_mentions:
            html_id = self.ids.claim(f"{self.slug}-p{self.paragraphs}", "p")
            self.ids.emitted.add(html_id)
        label = f"paragraph {self.paragraphs}"
        return Paragraph(
            html_id is not None, html_id, label, f"¶ {self.paragraphs}", anchor=html_id
        )

    def heading(self, node: Node) -> Heading:
        el = node.el
        parent = el.getparent()
        parent_name = etree.QName(parent).localname if parent is not None else ""
        html_id = self._id_of(el)
        anchored = html_id is not None
        if node.ctx.phrasing or parent_name not in _DIVS | _TOPS:
            return Heading(0, False, anchored, html_id)
        if el.get("type") in ("sub", "subtitle"):
            return Heading(0, True, anchored, html_id, "title")
        if parent_name in _DIVS:
            level = max(2, min(node.ctx.depth, 6))
        elif not self.has_h1 and not self._in_note:
            level = 1
        else:
            level = 2
        if level == 1:
            self.has_h1 = True
        label = ""
        if any(True for _ in el.iter(_T + "note", _T + "app")):
            label = _plain_reading(el)  # the heading's name, without "Note 1"
        heading = Heading(level, False, anchored, html_id, "title", label)
        heading.anchor = html_id
        return heading

    def division(self, node: Node) -> Division:
        el = node.el
        heads = [c for c in el if c.tag == _T + "head" and c.get("type") not in ("sub", "subtitle")]
        html_id = None if node.ctx.phrasing else self._id_of(el)
        level = max(2, min(node.ctx.depth + 1, 6))
        if heads and not self._in_note and not node.ctx.header and not node.ctx.original:
            if html_id is None and self.record_mentions:
                html_id = self.ids.claim(f"{self.slug}-div{self._next('div')}", "div")
                self.ids.emitted.add(html_id)
            if html_id is not None and self.record_mentions:
                self.toc.append(TocEntry(node.ctx.depth, _plain(heads[0]), html_id))
        return Division(bool(heads), level, html_id is not None, html_id)

    def line(self, node: Node) -> Line:
        """A line break or verse line's number: shown every fifth line and wherever the
        count does not follow on from the line before (a new block, a gap)."""
        el = node.el
        n = (el.get("n") or "").strip()
        parent = el.getparent()
        block = parent if parent is not None else el
        if el.tag == _T + "lb":
            for ancestor in el.iterancestors():
                if ancestor.tag in (_T + "ab", _T + "p", _T + "div", _T + "lg", _T + "l"):
                    block = ancestor
                    break
        previous = self._last_line.get(block)
        first = el.getprevious() is None and not (
            parent is not None and (parent.text or "").strip()
        )
        numbered = False
        if n.isdecimal():
            value = int(n)
            numbered = value % 5 == 0 or previous is None or previous != value - 1
            self._last_line[block] = value
        elif n:
            numbered = True
            self._last_line[block] = -1
        else:
            self._last_line.setdefault(block, -1)
        return Line(numbered, first, n.isdecimal() and int(n) % 5 == 0, n)

    def quotation(self, node: Node) -> Quotation:
        el = node.el
        text = _plain(el)
        blocks = not _has_text(el) and any(
            isinstance(c.tag, str) and c.tag[len(_T) :] in _QUOTED_BLOCKS for c in el
        )
        return Quotation(bool(text) and text[0] in _QUOTE_MARKS, blocks)

    # -- notes -------------------------------------------------------------------------------

    def note_mark(self, node: Node) -> NoteMark:
        """A note in the text: numbered, its body rendered for the list of notes; shown
        by a marker at its place unless it is shown where it points (or in a header)."""
        el = node.el
        if node.ctx.header or (self.facts is not None and el in self.facts.places.moved):
            return NoteMark(False, "", "", "")
        note = self.footnote(el)
        return NoteMark(True, note.html_id, note.marker_id, note.label, note.foot)

    def footnote(self, el: etree._Element) -> PageNote:
        """Number a note, render its body for the list of notes, and give its marker."""
        if el in self._noted:
            return self._noted[el]
        index = self._next("note")
        markers = self.facts.note_markers if self.facts is not None else {}
        foot = self.facts.foot_labels.get(el) if self.facts is not None else None
        n = foot or markers.get(el) or (el.get("n") or "").strip() or str(index)
        if not _MARKER_OK.match(n):
            n = str(index)
        wanted = el.get(XML_ID) or f"{self.slug}-note-{index}"
        html_id = self.id_map.get(wanted) if el.get(XML_ID) else None
        if html_id is None or html_id in self.ids.emitted:
            html_id = self.ids.claim(wanted, "note")
        self.ids.emitted.add(html_id)
        marker_id = self.ids.claim(f"{html_id}-ref", "ref")
        slot = len(self.notes)
        placeholder = PageNote(html_id, marker_id, n, Markup(""), "", "")
        self.notes.append(placeholder)
        self._noted[el] = placeholder
        self._in_note += 1
        try:
            with self.where(f"footnote {n}" if foot else f"note {n}", html_id):
                body = self._children(el, ctx())
        finally:
            self._in_note -= 1
        note = PageNote(
            html_id,
            marker_id,
            n,
            Markup(body),
            self.resp_label(el.get("resp")),
            el.get("type") or "",
            foot is not None,
        )
        self.notes[slot] = note
        self._noted[el] = note
        return note

    def resp_label(self, resp: str | None) -> str:
        names = self.facts.resp_names if self.facts is not None else {}
        for pointer in (resp or "").split():
            name = names.get(pointer.lstrip("#"))
            if name:
                return name
        return ""

    # -- editorial interventions ----------------------------------------------------------

    def choice(self, node: Node) -> Choice:
        el = node.el
        chosen, source = choose(el, "reading"), choose(el, "original")
        kind = _KINDS.get(etree.QName(chosen).localname) if chosen is not None else None
        kids = [node._child(c, node.ctx.phr) for c in el if isinstance(c.tag, str)]
        if kind is None or source is None or source is chosen:
            return Choice("", None, None, None, kids, "", None)
        reading_text, source_text = _plain(chosen), _plain(source)
        resp = self.resp_label(chosen.get("resp"))
        cert = chosen.get("cert") or ""
        reasons = self.facts.reasons if self.facts is not None else {}
        reason = reasons.get((source_text, reading_text), "")
        description = (
            f"{_WHAT[kind]} by the editors: the edition reads “{reading_text}”, "
            f"the source “{source_text}”."
        )
        html_id = about_id = None
        if self.record_mentions and not node.ctx.original:
            html_id = self.ids.claim(f"{self.slug}-c{self._next('c')}", "c")
            about_id = self.ids.claim(f"{html_id}-about", "c")
            self.interventions.append(
                ShownIntervention(
                    kind, source_text, reading_text, resp, cert, self._where, html_id, reason
                )
            )
        reading_node = node._child(chosen, node.ctx.phr)
        source_node = node._child(source, node.ctx.phr.but(original=True))
        return Choice(
            kind,
            html_id,
            reading_node,
            source_node,
            kids,
            description,
            about_id,
            _LABELS[kind],
            reading_text,
            source_text,
            reason,
            resp,
            cert,
        )

    def witness_list(self, pointers: str) -> list[tuple[str, str]]:
        known = self.facts.witnesses if self.facts is not None else {}
        found = []
        for pointer in pointers.split():
            key = pointer.lstrip("#")
            found.append(known.get(key, (key, "")))
        return found

    def apparatus_entry(self, el: etree._Element) -> AppEntry:
        """An ``app``: its entry in the apparatus (made once) with its marker's ids."""
        if el in self._apps:
            return self._apps[el]
        index = self._next("app")
        html_id = self.ids.claim(f"{self.slug}-app{index}", "app")
        marker_id = self.ids.claim(f"{html_id}-ref", "ref")
        self.ids.emitted.update((html_id, marker_id))
        entry = AppEntry(html_id, marker_id, reading.app_location(el), Markup(""), [], [])
        self._apps[el] = entry
        if not any(a.tag == _T + "listApp" for a in el.iterancestors()):
            entry.marked = True  # an app in the text: its lemma and marker stand there
            self.apparatus.append(entry)
        chosen = choose(el, "reading")
        inner = ctx(phrasing=True, original=True)
        if chosen is not None:
            entry.lemma = Markup(self._children(chosen, inner))
            pointers = " ".join(filter(None, (chosen.get("wit"), chosen.get("source"))))
            entry.witnesses = tuple(self.witness_list(pointers))
        for child in el:
            if child.tag == _T + "rdgGrp":
                for rdg in child:
                    if rdg.tag in (_T + "rdg", _T + "lem") and rdg is not chosen:
                        entry.readings.append(self._reading(rdg, inner, child.get("type") or ""))
            elif child.tag in (_T + "rdg", _T + "lem") and child is not chosen:
                entry.readings.append(self._reading(child, inner, ""))
            elif child.tag == _T + "note":
                entry.notes.append(Markup(self._children(child, inner)))
            elif isinstance(child.tag, str) and child is not chosen and child.tag != _T + "lem":
                entry.notes.append(Markup(self._node(child, inner)))
        return entry

    def _reading(self, rdg: etree._Element, inner: Ctx, group: str) -> Reading:
        pointers = " ".join(filter(None, (rdg.get("wit"), rdg.get("source"))))
        return Reading(
            Markup(self._children(rdg, inner)),
            tuple(self.witness_list(pointers)),
            group or etree.QName(rdg).localname,
        )

    # -- names, dates, links ----------------------------------------------------------------

    def name_link(self, node: Node) -> NameLink:
        """A name's register entry (its text's own lists first), or its authority URL."""
        el = node.el
        kind = _NAME_KINDS.get(node.name, "")
        ref, key_attr = el.get("ref"), el.get("key")
        if not ref and not key_attr:
            return NameLink(False, False, False, kind, False, None, None, None)
        pointers = " ".join(filter(None, (ref, key_attr and "#" + key_attr)))
        found = self.registers.resolve(pointers, self.scope) if self.registers else None
        if found is None:
            url = None
            for pointer in (ref or "").split():
                url = external_url(pointer)
                if url:
                    break
            quiet = node.ctx.in_link or node.ctx.bibl
            href = url if url and not quiet else None
            return NameLink(
                href is not None, False, href is not None, kind, False, href, None, None
            )
        key, entry = found
        html_id = None
        if self.record_mentions and not node.ctx.original:
            html_id = self.ids.claim(f"{self.slug}-m{self._next('m')}", "m")
            self.ids.emitted.add(html_id)
            self.mentions.append(Mention(key, html_id, self._where, _plain(el)))
        # Within a link there can be no other; in a bibliographic entry a name is part
        # of a citation, not a thing to look up.
        quiet = node.ctx.in_link or node.ctx.bibl
        href = None if quiet else self.registers.href(key, self.root)
        return NameLink(
            href is not None,
            html_id is not None,
            False,
            entry.kind or kind,
            True,
            href,
            html_id,
            key,
        )

    def date(self, node: Node) -> DateView:
        el = node.el
        info = date_info(el)
        html_id = None
        keys = ""
        if info.start and self.record_dates and not node.ctx.original:
            html_id = self.ids.claim(f"{self.slug}-{self.date_prefix}{self._next('d')}", "d")
            if node.ctx.bibl:
                kind = "bibl"
            else:
                kind = "note" if self._in_note else self.date_kind
            sentence = ""
            if kind in ("text", "note"):
                sentence = self._sentences.sentence(el)
                keys = date_keys(info)
            self.dates.append(
                DateMention(
                    info, html_id, _plain_reading(el), self._where, kind, sentence, self._anchor
                )
            )
        # In a citation a year is part of the reference: shown as it is, quietly.
        gloss = "" if node.ctx.bibl else info.gloss()
        return DateView(
            bool(gloss),
            bool(info.machine),
            html_id is not None,
            not node.ctx.in_link,
            html_id,
            gloss,
            info.machine,
            keys,
        )

    def page(self, node: Node) -> PageBreak:
        el = node.el
        n = (el.get("n") or "").strip()
        label = f"p. {n}" if n else "page break"
        html_id = None
        if n and self.record_mentions and not node.ctx.original:
            html_id = self.ids.claim(f"{self.slug}-page-{n}", "page")
            self.ids.emitted.add(html_id)
        image = self.image(el)
        if image is not None:
            image = PageImage(label, image.href, image.thumbnail)
            if image not in self.images:
                self.images.append(image)
        linked = image is not None and not node.ctx.in_link
        return PageBreak(html_id is not None, linked, html_id, label, image.href if image else "")

    def image(self, el: etree._Element) -> PageImage | None:
        """The image an element's ``@facs`` or ``@url`` points to, where it may be linked."""
        facts = self.facts
        base = facts.images_base if facts is not None else ""
        for pointer in (el.get("facs") or "").split():
            if pointer.startswith("#"):
                if facts is not None and pointer[1:] in facts.images:
                    return facts.images[pointer[1:]]
                continue
            found = image_link(pointer, base)
            if found is not None:
                return found
        return image_link(el.get("url"), base)

    def link(self, node: Node) -> str | None:
        """Where a ``ref``/``ptr`` leads: an anchor of this page, or an http(s) URL."""
        target = (node.el.get("target") or "").split()
        if not target:
            return None
        first = target[0]
        if first.startswith("#") and first[1:] in self.id_map:
            return "#" + self.id_map[first[1:]]
        return external_url(first)


# What the walker works out for an element before its macro runs, by element.
_ACTION_OF: dict[str, Callable[[Renderer, Node], Record]] = {
    "p": Renderer.paragraph,
    "ab": Renderer.paragraph,
    "head": Renderer.heading,
    "l": Renderer.line,
    "lb": Renderer.line,
    "pb": Renderer.page,
    "note": Renderer.note_mark,
    "date": Renderer.date,
    "time": Renderer.date,
    "origDate": Renderer.date,
    "quote": Renderer.quotation,
    "q": Renderer.quotation,
    "said": Renderer.quotation,
    **{name: Renderer.division for name in _DIVS},
    **{name: Renderer.name_link for name in _NAME_KINDS},
}
_ACTIONS = {_T + name: action for name, action in _ACTION_OF.items()}
_ACTIONS_BY_RECORD: dict[type[Record], Callable[[Renderer, Node], Record]] = {
    Paragraph: Renderer.paragraph,
    Heading: Renderer.heading,
    Division: Renderer.division,
    Line: Renderer.line,
    PageBreak: Renderer.page,
    NameLink: Renderer.name_link,
    DateView: Renderer.date,
    NoteMark: Renderer.note_mark,
    Quotation: Renderer.quotation,
}


def reserve_ids(root: etree._Element, ids: IdRegistry) -> dict[str, str]:
    """Claim the TEI's own xml:ids first, so generated ids never take them."""
    mapping: dict[str, str] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        xml_id = el.get(XML_ID)
        if xml_id and xml_id not in mapping:
            mapping[xml_id] = ids.claim(safe_id(xml_id, "tei"), "tei")
    return mapping


__all__ = [
    "FOREIGN",
    "GENERIC",
    "XI_NS",
    "AppEntry",
    "DateMention",
    "DocumentFacts",
    "Mention",
    "Node",
    "PageImage",
    "PageNote",
    "Renderer",
    "ShownIntervention",
    "TeiTemplates",
    "TocEntry",
    "ctx",
    "image_link",
    "plain",
    "reserve_ids",
    "text_direction",
]
