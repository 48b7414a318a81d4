"""The DTS 1.0 API as static files, within a file budget, and the host configuration
that serves them with the right headers.

Every file answers one request of the path-style templates (RFC 6570), so a client
that expands them finds it (``{B}`` is the site's ``dts/`` folder; ``;`` parameters
and ``/`` segments are those the specification shows for static APIs)::

    {B}index.json                                           entry point
    {B}collection{/id}{;nav,page}.json                      collections, resources
    {B}navigation{/resource}{;tree,down,page}{/ref,start,end}.json
    {B}document{/resource}{;tree}{/ref,start,end}.xml

A static host can answer only what was written, so the files come in levels, each
written for a resource only while its files stay within ``files-per-resource`` and the
whole API within ``files`` ([tool.edition.dts]); a level left out is left out of every
resource, and each resource says in its ``extensions`` what it has:

0. the collection entries, the whole document (also with any ``tree``), and the tree
   from its root for every ``down`` up to the declared depth (an empty ``member`` where
   the text has no unit that deep); always written;
1. each unit: its navigation and its passage (``edition:staticRefs``);
2. each unit with every ``down`` up to the declared depth (``edition:staticDown``);
3. and after: the ranges (``start``/``end``) of every pair of siblings, level by level
   (``edition:staticRangeDepth``: how many levels).

Long member lists are paginated (``page-size``): the first page also answers without
``page``. What a static host cannot answer (a ``down`` deeper than the tree, ranges
that are not of siblings or beyond the budget, ``mediaType``, errors as JSON) is
answered by a DTS server such as ``edition serve``.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pipeline.config import EditionConfig
from pipeline.dts.api import (
    JSON_LD,
    NAV_VALUES,
    TEI_MEDIA_TYPE,
    Api,
    Coverage,
    DtsError,
    Urls,
    site_base,
)
from pipeline.dts.citations import CitationTree
from pipeline.dts.resources import RESERVED, Resource
from pipeline.errors import EditionError
from pipeline.structure.identifiers import is_safe_id

Request = tuple[str, dict[str, str]]
VOCABULARY = "vocabulary.json"
# Cloudflare Pages reads at most 100 rules from _headers.
HEADER_RULES = 100
_TERMS = {
    "preview": "The collection is a local preview: base-url is not set, and the API's "
    "URLs point to the address where `edition serve` serves the site by default.",
    "staticRefs": "Each citable unit of the resource has a static file for its "
    "navigation (ref) and its passage (document).",
    "staticDown": "Each citable unit has a static navigation file for every down from 0 "
    "to the declared depth of its citation tree, and -1.",
    "staticRangeDepth": "Static files answer start/end for every pair of siblings at the "
    "levels 1 to this number of every citation tree (0: no range).",
}


def api_urls(config: EditionConfig) -> tuple[Urls, bool]:
    """The static API's URLs (its folder's absolute URL) and whether it is a preview."""
    site, preview = site_base(config)
    return Urls(site + "dts/", "path"), preview


def static_api(
    resources: Sequence[Resource],
    config: EditionConfig,
    coverage: Mapping[str, Coverage] | None = None,
    urls: Urls | None = None,
) -> Api:
    """The API as its static files answer it (``urls``: in another style)."""
    static, preview = api_urls(config)
    return Api(
        resources,
        config,
        urls or static,
        page_size=config.dts.page_size,
        vocabulary=static.base + VOCABULARY + "#",
        preview=preview,
        coverage=coverage,
    )


def _check_ids(resources: Sequence[Resource], config: EditionConfig) -> None:
    ids = [r.identifier for r in resources]
    if len(set(ids)) != len(ids) or config.id_prefix in ids:
        raise EditionError(
            "DTS resource ids must be unique and differ from the "
            f"collection id {config.id_prefix!r}"
        )
    if not is_safe_id(config.id_prefix) or config.id_prefix in RESERVED:
        raise EditionError(f"id-prefix {config.id_prefix!r} cannot name the DTS collection")


# --- which requests ------------------------------------------------------------------------


def _tree_params(resource: Resource, tree: CitationTree | None) -> dict[str, str]:
    params = {"resource": resource.identifier}
    if tree is not None and tree.identifier is not None:
        params["tree"] = tree.identifier
    return params


def _downs(tree: CitationTree | None) -> list[str]:
    depth = tree.declared_depth if tree is not None else 0
    return [str(d) for d in (-1, *range(1, max(depth, 1) + 1))]


def _base_requests(resource: Resource) -> list[Request]:
    rid = resource.identifier
    requests: list[Request] = [("collection", {"id": rid})]
    requests += [("collection", {"id": rid, "nav": nav}) for nav in NAV_VALUES]
    requests.append(("document", {"resource": rid}))
    for tree in resource.trees[1:]:
        requests.append(("document", _tree_params(resource, tree)))
    for tree in resource.trees or [None]:
        for down in _downs(tree):
            requests.append(("navigation", {**_tree_params(resource, tree), "down": down}))
    return requests


def _unit_requests(resource: Resource, with_down: bool) -> list[Request]:
    requests: list[Request] = []
    for tree in resource.trees:
        params = _tree_params(resource, tree)
        for unit in tree.units:
            ref = {**params, "ref": unit.identifier}
            if with_down:
                for down in ["0", *_downs(tree)]:
                    requests.append(("navigation", {**ref, "down": down}))
            else:
                requests.append(("navigation", ref))
                requests.append(("document", ref))
    return requests


def _sibling_groups(tree: CitationTree, level: int) -> list[tuple[int, ...]]:
    return [
        positions for positions in tree.siblings.values() if tree.units[positions[0]].level == level
    ]


def _range_requests(resource: Resource, level: int, limit: int) -> list[Request] | None:
    """The ranges of siblings at ``level``; None when they cannot fit in ``limit``."""
    least = 0
    for tree in resource.trees:
        per_pair = len(_downs(tree)) + 2
        for group in _sibling_groups(tree, level):
            least += len(group) * (len(group) + 1) // 2 * per_pair
    if least > limit:
        return None
    requests: list[Request] = []
    for tree in resource.trees:
        params = _tree_params(resource, tree)
        for group in _sibling_groups(tree, level):
            for i, first in enumerate(group):
                for last in group[i:]:
                    pair = {
                        **params,
                        "start": tree.units[first].identifier,
                        "end": tree.units[last].identifier,
                    }
                    requests.append(("navigation", pair))
                    requests += [("navigation", {**pair, "down": d}) for d in _downs(tree)]
                    requests.append(("document", pair))
    return requests


def _levels(resource: Resource) -> int:
    """How many levels the resource has: base, units, down, then one per range level."""
    return 3 + max((t.declared_depth for t in resource.trees), default=0)


def _level_requests(resource: Resource, level: int, limit: int) -> list[Request] | None:
    if level == 0:
        return _base_requests(resource)
    if level in (1, 2):
        return _unit_requests(resource, with_down=level == 2)
    return _range_requests(resource, level - 2, limit)


def _files(api: Api, request: Request) -> int:
    """How many files a request takes: more than one when its answer is paginated."""
    endpoint, params = request
    if endpoint == "document":
        return 1
    if endpoint == "collection":
        if params.get("id") not in (None, api.config.id_prefix) or params.get("nav") == "parents":
            return 1
        members = len(api.resources)
    else:
        found = api.select(params)[2]
        members = len(found) if found is not None else 0
    return 1 if members <= api.page_size else 1 + math.ceil(members / api.page_size)


def _root_requests(config: EditionConfig) -> list[Request]:
    requests: list[Request] = []
    for ident in (None, config.id_prefix):
        base = {"id": ident} if ident else {}
        requests.append(("collection", base))
        requests += [("collection", {**base, "nav": nav}) for nav in NAV_VALUES]
    return requests


def plan(
    resources: Sequence[Resource], config: EditionConfig
) -> tuple[dict[str, list[Request]], dict[str, Coverage]]:
    """The requests the static files answer, level by level within the budgets, and
    what each resource therefore has."""
    api = static_api(resources, config)
    per_resource, total_budget = config.dts.files_per_resource, config.dts.files
    chosen: dict[str, list[Request]] = {r.identifier: [] for r in resources}
    used = {r.identifier: 0 for r in resources}
    levels = {r.identifier: 0 for r in resources}
    growing = list(resources)
    total = 3 + sum(_files(api, request) for request in _root_requests(config))
    for level in itertools.count():
        growing = [r for r in growing if level < _levels(r)]
        if not growing:
            break
        added: dict[str, tuple[list[Request], int]] = {}
        for resource in growing:
            rid = resource.identifier
            limit = per_resource - used[rid] if level else math.inf
            requests = _level_requests(resource, level, int(min(limit, 1 << 62)))
            files = sum(_files(api, r) for r in requests) if requests is not None else 0
            if requests is not None and (level == 0 or used[rid] + files <= per_resource):
                added[rid] = (requests, files)
        new_files = sum(files for _, files in added.values())
        if level and total + new_files > total_budget:
            break
        total += new_files
        for rid, (requests, files) in added.items():
            chosen[rid] += requests
            used[rid] += files
            levels[rid] = level + 1
        growing = [r for r in growing if r.identifier in added]
    coverage = {
        rid: Coverage(refs=count > 1, down=count > 2, range_depth=max(0, count - 3))
        for rid, count in levels.items()
    }
    return chosen, coverage


# --- the files -----------------------------------------------------------------------------


def _json(obj: Mapping[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _answers(api: Api, request: Request) -> Iterator[tuple[str, bytes]]:
    """The files of one request: (path below the API's folder, bytes)."""
    endpoint, params = request
    urls = api.urls
    url = urls.url(endpoint, params)
    if endpoint == "document":
        yield urls.relative(url), api.document(params).body
        return
    render = api.collection if endpoint == "collection" else api.navigation
    obj = render(params, url)
    yield urls.relative(url), _json(obj)
    if "view" not in obj:
        return
    for page in itertools.count(1):
        paged = {**params, "page": str(page)}
        url = urls.url(endpoint, paged)
        obj = render(paged, url)
        yield urls.relative(url), _json(obj)
        if "next" not in obj["view"]:
            return


def vocabulary(api: Api) -> bytes:
    """The ``edition:`` terms of the ``extensions``, as JSON-LD."""
    graph = [
        {"@id": api.vocabulary + term, "@type": "rdf:Property", "rdfs:comment": comment}
        for term, comment in _TERMS.items()
    ]
    context = {
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    }
    return _json({"@context": context, "@graph": graph})


def dts_files(resources: Sequence[Resource], config: EditionConfig) -> dict[str, bytes]:
    """Every file of the static API: path relative to the API's folder -> bytes."""
    _check_ids(resources, config)
    chosen, coverage = plan(resources, config)
    api = static_api(resources, config, coverage)
    files: dict[str, bytes] = {
        "index.json": _json(api.entry_point()),
        VOCABULARY: vocabulary(api),
        ".htaccess": apache_api(api),
    }
    requests = [*_root_requests(config)]
    for resource in resources:
        requests += chosen[resource.identifier]
    for request in requests:
        try:
            for name, data in _answers(api, request):
                files[name] = data
        except DtsError as exc:  # a planned request is always valid
            raise EditionError(f"DTS: {request}: {exc.message}") from None
    return files


# --- host configuration -----------------------------------------------------------------


def _api_path(api: Api) -> str:
    return "/" + api.urls.base.split("://", 1)[-1].split("/", 1)[-1]


def _collection_link(api: Api, rid: str) -> str:
    return f'<{api.urls.url("collection", {"id": rid})}>; rel="collection"'


DOCUMENT_PATTERN = r"document/([A-Za-z_][A-Za-z0-9_.-]*?)(;[^/]*)?(/[^;]*)?\.xml$"


def apache_api(api: Api) -> bytes:
    """``.htaccess`` for the API's folder: media types, CORS, the Link to each
    document's collection (Apache 2.4: mod_mime, mod_headers, mod_setenvif)."""
    pattern = "^" + re.escape(_api_path(api)) + DOCUMENT_PATTERN
    placeholder = "dts-resource-placeholder"  # a safe id, replaced by Apache's variable
    link = _collection_link(api, placeholder).replace(placeholder, "%{DTS_RESOURCE}e")
    link = link.replace('"', '\\"')
    lines = [
        "# How Apache serves this DTS API: media types, CORS and Link headers.",
        "# Made by `edition build`; edit [tool.edition] instead.",
        "<IfModule mod_mime.c>",
        f"  AddType {JSON_LD} .json",
        f"  AddType {TEI_MEDIA_TYPE} .xml",
        "</IfModule>",
        "<IfModule mod_setenvif.c>",
        f'  SetEnvIf Request_URI "{pattern}" DTS_RESOURCE=$1',
        "</IfModule>",
        "<IfModule mod_headers.c>",
        '  Header always set Access-Control-Allow-Origin "*"',
        '  Header always set X-Content-Type-Options "nosniff"',
        f'  Header set Link "{link}" env=DTS_RESOURCE',
        "</IfModule>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def site_files(resources: Sequence[Resource], config: EditionConfig) -> dict[str, bytes]:
    """Host configuration at the site's root: ``_headers`` (Netlify, Cloudflare Pages),
    ``.htaccess`` (Apache) and ``.nojekyll`` (GitHub Pages: serve every file as is)."""
    api = static_api(resources, config)
    dts = _api_path(api)
    site = dts.removesuffix("dts/")
    rules = [
        (f"{dts}*", ["Access-Control-Allow-Origin: *", "X-Content-Type-Options: nosniff"]),
        (f"{dts}*.json", [f"Content-Type: {JSON_LD}"]),
        (f"{dts}document/*", [f"Content-Type: {TEI_MEDIA_TYPE}"]),
        (f"{site}downloads/*.xml", [f"Content-Type: {TEI_MEDIA_TYPE}"]),
    ]
    links = []
    for resource in resources:
        rid = resource.identifier
        link = f"Link: {_collection_link(api, rid)}"
        for pattern in (f"{rid}.xml", f"{rid}/*", f"{rid};*"):
            links.append((f"{dts}document/{pattern}", [link]))
    lines = [
        "# How Netlify and Cloudflare Pages serve this site: media types, CORS, Link headers.",
        "# Made by `edition build`; edit [tool.edition] instead.",
    ]
    if len(rules) + len(links) <= HEADER_RULES:
        rules += links
    else:
        lines.append(
            f"# No Link header per document: {len(links)} rules would pass the "
            f"{HEADER_RULES} rules Cloudflare Pages reads."
        )
    for path, headers in rules:
        lines.append(path)
        lines += [f"  {header}" for header in headers]
    apache = [
        "# How Apache serves this site's TEI files (the DTS API has its own .htaccess).",
        "# Made by `edition build`; edit [tool.edition] instead.",
        "<IfModule mod_mime.c>",
        f"  AddType {TEI_MEDIA_TYPE} .xml",
        "  AddCharset utf-8 .html .txt .css .js .json .xml",
        "</IfModule>",
    ]
    return {
        "_headers": ("\n".join(lines) + "\n").encode("utf-8"),
        ".htaccess": ("\n".join(apache) + "\n").encode("utf-8"),
        ".nojekyll": b"",
    }
