"""Persistent ids: a published xml:id never disappears without a redirect."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import project_collection
from lxml import etree, html

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import EditionError
from pipeline.export import texts_by_id
from pipeline.export.ids import (
    collection_ids,
    current_ids,
    problem_lines,
    redirect_problems,
    vanished_ids,
)
from pipeline.render.redirects import redirect_anchors, redirect_pages
from pipeline.structure import load_collection
from pipeline.structure.redirects import format_id_list, parse_id_list, parse_redirects, resolve
from pipeline.xmltools import NSMAP, XML_ID

REPO = Path(__file__).resolve().parent.parent
PUBLISHED = REPO / "tei" / "published-ids.txt"
REDIRECTS = REPO / "tei" / "redirects.toml"


def _current() -> set[str]:
    return current_ids(texts_by_id(project_collection(), include_registers=True))


def _redirects() -> dict[str, str]:
    if not REDIRECTS.exists():
        return {}
    return parse_redirects(REDIRECTS.read_text(encoding="utf-8"), REDIRECTS)


def test_no_published_id_has_vanished_without_a_redirect() -> None:
    published = parse_id_list(PUBLISHED.read_text(encoding="utf-8"))
    assert published, "tei/published-ids.txt lists the released ids"
    vanished = vanished_ids(published, _current(), _redirects())
    assert vanished == [], (
        "published ids are gone from tei/: keep them, or add each to tei/redirects.toml "
        f"(old = new): {vanished}"
    )


def test_every_redirect_leads_from_a_gone_id_to_an_existing_one() -> None:
    assert redirect_problems(_redirects(), _current()) == []


def _paragraph_ids(tree: etree._ElementTree) -> list[str]:
    return tree.xpath("//tei:text//tei:p/@xml:id", namespaces=NSMAP)


def _a_text_with_paragraph_ids() -> tuple[str, Path, list[str]]:
    """A bundled text with at least three paragraph ids (the first such by id): its id,
    its file and those ids."""
    texts = texts_by_id(project_collection())
    for doc_id in sorted(texts):
        ids = _paragraph_ids(texts[doc_id])
        if len(ids) >= 3:
            return doc_id, Path(texts[doc_id].docinfo.URL), ids
    raise AssertionError("no bundled text has three paragraphs with ids")


def test_the_published_list_is_sorted_and_well_formed() -> None:
    text = PUBLISHED.read_text(encoding="utf-8")
    published = parse_id_list(text)
    assert published == sorted(set(published))
    assert format_id_list(published) == text
    # It names texts' paragraphs and register entries (of the texts released: a text
    # added since is listed at the next release).
    listed = set(published)
    texts = texts_by_id(project_collection())
    paragraphs = {f"{d}#{p}" for d, tree in texts.items() for p in _paragraph_ids(tree)}
    assert paragraphs & listed
    everything = texts_by_id(project_collection(), include_registers=True)
    [(registers_id, registers)] = [(d, t) for d, t in everything.items() if d not in texts]
    entries = registers.xpath("//tei:person/@xml:id | //tei:org/@xml:id", namespaces=NSMAP)
    assert {f"{registers_id}#{e}" for e in entries} & listed


def test_vanished_ids_are_found_and_redirects_followed() -> None:
    published = ["a", "a#p1", "a#p2", "a#p3", "b"]
    current = {"a", "a#p1", "a#p4", "c"}
    assert vanished_ids(published, current, {}) == ["a#p2", "a#p3", "b"]
    redirects = {"a#p2": "a#p3", "a#p3": "a#p4", "b": "c"}
    assert resolve(redirects, "a#p2") == "a#p4"
    assert vanished_ids(published, current, redirects) == []
    assert vanished_ids(published, current, {"b": "gone"}) == ["a#p2", "a#p3", "b"]
    with pytest.raises(EditionError, match="circle"):
        resolve({"x": "y", "y": "x"}, "x")


def test_each_wrong_redirect_is_found_on_its_own() -> None:
    """A circle, a dead end and a redirect from an id still there: each is named, and
    none hides another (nor a good redirect among them)."""
    current = {"a", "a#p1", "c"}
    redirects = {"x": "y", "y": "x", "b": "gone", "a#p1": "a#p9", "d": "c", "e": "d"}
    found = {p.old: p.message for p in redirect_problems(redirects, current)}
    assert sorted(found) == ["a#p1", "b", "x", "y"]
    assert found["b"] == "redirect to an id that does not exist: b -> gone"
    assert found["a#p1"] == "redirect from an id that still exists: a#p1"
    assert found["x"] == "redirects go round in a circle: x -> y"
    text = '[redirects]\n"x" = "y"\n  y = "x"\n"b" = "gone"\n'
    lines = problem_lines(redirect_problems({"x": "y", "y": "x", "b": "gone"}, current), text, "r")
    assert lines == [
        "r:4:1: error: redirect to an id that does not exist: b -> gone",
        "r:2:1: error: redirects go round in a circle: x -> y",
        "r:3:3: error: redirects go round in a circle: y -> x",
    ]


@pytest.mark.parametrize(
    "bad",
    [
        '[redirects]\n"../etc#x" = "a#b"\n',
        '[redirects]\n"a#b" = "a#<script>"\n',
        '[redirects]\n"a b" = "c"\n',
        '[redirects]\n"a#p1" = "b"\n',
        '[redirects]\n"a" = 3\n',
        '[other]\n"a" = "b"\n',
        "not toml [",
    ],
)
def test_redirect_entries_are_checked(bad: str) -> None:
    with pytest.raises(EditionError):
        parse_redirects(bad)


def test_redirect_pages_and_anchors(tmp_path: Path) -> None:
    redirects = parse_redirects(
        '[redirects]\n"old-text" = "new-text"\n"new-text#p3" = "new-text#p4"\n'
    )
    pages = redirect_pages(redirects)
    assert list(pages) == ["texts/old-text.html"]
    page = html.fromstring(pages["texts/old-text.html"])
    refresh = page.find(".//meta[@http-equiv='refresh']").get("content")
    assert refresh == "0; url=../texts/new-text.html"
    assert page.find(".//link[@rel='canonical']").get("href") == "../texts/new-text.html"
    assert page.find(".//a").get("href") == "../texts/new-text.html"

    anchors = redirect_anchors(redirects)
    assert list(anchors) == ["new-text"]
    fragment = html.fromstring(anchors["new-text"])
    moved = fragment.get_element_by_id("p3")
    assert moved.find(".//a").get("href") == "../texts/new-text.html#p4"
    assert '"p3": "../texts/new-text.html#p4"' in anchors["new-text"]


def test_html_in_ids_cannot_get_into_the_pages(tmp_path: Path) -> None:
    with pytest.raises(EditionError):
        redirect_pages(parse_redirects('[redirects]\n"x\\"><b" = "y"\n'))


def _small_edition(tmp_path: Path) -> tuple[Path, str, str, str, str]:
    """The registers and one bundled text in an edition of their own: its settings, the
    text's file name, and the published ids of three of its paragraphs."""
    config = tmp_path / "pyproject.toml"
    config.write_text(
        "[tool.edition]\n"
        'title = "T"\neditors = ["E"]\npublisher = "P"\nlicence = "CC BY 4.0"\n'
        'licence-url = "https://creativecommons.org/licenses/by/4.0/"\n'
        'release-date = "2026-11-23"\nbase-url = "https://example.org/e/"\n',
        encoding="utf-8",
    )
    (tmp_path / "tei").mkdir()
    doc_id, path, ids = _a_text_with_paragraph_ids()
    for source in (REPO / "tei" / "registers.xml", path):
        shutil.copy(source, tmp_path / "tei" / source.name)
    first, second, third = (f"{doc_id}#{inner}" for inner in ids[:3])
    return config, path.name, first, second, third


def test_the_ids_command_lists_and_checks(tmp_path: Path) -> None:
    config, name, kept_id, gone, target = _small_edition(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["export", "ids", "--config", str(config)])
    assert result.exit_code == 0, result.output
    listed = parse_id_list((tmp_path / "tei" / "published-ids.txt").read_text("utf-8"))
    assert {kept_id, gone, target} <= set(listed)

    # A paragraph id disappears: --check fails and names it.
    text = tmp_path / "tei" / name
    tree = etree.parse(str(text))
    for element in tree.iter():
        if element.get(XML_ID, "") == gone.partition("#")[2]:
            del element.attrib[XML_ID]
    tree.write(str(text), encoding="UTF-8", xml_declaration=True)
    result = runner.invoke(main, ["export", "ids", "--check", "--config", str(config)])
    assert result.exit_code == 1
    # The line names the list, and the line and column where the vanished id is listed.
    listed_lines = (tmp_path / "tei" / "published-ids.txt").read_text("utf-8").splitlines()
    line = listed_lines.index(gone) + 1
    assert re.search(
        rf"published-ids\.txt:{line}:1: error: vanished without a redirect: {re.escape(gone)}$",
        result.output,
        re.MULTILINE,
    ), result.output

    # A redirect entry makes it pass again; the list keeps the old id.
    (tmp_path / "tei" / "redirects.toml").write_text(
        f'[redirects]\n"{gone}" = "{target}"\n', encoding="utf-8"
    )
    result = runner.invoke(main, ["export", "ids", "--check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["export", "ids", "--config", str(config)])
    assert result.exit_code == 0, result.output
    kept = parse_id_list((tmp_path / "tei" / "published-ids.txt").read_text("utf-8"))
    assert gone in kept

    # A redirect to an id that does not exist is named where redirects.toml gives it.
    nowhere = f"{gone.partition('#')[0]}#nowhere"
    (tmp_path / "tei" / "redirects.toml").write_text(
        f'[redirects]\n\n  "{gone}" = "{nowhere}"\n', encoding="utf-8"
    )
    result = runner.invoke(main, ["export", "ids", "--check", "--config", str(config)])
    assert result.exit_code == 1
    assert re.search(
        rf"redirects\.toml:3:3: error: redirect to an id that does not exist: "
        rf"{re.escape(gone)} -> ",
        result.output,
    ), result.output


def test_the_members_of_a_corpus_are_published_ids_too(tmp_path: Path) -> None:
    """Each TEI of a teiCorpus has a page of its own, named as the site names it: its id
    (and the ids inside it) may be redirected to, or from."""
    tei = "http://www.tei-c.org/ns/1.0"
    header = "<teiHeader><fileDesc><titleStmt><title>T</title></titleStmt></fileDesc></teiHeader>"
    member = "<TEI {}>" + header + '<text><body><p xml:id="{}">x</p></body></text></TEI>'
    (tmp_path / "letters.xml").write_text(
        f'<teiCorpus xmlns="{tei}">{header}'
        + member.format('xml:id="first"', "p1")
        + member.format("", "p2")
        + "</teiCorpus>",
        encoding="utf-8",
    )
    collection = load_collection(load_config(REPO / "pyproject.toml"), tei_paths=[tmp_path])
    ids = collection_ids(collection)
    assert {"first", "first#p1", "letters-2", "letters-2#p2"} <= ids
    found = redirect_problems({"old": "letters-2#p2", "first": "letters-2"}, ids)
    assert [(p.old, p.message) for p in found] == [
        ("first", "redirect from an id that still exists: first")
    ]
