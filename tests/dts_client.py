"""A DTS 1.0 client for the tests, written from the specification (``versions/v1.0``).

It starts at an entry point, expands the URI templates it is given (RFC 6570, with the
``uritemplate`` library, as any client would), follows pagination to the end, and checks
every object it meets field by field: ``check_*`` hold the specification's tables
(required fields and their types). ``walk`` fetches every navigation member, every
passage, every ``down`` and every range that the API says it answers, and checks the
answers against the citation tree and the TEI itself.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

import uritemplate
from lxml import etree

CONTEXT = "https://dtsapi.org/context/v1.0.json"
TEI = "http://www.tei-c.org/ns/1.0"
DTS_NS = "https://w3id.org/api/dts#"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
BCP47 = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
VOCABULARY_TERMS = ("staticRefs", "staticDown", "staticRangeDepth")


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes

    @property
    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip()


def fetch(url: str, timeout: float = 30) -> Response:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return Response(answer.status, answer.headers, answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


def expand(template: str, **values: str) -> str:
    """An RFC 6570 expansion; values are strings (``down`` too, as the query has it)."""
    return uritemplate.expand(template, {k: str(v) for k, v in values.items()})


def is_absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


# --- the specification's tables ----------------------------------------------------------


def check_template(template: Any) -> None:
    """A URI template that expands, with no variable, to an absolute URL."""
    assert isinstance(template, str) and template, template
    assert is_absolute(expand(template)), f"template is not absolute: {template}"


def check_metadata(metadata: Any, where: str) -> None:
    """MetadataObject: literals, URIs, arrays of URIs or of {lang, value}."""
    assert isinstance(metadata, dict), where
    for key, value in metadata.items():
        if key == "@context":
            continue
        if isinstance(value, (str, int, float, bool)):
            continue
        assert isinstance(value, list) and value, (where, key)
        for item in value:
            if isinstance(item, dict):
                assert set(item) == {"lang", "value"}, (where, key, item)
                assert BCP47.match(item["lang"]) and isinstance(item["value"], str), item
            else:
                assert isinstance(item, str), (where, key, item)


def check_extensions(extensions: Any, where: str) -> None:
    """Extensions: every term is an absolute IRI or a prefix that its @context defines."""
    check_metadata(extensions, where)
    context = extensions.get("@context", {})
    for key in extensions:
        if key == "@context":
            continue
        prefix, colon, _ = key.partition(":")
        assert colon and (prefix in context or "//" in key), (where, key)


def check_pagination(view: Any, request_url: str) -> None:
    assert view["@type"] == "Pagination"
    assert view["@id"] == request_url
    for key in ("first", "last"):
        assert is_absolute(view[key]), (key, view)
    for key in ("previous", "next"):
        if key in view:
            assert is_absolute(view[key]), (key, view)


def check_citation_trees(trees: Any) -> None:
    assert isinstance(trees, list)
    for i, tree in enumerate(trees):
        assert tree["@type"] == "CitationTree"
        # Only trees after the first (the default) have an identifier.
        assert ("identifier" in tree) == (i > 0), tree
        if "description" in tree:
            assert isinstance(tree["description"], str)
        for structure in tree.get("citeStructure", []):
            check_cite_structure(structure)


def check_cite_structure(structure: Any) -> None:
    assert isinstance(structure["citeType"], str) and structure["citeType"]
    for child in structure.get("citeStructure", []):
        check_cite_structure(child)


def check_resource(obj: Any, full: bool) -> None:
    """A Resource (Collection endpoint when ``full``, else inside a Navigation)."""
    assert obj["@type"] == "Resource"
    assert isinstance(obj["@id"], str) and obj["@id"]
    for key in ("collection", "navigation", "document"):
        check_template(obj[key])
    check_citation_trees(obj["citationTrees"])
    if full:
        assert obj["dtsVersion"] == "1.0"
        assert isinstance(obj["title"], str) and obj["title"]
        assert isinstance(obj["totalParents"], int) and obj["totalParents"] >= 1
        assert isinstance(obj["mediaTypes"], list)
        assert all(isinstance(m, str) for m in obj["mediaTypes"])
        assert is_absolute(obj["download"])
    if "description" in obj:
        assert isinstance(obj["description"], str)
    if "dublinCore" in obj:
        check_metadata(obj["dublinCore"], obj["@id"])
    if "extensions" in obj:
        check_extensions(obj["extensions"], obj["@id"])


def check_collection_object(obj: Any, top: bool, request_url: str = "") -> None:
    """A Collection or Resource from the Collection endpoint (``top``: the response)."""
    if top:
        assert obj["@context"] == CONTEXT
        if "view" in obj:
            check_pagination(obj["view"], request_url)
    assert obj["dtsVersion"] == "1.0"
    assert obj["@type"] in ("Collection", "Resource")
    assert isinstance(obj["@id"], str) and obj["@id"]
    assert isinstance(obj["title"], str) and obj["title"]
    assert isinstance(obj["totalParents"], int) and obj["totalParents"] >= 0
    check_template(obj["collection"])
    if obj["@type"] == "Collection":
        assert isinstance(obj["totalChildren"], int) and obj["totalChildren"] >= 0
        if "dublinCore" in obj:
            check_metadata(obj["dublinCore"], obj["@id"])
        if "extensions" in obj:
            check_extensions(obj["extensions"], obj["@id"])
    else:
        check_resource(obj, full=True)
    for member in obj.get("member", []):
        check_collection_object(member, top=False)


def check_unit(unit: Any) -> None:
    assert unit["@type"] == "CitableUnit"
    assert isinstance(unit["identifier"], str) and unit["identifier"]
    assert isinstance(unit["level"], int) and unit["level"] >= 1
    assert unit["parent"] is None or isinstance(unit["parent"], str)
    assert (unit["parent"] is None) == (unit["level"] == 1), unit
    if "citeType" in unit:
        assert isinstance(unit["citeType"], str)
    if "dublinCore" in unit:
        check_metadata(unit["dublinCore"], unit["identifier"])
    if "extensions" in unit:
        check_extensions(unit["extensions"], unit["identifier"])


def check_navigation(obj: Any, request_url: str) -> None:
    assert obj["@context"] == CONTEXT
    assert obj["dtsVersion"] == "1.0"
    assert obj["@type"] == "Navigation"
    # The absolute URL of the request, with its parameters.
    assert obj["@id"] == request_url, (obj["@id"], request_url)
    check_resource(obj["resource"], full=False)
    for key in ("ref", "start", "end"):
        if key in obj:
            check_unit(obj[key])
    for unit in obj.get("member", []):
        check_unit(unit)
    if "view" in obj:
        check_pagination(obj["view"], request_url)


# --- the client -----------------------------------------------------------------------------


@dataclass
class Walk:
    """What a walk fetched, by kind, and the URLs of each kind."""

    counts: dict[str, int] = field(default_factory=dict)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    units: dict[tuple[str, str | None], list[dict[str, Any]]] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1


class Client:
    """``static``: a plain file host (no DTS media types, a 404 for what is not there)."""

    def __init__(self, static: bool) -> None:
        self.static = static

    def get(self, url: str) -> Response:
        assert is_absolute(url), url
        return fetch(url)

    def json(self, url: str) -> dict[str, Any]:
        answer = self.get(url)
        assert answer.status == 200, (url, answer.status, answer.body[:300])
        if not self.static:
            assert answer.media_type == "application/ld+json", url
        return json.loads(answer.body)

    def pages(self, url: str, check: Any) -> Iterator[dict[str, Any]]:
        """Every page of an answer, following ``next`` to the end (and ``first``)."""
        obj = self.json(url)
        check(obj, url)
        yield obj
        if "view" not in obj:
            return
        view = obj["view"]
        assert "previous" not in view, "the answer without page is the first page"
        page_url = view["first"]
        seen = set()
        while True:
            assert page_url not in seen, "pagination goes round in a circle"
            seen.add(page_url)
            page = self.json(page_url)
            check(page, page_url)
            assert page["view"]["first"] == view["first"] and page["view"]["last"] == view["last"]
            yield page
            if "next" not in page["view"]:
                assert page_url == view["last"]
                return
            page_url = page["view"]["next"]

    def members(self, url: str) -> list[dict[str, Any]]:
        first = None
        members: list[dict[str, Any]] = []
        for i, page in enumerate(self.pages(url, check_navigation)):
            if i == 0:
                first = page
                if "view" in page:
                    continue  # the same members as page 1, fetched next
            members += page["member"]
        assert first is not None
        return members

    def document(self, url: str, collection_url: str) -> etree._Element:
        answer = self.get(url)
        assert answer.status == 200, (url, answer.status)
        if not self.static:
            assert answer.media_type == "application/tei+xml", url
            assert answer.headers["Link"] == f'<{collection_url}>; rel="collection"', url
        root = etree.fromstring(answer.body, etree.XMLParser(resolve_entities=False))
        assert root.tag == f"{{{TEI}}}TEI", url
        return root


def declared_depth(tree: dict[str, Any]) -> int:
    def depth(structures: list[dict[str, Any]]) -> int:
        return max((1 + depth(s.get("citeStructure", [])) for s in structures), default=0)

    return depth(tree.get("citeStructure", []))


def subtree_end(units: list[dict[str, Any]], position: int) -> int:
    level = units[position]["level"]
    for i in range(position + 1, len(units)):
        if units[i]["level"] <= level:
            return i
    return len(units)


def expected_members(
    units: list[dict[str, Any]], first: int, last: int, down: int
) -> list[dict[str, Any]]:
    """The specification's table: ``first``..``last`` with ``last``'s subtree, ``down``
    levels below the deeper of the two (-1: all)."""
    level = max(units[first]["level"], units[last]["level"])
    return [
        u
        for u in units[first : subtree_end(units, last)]
        if down == -1 or u["level"] <= level + down
    ]


def coverage(resource: dict[str, Any], full: bool) -> tuple[bool, bool, int]:
    """What the API says it answers for a resource: per unit, with down, range depth."""
    if full:
        return True, True, 99
    extensions = resource["extensions"]
    prefix = next(k for k, v in extensions["@context"].items() if v.endswith("vocabulary.json#"))
    refs, down, depth = (extensions[f"{prefix}:{term}"] for term in VOCABULARY_TERMS)
    assert isinstance(refs, bool) and isinstance(down, bool) and isinstance(depth, int)
    return refs, down, depth


def walk(client: Client, entry_url: str, full: bool) -> Walk:
    """Every request the API answers, from its entry point (``full``: a server that
    answers every request; else what each resource says its static files answer)."""
    result = Walk()
    entry = client.json(entry_url)
    assert entry["@context"] == CONTEXT and entry["dtsVersion"] == "1.0"
    assert entry["@type"] == "EntryPoint" and is_absolute(entry["@id"])
    for key in ("collection", "navigation", "document"):
        check_template(entry[key])
    root_url = expand(entry["collection"])
    members: list[dict[str, Any]] = []
    for i, page in enumerate(
        client.pages(root_url, lambda o, u: check_collection_object(o, True, u))
    ):
        if i == 0:
            root = page
            if "view" in page:
                continue
        members += page["member"]
        result.count("collection page")
    assert root["@type"] == "Collection" and root["totalParents"] == 0
    assert root["totalChildren"] == len(members)
    assert [m["@id"] for m in members] == list(dict.fromkeys(m["@id"] for m in members))
    by_id = client.json(expand(entry["collection"], id=root["@id"]))
    assert by_id["@id"] == root["@id"] and by_id["totalChildren"] == root["totalChildren"]
    assert client.json(expand(entry["collection"], nav="parents"))["member"] == []
    for member in members:
        resource = client.json(expand(member["collection"]))
        check_collection_object(resource, top=True)
        assert resource["@id"] == member["@id"]
        parents = client.json(expand(member["collection"], nav="parents"))
        check_collection_object(parents, top=True)
        assert resource["totalParents"] == len(parents["member"]) == 1
        parent = parents["member"][0]
        # The parent listing is complete: the parent as the collection itself gives it.
        assert {k: v for k, v in root.items() if k not in ("member", "view", "@context")} == (
            parent
        )
        result.resources[resource["@id"]] = resource
        walk_resource(client, resource, full, result)
    return result


def walk_resource(client: Client, resource: dict[str, Any], full: bool, result: Walk) -> None:
    rid = resource["@id"]
    nav, doc = resource["navigation"], resource["document"]
    collection_url = expand(resource["collection"])
    whole = client.document(expand(doc), collection_url)
    whole_bytes = etree.tostring(whole)
    result.count("document")
    refs, down_files, range_depth = coverage(resource, full)
    trees = resource["citationTrees"]
    if not trees:
        for down in ("-1", "1"):
            assert client.members(expand(nav, down=down)) == []
        if full:
            assert client.members(expand(nav, ref="anything")) == []
        return
    for i, tree in enumerate(trees):
        name = {"tree": tree["identifier"]} if i else {}
        depth = declared_depth(tree)
        units = client.members(expand(nav, down="-1", **name))
        result.units[(rid, tree.get("identifier"))] = units
        ids = [u["identifier"] for u in units]
        assert len(set(ids)) == len(ids), "identifiers are unique within a tree"
        seen: set[str] = set()
        for unit in units:  # document order: a unit comes after its parent
            assert unit["parent"] is None or unit["parent"] in seen
            assert depth == 0 or unit["level"] <= depth
            seen.add(unit["identifier"])
        for down in range(1, max(depth, 1) + 1):
            # Up to the declared depth, even where no unit is that deep.
            got = client.members(expand(nav, down=str(down), **name))
            assert got == [u for u in units if u["level"] <= down], (rid, down)
            result.count("down from the root")
        beyond = expand(nav, down=str(max(depth, 1) + 1), **name)
        if full:
            assert client.members(beyond) == units
        else:
            assert client.get(beyond).status == 404, "a static host has no file for it"
        if i:  # 'tree' without a ref has no effect on the document
            assert etree.tostring(client.document(expand(doc, **name), collection_url)) == (
                whole_bytes
            )
        for position, unit in enumerate(units):
            ref = unit["identifier"]
            if refs:
                single = client.json(expand(nav, ref=ref, **name))
                check_navigation(single, expand(nav, ref=ref, **name))
                assert single["ref"] == unit and "member" not in single
                passage = client.document(expand(doc, ref=ref, **name), collection_url)
                check_passage(whole, passage, tree, units, position, position)
                result.count("unit")
            if down_files:
                siblings = [u for u in units if u["parent"] == unit["parent"]]
                assert client.members(expand(nav, ref=ref, down="0", **name)) == siblings
                for down in (-1, *range(1, max(depth, 1) + 1)):
                    got = client.members(expand(nav, ref=ref, down=str(down), **name))
                    assert got == expected_members(units, position, position, down)
                    result.count("unit with down")
        for level in range(1, min(range_depth, depth) + 1):
            groups: dict[str | None, list[int]] = {}
            for position, unit in enumerate(units):
                if unit["level"] == level:
                    groups.setdefault(unit["parent"], []).append(position)
            for group in groups.values():
                for a, first in enumerate(group):
                    for last in group[a:]:
                        check_range(client, resource, tree, name, units, first, last, whole)
                        result.count("range")


def check_range(
    client: Client,
    resource: dict[str, Any],
    tree: dict[str, Any],
    name: dict[str, str],
    units: list[dict[str, Any]],
    first: int,
    last: int,
    whole: etree._Element,
) -> None:
    nav, doc = resource["navigation"], resource["document"]
    pair = {"start": units[first]["identifier"], "end": units[last]["identifier"], **name}
    plain = client.json(expand(nav, **pair))
    check_navigation(plain, expand(nav, **pair))
    assert plain["start"] == units[first] and plain["end"] == units[last]
    assert "member" not in plain
    for down in (-1, *range(1, max(declared_depth(tree), 1) + 1)):
        got = client.members(expand(nav, down=str(down), **pair))
        assert got == expected_members(units, first, last, down), (pair, down)
    collection_url = expand(resource["collection"])
    passage = client.document(expand(doc, **pair), collection_url)
    check_passage(whole, passage, tree, units, first, last)


# --- passages, checked against the whole document ------------------------------------------


def _words(text: str) -> str:
    return " ".join(text.split())


def page_texts(whole: etree._Element, edition: str | None) -> list[str]:
    """The text of each printed page of the document, read independently: every text
    node of ``text`` after the n-th page break (of that edition) and before the next."""
    text = whole.find(f"{{{TEI}}}text")
    pages: list[list[str]] = []

    def visit(element: etree._Element) -> None:
        if isinstance(element.tag, str):
            if element.tag == f"{{{TEI}}}pb" and element.get("ed") == edition:
                pages.append([])
            if pages and element.text:
                pages[-1].append(element.text)
            for child in element:
                visit(child)
        if pages and element.tail and element is not text:
            pages[-1].append(element.tail)

    visit(text)
    return [_words("".join(p)) for p in pages]


def check_passage(
    whole: etree._Element,
    passage: etree._Element,
    tree: dict[str, Any],
    units: list[dict[str, Any]],
    first: int,
    last: int,
) -> None:
    """The passage is the TEI as the document has it: one unit's element, a range's
    units from the first to the last, or the text of pages."""
    wrapper = passage.find(f"{{{DTS_NS}}}wrapper")
    assert wrapper is not None, "the passage is in dts:wrapper"
    by_id = {el.get(XML_ID): el for el in whole.iter() if el.get(XML_ID)}
    c14n = {"method": "c14n", "exclusive": True, "with_tail": False}
    kinds = {s["citeType"] for s in tree.get("citeStructure", [])}
    if kinds == {"page"}:
        edition = tree.get("identifier", "").partition("pages-")[2] or None
        texts = page_texts(whole, edition)
        numbers = [u["identifier"] for u in units]
        wanted = " ".join(texts[numbers.index(u["identifier"])] for u in units[first : last + 1])
        assert _words("".join(wrapper.itertext())) == _words(wanted)
        return
    start, end = units[first]["identifier"], units[last]["identifier"]
    if first == last and start in by_id:
        assert [el.get(XML_ID) for el in wrapper] == [start]
        assert etree.tostring(wrapper[0], **c14n) == etree.tostring(by_id[start], **c14n)
        return
    inside = {el.get(XML_ID): el for el in wrapper.iter() if el.get(XML_ID)}
    for unit in units[first : subtree_end(units, last)]:
        if unit["identifier"] in by_id:
            element = inside.get(unit["identifier"])
            assert element is not None, (start, end, unit["identifier"])
            assert etree.tostring(element, **c14n) == etree.tostring(
                by_id[unit["identifier"]], **c14n
            )
