"""TEI to HTML: the reading text, its notes, names, dates and interventions.

One ``Renderer`` renders the TEI of one page. Besides the HTML it collects what the
other pages need: footnotes, name occurrences (for the registers), dates (for the
chronology) and editorial interventions (for the About page).

Every element produces HTML that keeps all its text. Elements without a rule of their
own get a generic ``div``/``span`` with a ``tei-<name>`` class, so a foreign TEI file
never loses words. Output is valid HTML whatever the nesting: inside phrasing content
(``p``, headings, links) block elements become ``span``s styled as blocks.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from lxml import etree
from markupsafe import Markup, escape

from pipeline.render.dates import DateInfo, date_info
from pipeline.render.ids import IdRegistry
from pipeline.render.registers import RegisterLinks
from pipeline.structure.identifiers import class_token, external_url, safe_id, safe_lang
from pipeline.structure.reading import choose
from pipeline.xmltools import TEI_NS, XML_ID, XML_LANG


@dataclass(frozen=True)
class PageNote:
    html_id: str
    marker_id: str
    label: str
    body: Markup
    resp: str
    kind: str


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
    kind: str  # "text", "note", "written", "source"


@dataclass(frozen=True)
class ShownIntervention:
    kind: str  # correction, regularisation, expansion
    source: str
    reading: str
    resp: str
    cert: str
    where: str
    html_id: str


@dataclass(frozen=True)
class _Ctx:
    phrasing: bool = False  # inside p, heading, link...: only phrasing content allowed
    in_link: bool = False  # inside <a>: no nested links or focusable elements
    depth: int = 1  # heading level of the enclosing section
    original: bool = False  # inside the source reading of a choice (hidden by default)
    header: bool = False  # rendering teiHeader content: notes stay inline
    top: bool = False  # a direct child of text/body/front/back


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def plain(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


def _has_text(el: etree._Element) -> bool:
    """True if ``el`` has mixed content: words directly inside it."""
    if el.text and el.text.strip():
        return True
    return any(c.tail and c.tail.strip() for c in el)


_QUOTE_MARKS = "\"'“‘«„‚‹”"
_MARKER_OK = re.compile(r"^[\w.*†‡§-]{1,8}$")

# Elements that make a block of their own when they stand in flow content.
_BLOCKS = {
    "p": "p",
    "ab": "p",
    "head": "h",
    "byline": "p",
    "dateline": "p",
    "salute": "p",
    "signed": "p",
    "trailer": "p",
    "docAuthor": "p",
    "docDate": "p",
    "speaker": "p",
    "stage": "p",
    "docImprint": "p",
    "titlePart": "p",
    "bibl": "p",
    "label": "p",
    "epigraph": "div",
    "closer": "div",
    "opener": "div",
    "postscript": "div",
    "sp": "div",
    "lg": "div",
    "l": "div",
    "argument": "div",
    "docTitle": "div",
    "titlePage": "div",
    "castList": "div",
    "castGroup": "div",
    "castItem": "div",
    "floatingText": "div",
    "listBibl": "div",
    "front": "div",
    "body": "div",
    "back": "div",
    "group": "div",
    "text": "div",
    "div": "section",
}
_KINDS = {"corr": "correction", "reg": "regularisation", "expan": "expansion"}
_TOPS = {"text", "body", "front", "back", "group"}
_DIVS = {"div", "div1", "div2", "div3", "div4", "div5", "div6", "div7"}
_NAMES = {
    "persName": "person",
    "placeName": "place",
    "orgName": "org",
    "name": "",
    "rs": "",
    "geogName": "place",
    "title": "bibl",
    "term": "",
}
_INLINE_TAGS = {
    "emph": "em",
    "foreign": "i",
    "mentioned": "i",
    "distinct": "i",
    "del": "del",
    "add": "ins",
    "abbr": "abbr",
}
_HI = {
    "italic": "i",
    "italics": "i",
    "i": "i",
    "bold": "b",
    "b": "b",
    "sup": "sup",
    "superscript": "sup",
    "sub": "sub",
    "subscript": "sub",
    "underline": "u",
    "u": "u",
}
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


class Renderer:
    """Renders TEI elements of one page to HTML and collects what other pages need."""

    def __init__(
        self,
        *,
        slug: str,
        root: str,
        registers: RegisterLinks | None,
        ids: IdRegistry,
        id_map: dict[str, str] | None = None,
        resp_names: dict[str, str] | None = None,
        record_mentions: bool = True,
        record_dates: bool = True,
        date_prefix: str = "d",
        date_kind: str = "text",
        note_markers: dict[etree._Element, str] | None = None,
    ) -> None:
        self.slug = slug
        self.root = root
        self.registers = registers
        self.ids = ids
        self.id_map = id_map if id_map is not None else {}
        self.resp_names = resp_names or {}
        self.record_mentions = record_mentions
        self.record_dates = record_dates
        self.date_prefix = date_prefix
        self.date_kind = date_kind
        # Note numbers come from the reading model, so HTML and plain text agree.
        self.note_markers = note_markers or {}
        self.notes: list[PageNote] = []
        self.mentions: list[Mention] = []
        self.dates: list[DateMention] = []
        self.interventions: list[ShownIntervention] = []
        self.has_h1 = False
        self.paragraphs = 0
        self._where = "text"
        self._in_note = 0
        self._deferred: list[str] = []
        self._counts = {"m": 0, "d": 0, "c": 0, "note": 0}
        self._handlers: dict[str, Callable[[etree._Element, _Ctx], str]] = {
            "p": self._p,
            "ab": self._p,
            "head": self._head,
            "note": self._note,
            "choice": self._choice,
            "app": self._app,
            "date": self._date,
            "time": self._date,
            "origDate": self._date,
            "pb": self._pb,
            "lb": self._lb,
            "cb": self._empty,
            "milestone": self._milestone,
            "anchor": self._anchor,
            "ref": self._ref,
            "ptr": self._ref,
            "hi": self._hi,
            "quote": self._quote,
            "q": self._quote,
            "said": self._quote,
            "cit": self._cit,
            "list": self._list,
            "table": self._table,
            "figure": self._figure,
            "graphic": self._graphic,
            "gap": self._gap,
            "supplied": self._supplied,
            "l": self._line,
            "gi": self._code,
            "att": self._code,
            "val": self._code,
            "tag": self._code,
            "soCalled": self._socalled,
            "titlePart": self._title_part,
            "space": self._space,
            "lem": self._generic,
        }

    # -- public entry points ------------------------------------------------------------

    def flow(self, el: etree._Element, *, header: bool = False) -> Markup:
        """The content of ``el`` as flow content (for a div, li or dd)."""
        return Markup(self._children(el, _Ctx(header=header)))

    def inline(self, el: etree._Element, *, header: bool = False, in_link: bool = False) -> Markup:
        """The content of ``el`` as phrasing content (for a p, heading or span)."""
        return Markup(self._children(el, _Ctx(phrasing=True, header=header, in_link=in_link)))

    def element(self, el: etree._Element, *, header: bool = False) -> Markup:
        """``el`` itself, in flow content."""
        return Markup(self._node(el, _Ctx(header=header)))

    @contextmanager
    def where(self, label: str) -> Iterator[None]:
        saved, self._where = self._where, label
        try:
            yield
        finally:
            self._where = saved

    # -- machinery ------------------------------------------------------------------------

    def _next(self, counter: str) -> int:
        self._counts[counter] += 1
        return self._counts[counter]

    def _children(self, el: etree._Element, ctx: _Ctx) -> str:
        if not ctx.phrasing and _has_text(el):
            ctx = dataclasses.replace(ctx, phrasing=True)
        child_ctx = dataclasses.replace(ctx, top=_local(el) in _TOPS)
        parts: list[str] = []
        if el.text:
            parts.append(self._text(el.text, ctx))
        for child in el:
            parts.append(self._node(child, child_ctx))
            if child.tail:
                parts.append(self._text(child.tail, ctx))
        return "".join(parts)

    @staticmethod
    def _text(text: str, ctx: _Ctx) -> str:
        if not ctx.phrasing and not text.strip():
            return "\n"
        return str(escape(text))

    def _node(self, el: etree._Element, ctx: _Ctx) -> str:
        if isinstance(el, etree._Entity):
            return str(escape(el.text or ""))  # an entity the safe parser did not expand
        if not isinstance(el.tag, str):
            return ""  # comments and processing instructions are not text
        if etree.QName(el).namespace != TEI_NS:
            return self._foreign_xml(el, ctx)
        name = _local(el)
        if name in _DIVS:
            return self._div(el, ctx)
        if name in _NAMES:
            return self._name(el, ctx)
        handler = self._handlers.get(name)
        if handler is not None:
            return handler(el, ctx)
        if name in _INLINE_TAGS:
            return self._inline_tag(el, ctx, _INLINE_TAGS[name])
        if name in _BLOCKS and not ctx.phrasing:
            return self._block(el, ctx, _BLOCKS[name])
        return self._generic(el, ctx)

    def _attrs(self, el: etree._Element, classes: list[str], *, own_id: bool = True) -> str:
        out = []
        if own_id:
            html_id = self._id_of(el)
            if html_id:
                out.append(f' id="{html_id}"')
        lang = safe_lang(el.get(XML_LANG))
        if lang:
            out.append(f' lang="{lang}"')
        for attr in ("type", "rend"):
            value = el.get(attr)
            if value:
                classes += [f"{attr}-{t}" for t in (class_token(v) for v in value.split()[:4]) if t]
        if classes:
            out.append(f' class="{escape(" ".join(classes))}"')
        return "".join(out)

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

    def _wrap(
        self,
        tag: str,
        el: etree._Element,
        ctx: _Ctx,
        classes: list[str],
        inner_phrasing: bool = True,
    ) -> str:
        inner_ctx = dataclasses.replace(ctx, phrasing=ctx.phrasing or inner_phrasing)
        body = self._children(el, inner_ctx)
        return f"<{tag}{self._attrs(el, classes)}>{body}</{tag}>"

    # -- generic rules -------------------------------------------------------------------

    def _generic(self, el: etree._Element, ctx: _Ctx) -> str:
        name = _local(el)
        cls = ["tei", f"tei-{class_token(name)}"]
        if ctx.phrasing:
            return self._wrap("span", el, ctx, cls)
        return self._wrap("div", el, ctx, cls, inner_phrasing=False)

    def _foreign_xml(self, el: etree._Element, ctx: _Ctx) -> str:
        # Not TEI (an xi:include, another vocabulary): keep its text, say what it was.
        tag = "span" if ctx.phrasing else "div"
        name = escape(etree.QName(el).localname)
        body = self._children(el, dataclasses.replace(ctx, phrasing=True))
        if not body.strip():
            body = f"[{name}]"
        return f'<{tag} class="tei-other" title="Element {name} from another vocabulary">{body}</{tag}>'

    def _block(self, el: etree._Element, ctx: _Ctx, tag: str) -> str:
        name = _local(el)
        cls = [class_token(name), "tei-" + class_token(name)]
        where = _WHERE_LABELS.get(name)
        if where and not self._in_note and ctx.top:
            with self.where(where):
                return self._wrap(tag, el, ctx, cls, inner_phrasing=tag == "p")
        return self._wrap(tag, el, ctx, cls, inner_phrasing=tag == "p")

    def _inline_tag(self, el: etree._Element, ctx: _Ctx, tag: str) -> str:
        return self._wrap(tag, el, ctx, ["tei-" + class_token(_local(el))])

    def _empty(self, el: etree._Element, ctx: _Ctx) -> str:
        return ""

    def _space(self, el: etree._Element, ctx: _Ctx) -> str:
        return " "

    # -- structure -------------------------------------------------------------------------

    def _div(self, el: etree._Element, ctx: _Ctx) -> str:
        if ctx.phrasing:
            return self._generic(el, ctx)
        has_head = any(isinstance(c.tag, str) and _local(c) == "head" for c in el)
        tag = "section" if has_head else "div"
        inner = dataclasses.replace(ctx, depth=min(ctx.depth + 1, 6), top=False)
        body = self._children(el, inner)
        return f"<{tag}{self._attrs(el, ['div'])}>{body}</{tag}>"

    def _head(self, el: etree._Element, ctx: _Ctx) -> str:
        parent = el.getparent()
        parent_name = _local(parent) if parent is not None else ""
        if ctx.phrasing or parent_name not in _DIVS | {"body", "front", "back", "text", "group"}:
            if ctx.phrasing:
                return self._wrap("span", el, ctx, ["head"])
            return self._wrap("p", el, ctx, ["head"])
        if el.get("type") in ("sub", "subtitle"):
            with self.where("title"):
                return self._wrap("p", el, ctx, ["subtitle"])
        if parent_name in _DIVS:
            level = max(2, min(ctx.depth, 6))
        elif not self.has_h1:
            level = 1
        else:
            level = 2
        if level == 1:
            self.has_h1 = True
        with self.where("title"):
            return self._wrap(f"h{level}", el, ctx, ["head"])

    def _title_part(self, el: etree._Element, ctx: _Ctx) -> str:
        if ctx.phrasing:
            return self._wrap("span", el, ctx, ["title-part"])
        if not self.has_h1 and el.get("type") in (None, "main"):
            self.has_h1 = True
            return self._wrap("h1", el, ctx, ["title-part"])
        return self._wrap("p", el, ctx, ["title-part"])

    def _p(self, el: etree._Element, ctx: _Ctx) -> str:
        if ctx.phrasing:
            return self._wrap("span", el, ctx, ["p"])
        html_id = self._id_of(el)
        if self._in_note or ctx.header:
            where = self._where
        else:
            self.paragraphs += 1
            where = f"¶ {self.paragraphs}"
            if html_id is None and self.record_mentions:
                html_id = self.ids.claim(f"{self.slug}-p{self.paragraphs}", "p")
        with self.where(where):
            body = self._children(el, dataclasses.replace(ctx, phrasing=True))
        attrs = self._attrs(el, ["para"], own_id=False)
        if html_id is None:
            return f"<p{attrs}>{body}</p>"
        label = escape(
            where.replace("¶", "paragraph") if where.startswith("¶") else f"{where}, paragraph"
        )
        pilcrow = (
            f'<a class="pilcrow" href="#{html_id}" data-pagefind-ignore>¶'
            f'<span class="visually-hidden"> Link to {label}</span></a>'
        )
        return f'<p id="{html_id}"{attrs}>{body}{pilcrow}</p>'

    def _line(self, el: etree._Element, ctx: _Ctx) -> str:
        number = ""
        n = el.get("n") or ""
        if n.isdigit() and int(n) % 5 == 0:
            number = f'<span class="line-n" aria-hidden="true">{escape(n)}</span>'
        tag = "span" if ctx.phrasing else "div"
        body = self._children(el, dataclasses.replace(ctx, phrasing=True))
        return f"<{tag}{self._attrs(el, ['l'])}>{number}{body}</{tag}>"

    def _quote(self, el: etree._Element, ctx: _Ctx) -> str:
        name = _local(el)
        if ctx.phrasing:
            text = plain(el)
            tag = "span" if (not text or text[0] in _QUOTE_MARKS) else "q"
            return self._wrap(tag, el, ctx, ["tei-" + name])
        has_blocks = any(
            isinstance(c.tag, str) and _local(c) in ("p", "lg", "l", "list", "quote", "sp", "ab")
            for c in el
        )
        if has_blocks and not _has_text(el):
            return self._wrap("blockquote", el, ctx, ["tei-" + name], inner_phrasing=False)
        body = self._children(el, dataclasses.replace(ctx, phrasing=True))
        return f"<blockquote{self._attrs(el, ['tei-' + name])}><p>{body}</p></blockquote>"

    def _cit(self, el: etree._Element, ctx: _Ctx) -> str:
        if ctx.phrasing:
            return self._wrap("span", el, ctx, ["cit"])
        return self._wrap("div", el, ctx, ["cit"], inner_phrasing=False)

    def _list(self, el: etree._Element, ctx: _Ctx) -> str:
        if ctx.phrasing:
            parts = []
            for child in el:
                if isinstance(child.tag, str) and _local(child) == "item":
                    parts.append(self._wrap("span", child, ctx, ["item"]))
                else:
                    parts.append(self._node(child, ctx))
                if child.tail and child.tail.strip():
                    parts.append(self._text(child.tail, ctx))
            text = self._text(el.text, ctx) if el.text and el.text.strip() else ""
            return f"<span{self._attrs(el, ['list'])}>{text}{''.join(parts)}</span>"
        ordered = (el.get("rend") or el.get("type") or "") in ("numbered", "ordered", "decimal")
        tag = "ol" if ordered else "ul"
        heads, items = [], []
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = _local(child)
            if name == "head":
                heads.append(self._wrap("p", child, ctx, ["list-head"]))
            elif name == "item":
                items.append(self._wrap("li", child, ctx, ["item"], inner_phrasing=False))
            else:
                body = self._node(child, ctx)
                items.append(f'<li class="list-extra">{body}</li>')
            if child.tail and child.tail.strip():
                items.append(f"<li>{escape(child.tail)}</li>")
        if el.text and el.text.strip():
            heads.append(f"<p>{escape(el.text)}</p>")
        return f"{''.join(heads)}<{tag}{self._attrs(el, ['list'])}>{''.join(items)}</{tag}>"

    def _table(self, el: etree._Element, ctx: _Ctx) -> str:
        if ctx.phrasing:
            return self._generic(el, ctx)
        caption, rows, before = "", [], []
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = _local(child)
            if name == "head" and not caption:
                caption = f"<caption>{self.inline(child)}</caption>"
            elif name == "row":
                cells = []
                for cell in child:
                    if not isinstance(cell.tag, str):
                        continue
                    tag = "th" if cell.get("role") == "label" else "td"
                    if _local(cell) != "cell":
                        cells.append(f"<td>{self._node(cell, ctx)}</td>")
                    else:
                        cells.append(self._wrap(tag, cell, ctx, [], inner_phrasing=False))
                rows.append(f"<tr>{''.join(cells)}</tr>")
            else:
                before.append(self._node(child, ctx))
        table = (
            f"<table{self._attrs(el, ['table'])}>{caption}<tbody>{''.join(rows)}</tbody></table>"
        )
        return "".join(before) + f'<div class="table-wrap">{table}</div>'

    def _figure(self, el: etree._Element, ctx: _Ctx) -> str:
        if ctx.phrasing:
            return self._generic(el, ctx)
        caption, body = [], []
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if _local(child) == "head":
                caption.append(str(self.inline(child)))
            else:
                body.append(self._node(child, ctx))
        figcaption = f"<figcaption>{''.join(caption)}</figcaption>" if caption else ""
        return f"<figure{self._attrs(el, ['figure'])}>{''.join(body)}{figcaption}</figure>"

    def _graphic(self, el: etree._Element, ctx: _Ctx) -> str:
        # Images are not loaded from URLs found in TEI: the page says one is there.
        return '<span class="graphic">[image]</span>'

    # -- notes -------------------------------------------------------------------------------

    def _note(self, el: etree._Element, ctx: _Ctx) -> str:
        if ctx.header:
            body = self._children(el, dataclasses.replace(ctx, phrasing=True))
            return f'<span class="header-note">({body})</span>'
        index = self._next("note")
        n = self.note_markers.get(el) or (el.get("n") or "").strip() or str(index)
        if not _MARKER_OK.match(n):
            n = str(index)
        wanted = el.get(XML_ID) or f"{self.slug}-note-{index}"
        html_id = self.id_map.get(wanted) if el.get(XML_ID) else None
        if html_id is None or html_id in self.ids.emitted:
            html_id = self.ids.claim(wanted, "note")
        self.ids.emitted.add(html_id)
        marker_id = self.ids.claim(f"{html_id}-ref", "ref")
        slot = len(self.notes)
        self.notes.append(PageNote(html_id, marker_id, n, Markup(""), "", ""))
        self._in_note += 1
        try:
            with self.where(f"note {n}"):
                body = self._children(el, _Ctx(header=False))
        finally:
            self._in_note -= 1
        resp = ""
        for pointer in (el.get("resp") or "").split():
            resp = self.resp_names.get(pointer.lstrip("#"), "")
            if resp:
                break
        self.notes[slot] = PageNote(html_id, marker_id, n, Markup(body), resp, el.get("type") or "")
        marker = (
            f'<sup class="noteref-wrap" data-pagefind-ignore><a class="noteref" id="{marker_id}" '
            f'href="#{html_id}" role="doc-noteref" aria-describedby="notes-heading">'
            f'<span class="visually-hidden">Note </span>{escape(n)}</a></sup>'
        )
        if ctx.in_link:
            self._deferred.append(marker)
            return ""
        if not ctx.phrasing:
            return f'<p class="note-anchor">{marker}</p>'
        return marker

    # -- editorial interventions ----------------------------------------------------------

    def _choice(self, el: etree._Element, ctx: _Ctx) -> str:
        reading, source = choose(el, "reading"), choose(el, "original")
        kind = _KINDS.get(_local(reading)) if reading is not None else None
        if kind is None or source is None or source is reading:
            # Alternatives the edition does not model: show them all, none is lost.
            kids = [c for c in el if isinstance(c.tag, str)]
            inner = dataclasses.replace(ctx, phrasing=True)
            shown = [self._wrap("span", c, inner, ["alt", "tei-" + _local(c)]) for c in kids]
            return f'<span class="choice other">{" | ".join(shown)}</span>'
        inner = dataclasses.replace(ctx, phrasing=True)
        reading_html = self._children(reading, inner)
        source_html = self._children(source, dataclasses.replace(inner, original=True))
        reading_text, source_text = plain(reading), plain(source)
        resp = self._resp_label(reading.get("resp"))
        cert = reading.get("cert") or ""
        what = {
            "correction": "Corrected",
            "regularisation": "Regularised",
            "expansion": "Expanded",
        }[kind]
        by = f" by {resp}" if resp else ""
        certainty = f" (certainty: {cert})" if cert else ""
        tip_reading = f"{what}{by}{certainty}; the source reads “{source_text}”"
        tip_source = f"As in the source; the edition reads “{reading_text}”"
        html_id = ""
        if self.record_mentions and not ctx.original:
            html_id = self.ids.claim(f"{self.slug}-c{self._next('c')}", "c")
            self.interventions.append(
                ShownIntervention(kind, source_text, reading_text, resp, cert, self._where, html_id)
            )
        id_attr = f' id="{html_id}"' if html_id else ""
        return (
            f'<span class="choice {kind}"{id_attr}>'
            f'<span class="alt-reading" title="{escape(tip_reading)}">{reading_html}</span>'
            f'<span class="alt-original" title="{escape(tip_source)}" data-pagefind-ignore>'
            f"{source_html}</span></span>"
        )

    def _resp_label(self, resp: str | None) -> str:
        for pointer in (resp or "").split():
            name = self.resp_names.get(pointer.lstrip("#"))
            if name:
                return name
        return ""

    def _app(self, el: etree._Element, ctx: _Ctx) -> str:
        inner = dataclasses.replace(ctx, phrasing=True)
        lemma, readings = [], []
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = _local(child)
            if name == "lem":
                lemma.append(self._wrap("span", child, inner, ["lem"]))
            elif name in ("rdg", "rdgGrp"):
                readings.append(self._reading(child, inner))
            else:
                readings.append(self._node(child, inner))
        variants = "; ".join(r for r in readings if r)
        app_html = f'<span class="app">{"".join(lemma)}'
        if variants:
            app_html += f' <span class="rdgs" data-pagefind-ignore>[{variants}]</span>'
        return app_html + "</span>"

    def _reading(self, rdg: etree._Element, ctx: _Ctx) -> str:
        if _local(rdg) == "rdgGrp":
            inner = [self._reading(c, ctx) for c in rdg if isinstance(c.tag, str)]
            return "; ".join(i for i in inner if i)
        wits = " ".join(w.lstrip("#") for w in (rdg.get("wit") or "").split())
        body = self._children(rdg, dataclasses.replace(ctx, original=True))
        if not body.strip():
            body = '<span class="omitted">om.</span>'
        wit_html = f'<span class="wit">{escape(wits)}</span> ' if wits else ""
        return f'<span class="rdg">{wit_html}{body}</span>'

    def _gap(self, el: etree._Element, ctx: _Ctx) -> str:
        reason = el.get("reason") or ""
        title = f' title="{escape("Gap in the source" + (": " + reason if reason else ""))}"'
        body = self._children(el, dataclasses.replace(ctx, phrasing=True))
        return f'<span class="gap"{title}>[…]{body}</span>'

    def _supplied(self, el: etree._Element, ctx: _Ctx) -> str:
        return self._wrap("span", el, ctx, ["supplied"])

    # -- names, dates, links ----------------------------------------------------------------

    def _name(self, el: etree._Element, ctx: _Ctx) -> str:
        name = _local(el)
        entry = self.registers.resolve(el.get("ref")) if self.registers else None
        if name == "title" and entry is None and el.get("ref") is None:
            return self._wrap("cite", el, ctx, ["title"])
        if name == "term" and entry is None:
            return self._wrap("span", el, ctx, ["term"])
        kind = entry.kind if entry else _NAMES[name]
        classes = ["name"] + ([f"name-{kind}"] if kind else [])
        html_id = ""
        if entry is not None and self.record_mentions and not ctx.original:
            html_id = self.ids.claim(f"{self.slug}-m{self._next('m')}", "m")
            self.mentions.append(Mention(entry.id, html_id, self._where, plain(el)))
        id_attr = f' id="{html_id}"' if html_id else ""
        lang = safe_lang(el.get(XML_LANG))
        lang_attr = f' lang="{lang}"' if lang else ""
        cls = f' class="{" ".join(classes)}"'
        if entry is None or ctx.in_link:
            body = self._children(el, dataclasses.replace(ctx, phrasing=True))
            if name == "title":
                body = f"<cite>{body}</cite>"
            return f"<span{id_attr}{lang_attr}{cls}>{body}</span>"
        mark = len(self._deferred)
        body = self._children(el, dataclasses.replace(ctx, phrasing=True, in_link=True))
        if name == "title":
            body = f"<cite>{body}</cite>"
        deferred = "".join(self._deferred[mark:])
        del self._deferred[mark:]
        href = self.registers.href(entry, self.root)
        return f'<a{id_attr}{lang_attr}{cls} href="{href}">{body}</a>{deferred}'

    def _date(self, el: etree._Element, ctx: _Ctx) -> str:
        info = date_info(el)
        inner = dataclasses.replace(ctx, phrasing=True)
        body = Markup(self._children(el, inner))
        html_id = ""
        if info.start and self.record_dates and not ctx.original:
            html_id = self.ids.claim(f"{self.slug}-{self.date_prefix}{self._next('d')}", "d")
            kind = "note" if self._in_note else self.date_kind
            self.dates.append(DateMention(info, html_id, plain(el), self._where, kind))
        return str(date_html(info, body, html_id=html_id, focusable=not ctx.in_link))

    def _pb(self, el: etree._Element, ctx: _Ctx) -> str:
        n = (el.get("n") or "").strip()
        label = f"[p. {n}]" if n else "[page break]"
        html_id = ""
        if n and self.record_mentions and not ctx.original:
            html_id = self.ids.claim(f"{self.slug}-page-{n}", "page")
        id_attr = f' id="{html_id}"' if html_id else ""
        return f'<span class="pb"{id_attr} data-pagefind-ignore>{escape(label)}</span>'

    def _lb(self, el: etree._Element, ctx: _Ctx) -> str:
        return "<br>" if ctx.phrasing else ""

    def _milestone(self, el: etree._Element, ctx: _Ctx) -> str:
        if ctx.phrasing:
            return '<span class="milestone" aria-hidden="true">* * *</span>'
        return '<hr class="milestone">'

    def _anchor(self, el: etree._Element, ctx: _Ctx) -> str:
        html_id = self._id_of(el)
        return f'<span id="{html_id}" class="anchor"></span>' if html_id else ""

    def _ref(self, el: etree._Element, ctx: _Ctx) -> str:
        target = (el.get("target") or "").split()
        href = None
        if target:
            first = target[0]
            if first.startswith("#") and first[1:] in self.id_map:
                href = "#" + self.id_map[first[1:]]
            else:
                href = external_url(first)
        inner = dataclasses.replace(ctx, phrasing=True, in_link=ctx.in_link or bool(href))
        mark = len(self._deferred)
        body = self._children(el, inner)
        if not body.strip() and _local(el) == "ptr":
            body = str(escape(target[0] if target else ""))
        deferred = "".join(self._deferred[mark:])
        del self._deferred[mark:]
        if href is None or ctx.in_link:
            return f'<span class="ref">{body}</span>{deferred}'
        return f'<a class="ref" href="{escape(href)}">{body}</a>{deferred}'

    def _hi(self, el: etree._Element, ctx: _Ctx) -> str:
        rend = (el.get("rend") or "").lower().replace("-", "").split()
        for token in rend:
            tag = _HI.get(token.replace("(", "").replace(")", ""))
            if tag:
                return self._wrap(tag, el, ctx, ["hi"])
        if any("small" in t and "cap" in t for t in rend):
            return self._wrap("span", el, ctx, ["hi", "smallcaps"])
        return self._wrap("span", el, ctx, ["hi"])

    def _code(self, el: etree._Element, ctx: _Ctx) -> str:
        name = _local(el)
        text = escape(plain(el))
        shown = {"gi": f"&lt;{text}&gt;", "att": f"@{text}", "val": f"“{text}”"}.get(name, text)
        return f'<code class="tei-{name}">{shown}</code>'

    def _socalled(self, el: etree._Element, ctx: _Ctx) -> str:
        return self._wrap("span", el, ctx, ["socalled"])


def date_html(
    info: DateInfo, body: Markup | str, *, html_id: str = "", focusable: bool = True
) -> Markup:
    """A date as written, with both calendars on hover, on focus and for screen readers."""
    id_attr = f' id="{html_id}"' if html_id else ""
    gloss = info.gloss()
    body = Markup(body) if isinstance(body, Markup) else escape(body)
    if not gloss:
        return Markup(f'<span class="date"{id_attr}>{body}</span>')
    inner = f'<time datetime="{info.machine}">{body}</time>' if info.machine else str(body)
    tab = ' tabindex="0"' if focusable else ""
    return Markup(
        f'<span class="date"{id_attr}{tab}>{inner}'
        f'<span class="date-gloss" data-pagefind-ignore><span class="vh"> (</span>'
        f'{escape(gloss)}<span class="vh">)</span></span></span>'
    )


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
