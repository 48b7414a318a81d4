"""DTS 1.0 conformance: the static API walked by a client on a plain file host, and the
same walk through `edition serve` with query-style URLs.

The client (``dts_client``) is written from the specification: it starts at the entry
point, expands the templates, follows pagination to the end and checks every object
field by field, every navigation member, every passage, every ``down`` and every range
the API says it answers. Sites are built from a copy of the edition and from a synthetic
collection made here from the bundled TEI.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import bundled_texts, copy_project, running, shared_dir, texts_with
from dts_client import (
    Client,
    Walk,
    check_navigation,
    expand,
    fetch,
    walk,
)
from lxml import etree

from pipeline.build import BuildOptions, build, write_files
from pipeline.config import EditionConfig, load_config
from pipeline.dts import collection_resources, dts_files, site_files
from pipeline.dts.citations import citation_trees
from pipeline.dts.server import DtsService, make_server
from pipeline.dts.static import DOCUMENT_PATTERN, plan
from pipeline.structure import load_collection
from pipeline.xmltools import NSMAP, TEI_NS, XML_ID, parse_bytes, parse_file

REPO = Path(__file__).resolve().parent.parent
PROBLEM = "application/problem+json"


# --- hosts ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def plain_http_server(root: Path, port: int) -> Iterator[str]:
    """``python -m http.server`` serving ``root``: a static host that knows nothing of DTS."""
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--directory", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):  # wait until it listens (not a timing assertion)
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def set_base_url(project: Path, url: str) -> EditionConfig:
    """The copy's settings with ``base-url`` set (or unset when ``url`` is empty)."""
    path = project / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^base-url\s*=.*\n", "", text)
    if url:
        text = text.replace("[tool.edition]\n", f'[tool.edition]\nbase-url = "{url}"\n', 1)
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@dataclass
class Site:
    root: Path
    config: EditionConfig
    port: int

    def resources(self):
        return collection_resources(load_collection(self.config, sources=False))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The edition built from a copy of the project, published at a local address."""
    project = copy_project(tmp_path_factory.mktemp("dts-project"))
    port = free_port()
    config = set_base_url(project, f"http://127.0.0.1:{port}/")
    site = project / "site"
    options = BuildOptions(
        site_dir=site, search=False, tei_schema_dir=shared_dir("EDITION_TEI_SCHEMA_DIR", "tei-p5")
    )
    build(config, options)
    return Site(site, config, port)


@pytest.fixture(scope="module")
def static_host(corpus: Site) -> Iterator[str]:
    with plain_http_server(corpus.root, corpus.port) as url:
        yield url


def serve_site(site: Site) -> contextlib.AbstractContextManager[str]:
    server = make_server(site.root, 0, "/", dts=DtsService(site.resources(), site.config))
    assert server.server_address[0] == "127.0.0.1"
    return running(server)


@pytest.fixture(scope="module")
def served(corpus: Site) -> Iterator[str]:
    with serve_site(corpus) as url:
        yield url


@pytest.fixture(scope="module")
def static_walk(corpus: Site, static_host: str) -> Walk:
    return walk(Client(static=True), f"{static_host}/dts/index.json", full=False)


@pytest.fixture(scope="module")
def served_walk(served: str) -> Walk:
    return walk(Client(static=False), f"{served}/dts/", full=True)


def _tei_documents() -> dict[str, etree._Element]:
    roots = [parse_file(p).getroot() for p in sorted((REPO / "tei").glob("*.xml"))]
    return {root.get(XML_ID): root for root in roots}


# A text whose body blocks are cited, with the notes inside them as a second level.
NOTED_BLOCKS = (
    "/tei:TEI[.//tei:refsDecl/tei:citeStructure/tei:citeStructure[@unit='note']]"
    "/tei:text/tei:body/*[@xml:id]//tei:note[@xml:id]"
)


def _cited_text() -> str:
    """A bundled text with a citation tree: any will do for requests about one resource."""
    return texts_with("//tei:refsDecl/tei:citeStructure")[0]


# --- the bundled corpus --------------------------------------------------------------------


def test_a_client_walks_the_whole_static_api_on_a_plain_host(static_walk: Walk) -> None:
    """Every member, passage, down and range the static files say they answer."""
    assert set(static_walk.resources) == set(_tei_documents())
    for kind in ("down from the root", "unit", "unit with down", "range", "document"):
        assert static_walk.counts.get(kind, 0) > 0, kind


def test_the_same_walk_through_edition_serve_query_style(
    static_walk: Walk, served_walk: Walk
) -> None:
    """A server answers every request of the specification, with the same trees."""
    assert served_walk.units == static_walk.units
    assert served_walk.counts["range"] >= static_walk.counts["range"]
    for rid, resource in served_walk.resources.items():
        static = static_walk.resources[rid]
        assert resource["dublinCore"] == static["dublinCore"]
        assert resource["citationTrees"] == static["citationTrees"]


def test_the_templates_are_absolute_on_the_published_address(corpus: Site) -> None:
    entry = json.loads((corpus.root / "dts" / "index.json").read_bytes())
    base = f"http://127.0.0.1:{corpus.port}/dts/"
    assert entry["@id"] == base + "index.json"
    for key in ("collection", "navigation", "document"):
        assert entry[key].startswith(base), entry[key]
    collection = json.loads((corpus.root / "dts" / "collection.json").read_bytes())
    assert "preview" not in json.dumps(collection.get("extensions", {}))


def test_the_citation_tree_follows_citestructure(static_walk: Walk) -> None:
    rid = texts_with(NOTED_BLOCKS)[0]
    units = static_walk.units[(rid, None)]
    tei = _tei_documents()[rid]
    body = tei.find(f"{{{TEI_NS}}}text/{{{TEI_NS}}}body")
    blocks = [el.get(XML_ID) for el in body if el.get(XML_ID)]
    assert [u["identifier"] for u in units if u["level"] == 1] == blocks
    notes = [u for u in units if u["level"] == 2]
    assert notes and all(u["citeType"] == "note" for u in notes)
    assert static_walk.resources["registers"]["citationTrees"] == []


def test_texts_with_page_breaks_have_a_tree_of_pages(static_walk: Walk) -> None:
    found = 0
    for rid, root in _tei_documents().items():
        breaks = root.findall(f".//{{{TEI_NS}}}text//{{{TEI_NS}}}pb")
        trees = static_walk.resources[rid]["citationTrees"]
        names = [t.get("identifier") for t in trees]
        assert ("pages" in names) == bool(breaks), rid
        if breaks:
            units = static_walk.units[(rid, "pages")]
            assert [u["identifier"] for u in units] == [pb.get("n") for pb in breaks]
            assert all(
                u["dublinCore"]["title"][0]["value"] == f"Page {u['identifier']}" for u in units
            )
            found += 1
    assert found, "the bundled corpus has a text with page breaks"


def test_the_date_of_writing_in_both_calendars(static_walk: Walk) -> None:
    for rid, root in _tei_documents().items():
        date = root.find("tei:teiHeader/tei:profileDesc/tei:creation//tei:date", NSMAP)
        resource = static_walk.resources[rid]
        if date is None:
            assert "date" not in resource["dublinCore"]
            continue
        start = date.get("when") or date.get("from") or date.get("notBefore")
        end = date.get("when") or date.get("to") or date.get("notAfter")
        assert resource["dublinCore"]["date"] == (start if start == end else f"{start}/{end}")
        extensions = resource["extensions"]
        assert extensions["@context"]["tei"] == "http://www.tei-c.org/ns/1.0/"
        custom = {k: v for k, v in date.attrib.items() if k.endswith("-custom")}
        assert {k[4:]: v for k, v in extensions.items() if k.endswith("-custom")} == custom
        if custom:
            assert extensions["tei:datingMethod"] == date.get("datingMethod")


def test_the_whole_document_is_the_published_tei(corpus: Site, static_host: str) -> None:
    for rid in _tei_documents():
        answer = fetch(f"{static_host}/dts/document/{rid}.xml")
        assert answer.status == 200
        assert answer.body == (corpus.config.tei_dir / f"{rid}.xml").read_bytes()


def test_down_beyond_the_depth_answers_through_edition_serve(
    served: str, static_walk: Walk
) -> None:
    for (rid, tree), units in static_walk.units.items():
        name = f";tree={tree}" if tree else ""
        for path in (
            f"/dts/navigation/{rid}{name};down=9.json",
            f"/dts/navigation?resource={rid}&down=9" + (f"&tree={tree}" if tree else ""),
        ):
            answer = fetch(served + path)
            assert answer.status == 200, path
            assert json.loads(answer.body)["member"] == units


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("/dts/navigation?down=1", 400),
        ("/dts/navigation?resource={doc}", 400),
        ("/dts/navigation?resource={doc}&down=0", 400),
        ("/dts/navigation?resource={doc}&ref=x&start=a&end=b", 400),
        ("/dts/navigation?resource={doc}&start=a", 400),
        ("/dts/navigation?resource={doc}&end=b&down=1", 400),
        ("/dts/navigation?resource={doc}&down=x", 400),
        ("/dts/navigation?resource={doc}&down=-2", 400),
        ("/dts/navigation?resource={doc}&down=1&down=2", 400),
        ("/dts/navigation?resource={doc}&ref=nothing", 404),
        ("/dts/navigation?resource={doc}&down=1&tree=nothing", 404),
        ("/dts/navigation?resource={doc}&down=1&page=99", 404),
        ("/dts/navigation?resource=nothing-here&down=1", 404),
        ("/dts/document", 400),
        ("/dts/document?resource={doc}&ref=a&start=b&end=c", 400),
        ("/dts/document?resource={doc}&mediaType=text/html", 404),
        ("/dts/document?resource={doc}&ref=nothing", 404),
        ("/dts/document?resource=../../../etc/passwd", 404),
        ("/dts/collection?id=nothing-here", 404),
        ("/dts/collection?nav=sideways", 400),
        ("/dts/collection?page=0", 400),
        ("/dts/navigation/nothing-here;down=1.json", 404),
        ("/dts/navigation/{doc};sideways=1.json", 404),
    ],
)
def test_errors_are_json_with_the_status_the_specification_names(
    served: str, query: str, status: int
) -> None:
    answer = fetch(served + query.format(doc=_cited_text()))
    assert answer.status == status
    assert answer.media_type == PROBLEM
    problem = json.loads(answer.body)
    assert problem["status"] == status and problem["detail"]


def test_a_document_request_with_tree_and_no_ref_is_the_whole_document(served: str) -> None:
    rid = texts_with("//tei:text//tei:pb")[0]  # a text with a second tree, of pages
    whole = fetch(f"{served}/dts/document?resource={rid}")
    for tree in ("pages", "no-such-tree"):
        query = f"/dts/document?resource={rid}&tree={tree}"
        answer = fetch(served + query)
        assert answer.status == 200 and answer.body == whole.body


def test_query_style_answers_carry_the_request_url(served: str) -> None:
    query = f"/dts/navigation?down=1&resource={_cited_text()}"
    obj = json.loads(fetch(served + query).body)
    check_navigation(obj, served + query)


def test_the_preview_mode_says_it_is_one(corpus: Site) -> None:
    config = corpus.config.replace(base_url="")
    files = dts_files(corpus.resources(), config)
    collection = json.loads(files["collection.json"])
    assert "Local preview" in collection["description"]
    extensions = collection["extensions"]
    assert extensions["edition:preview"] is True
    assert extensions["@context"]["edition"] == "http://127.0.0.1:8000/dts/vocabulary.json#"
    entry = json.loads(files["index.json"])
    for key in ("collection", "navigation", "document"):
        assert expand(entry[key]).startswith("http://127.0.0.1:8000/dts/")


# --- host configuration --------------------------------------------------------------------


def _header_rules(text: str) -> list[tuple[re.Pattern[str], list[tuple[str, str]]]]:
    """The rules of a _headers file, each path pattern as a regular expression."""
    rules: list[tuple[re.Pattern[str], list[tuple[str, str]]]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            pattern = "^" + ".*".join(re.escape(p) for p in line.split("*")) + "$"
            rules.append((re.compile(pattern), []))
        else:
            name, _, value = line.strip().partition(": ")
            rules[-1][1].append((name, value))
    return rules


def test_the_host_configuration_gives_every_api_file_its_headers(corpus: Site) -> None:
    root = corpus.root
    assert (root / ".nojekyll").is_file()
    rules = _header_rules((root / "_headers").read_text(encoding="utf-8"))
    assert len(rules) <= 100  # Cloudflare Pages reads no more
    apache = (root / "dts" / ".htaccess").read_text(encoding="utf-8")
    set_env = re.search(r'SetEnvIf Request_URI "([^"]+)" DTS_RESOURCE=\$1', apache)
    assert set_env is not None
    document = re.compile(set_env.group(1))
    link_template = re.search(r'Header set Link "(.+)" env=DTS_RESOURCE', apache).group(1)
    checked = 0
    for path in sorted((root / "dts").rglob("*")):
        if not path.is_file() or path.name == ".htaccess":
            continue
        url_path = "/" + path.relative_to(root).as_posix()
        headers: dict[str, str] = {}
        for pattern, values in rules:
            if pattern.match(url_path):
                headers.update(values)
        assert headers["Access-Control-Allow-Origin"] == "*"
        wanted = "application/ld+json" if path.suffix == ".json" else "application/tei+xml"
        assert headers["Content-Type"] == wanted, url_path
        match = document.match(url_path)
        assert (match is not None) == url_path.startswith("/dts/document/"), url_path
        if match:
            rid = match.group(1)
            collection = f"http://127.0.0.1:{corpus.port}/dts/collection/{rid}.json"
            assert headers["Link"] == f'<{collection}>; rel="collection"', url_path
            expected = link_template.replace("%{DTS_RESOURCE}e", rid).replace('\\"', '"')
            assert expected == headers["Link"]
            assert (root / "dts" / "collection" / f"{rid}.json").is_file()
            checked += 1
    assert checked
    assert "AddType application/ld+json .json" in apache


# --- a synthetic collection: pagination and the file budget ---------------------------------


def _synthetic_tei(source: etree._Element, number: int) -> etree._ElementTree:
    """A copy of a bundled text with its own ids, and citeData for dates."""
    root = copy.deepcopy(source)
    suffix = f"-s{number}"
    for element in root.iter():
        if element.get(XML_ID) and element is not root:
            element.set(XML_ID, element.get(XML_ID) + suffix)
        for name in ("target", "corresp", "who"):
            if (element.get(name) or "").startswith("#"):
                element.set(name, element.get(name) + suffix)
    root.set(XML_ID, f"synthetic-{number:03d}-{root.get(XML_ID)}")
    refs_decl = root.find("tei:teiHeader/tei:encodingDesc/tei:refsDecl", NSMAP)
    top = refs_decl.find("tei:citeStructure", NSMAP)
    data = etree.Element(f"{{{TEI_NS}}}citeData")
    data.set("property", "http://purl.org/dc/terms/date")
    data.set("use", ".//date")
    top.insert(0, data)
    if number == 0:  # a second declared tree: the notes alone
        notes = etree.SubElement(refs_decl.getparent(), f"{{{TEI_NS}}}refsDecl", n="notes")
        etree.SubElement(
            notes, f"{{{TEI_NS}}}citeStructure", unit="note", match="//note[@xml:id]", use="@xml:id"
        )
    return root.getroottree()


@dataclass
class Synthetic:
    site: Site
    count: int


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Synthetic:
    folder = tmp_path_factory.mktemp("synthetic")
    sources = [
        parse_file(p).getroot()
        for p in sorted((REPO / "tei").glob("*.xml"))
        if p.name != "registers.xml"
    ]
    count = 2 * len(sources) + 4
    paths = []
    for number in range(count):
        tree = _synthetic_tei(sources[number % len(sources)], number)
        path = folder / "tei" / f"{tree.getroot().get(XML_ID)}.xml"
        path.parent.mkdir(exist_ok=True)
        tree.write(str(path), encoding="UTF-8", xml_declaration=True)
        paths.append(path)
    port = free_port()
    base = load_config(REPO / "pyproject.toml")
    unlimited = base.replace(base_url=f"http://127.0.0.1:{port}/")
    collection = load_collection(
        unlimited, tei_paths=paths, registers_path=base.registers_path, sources=False
    )
    resources = collection_resources(collection)
    everything = len(dts_files(resources, unlimited))
    # Pages of 7 members, and budgets that cannot hold everything.
    config = unlimited.replace(
        dts=unlimited.dts.replace(page_size=7, files_per_resource=400, files=everything // 2)
    )
    site = folder / "site"
    write_files(site / "dts", dts_files(resources, config))
    write_files(site, site_files(resources, config))
    synthetic_site = Site(site, config, port)
    synthetic_site.resources = lambda: resources  # type: ignore[method-assign]
    return Synthetic(synthetic_site, count)


def test_a_large_collection_is_paginated_and_walked_to_the_end(synthetic: Synthetic) -> None:
    site = synthetic.site
    with plain_http_server(site.root, site.port) as url:
        result = walk(Client(static=True), f"{url}/dts/index.json", full=False)
    assert len(result.resources) == synthetic.count + 1  # and the registers
    assert result.counts["collection page"] > 1
    longest = max(len(units) for units in result.units.values())
    assert longest > site.config.dts.page_size  # the navigation was paginated too


def test_the_file_budget_holds_and_each_resource_says_what_it_has(synthetic: Synthetic) -> None:
    site = synthetic.site
    config = site.config
    files = [p for p in (site.root / "dts").rglob("*") if p.is_file()]
    _, coverage = plan(site.resources(), config)
    base_only = all(not c.refs for c in coverage.values())
    assert len(files) <= config.dts.files or base_only
    assert any(
        c.range_depth < max((t.declared_depth for t in r.trees), default=0)
        for r, c in zip(site.resources(), coverage.values(), strict=True)
    ), "the budget left something out"
    pattern = re.compile(r"^(?:navigation|document|collection)/([^/;.]+)")
    per_resource: dict[str, int] = {}
    for path in files:
        match = pattern.match(path.relative_to(site.root / "dts").as_posix())
        if match:
            per_resource[match.group(1)] = per_resource.get(match.group(1), 0) + 1
    for rid, count in per_resource.items():
        assert count <= config.dts.files_per_resource or not coverage[rid].refs, rid


def test_what_the_budget_left_out_is_answered_by_edition_serve(synthetic: Synthetic) -> None:
    site = synthetic.site
    _, coverage = plan(site.resources(), site.config)
    paths = []
    for resource in site.resources():
        have = coverage[resource.identifier]
        for tree in resource.trees[:1]:
            units = [u for u in tree.units if u.level == 1]
            if not units:
                continue
            rid, first, last = resource.identifier, units[0].identifier, units[-1].identifier
            if not have.down:
                paths.append(f"/dts/navigation/{rid};down=-1/{first}.json")
            elif have.range_depth < 1 and len(units) > 1:
                paths.append(f"/dts/navigation/{rid};down=1/{first}/{last}.json")
    assert paths, "the budget left something out"
    with serve_site(site) as url:
        for path in paths:
            assert not (site.root / path.lstrip("/")).exists()
            answer = fetch(url + path)
            assert answer.status == 200, path
            obj = json.loads(answer.body)
            assert obj["@id"] == f"http://127.0.0.1:{site.port}{path}"
            focus = obj["ref"] if "ref" in obj else obj["start"]
            assert obj["member"][0] == focus


def test_cite_data_gives_each_unit_its_date_in_both_calendars(synthetic: Synthetic) -> None:
    site = synthetic.site
    client = Client(static=False)
    dated = 0
    with serve_site(site) as url:
        for resource in site.resources():
            if not resource.trees:
                continue
            query = f"{url}/dts/navigation?resource={resource.identifier}&down=1"
            units = {u["identifier"]: u for u in client.members(query)}
            for element in resource.tree.getroot().iter():
                unit = units.get(element.get(XML_ID) or "")
                if unit is None:
                    continue
                date = element.find(".//tei:date", NSMAP)
                if date is None:
                    assert "date" not in unit.get("dublinCore", {})
                    continue
                start = date.get("when") or date.get("from") or date.get("notBefore")
                end = date.get("when") or date.get("to") or date.get("notAfter")
                assert unit["dublinCore"]["date"] == (start if start == end else f"{start}/{end}")
                for name, value in date.attrib.items():
                    if name.endswith("-custom"):
                        assert unit["extensions"][f"tei:{name}"] == value
                        dated += 1
        first = client.json(f"{url}/dts/collection?id={site.resources()[0].identifier}")
    assert dated, "some unit has a date in two calendars"
    assert [t.get("identifier") for t in first["citationTrees"]][:2] == [None, "notes"]


# --- citation trees --------------------------------------------------------------------------


def test_sibling_citestructures_keep_document_order() -> None:
    tei = f"""<TEI xmlns="{TEI_NS}"><teiHeader><fileDesc><titleStmt><title>T</title>
    </titleStmt><publicationStmt><p/></publicationStmt><sourceDesc><p/></sourceDesc>
    </fileDesc><encodingDesc><refsDecl>
      <citeStructure unit="head" match="/TEI/text/body/head" use="@n"/>
      <citeStructure unit="para" match="/TEI/text/body/p" use="@n"/>
    </refsDecl></encodingDesc></teiHeader>
    <text><body><head n="h1"/><p n="p1"/><head n="h2"/><p n="p2"/></body></text></TEI>"""
    default = citation_trees(parse_bytes(tei.encode()))[0]
    assert [u.identifier for u in default.units] == ["h1", "p1", "h2", "p2"]
    assert [u.cite_type for u in default.units] == ["head", "para", "head", "para"]


def test_the_api_files_are_rebuilt_without_stale_passages(tmp_path: Path) -> None:
    config = load_config(REPO / "pyproject.toml")
    rid = _cited_text()  # a text with passages to write
    paths = [bundled_texts()[rid]]

    def write() -> None:
        collection = load_collection(
            config, tei_paths=paths, registers_path=config.registers_path, sources=False
        )
        write_files(out, dts_files(collection_resources(collection), config), prune=True)

    out = tmp_path / "dts"
    write()
    stale = out / "document" / rid / "old-passage.xml"
    stale.write_bytes(b"<old/>")
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p != stale}
    write()
    assert not stale.exists()
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == first


def test_document_paths_name_their_resource() -> None:
    pattern = re.compile(DOCUMENT_PATTERN)
    for path, rid in [
        ("document/a.b.xml", "a.b"),
        ("document/doc/p1.xml", "doc"),
        ("document/doc;tree=pages/307.xml", "doc"),
        ("document/doc/p1/p9.xml", "doc"),
    ]:
        assert pattern.search(path).group(1) == rid
