"""The DTS 1.0 API as answers to requests: what the static files hold and what
``edition serve`` answers, made by the same code.

``Api.answer(endpoint, params, request_url)`` answers one request (``params`` are the
query parameters of the specification, as strings) or raises ``DtsError`` with the
status the specification names. ``Urls`` gives the API's URI templates in one of two
styles: ``path`` (static files, ``navigation/{resource};down=1/{ref}.json``) or
``query`` (a server, ``navigation?resource=..&down=1``). Every URL is expanded from
the templates (RFC 6570), so a client that follows them finds the same files.

Metadata: ``dublinCore`` holds Dublin Core terms (a date is ISO 8601, Gregorian). What
Dublin Core cannot say goes into ``extensions`` with its own ``@context``: a date's
value in another calendar as the TEI gives it (``tei:when-custom`` ... and
``tei:datingMethod``, the TEI's own attribute names), and what the static API holds
(``edition:`` terms, listed in ``vocabulary.json``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import uritemplate

from pipeline.config import EditionConfig
from pipeline.dts.citations import CitableUnit, CitationTree, CiteStructure, DateValue, Value
from pipeline.dts.passages import passage_document, passage_nodes
from pipeline.dts.resources import Resource

DTS_VERSION = "1.0"
CONTEXT = "https://dtsapi.org/context/v1.0.json"
TEI_MEDIA_TYPE = "application/tei+xml"
JSON_LD = "application/ld+json"
TEI_TERMS = "http://www.tei-c.org/ns/1.0/"
PREVIEW_ORIGIN = "http://127.0.0.1:8000/"  # where `edition serve` serves by default
NAV_VALUES = ("children", "parents")
_DUBLIN_CORE = ("http://purl.org/dc/terms/", "http://purl.org/dc/elements/1.1/")
_DC_PREFIXES = ("dc:", "dct:", "dcterms:")
_DATE_TERMS = frozenset(
    {
        "date",
        "created",
        "issued",
        "modified",
        "available",
        "valid",
        "dateAccepted",
        "dateCopyrighted",
        "dateSubmitted",
    }
)


class DtsError(Exception):
    """A request the API cannot answer: the status and why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Answer:
    media_type: str
    body: bytes
    link: str | None = None  # the Link header (the resource's collection)


def site_base(config: EditionConfig) -> tuple[str, bool]:
    """The site's absolute URL (ending in '/'), and whether it is the local preview's."""
    if not config.base_url:
        return PREVIEW_ORIGIN, True
    base = config.base_url
    return (base if base.endswith("/") else base + "/"), False


def _is_uri(value: str) -> bool:
    scheme, colon, rest = value.partition(":")
    return bool(colon and rest and scheme.isalpha() and " " not in value)


class Urls:
    """The API's URI templates and URLs in one style: ``path`` or ``query``."""

    def __init__(self, base: str, style: str = "path") -> None:
        if style not in ("path", "query"):
            raise ValueError(style)
        self.base = base if base.endswith("/") else base + "/"
        self.style = style

    @property
    def entry(self) -> str:
        return self.base + "index.json" if self.style == "path" else self.base

    def template(self, endpoint: str, resource: str | None = None) -> str:
        """The template of an endpoint, for the whole API or for one resource."""
        if self.style == "path":
            start = f"{endpoint}/{resource}" if resource else f"{endpoint}{{/{_FIRST[endpoint]}}}"
            return self.base + start + _PATH_REST[endpoint]
        if resource is None:
            return self.base + endpoint + "{?" + ",".join(_QUERY[endpoint]) + "}"
        names = [n for n in _QUERY[endpoint] if n != _FIRST[endpoint]]
        return f"{self.base}{endpoint}?{_FIRST[endpoint]}={resource}{{&{','.join(names)}}}"

    def url(self, endpoint: str, params: Mapping[str, str]) -> str:
        values = {k: str(v) for k, v in params.items() if v is not None}
        return uritemplate.expand(self.template(endpoint), values)

    def relative(self, url: str) -> str:
        """A URL of this API as a path below its base (a static file's name)."""
        if not url.startswith(self.base):
            raise ValueError(url)
        return url[len(self.base) :]


_FIRST = {"collection": "id", "navigation": "resource", "document": "resource"}
_PATH_REST = {
    "collection": "{;nav,page}.json",
    "navigation": "{;tree,down,page}{/ref,start,end}.json",
    "document": "{;tree}{/ref,start,end}.xml",
}
_QUERY = {
    "collection": ("id", "nav", "page"),
    "navigation": ("resource", "ref", "start", "end", "down", "tree", "page"),
    "document": ("resource", "ref", "start", "end", "tree", "mediaType"),
}
PARAMETERS = _QUERY


@dataclass(frozen=True)
class Coverage:
    """What the static files answer for one resource, beyond the collection, the whole
    document and the tree from its root (which are always there)."""

    refs: bool  # one unit: navigation and passage
    down: bool  # one unit with ``down``
    range_depth: int  # ranges of siblings at levels 1..range_depth of every tree


# --- metadata ----------------------------------------------------------------------------


def _text_values(values: Sequence[str], lang: str) -> list[dict[str, str]]:
    return [{"lang": lang, "value": v} for v in values]


def _metadata(
    pairs: Sequence[tuple[str, Sequence[Value]]], lang: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Dublin Core and extension objects for (property, values) pairs."""
    dublin_core: dict[str, Any] = {}
    extensions: dict[str, Any] = {}
    for prop, values in pairs:
        local = None
        for namespace in (*_DUBLIN_CORE, *_DC_PREFIXES):
            if prop.startswith(namespace):
                local = prop[len(namespace) :]
        if local:
            target, key = dublin_core, local
        elif _is_uri(prop):
            target, key = extensions, prop
        else:
            continue  # not a property IRI: nothing to name it by
        texts = [v.iso if isinstance(v, DateValue) else v for v in values]
        texts = [t for t in texts if t]
        if texts:
            if key in _DATE_TERMS or all(isinstance(v, DateValue) for v in values):
                target[key] = texts[0]
            elif all(_is_uri(t) for t in texts):
                target[key] = texts
            else:
                target[key] = _text_values(texts, lang)
        dates = [v for v in values if isinstance(v, DateValue)]
        if dates and texts and texts[0] == dates[0].iso:
            # The date given, in the other calendar too (as its TEI attributes have it).
            for name, written in dates[0].custom:
                extensions.setdefault(f"tei:{name}", written)
    return dublin_core, extensions


def _with_context(extensions: dict[str, Any], vocabulary: str) -> dict[str, Any]:
    context = {}
    if any(k.startswith("tei:") for k in extensions):
        context["tei"] = TEI_TERMS
    if any(k.startswith("edition:") for k in extensions):
        context["edition"] = vocabulary
    return {"@context": context, **extensions} if context else extensions


def _structure(structure: CiteStructure) -> dict[str, Any]:
    obj: dict[str, Any] = {"@type": "CiteStructure", "citeType": structure.cite_type}
    if structure.children:
        obj["citeStructure"] = [_structure(child) for child in structure.children]
    return obj


def _citation_trees(resource: Resource) -> list[dict[str, Any]]:
    trees = []
    for tree in resource.trees:
        obj: dict[str, Any] = {"@type": "CitationTree"}
        if tree.identifier is not None:
            obj["identifier"] = tree.identifier
        if tree.description:
            obj["description"] = tree.description
        if tree.structures:
            obj["citeStructure"] = [_structure(s) for s in tree.structures]
        trees.append(obj)
    return trees


def _int(value: str | None, name: str, low: int) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise DtsError(400, f"'{name}' must be an integer") from None
    if number < low:
        raise DtsError(400, f"'{name}' must be an integer of at least {low}")
    return number


# --- the API -------------------------------------------------------------------------------


class Api:
    """Answers to DTS requests on a set of resources."""

    def __init__(
        self,
        resources: Sequence[Resource],
        config: EditionConfig,
        urls: Urls,
        *,
        page_size: int,
        vocabulary: str,
        preview: bool = False,
        coverage: Mapping[str, Coverage] | None = None,
    ) -> None:
        self.resources = list(resources)
        self.by_id = {r.identifier: r for r in self.resources}
        self.config = config
        self.urls = urls
        self.page_size = page_size
        self.vocabulary = vocabulary
        self.preview = preview
        self.coverage = coverage
        self._units: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        self._full: dict[str, dict[str, Any]] = {}

    # -- objects --
    def entry_point(self) -> dict[str, Any]:
        return {
            "@context": CONTEXT,
            "dtsVersion": DTS_VERSION,
            "@id": self.urls.entry,
            "@type": "EntryPoint",
            "collection": self.urls.template("collection"),
            "navigation": self.urls.template("navigation"),
            "document": self.urls.template("document"),
        }

    def units(self, resource: Resource, tree: CitationTree) -> list[dict[str, Any]]:
        """The CitableUnit objects of a tree, in document order (made once)."""
        key = (resource.identifier, tree.identifier)
        if key not in self._units:
            self._units[key] = [self._unit(u, resource) for u in tree.units]
        return self._units[key]

    def _unit(self, unit: CitableUnit, resource: Resource) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "identifier": unit.identifier,
            "@type": "CitableUnit",
            "level": unit.level,
            "parent": unit.parent,
            "citeType": unit.cite_type,
        }
        pairs: list[tuple[str, Sequence[Value]]] = []
        if unit.title:
            pairs.append(("http://purl.org/dc/terms/title", (unit.title,)))
        dublin_core, extensions = _metadata([*pairs, *unit.metadata], resource.lang)
        if dublin_core:
            obj["dublinCore"] = dublin_core
        if extensions:
            obj["extensions"] = _with_context(extensions, self.vocabulary)
        return obj

    def resource_object(self, resource: Resource, full: bool = True) -> dict[str, Any]:
        """A ``Resource`` for the Collection endpoint (``full``) or inside a Navigation."""
        if full and resource.identifier in self._full:
            return self._full[resource.identifier]
        rid = resource.identifier
        obj: dict[str, Any] = {"@id": rid, "@type": "Resource", "title": resource.title}
        if full:
            obj["dtsVersion"] = DTS_VERSION
            if resource.description:
                obj["description"] = resource.description
            obj["totalParents"] = 1
            obj["totalChildren"] = 0
            pairs: list[tuple[str, Sequence[Value]]] = [
                ("http://purl.org/dc/terms/title", (resource.title,)),
            ]
            if resource.creators:
                pairs.append(("http://purl.org/dc/terms/creator", resource.creators))
            if resource.date is not None:
                pairs.append(("http://purl.org/dc/terms/date", (resource.date,)))
            dublin_core, extensions = _metadata(pairs, resource.lang)
            dublin_core["language"] = [resource.lang]
            if self.config.publisher:
                dublin_core["publisher"] = [self.config.publisher]
            dublin_core["type"] = ["Text"]
            if self.config.licence_url:
                dublin_core["license"] = [self.config.licence_url]
            obj["dublinCore"] = dublin_core
            coverage = self.coverage.get(rid) if self.coverage is not None else None
            if coverage is not None:
                extensions["edition:staticRefs"] = coverage.refs
                extensions["edition:staticDown"] = coverage.down
                extensions["edition:staticRangeDepth"] = coverage.range_depth
            if extensions:
                obj["extensions"] = _with_context(extensions, self.vocabulary)
        obj["collection"] = self.urls.template("collection", rid)
        obj["navigation"] = self.urls.template("navigation", rid)
        obj["document"] = self.urls.template("document", rid)
        obj["citationTrees"] = _citation_trees(resource)
        if full:
            obj["mediaTypes"] = [TEI_MEDIA_TYPE]
            obj["download"] = self.urls.url("document", {"resource": rid})
            self._full[rid] = obj
        return obj

    def _root(self, with_context: bool) -> dict[str, Any]:
        config = self.config
        obj: dict[str, Any] = {}
        if with_context:
            obj["@context"] = CONTEXT
        obj.update(
            {
                "dtsVersion": DTS_VERSION,
                "@id": config.id_prefix,
                "@type": "Collection",
                "title": config.title,
            }
        )
        description = config.subtitle
        if self.preview:
            note = (
                "Local preview: base-url is not set, so this API's URLs point to "
                f"{PREVIEW_ORIGIN}, where `edition serve` serves the site."
            )
            description = f"{description} ({note})" if description else note
        if description:
            obj["description"] = description
        dublin_core: dict[str, Any] = {
            "title": _text_values([config.title], config.encoding.language or "und")
        }
        if config.publisher:
            dublin_core["publisher"] = [config.publisher]
        if config.editors:
            dublin_core["creator"] = list(config.editors)
        if config.licence_url:
            dublin_core["license"] = [config.licence_url]
        obj.update(
            {
                "totalParents": 0,
                "totalChildren": len(self.resources),
                "collection": self.urls.template("collection"),
                "dublinCore": dublin_core,
            }
        )
        if self.preview:
            obj["extensions"] = _with_context({"edition:preview": True}, self.vocabulary)
        return obj

    # -- requests --
    def answer(self, endpoint: str, params: Mapping[str, str], request_url: str) -> Answer:
        """The answer to one request, or ``DtsError``."""
        if endpoint == "entry":
            return Answer(JSON_LD, _json(self.entry_point()))
        if endpoint == "collection":
            return Answer(JSON_LD, _json(self.collection(params, request_url)))
        if endpoint == "navigation":
            return Answer(JSON_LD, _json(self.navigation(params, request_url)))
        if endpoint == "document":
            return self.document(params)
        raise DtsError(404, f"no such endpoint: {endpoint}")

    def _paginate(
        self,
        obj: dict[str, Any],
        members: Sequence[Any],
        page: int | None,
        link: Callable[[int], str],
        request_url: str,
    ) -> None:
        if len(members) <= self.page_size:
            if page not in (None, 1):
                raise DtsError(404, f"no page {page}: the answer has one page")
            obj["member"] = list(members)
            return
        last = math.ceil(len(members) / self.page_size)
        current = page or 1
        if current > last:
            raise DtsError(404, f"no page {current}: the answer has {last} pages")
        start = (current - 1) * self.page_size
        obj["member"] = list(members[start : start + self.page_size])
        view: dict[str, Any] = {"@id": request_url, "@type": "Pagination", "first": link(1)}
        if current > 1:
            view["previous"] = link(current - 1)
        if current < last:
            view["next"] = link(current + 1)
        view["last"] = link(last)
        obj["view"] = view

    def collection(self, params: Mapping[str, str], request_url: str) -> dict[str, Any]:
        ident, nav = params.get("id"), params.get("nav")
        if nav not in (None, *NAV_VALUES):
            raise DtsError(400, "'nav' must be 'children' or 'parents'")
        page = _int(params.get("page"), "page", 1)
        canonical = {"id": ident, "nav": nav}

        def link(n: int) -> str:
            return self.urls.url("collection", {**canonical, "page": str(n)})

        if ident in (None, self.config.id_prefix):
            obj = self._root(with_context=True)
            members = [] if nav == "parents" else [self.resource_object(r) for r in self.resources]
            self._paginate(obj, members, page, link, request_url)
            return obj
        resource = self.by_id.get(ident)
        if resource is None:
            raise DtsError(404, f"no collection or resource {ident!r}")
        obj = {"@context": CONTEXT, **self.resource_object(resource)}
        if nav == "parents":
            self._paginate(obj, [self._root(with_context=False)], page, link, request_url)
        elif page not in (None, 1):
            raise DtsError(404, f"no page {page}: a resource has no members")
        return obj

    def _resource(self, params: Mapping[str, str]) -> Resource:
        rid = params.get("resource")
        if not rid:
            raise DtsError(400, "'resource' is required")
        return self._known(rid)

    def _known(self, rid: str) -> Resource:
        resource = self.by_id.get(rid)
        if resource is None:
            raise DtsError(404, f"no resource {rid!r}")
        return resource

    @staticmethod
    def _check_refs(params: Mapping[str, str]) -> None:
        ref, start, end = params.get("ref"), params.get("start"), params.get("end")
        if ref is not None and (start is not None or end is not None):
            raise DtsError(400, "'ref' cannot be used with 'start' or 'end'")
        if (start is None) != (end is None):
            raise DtsError(400, "'start' and 'end' go together")

    @staticmethod
    def _tree(resource: Resource, params: Mapping[str, str]) -> CitationTree:
        name = params.get("tree")
        tree = resource.citation_tree(name)
        if tree is None:
            what = f"citation tree {name!r}" if name is not None else "citation tree"
            raise DtsError(404, f"{resource.identifier} has no {what}")
        return tree

    @staticmethod
    def _position(tree: CitationTree, resource: Resource, ref: str) -> int:
        position = tree.index.get(ref)
        if position is None:
            raise DtsError(404, f"{resource.identifier} has no citable unit {ref!r}")
        return position

    def _range(
        self, tree: CitationTree, resource: Resource, params: Mapping[str, str]
    ) -> tuple[int, int]:
        first = self._position(tree, resource, params["start"])
        last = self._position(tree, resource, params["end"])
        if first > last:
            raise DtsError(400, "'start' comes after 'end' in the document")
        return first, last

    def select(
        self, params: Mapping[str, str]
    ) -> tuple[Resource, dict[str, Any], list[dict[str, Any]] | None]:
        """A Navigation request checked: its resource, its ``ref`` or ``start``/``end``
        units, and its members (None where the answer has no member property)."""
        if not params.get("resource"):
            raise DtsError(400, "'resource' is required")
        self._check_refs(params)
        down = _int(params.get("down"), "down", -1)
        ref, start = params.get("ref"), params.get("start")
        if down is None and ref is None and start is None:
            raise DtsError(400, "give 'ref', 'start' and 'end', or 'down'")
        if down == 0 and ref is None:
            raise DtsError(400, "'down=0' needs a 'ref'")
        resource = self._known(params["resource"])
        if not resource.trees:
            # A resource without a citation tree answers every request with no member.
            return resource, {}, []
        tree = self._tree(resource, params)
        units = tree.units
        json_units = self.units(resource, tree)
        fields: dict[str, Any] = {}
        if ref is not None:
            position = self._position(tree, resource, ref)
            fields["ref"] = json_units[position]
            if down is None:
                return resource, fields, None
            unit = units[position]
            if down == 0:
                chosen = list(tree.siblings[unit.parent])
            else:
                chosen = self._subtree(tree, position, position, unit.level, down)
        elif start is not None:
            first, last = self._range(tree, resource, params)
            fields["start"], fields["end"] = json_units[first], json_units[last]
            if down is None:
                return resource, fields, None
            deeper = max(units[first].level, units[last].level)
            chosen = self._subtree(tree, first, last, deeper, down)
        else:
            chosen = [i for i, u in enumerate(units) if down == -1 or u.level <= down]
        return resource, fields, [json_units[i] for i in chosen]

    def navigation(self, params: Mapping[str, str], request_url: str) -> dict[str, Any]:
        page = _int(params.get("page"), "page", 1)
        resource, fields, members = self.select(params)
        obj: dict[str, Any] = {
            "@context": CONTEXT,
            "dtsVersion": DTS_VERSION,
            "@type": "Navigation",
            "@id": request_url,
            "resource": self.resource_object(resource, full=False),
            **fields,
        }
        if members is None:
            if page not in (None, 1):
                raise DtsError(404, f"no page {page}: the answer has no members")
            return obj
        canonical = {k: params.get(k) for k in ("resource", "ref", "start", "end", "down", "tree")}

        def link(n: int) -> str:
            return self.urls.url("navigation", {**canonical, "page": str(n)})

        self._paginate(obj, members, page, link, request_url)
        return obj

    @staticmethod
    def _subtree(tree: CitationTree, first: int, last: int, level: int, down: int) -> list[int]:
        """Units from ``first`` to the end of ``last``'s subtree, ``down`` levels below
        ``level`` at most (-1: all)."""
        end = tree.subtree_end[last]
        return [i for i in range(first, end) if down == -1 or tree.units[i].level <= level + down]

    def document(self, params: Mapping[str, str]) -> Answer:
        resource = self._resource(params)
        self._check_refs(params)
        media = params.get("mediaType")
        if media not in (None, TEI_MEDIA_TYPE):
            raise DtsError(404, f"media type {media!r} is not available")
        rid = resource.identifier
        link = f'<{self.urls.url("collection", {"id": rid})}>; rel="collection"'
        ref, start = params.get("ref"), params.get("start")
        if ref is None and start is None:
            # 'tree' has no effect on the whole document.
            return Answer(TEI_MEDIA_TYPE, resource.data, link)
        tree = self._tree(resource, params)
        if ref is not None:
            first = last = self._position(tree, resource, ref)
        else:
            first, last = self._range(tree, resource, params)
        end = None if first == last and ref is not None else tree.units[last]
        text, nodes = passage_nodes(tree, tree.units[first], end, resource.positions)
        whole = self.urls.url("document", {"resource": rid})
        return Answer(TEI_MEDIA_TYPE, passage_document(text, nodes, whole), link)


def _json(obj: Mapping[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def problem(status: int, title: str, detail: str) -> bytes:
    """An error as JSON (RFC 9457 problem details)."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return _json(body)
