"""A read-only Distributed Text Services 1.0 API as static files, made at build time.

DTS 1.0 allows static deployment with path-style URI templates (RFC 6570). This API
answers every valid request of a Level 0 server (no ``start``/``end`` ranges) with a
file, so any static host can serve it. Under the API's folder (``site/dts/``):

    index.json                                  entry point
    collection.json                             the edition (root collection)
    collection/{id}.json, collection/{id}/{nav}.json
    navigation/{resource}/{down}.json           the tree from the root, ``down`` levels
    navigation/{resource}/{ref}.json            one unit
    navigation/{resource}/{down}/{ref}.json     a unit with its subtree (0: siblings)
    document/{resource}.xml                     the whole TEI document
    document/{resource}/{ref}.xml               one passage, in ``dts:wrapper``

The templates are ``collection{/id}{/nav}.json``, ``navigation{/resource}{/down}{/ref}
.json`` and ``document{/resource}{/ref}.xml``. A ``ref`` is an ``xml:id`` (it never starts
with a digit or '-') and ``down`` is a number, so the paths cannot be confused. Resource
ids and refs are checked to be safe as path segments before any file is named by them.
JSON-LD field names are the specification's.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from pipeline.config import EditionConfig
from pipeline.dts.citations import CitableUnit, CitationTree, CiteStructure, citation_tree
from pipeline.errors import EditionError
from pipeline.structure import Collection, FileKind, TeiFile
from pipeline.structure.identifiers import is_safe_id, safe_lang
from pipeline.structure.reading import read_document
from pipeline.structure.registers import is_register_file
from pipeline.xmltools import NSMAP, TEI_NS, XML_ID, XML_LANG, parse_bytes

DTS_VERSION = "1.0"
CONTEXT = "https://dtsapi.org/context/v1.0.json"
DTS_NS = "https://w3id.org/api/dts#"
TEI_MEDIA_TYPE = "application/tei+xml"
RESERVED = frozenset({"children", "parents", "index", "collection"})
NAV_VALUES = ("children", "parents")


@dataclass(frozen=True)
class Resource:
    """One document of the edition as DTS sees it."""

    identifier: str
    data: bytes
    tree: etree._ElementTree
    citations: CitationTree
    title: str
    description: str
    creators: tuple[str, ...]
    date: str
    lang: str
    register: bool


@dataclass(frozen=True)
class Urls:
    """Where the API lives: ``path`` for templates, ``origin + path`` for absolute URLs."""

    origin: str
    path: str

    @classmethod
    def from_base(cls, base_url: str) -> Urls:
        parts = urlsplit(base_url or "/")
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
        path = parts.path or "/"
        if not path.endswith("/"):
            path += "/"
        return cls(origin, path + "dts/")

    def absolute(self, relative: str) -> str:
        return self.origin + self.path + relative


# --- reading -----------------------------------------------------------------------------


def _creation_date(tree: etree._ElementTree) -> str:
    """The date of writing as ISO 8601 (Gregorian), an interval where it is one."""
    date = tree.getroot().find("tei:teiHeader/tei:profileDesc/tei:creation//tei:date", NSMAP)
    if date is None:
        return ""
    if date.get("when"):
        return date.get("when")
    start = date.get("from") or date.get("notBefore") or ""
    end = date.get("to") or date.get("notAfter") or ""
    return f"{start or '..'}/{end or '..'}" if (start or end) else ""


def load_resource(
    data: bytes, path: str | Path, tree: etree._ElementTree | None = None
) -> Resource:
    """A TEI file as a DTS resource: id, metadata and citation tree."""
    tree = tree if tree is not None else parse_bytes(data, path)
    root = tree.getroot()
    if etree.QName(root).namespace != TEI_NS or etree.QName(root).localname != "TEI":
        raise EditionError("a DTS resource must be a TEI document", path)
    identifier = root.get(XML_ID) or Path(path).stem
    if not is_safe_id(identifier) or identifier in RESERVED:
        raise EditionError(f"document id {identifier!r} cannot name a DTS resource", path)
    register = is_register_file(root)
    document = read_document(root, "reading")
    try:
        citations = citation_tree(tree)
    except EditionError as exc:
        raise EditionError(exc.message, path) from None
    return Resource(
        identifier=identifier,
        data=data,
        tree=tree,
        citations=citations,
        title=document.title,
        description="; ".join(document.subtitles),
        creators=document.authors,
        date=_creation_date(tree),
        lang=safe_lang(root.get(XML_LANG)) or "und",
        register=register,
    )


# --- JSON-LD objects -------------------------------------------------------------------


def entry_point(urls: Urls) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "dtsVersion": DTS_VERSION,
        "@id": urls.path + "index.json",
        "@type": "EntryPoint",
        "collection": urls.path + "collection{/id}{/nav}.json",
        "navigation": urls.path + "navigation{/resource}{/down}{/ref}.json",
        "document": urls.path + "document{/resource}{/ref}.xml",
    }


def _structure(structure: CiteStructure) -> dict[str, Any]:
    obj: dict[str, Any] = {"@type": "CiteStructure", "citeType": structure.cite_type}
    if structure.children:
        obj["citeStructure"] = [_structure(child) for child in structure.children]
    return obj


def _citation_trees(resource: Resource) -> list[dict[str, Any]]:
    if not resource.citations.structures:
        return []
    return [
        {
            "@type": "CitationTree",
            "citeStructure": [_structure(s) for s in resource.citations.structures],
        }
    ]


def _text_value(value: str, lang: str) -> list[dict[str, str]]:
    return [{"lang": lang, "value": value}]


def resource_object(
    resource: Resource, urls: Urls, config: EditionConfig, full: bool = True
) -> dict[str, Any]:
    """A ``Resource`` for the Collection endpoint (``full``) or inside a Navigation."""
    rid = resource.identifier
    obj: dict[str, Any] = {
        "@id": rid,
        "@type": "Resource",
        "title": resource.title,
    }
    if full:
        obj["dtsVersion"] = DTS_VERSION
        if resource.description:
            obj["description"] = resource.description
        obj["totalParents"] = 1
        obj["totalChildren"] = 0
        dublin_core: dict[str, Any] = {
            "title": _text_value(resource.title, resource.lang),
            "language": [resource.lang],
            "publisher": [config.publisher],
            "type": ["Text"],
        }
        if resource.creators:
            dublin_core["creator"] = [
                {"lang": resource.lang, "value": c} for c in resource.creators
            ]
        if resource.date:
            dublin_core["date"] = resource.date
        if config.licence_url:
            dublin_core["license"] = [config.licence_url]
        obj["dublinCore"] = dublin_core
    obj["collection"] = urls.path + f"collection/{rid}{{/nav}}.json"
    obj["navigation"] = urls.path + f"navigation/{rid}{{/down}}{{/ref}}.json"
    obj["document"] = urls.path + f"document/{rid}{{/ref}}.xml"
    obj["citationTrees"] = _citation_trees(resource)
    if full:
        obj["mediaTypes"] = [TEI_MEDIA_TYPE]
        obj["download"] = urls.path + f"document/{rid}.xml"
    return obj


def root_collection(
    resources: Sequence[Resource], urls: Urls, config: EditionConfig, nav: str = "children"
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "@context": CONTEXT,
        "dtsVersion": DTS_VERSION,
        "@id": config.id_prefix,
        "@type": "Collection",
        "title": config.title,
    }
    if config.subtitle:
        obj["description"] = config.subtitle
    obj.update(
        {
            "totalParents": 0,
            "totalChildren": len(resources),
            "collection": urls.path + "collection{/id}{/nav}.json",
            "dublinCore": {
                "title": _text_value(config.title, config.encoding.language or "und"),
                "publisher": [config.publisher],
                "creator": list(config.editors),
                **({"license": [config.licence_url]} if config.licence_url else {}),
            },
            "member": [resource_object(r, urls, config) for r in resources]
            if nav == "children"
            else [],
        }
    )
    return obj


def _collection_summary(
    resources: Sequence[Resource], urls: Urls, config: EditionConfig
) -> dict[str, Any]:
    return {
        "@id": config.id_prefix,
        "@type": "Collection",
        "title": config.title,
        "totalParents": 0,
        "totalChildren": len(resources),
        "collection": urls.path + f"collection/{config.id_prefix}{{/nav}}.json",
    }


def resource_collection(
    resource: Resource,
    resources: Sequence[Resource],
    urls: Urls,
    config: EditionConfig,
    nav: str = "children",
) -> dict[str, Any]:
    obj = {"@context": CONTEXT, **resource_object(resource, urls, config)}
    if nav == "parents":
        obj["member"] = [_collection_summary(resources, urls, config)]
    return obj


def _unit(unit: CitableUnit, resource: Resource) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "identifier": unit.identifier,
        "@type": "CitableUnit",
        "level": unit.level,
        "parent": unit.parent,
        "citeType": unit.cite_type,
    }
    local = etree.QName(unit.element).localname
    title = ""
    if local == "head":
        title = " ".join(
            "".join(
                t
                for t in unit.element.xpath(".//text()[not(ancestor::tei:note)]", namespaces=NSMAP)
            ).split()
        )
    elif local == "note" and unit.element.get("n"):
        title = f"Note {unit.element.get('n')}"
    if title:
        obj["dublinCore"] = {"title": _text_value(title, resource.lang)}
    return obj


def _descendants(tree: CitationTree, ref: CitableUnit, down: int) -> list[CitableUnit]:
    """``ref`` and its descendants down to ``down`` levels below it (-1: all)."""
    units = list(tree.units)
    start = units.index(ref)
    result = [ref]
    for unit in units[start + 1 :]:
        if unit.level <= ref.level:
            break
        if down == -1 or unit.level <= ref.level + down:
            result.append(unit)
    return result


def navigation(
    resource: Resource,
    urls: Urls,
    config: EditionConfig,
    relative: str,
    down: int | None,
    ref: CitableUnit | None,
) -> dict[str, Any]:
    """The Navigation object for one valid combination of ``down`` and ``ref``."""
    tree = resource.citations
    obj: dict[str, Any] = {
        "@context": CONTEXT,
        "dtsVersion": DTS_VERSION,
        "@type": "Navigation",
        "@id": urls.absolute(relative),
        "resource": resource_object(resource, urls, config, full=False),
    }
    if ref is not None:
        obj["ref"] = _unit(ref, resource)
    if down is None:
        return obj
    if ref is None:
        members = [u for u in tree.units if down == -1 or u.level <= down]
    elif down == 0:
        members = [u for u in tree.units if u.parent == ref.parent and u.level == ref.level]
    else:
        members = _descendants(tree, ref, down)
    obj["member"] = [_unit(u, resource) for u in members]
    return obj


# --- documents ---------------------------------------------------------------------------


def passage(resource: Resource, unit: CitableUnit, urls: Urls) -> bytes:
    """One passage as TEI: the element in ``dts:wrapper`` directly under ``TEI``.

    ``xml:base`` is the whole document's URL, so the passage's pointers (``#id``,
    ``registers.xml#x``) resolve as they do in the document. The passage is written
    exactly as it stands in the document: only the two wrapping levels are indented
    (``serialize`` would also indent inside a note made of paragraphs).
    """
    root = etree.Element(f"{{{TEI_NS}}}TEI", nsmap={None: TEI_NS})
    root.set(
        "{http://www.w3.org/XML/1998/namespace}base",
        urls.absolute(f"document/{resource.identifier}.xml"),
    )
    wrapper = etree.SubElement(root, f"{{{DTS_NS}}}wrapper", nsmap={"dts": DTS_NS})
    element = copy.deepcopy(unit.element)
    wrapper.append(element)
    root.text, wrapper.text, element.tail, wrapper.tail = "\n  ", "\n    ", "\n  ", "\n"
    body = etree.tostring(root, encoding="UTF-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


# --- all files ---------------------------------------------------------------------------


def _json(obj: Mapping[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _downs(resource: Resource) -> list[int]:
    return [-1, *range(1, max(resource.citations.depth, 1) + 1)]


def dts_files(resources: Sequence[Resource], config: EditionConfig) -> dict[str, bytes]:
    """Every file of the static API: path relative to the API's folder -> bytes."""
    ids = [r.identifier for r in resources]
    if len(set(ids)) != len(ids) or config.id_prefix in ids:
        raise EditionError(
            "DTS resource ids must be unique and differ from the "
            f"collection id {config.id_prefix!r}"
        )
    if not is_safe_id(config.id_prefix) or config.id_prefix in RESERVED:
        raise EditionError(f"id-prefix {config.id_prefix!r} cannot name the DTS collection")
    urls = Urls.from_base(config.base_url)
    files: dict[str, bytes] = {"index.json": _json(entry_point(urls))}
    files["collection.json"] = _json(root_collection(resources, urls, config))
    files[f"collection/{config.id_prefix}.json"] = files["collection.json"]
    for nav in NAV_VALUES:
        files[f"collection/{nav}.json"] = _json(root_collection(resources, urls, config, nav))
        files[f"collection/{config.id_prefix}/{nav}.json"] = files[f"collection/{nav}.json"]
    for resource in resources:
        rid = resource.identifier
        files[f"collection/{rid}.json"] = _json(
            resource_collection(resource, resources, urls, config)
        )
        for nav in NAV_VALUES:
            files[f"collection/{rid}/{nav}.json"] = _json(
                resource_collection(resource, resources, urls, config, nav)
            )
        files[f"document/{rid}.xml"] = resource.data
        for down in _downs(resource):
            name = f"navigation/{rid}/{down}.json"
            files[name] = _json(navigation(resource, urls, config, name, down, None))
        for unit in resource.citations.units:
            ref = unit.identifier
            name = f"navigation/{rid}/{ref}.json"
            files[name] = _json(navigation(resource, urls, config, name, None, unit))
            for down in [0, *_downs(resource)]:
                name = f"navigation/{rid}/{down}/{ref}.json"
                files[name] = _json(navigation(resource, urls, config, name, down, unit))
            files[f"document/{rid}/{ref}.xml"] = passage(resource, unit, urls)
    return files


def collection_resources(collection: Collection) -> list[Resource]:
    """The DTS resources of the collection: its TEI documents in order, then the
    registers (a corpus file is not a resource of this API)."""
    files: list[TeiFile] = [f for f in collection.files if f.kind == FileKind.TEXT]
    if collection.registers_file is not None:
        files.append(collection.registers_file)
    return [load_resource(file.data(), file.path, file.tree()) for file in files]
