"""The plain-text export and the reading model behind it (pipeline/structure/reading.py)."""

from __future__ import annotations

import calendar
import dataclasses
import math
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import bundled_texts, copy_project, project_collection, texts_with
from lxml import etree

from pipeline.cli import main
from pipeline.errors import EditionError
from pipeline.export import NamedDocument, documents_from, named_documents
from pipeline.export.txt import RULE, collection_text, document_text, txt_files, txt_stream
from pipeline.structure import source_slug
from pipeline.structure.reading import (
    MODES,
    choose,
    date_label,
    read_date,
    read_documents,
    readable_text,
)
from pipeline.structure.registers import is_register_file
from pipeline.xmltools import TEI_NS, XML_ID, parse_file

REPO = Path(__file__).resolve().parent.parent
TEI_DIR = REPO / "tei"
EXPECTED = Path(__file__).parent / "data" / "txt"
FOREIGN = Path(__file__).parent / "data" / "foreign"
CONFIG = REPO / "pyproject.toml"

TEXTS = sorted(p for p in TEI_DIR.glob("*.xml") if not is_register_file(parse_file(p).getroot()))
# Foreign files the reader must refuse, each for its own reason; all others must be read.
UNREADABLE = {
    "not_wellformed.xml": "not well-formed XML",
    "duplicate_id.xml": "ID para1 already defined",
    "not_tei_docbook.xml": "not a TEI document: the root element is <article>",
    "p4_tei2.xml": "TEI P4 document",
}
READABLE = sorted(p for p in FOREIGN.glob("*.xml") if p.name not in UNREADABLE)


def render(path: Path, mode: str) -> str:
    [document] = read_documents(parse_file(path).getroot(), mode)
    return document_text(document)


def tei(xml: str) -> etree._Element:
    return etree.fromstring(f'<TEI xmlns="{TEI_NS}">{xml}</TEI>')


# --- expected texts --------------------------------------------------------------------

# TEI written for these tests, and for each file and mode its plain text, written by hand
# from the export's format (see tests/data/txt/README.md): <name>.<mode>.txt for <name>.xml.
EXPECTED_TEXTS = sorted(EXPECTED.glob("*.txt"))


def test_expected_texts_cover_both_modes() -> None:
    modes = {p.name.rsplit(".", 2)[1] for p in EXPECTED_TEXTS}
    assert modes == set(MODES)
    for path in EXPECTED.glob("*.xml"):
        assert all((EXPECTED / f"{path.stem}.{mode}.txt").exists() for mode in MODES), path


@pytest.mark.parametrize("path", sorted(EXPECTED.glob("*.xml")), ids=lambda p: p.name)
def test_expected_inputs_are_tei_all_valid(path: Path, tei_all_rng: etree.RelaxNG) -> None:
    """The exporter is shown input of the kind it is given: valid TEI P5."""
    assert tei_all_rng.validate(etree.parse(str(path))), str(tei_all_rng.error_log)


@pytest.mark.parametrize("expected", EXPECTED_TEXTS, ids=lambda p: p.name)
def test_expected_text(expected: Path) -> None:
    stem, mode, _ = expected.name.rsplit(".", 2)
    # Exact: the bytes decoded strictly, so that a difference is shown line by line.
    assert render(EXPECTED / f"{stem}.xml", mode) == expected.read_bytes().decode("utf-8")


NS = {"tei": TEI_NS}
DATE_ATTRIBUTES = [
    f"{name}{suffix}"
    for name in ("when", "from", "to", "notBefore", "notAfter")
    for suffix in ("", "-custom")
]

# A choice is checked only where the words around it tell its readings apart,
# and where nothing inside it (a note, a break) shows otherwise than as plain text.
CLEAN_CHOICE = (
    "//tei:text//tei:choice[not(ancestor::tei:choice or ancestor::tei:app)]"
    "[not(.//tei:note or .//tei:lb or .//tei:pb or .//tei:cb or .//tei:gap or .//tei:app)]"
)


def xml_spaced(text: str | None) -> str:
    return re.sub(r"[ \t\r\n]+", " ", text or "")


def interventions(path: Path, pair: tuple[str, str]) -> list[dict[str, str]]:
    """Each ``choice`` of ``pair`` (source reading, edited reading) in the text, as each
    mode should show it: the chosen reading between the text just before and after it."""
    source, edited = pair
    found = []
    root = parse_file(path).getroot()
    for el in root.xpath(f"{CLEAN_CHOICE}[tei:{source} and tei:{edited}]", namespaces=NS):
        prev = el.getprevious()
        before = xml_spaced(el.getparent().text if prev is None else prev.tail)[-20:]
        after = xml_spaced(el.tail)[:20]
        if len(re.findall(r"\w", before + after)) < 12:
            continue  # too little around it to be found only there
        shown = {
            mode: before + xml_spaced("".join(el.find(f"{{{TEI_NS}}}{name}").itertext())) + after
            for mode, name in (("original", source), ("reading", edited))
        }
        if shown["original"] not in shown["reading"] and shown["reading"] not in shown["original"]:
            found.append(shown)
    return found


def first_intervention(pair: tuple[str, str]) -> tuple[str, dict[str, str]]:
    """The first text with a ``choice`` of ``pair``, and that choice as each mode shows it."""
    for doc_id in texts_with(f"{CLEAN_CHOICE}[tei:{pair[0]} and tei:{pair[1]}]"):
        shown = interventions(bundled_texts()[doc_id], pair)
        if shown:
            return doc_id, shown[0]
    raise AssertionError(f"no bundled text has a {pair} choice told apart by its context")


@pytest.mark.parametrize("pair", [("sic", "corr"), ("orig", "reg")])
def test_interventions_are_shown_by_mode(pair: tuple[str, str]) -> None:
    """Every correction (and every regularisation) reads as the editors' in reading mode
    and as the source's in original mode, and never the other way round."""
    checked = 0
    for doc_id in texts_with(f"{CLEAN_CHOICE}[tei:{pair[0]} and tei:{pair[1]}]"):
        path = bundled_texts()[doc_id]
        text = {mode: render(path, mode) for mode in MODES}
        for shown in interventions(path, pair):
            assert shown["reading"] in text["reading"], (doc_id, shown)
            assert shown["original"] not in text["reading"], (doc_id, shown)
            assert shown["original"] in text["original"], (doc_id, shown)
            assert shown["reading"] not in text["original"], (doc_id, shown)
            checked += 1
    assert checked, f"no {pair} choice told apart by its context"


def test_header_gives_both_calendars() -> None:
    """A creation date in the Julian calendar is given in both calendars, then as written."""
    creation = "(//tei:profileDesc/tei:creation//tei:date)[1][@datingMethod='#julian']"
    doc_id = texts_with(creation)[0]
    path = bundled_texts()[doc_id]
    [date] = parse_file(path).getroot().xpath(creation, namespaces=NS)
    text = render(path, "reading")
    line = re.search(r"^Date: (.+) \(O\.S\.\) = (.+) \(N\.S\.\)\n", text, re.MULTILINE)
    assert line, text
    old_style, new_style = line.groups()
    # Each end of the date, day, month and year, in the calendar it belongs to.
    dated = [(name, date.get(name)) for name in DATE_ATTRIBUTES if date.get(name)]
    assert dated
    for name, value in dated:
        year, month, day = ([*map(int, value.split("-")), None, None])[:3]
        shown = old_style if name.endswith("-custom") else new_style
        assert str(year) in shown, (name, shown)
        assert month is None or calendar.month_name[month] in shown, (name, shown)
        assert day is None or re.search(rf"\b{day}\b", shown), (name, shown)
    as_given = " ".join("".join(date.itertext()).split())
    assert f"{line.group(0)}Date as given: {as_given}\n" in text


# --- no loss ---------------------------------------------------------------------------

# An independent reading of the text, kept deliberately plain: the chosen readings by
# name, notes set aside in document order, everything else as it stands in the XML.
CHOSEN = {"reading": ("corr", "reg", "expan"), "original": ("sic", "orig", "abbr")}


def reference(text: etree._Element, mode: str) -> tuple[str, list[str]]:
    body: list[str] = []
    notes: list[str] = []

    def walk(el: etree._Element, out: list[str]) -> None:
        local = etree.QName(el).localname if isinstance(el.tag, str) else None
        if local == "note":
            index = len(notes)
            notes.append("")
            note: list[str] = []
            inner(el, note)
            notes[index] = "".join(note)
        elif local == "choice":
            picked = [c for c in el if etree.QName(c).localname in CHOSEN[mode]]
            if picked:
                inner(picked[0], out)
        elif local == "app":
            lem = el.find(f"{{{TEI_NS}}}lem")
            picked = lem if lem is not None else el.find(f"{{{TEI_NS}}}rdg")
            if picked is not None:
                inner(picked, out)
        elif local is not None:
            inner(el, out)

    def inner(el: etree._Element, out: list[str]) -> None:
        out.append(el.text or "")
        for child in el:
            walk(child, out)
            out.append(child.tail or "")

    inner(text, body)
    return "".join(body), notes


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def sections(txt: str) -> dict[str, str]:
    """The parts of one exported document: header, body, and each section after it."""
    header, rest = txt.split(f"\n{RULE}\n", 1)
    parts = re.split(r"\n\n\n(Notes|Apparatus|Index)\n\n", rest)
    found = {"header": header, "body": parts[0]}
    found.update(zip(parts[1::2], parts[2::2], strict=True))
    return found


def split_txt(txt: str) -> tuple[str, list[str]]:
    """Body and notes of one exported document, without the note markers."""
    parts = sections(txt)
    listed = re.split(r"^\[\w+\] ", parts.get("Notes", ""), flags=re.MULTILINE)[1:]
    return re.sub(r"\[\w+\]", "", parts["body"]), listed


def check_no_loss(path: Path, mode: str) -> None:
    root = parse_file(path).getroot()
    texts = root.findall(f".//{{{TEI_NS}}}TEI") or [root]
    documents = read_documents(root, mode)
    assert len(documents) == len(texts)
    for tei_el, document in zip(texts, documents, strict=True):
        text_el = tei_el.find(f"{{{TEI_NS}}}text")
        expected_body, expected_notes = ("", []) if text_el is None else reference(text_el, mode)
        body, notes = split_txt(document_text(document))
        # Every word, in order, and nothing else; notes are listed by number, not by
        # place, so they are compared as a set of word sequences.
        assert words(body) == words(expected_body), path
        assert sorted(map(words, notes)) == sorted(map(words, expected_notes)), path


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_no_word_lost_in_our_texts(path: Path, mode: str) -> None:
    check_no_loss(path, mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_no_word_lost_in_foreign_tei(path: Path, mode: str) -> None:
    check_no_loss(path, mode)


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_foreign_files_that_are_not_tei_p5_are_refused(name: str) -> None:
    with pytest.raises(EditionError, match=re.escape(UNREADABLE[name])) as info:
        read_documents(parse_file(FOREIGN / name).getroot(), "reading")
    assert info.value.path is not None and info.value.line is not None


def test_notes_are_listed_in_number_order() -> None:
    """A text whose numbered notes stand out of number order lists them by number."""
    in_text = "//tei:text//tei:note"
    doc_id = texts_with(
        f"{in_text}[@n < preceding::tei:note[ancestor::tei:text]/@n][not({in_text}[not(@n)])]"
    )[0]
    root = parse_file(bundled_texts()[doc_id]).getroot()
    numbers = sorted(int(n) for n in root.xpath(f"{in_text}/@n", namespaces=NS))
    [document] = read_documents(root, "reading")
    assert [note.marker for note in document.notes] == [str(n) for n in numbers]


def test_notes_keep_their_paragraphs() -> None:
    """Each note of a text with a note of several paragraphs keeps every paragraph."""
    several = "//tei:text//tei:note[count(tei:p) > 1]"
    doc_id = texts_with(several)[0]
    root = parse_file(bundled_texts()[doc_id]).getroot()
    paragraphs = {
        note.get(XML_ID): len(note.findall(f"{{{TEI_NS}}}p"))
        for note in root.xpath("//tei:text//tei:note[tei:p]", namespaces=NS)
    }
    [document] = read_documents(root, "reading")
    kept = {note.xml_id: len(note.paragraphs) for note in document.notes}
    assert {xml_id: kept.get(xml_id) for xml_id in paragraphs} == paragraphs
    assert max(paragraphs.values()) > 1


# --- the reading model -----------------------------------------------------------------


def choice(xml: str) -> etree._Element:
    return etree.fromstring(f'<choice xmlns="{TEI_NS}">{xml}</choice>')


@pytest.mark.parametrize("pair", [("sic", "corr"), ("orig", "reg"), ("abbr", "expan")])
def test_choice_is_read_by_name_not_position(pair: tuple[str, str]) -> None:
    source, edited = pair
    forward = choice(f"<{source}>S</{source}><{edited}>E</{edited}>")
    reverse = choice(f"<{edited}>E</{edited}><{source}>S</{source}>")
    for element in (forward, reverse):
        assert choose(element, "reading").text == "E"
        assert choose(element, "original").text == "S"


def test_reversed_choice_in_running_text() -> None:
    root = tei(
        "<text><body><p>on <choice><corr>Monday</corr><sic>Munday</sic></choice> 3</p></body></text>"
    )
    p = root.find(f".//{{{TEI_NS}}}p")
    assert readable_text(p, "reading").text == "on Monday 3"
    assert readable_text(p, "original").text == "on Munday 3"


def test_one_sided_choice_and_app() -> None:
    assert choose(choice("<sic>only</sic>"), "reading").text == "only"
    app = etree.fromstring(f'<app xmlns="{TEI_NS}"><rdg>b</rdg><lem>a</lem></app>')
    assert choose(app, "original").text == "a" and choose(app, "reading").text == "a"
    no_lem = etree.fromstring(f'<app xmlns="{TEI_NS}"><rdg>b</rdg><rdg>c</rdg></app>')
    assert choose(no_lem, "reading").text == "b"
    with pytest.raises(ValueError):
        choose(app, "diplomatic")


def test_notes_markers_breaks_and_whitespace() -> None:
    root = tei(
        "<teiHeader><fileDesc><titleStmt><title>T<note>header</note></title></titleStmt>"
        "</fileDesc></teiHeader>"
        "<text><body>"
        '<p>One<note n="2"><p>First.</p><p>Second.</p></note> two <lb/>three'
        '<pb n="5"/> four\u00a0five<note type="editorial">Ours.</note>.</p>'
        "<lg><l>Line one</l><l>line <note>v</note>two</l></lg>"
        "<closer><signed>A. B.<lb/>C. D.</signed></closer>"
        "</body></text>"
    )
    [document] = read_documents(root, "reading")
    assert [block.text for block in document.blocks] == [
        "One[2] two three four\u00a0five[3].",
        "Line one\nline [4]two",
        "A. B.\nC. D.",
    ]
    assert [(n.marker, n.paragraphs) for n in document.notes] == [
        ("2", ("First.", "Second.")),
        ("3", ("Ours.",)),
        ("4", ("v",)),
    ]
    assert document.titles == ("T (header)",)


def test_missing_header_parts_are_unknown() -> None:
    [document] = read_documents(tei("<text><body><p>Only text.</p></body></text>"), "reading")
    text = document_text(document)
    assert text.startswith(
        "unknown\n\nAuthor: unknown\nDate: unknown\nSource: unknown\nLicence: unknown\n"
    )
    assert text.endswith(f"{RULE}\n\nOnly text.\n")


def test_corpus_gives_each_text_a_name() -> None:
    root = parse_file(FOREIGN / "corpus.xml").getroot()
    named = documents_from(root, FOREIGN / "corpus.xml", "reading")
    assert [doc.name for doc in named] == ["corpus-text-1", "corpus-text-2"]
    del root[2].attrib["{http://www.w3.org/XML/1998/namespace}id"]  # the second TEI
    assert documents_from(root, "x/corpus.xml", "reading")[1].name == "corpus-2"


def date(attributes: str) -> str:
    return date_label(
        read_date(etree.fromstring(f'<date xmlns="{TEI_NS}" {attributes}>as written</date>'))
    )


def test_date_labels() -> None:
    julian = 'datingMethod="#julian"'
    assert (
        date(f'when="1917-11-07" when-custom="1917-10-25" {julian}')
        == "25 October 1917 (O.S.) = 7 November 1917 (N.S.)"
    )
    assert (
        date(
            f'notBefore="1917-11-18" notAfter="1917-11-19" '
            f'notBefore-custom="1917-11-05" notAfter-custom="1917-11-06" {julian}'
        )
        == "5 or 6 November 1917 (O.S.) = 18 or 19 November 1917 (N.S.)"
    )
    assert (
        date(
            f'from="1905-11-09" to="1905-12-16" from-custom="1905-10-27" '
            f'to-custom="1905-12-03" {julian}'
        )
        == "27 October – 3 December 1905 (O.S.) = 9 November – 16 December 1905 (N.S.)"
    )
    assert date('when="1940-11-05"') == "5 November 1940"
    assert date('from="1900" to="1905"') == "1900–1905"
    assert (
        date(f'notBefore="1905-11-14" notAfter="1905-12-13" when-custom="1905-11" {julian}')
        == "November 1905 (O.S.) = between 14 November and 13 December 1905 (N.S.)"
    )
    assert date("") == "as written"
    assert date_label(None) == "unknown"


# --- the collection and the command ----------------------------------------------------


def test_collection_is_in_order_of_creation() -> None:
    documents = named_documents(project_collection(), "reading")
    text = collection_text(documents, "Title", "Subtitle")
    starts = [text.index(f"\n{document_text(doc.document)}") for doc in documents]
    order = [doc.name for _, doc in sorted(zip(starts, documents, strict=True))]
    # The sources are named by their date of writing: that is the order expected.
    by_date = [source_slug(p.stem) for p in sorted((REPO / "sources").glob("*.txt"))]
    assert order == by_date
    assert text.startswith("Title\nSubtitle\n")


def test_made_a_part_at_a_time_the_files_are_the_same() -> None:
    """``txt_stream`` asks for the whole of one part's documents at a time (the rest may
    be held as bare names and dates) and gives the same files as ``txt_files``."""
    documents = named_documents(project_collection(), "reading")
    size = max(1, len(documents) // 2)
    bare = [
        dataclasses.replace(d, document=dataclasses.replace(d.document, blocks=(), notes=()))
        for d in documents
    ]
    by_name = {d.name: d for d in documents}
    asked: list[list[str]] = []

    def whole(part):
        asked.append([d.name for d in part])
        return [by_name[d.name] for d in part]

    streamed = dict(txt_stream(bare, "Title", "Subtitle", size, whole))
    assert streamed == txt_files(documents, "Title", "Subtitle", size)
    assert all(len(names) <= size for names in asked)
    assert sorted(n for names in asked for n in names) == sorted(by_name)


def test_a_document_may_not_take_the_collection_name() -> None:
    [document] = read_documents(tei("<text><body><p>x</p></body></text>"), "reading")
    with pytest.raises(EditionError, match="'edition'"):
        txt_files([NamedDocument("edition", "edition.xml", document)], "T")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["export", "txt", "--config", str(CONFIG), *args])
    # Only a clean exit: an unexpected exception would also give exit code 1.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_cli_exports_the_tei_folder(tmp_path: Path) -> None:
    code, output = run("--out", str(tmp_path))
    assert code == 0, output
    expected = {f"{p.stem}.txt" for p in TEXTS} | {"edition.txt"}
    assert {p.name for p in tmp_path.iterdir()} == expected  # the registers are skipped
    doc_id, shown = first_intervention(("sic", "corr"))  # reading mode is the default
    exported = (tmp_path / f"{bundled_texts()[doc_id].stem}.txt").read_text()
    assert shown["reading"] in exported and shown["original"] not in exported


def test_cli_original_mode(tmp_path: Path) -> None:
    doc_id, shown = first_intervention(("sic", "corr"))
    path = bundled_texts()[doc_id]
    code, _ = run("--out", str(tmp_path), "--mode", "original", str(path))
    assert code == 0
    exported = (tmp_path / f"{path.stem}.txt").read_text()
    assert shown["original"] in exported and shown["reading"] not in exported


def test_cli_bad_file_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(next(iter(bundled_texts().values())), inputs)
    shutil.copy(FOREIGN / "not_wellformed.xml", inputs / "z_broken.xml")
    out = tmp_path / "out"
    code, output = run("--out", str(out), str(inputs))
    assert code == 1
    assert len(output.strip().splitlines()) == 1, output
    assert re.search(r"z_broken\.xml:18:\d+: error: not well-formed XML", output), output
    assert "Traceback" not in output
    assert not out.exists()


def test_cli_output_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert run("--out", str(out))[0] == 0
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert run("--out", str(first))[0] == 0  # a second run over the first changes nothing
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_other_projects_structures() -> None:
    def blocks(name: str) -> list[tuple[str, str]]:
        [document] = read_documents(parse_file(FOREIGN / name).getroot(), "reading")
        return [(block.kind, block.text) for block in document.blocks]

    drama = blocks("drama_sp.xml")
    assert (
        "sp",
        (
            "Martha\nWhich of these clocks has told the truth today?\n"
            "Neither, I fear, and both will have their say."
        ),
    ) in drama
    assert ("sp", "Tobias\n(winding one)\nThis one is only a little late, mistress.") in drama
    letter = blocks("letter_correspdesc.xml")
    assert letter == [
        ("opener", "St James's Square, Sunday\nMy dear Babbage,"),
        ("p", "I send you the Notes as far as they are done. The rest will follow on Tuesday."),
        ("closer", "Yours ever,\nA. A. L."),
    ]
    assert blocks("critical_app.xml") == [
        ("lg", "The river runs down to the sea,\nand never comes back to me.")
    ]


def test_parts_a_shorter_collection_no_longer_has_are_removed(tmp_path: Path) -> None:
    """Exported in parts of two texts, then in one part: only edition.txt is left of the
    collection's text, and each text's own file stays."""
    project = copy_project(tmp_path / "project")
    settings = project / "pyproject.toml"
    text = settings.read_text(encoding="utf-8")
    out = tmp_path / "out"
    parts = math.ceil(len(TEXTS) / 2)
    for line, expected in (("list-page-items = 2", parts), ("", 1)):
        settings.write_text(text.replace("[tool.edition]\n", f"[tool.edition]\n{line}\n", 1))
        result = CliRunner().invoke(
            main, ["export", "txt", "--config", str(settings), "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        collection = sorted(p.name for p in out.glob("edition*.txt"))
        assert collection == sorted(
            ["edition.txt", *(f"edition-{n}.txt" for n in range(2, expected + 1))]
        )
        assert {f"{p.stem}.txt" for p in TEXTS} <= {p.name for p in out.iterdir()}
