"""The static DTS 1.0 API, served on 127.0.0.1: every response has the fields the
specification requires, and every passage in the navigation can be fetched."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from conftest import running
from lxml import etree

from pipeline.build import write_files
from pipeline.config import load_config
from pipeline.dts import collection_resources, dts_files
from pipeline.dts.server import make_server
from pipeline.structure import load_collection
from pipeline.xmltools import TEI_NS, XML_ID, parse_bytes, parse_file

REPO = Path(__file__).resolve().parent.parent
CONFIG = load_config(REPO / "pyproject.toml")
DTS_NS = "https://w3id.org/api/dts#"
# the API's links carry the base URL's path ("/" when no base URL is set)
BASE_PATH = urlsplit(CONFIG.base_url).path or "/"


# --- RFC 6570: the operators the API uses -------------------------------------------------


def expand(template: str, values: dict[str, Any]) -> str:
    """Expand {var}, {/a,b}, {?a,b} and {&a,b}; undefined variables are left out."""

    def one(match: re.Match[str]) -> str:
        expression = match.group(1)
        operator = expression[0] if expression[0] in "/?&" else ""
        names = expression[len(operator) :].split(",")
        defined = [(n, quote(str(values[n]), safe="")) for n in names if n in values]
        if not defined:
            return ""
        if operator == "/":
            return "".join(f"/{v}" for _, v in defined)
        if operator in "?&":
            first = operator
            return first + "&".join(f"{n}={v}" for n, v in defined)
        return ",".join(v for _, v in defined)

    return re.sub(r"\{([^}]+)\}", one, template)


# --- the server -----------------------------------------------------------------------------


def write_dts(paths: list[Path], out: Path) -> None:
    collection = load_collection(
        CONFIG, tei_paths=paths, registers_path=CONFIG.registers_path, sources=False
    )
    write_files(out, dts_files(collection_resources(collection), CONFIG), prune=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    paths = sorted(p for p in (REPO / "tei").glob("*.xml") if p != CONFIG.registers_path)
    write_dts(paths, root / "dts")
    (root / "index.html").write_text("<!DOCTYPE html><title>Edition</title>\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    httpd = make_server(site, 0, BASE_PATH)
    assert httpd.server_address[0] == "127.0.0.1"
    with running(httpd) as url:
        yield url


def fetch(url: str) -> tuple[int, Message, bytes]:
    """Status, headers (names in any case) and body."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def get_json(server: str, path: str) -> dict[str, Any]:
    status, headers, body = fetch(server + path)
    assert status == 200, (path, body[:200])
    assert headers["Content-Type"] == "application/ld+json", path
    return json.loads(body)


# --- what the specification requires -----------------------------------------------------


def check_common(obj: dict[str, Any], kind: str) -> None:
    assert obj["@context"] == "https://dtsapi.org/context/v1.0.json"
    assert obj["dtsVersion"] == "1.0"
    assert obj["@type"] == kind
    assert isinstance(obj["@id"], str) and obj["@id"]


def check_resource(obj: dict[str, Any], in_collection: bool) -> None:
    assert obj["@type"] == "Resource"
    for key in ("@id", "collection", "navigation", "document"):
        assert isinstance(obj[key], str) and obj[key], key
    assert isinstance(obj["citationTrees"], list)
    for tree in obj["citationTrees"]:
        assert tree["@type"] == "CitationTree"
        assert "identifier" not in tree  # a single (default) tree has no identifier
        for structure in tree.get("citeStructure", []):
            assert isinstance(structure["citeType"], str)
    if in_collection:
        assert isinstance(obj["title"], str) and obj["title"]
        assert isinstance(obj["totalParents"], int)
        assert obj["mediaTypes"] == ["application/tei+xml"]


def check_unit(unit: dict[str, Any]) -> None:
    assert unit["@type"] == "CitableUnit"
    assert isinstance(unit["identifier"], str) and unit["identifier"]
    assert isinstance(unit["level"], int) and unit["level"] >= 1
    assert "parent" in unit and (unit["parent"] is None or isinstance(unit["parent"], str))
    assert (unit["parent"] is None) == (unit["level"] == 1)


def check_navigation(obj: dict[str, Any]) -> None:
    check_common(obj, "Navigation")
    # the URL of the request: absolute under the base URL, else relative to the site
    assert obj["@id"].startswith("http" if CONFIG.base_url else BASE_PATH)
    check_resource(obj["resource"], in_collection=False)
    for key in ("ref", "start", "end"):
        if key in obj:
            check_unit(obj[key])
    for unit in obj.get("member", []):
        check_unit(unit)


@pytest.fixture(scope="module")
def entry(server: str) -> dict[str, Any]:
    return get_json(server, f"{BASE_PATH}dts/")


@pytest.fixture(scope="module")
def root_collection(server: str, entry: dict[str, Any]) -> dict[str, Any]:
    return get_json(server, expand(entry["collection"], {}))


def test_entry_point(entry: dict[str, Any]) -> None:
    check_common(entry, "EntryPoint")
    for key in ("collection", "navigation", "document"):
        assert entry[key].startswith(f"{BASE_PATH}dts/"), key


def test_root_collection_lists_the_documents(root_collection: dict[str, Any]) -> None:
    check_common(root_collection, "Collection")
    assert root_collection["@id"] == CONFIG.id_prefix
    assert root_collection["title"] == CONFIG.title
    assert root_collection["totalParents"] == 0
    members = root_collection["member"]
    assert root_collection["totalChildren"] == len(members)
    expected = {parse_file(p).getroot().get(XML_ID) for p in (REPO / "tei").glob("*.xml")}
    assert {m["@id"] for m in members} == expected
    for member in members:
        check_resource(member, in_collection=True)


def test_each_resource_in_the_collection_endpoint(
    server: str, root_collection: dict[str, Any]
) -> None:
    for member in root_collection["member"]:
        resource = get_json(server, expand(member["collection"], {}))
        check_common(resource, "Resource")
        check_resource(resource, in_collection=True)
        assert resource["@id"] == member["@id"]
        parents = get_json(server, expand(member["collection"], {"nav": "parents"}))
        assert [p["@id"] for p in parents["member"]] == [CONFIG.id_prefix]


def _units(server: str, member: dict[str, Any]) -> list[dict[str, Any]]:
    navigation = get_json(server, expand(member["navigation"], {"down": -1}))
    check_navigation(navigation)
    return navigation["member"]


def test_the_citation_tree_follows_citestructure(
    server: str, root_collection: dict[str, Any]
) -> None:
    members = {m["@id"]: m for m in root_collection["member"]}
    units = _units(server, members["our-tasks-and-the-soviet"])
    tei = parse_file(REPO / "tei" / "our-tasks-and-the-soviet.xml").getroot()
    body = tei.find(f"{{{TEI_NS}}}text/{{{TEI_NS}}}body")
    blocks = [el.get(XML_ID) for el in body if el.get(XML_ID)]
    assert [u["identifier"] for u in units if u["level"] == 1] == blocks
    notes = [u for u in units if u["level"] == 2]
    assert notes and all(u["citeType"] == "note" for u in notes)
    assert {u["parent"] for u in notes} <= set(blocks)
    # Document order: every unit comes after its parent.
    seen: set[str] = set()
    for unit in units:
        assert unit["parent"] is None or unit["parent"] in seen
        seen.add(unit["identifier"])
    assert _units(server, members["registers"]) == []


def test_every_passage_in_the_navigation_can_be_fetched(
    server: str, root_collection: dict[str, Any]
) -> None:
    fetched = 0
    for member in root_collection["member"]:
        original = parse_file(REPO / "tei" / f"{member['@id']}.xml").getroot()
        by_id = {el.get(XML_ID): el for el in original.iter() if el.get(XML_ID)}
        for unit in _units(server, member):
            ref = unit["identifier"]
            status, headers, body = fetch(server + expand(member["document"], {"ref": ref}))
            assert status == 200, ref
            assert headers["Content-Type"] == "application/tei+xml"
            assert 'rel="collection"' in headers["Link"]
            root = parse_bytes(body).getroot()
            assert root.tag == f"{{{TEI_NS}}}TEI"
            wrapper = root[0]
            assert wrapper.tag == f"{{{DTS_NS}}}wrapper"
            assert [el.get(XML_ID) for el in wrapper] == [ref]
            # The passage is the element as it stands in the document.
            c14n = {"method": "c14n", "exclusive": True, "with_tail": False}
            assert etree.tostring(wrapper[0], **c14n) == etree.tostring(by_id[ref], **c14n)
            single = get_json(server, expand(member["navigation"], {"ref": ref}))
            check_navigation(single)
            assert single["ref"]["identifier"] == ref and "member" not in single
            fetched += 1
    assert fetched > 50


def test_the_whole_document_is_the_published_tei(
    server: str, root_collection: dict[str, Any]
) -> None:
    for member in root_collection["member"]:
        status, headers, body = fetch(server + expand(member["document"], {}))
        assert status == 200
        assert headers["Content-Type"] == "application/tei+xml"
        assert body == (REPO / "tei" / f"{member['@id']}.xml").read_bytes()


def test_down_and_ref_combinations(server: str, root_collection: dict[str, Any]) -> None:
    member = next(
        m for m in root_collection["member"] if m["@id"] == "the-bolsheviks-must-assume-power"
    )
    every = _units(server, member)
    top = get_json(server, expand(member["navigation"], {"down": 1}))["member"]
    assert top == [u for u in every if u["level"] == 1]
    title = next(u for u in every if u["identifier"].endswith("-title"))
    subtree = get_json(
        server, expand(member["navigation"], {"ref": title["identifier"], "down": -1})
    )
    assert subtree["ref"] == title
    assert subtree["member"][0] == title
    assert all(u["parent"] == title["identifier"] for u in subtree["member"][1:])
    siblings = get_json(
        server, expand(member["navigation"], {"ref": title["identifier"], "down": 0})
    )
    assert siblings["member"] == top


def test_query_style_requests_give_the_same_answers(server: str) -> None:
    doc = "speeches-at-the-central-committee"
    ref = f"{doc}-p1"
    pairs = [
        (f"/dts/navigation?resource={doc}&down=1", f"/dts/navigation/{doc}/1.json"),
        (
            f"/dts/navigation?resource={doc}&ref={ref}&down=-1",
            f"/dts/navigation/{doc}/-1/{ref}.json",
        ),
        (f"/dts/navigation/?resource={doc}&down=7", f"/dts/navigation/{doc}/-1.json"),
        (f"/dts/collection?id={doc}&nav=parents", f"/dts/collection/{doc}/parents.json"),
        ("/dts/collection/", "/dts/collection.json"),
        (f"/dts/document?resource={doc}&ref={ref}", f"/dts/document/{doc}/{ref}.xml"),
        (f"{BASE_PATH}dts/document?resource={doc}", f"/dts/document/{doc}.xml"),
    ]
    for query, path in pairs:
        assert fetch(server + query)[2] == fetch(server + path)[2], query
        assert fetch(server + query)[0] == 200, query


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("/dts/navigation?down=1", 400),
        ("/dts/navigation?resource=speeches-at-the-central-committee", 400),
        ("/dts/navigation?resource=speeches-at-the-central-committee&down=0", 400),
        ("/dts/navigation?resource=speeches-at-the-central-committee&ref=x&start=a&end=b", 400),
        ("/dts/navigation?resource=speeches-at-the-central-committee&start=a", 400),
        ("/dts/navigation?resource=speeches-at-the-central-committee&start=a&end=b", 400),
        ("/dts/navigation?resource=speeches-at-the-central-committee&down=x", 400),
        ("/dts/navigation?resource=speeches-at-the-central-committee&ref=nothing", 404),
        ("/dts/navigation?resource=speeches-at-the-central-committee&down=1&tree=pages", 404),
        ("/dts/document", 400),
        ("/dts/document?resource=speeches-at-the-central-committee&mediaType=text/html", 404),
        ("/dts/document?resource=../../../etc/passwd", 404),
        ("/dts/document?resource=nothing-here", 404),
        ("/dts/collection?id=nothing-here", 404),
    ],
)
def test_errors_the_specification_names(server: str, query: str, status: int) -> None:
    assert fetch(server + query)[0] == status


def test_pages_are_html_with_a_charset(server: str) -> None:
    for path in ("/", "/index.html", BASE_PATH):
        status, headers, _ = fetch(server + path)
        assert status == 200, path
        assert headers["Content-Type"] == "text/html; charset=utf-8", path


def test_the_api_files_are_rebuilt_without_stale_passages(tmp_path: Path) -> None:
    paths = [REPO / "tei" / "speeches-at-the-central-committee.xml"]
    out = tmp_path / "dts"
    write_dts(paths, out)
    stale = out / "document" / "speeches-at-the-central-committee" / "old-passage.xml"
    stale.write_bytes(b"<old/>")
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p != stale}
    write_dts(paths, out)
    assert not stale.exists()
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == first
