"""Tailored grammars kept between runs (``pipeline.validate.grammar_cache``): the same
verdicts and messages with or without them, never another grammar's or another
vocabulary's entry, never a damaged one; and the ways of tailoring a run (grammars for
small groups of documents, or one kept for all batches; one process or several) all
give the same report."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO
from lxml import etree

from pipeline.validate import BATCH, ValidationConfig, grammar_cache, validate_paths
from pipeline.validate.positions import ColumnFinder
from pipeline.validate.schemas import forget_compiled, schema_stamp, tailorable
from pipeline.validate.tailor import Grammar, Usage
from pipeline.xmltools import safe_parser

DATA = REPO / "tests" / "data"
# Other projects' TEI, valid and invalid: every kind of verdict and message.
VARIED = sorted((DATA / "foreign").glob("*.xml")) + sorted((DATA / "projects").glob("*.xml"))


def report(
    paths: list[Path], schema_dir: Path, jobs: int = 1
) -> list[tuple[str, bool, list[tuple[int | None, int | None, str, str, str]]]]:
    """What ``edition validate --schema tei_all`` says, from a process with nothing
    compiled: each file's name, verdict and issues."""
    forget_compiled()
    run = validate_paths(paths, ["tei_all"], ValidationConfig(tei_schema_dir=schema_dir), jobs)
    forget_compiled()
    return sorted(
        (
            r.path,
            r.valid,
            [(i.line, i.column, i.message, i.layer, i.severity) for i in r.sorted_issues()],
        )
        for r in run.results
    )


def rng_messages(found: list) -> list[str]:
    return [
        message
        for _, _, issues in found
        for _, _, message, layer, _ in issues
        if layer == "tei_all"
    ]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user cache; the folder the grammars go to."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    return tmp_path / "user-cache" / "tei-edition" / "relaxng"


@pytest.fixture
def tailorings(monkeypatch: pytest.MonkeyPatch) -> list[Usage]:
    """Every grammar tailored from now on (what the cache did not have)."""
    made: list[Usage] = []
    tailor = Grammar.tailor

    def counted(self: Grammar, usage: Usage, stand_ins: bool = False) -> etree._ElementTree:
        made.append(usage)
        return tailor(self, usage, stand_ins)

    monkeypatch.setattr(Grammar, "tailor", counted)
    return made


def test_a_warm_run_tailors_nothing_and_says_exactly_the_same(
    cache: Path, tei_schema_dir: Path, tailorings: list[Usage]
) -> None:
    cold = report(VARIED, tei_schema_dir)
    assert tailorings, "a cold run tailors"
    assert rng_messages(cold), "some files are invalid against tei_all, with messages"
    assert any(valid for _, valid, _ in cold)
    entries = sorted(cache.glob("*.rng"))
    assert len(entries) >= 2  # at least one grammar for verdicts and one for messages
    tailorings.clear()
    warm = report(VARIED, tei_schema_dir)
    assert tailorings == []
    assert warm == cold
    assert sorted(cache.glob("*.rng")) == entries


def test_without_a_usable_cache_the_report_is_the_same(
    cache: Path, tei_schema_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("", "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    without = report(VARIED, tei_schema_dir)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache.parent.parent))
    report(VARIED, tei_schema_dir)
    assert any(cache.glob("*.rng"))
    assert report(VARIED, tei_schema_dir) == without


def _damaged(data: bytes, how: str) -> bytes:
    header, _, payload = data.partition(b"\n")
    if how == "truncated":
        return data[: len(data) // 2]
    if how == "empty":
        return b""
    if how == "no header":
        return payload
    # The grammar changed without its checksum: every element renamed, which would make
    # every document invalid if the entry were believed.
    changed = re.sub(rb'(<element\b[^>]*?\bname=")([^"]+)"', rb'\1\2-damaged"', payload)
    assert changed != payload
    return header + b"\n" + changed


@pytest.mark.parametrize("how", ["truncated", "empty", "no header", "changed"])
def test_a_damaged_entry_is_ignored_and_made_again(
    how: str, cache: Path, tei_schema_dir: Path, tailorings: list[Usage]
) -> None:
    good = report(VARIED, tei_schema_dir)
    entries = sorted(cache.glob("*.rng"))
    intact = {entry.name: entry.read_bytes() for entry in entries}
    for entry in entries:
        entry.write_bytes(_damaged(intact[entry.name], how))
    tailorings.clear()
    assert report(VARIED, tei_schema_dir) == good
    assert len(tailorings) == len(entries)  # each one tailored again...
    assert {
        entry.name: entry.read_bytes() for entry in cache.glob("*.rng")
    } == intact  # ...and kept


def test_an_intact_entry_that_is_no_grammar_is_made_again(
    cache: Path, tei_schema_dir: Path, tailorings: list[Usage]
) -> None:
    good = report(VARIED, tei_schema_dir)
    entries = sorted(cache.glob("*.rng"))
    for entry in entries:
        grammar_cache.write_entry(entry.stem, b"<not-a-grammar/>", cache)
    tailorings.clear()
    assert report(VARIED, tei_schema_dir) == good
    assert len(tailorings) == len(entries)


def test_a_changed_grammar_never_finds_the_old_one_s_entries(
    cache: Path, tei_schema_dir: Path, tmp_path: Path
) -> None:
    """The same path, edited: tei_all with <title> renamed, so that every TEI file (they
    all need a title) becomes invalid."""
    schemas = tmp_path / "tei-p5"
    schemas.mkdir()
    rng = schemas / "tei_all.rng"
    shutil.copyfile(tei_schema_dir / "tei_all.rng", rng)
    before = report(VARIED, schemas)
    assert any(valid for _, valid, _ in before)
    text = rng.read_text("utf-8")
    assert text.count('<element name="title">') == 1
    rng.write_text(text.replace('<element name="title">', '<element name="titel">'), "utf-8")
    stat = rng.stat()
    os.utime(rng, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = report(VARIED, schemas)
    assert not any(valid for _, valid, _ in after)
    # and exactly what the edited grammar says with nothing cached
    shutil.rmtree(cache)
    assert report(VARIED, schemas) == after


def _usage_of(path: Path, rng: Path) -> Usage:
    grammar = tailorable(rng)
    assert grammar is not None
    return grammar.usage(etree.parse(str(path), safe_parser()))


def test_keys_differ_by_grammar_code_vocabulary_and_kind(
    tei_schema_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = tei_schema_dir / "tei_all.rng"
    source = grammar_cache.source_digest(*schema_stamp(rng))
    assert source is not None
    one = _usage_of(DATA / "projects" / "verse_drama.xml", rng)
    other = _usage_of(DATA / "projects" / "letter_registers.xml", rng)
    key = grammar_cache.entry_key(source, one, False)
    assert grammar_cache.entry_key(source, one, False) == key  # stable
    assert grammar_cache.entry_key(source, one | other, False) != key  # vocabulary
    assert grammar_cache.entry_key(source, one, True) != key  # for messages
    assert grammar_cache.entry_key("0" * 64, one, False) != key  # another grammar
    # A usage differing only in a failing facet, or in one attribute, is another one.
    assert (
        grammar_cache.entry_key(source, Usage(one.elements, one.attributes, frozenset({0})), False)
        != key
    )
    fewer = Usage(one.elements, frozenset(sorted(one.attributes)[1:]), one.failing)
    assert grammar_cache.entry_key(source, fewer, False) != key
    # Another version of the tailoring code.
    monkeypatch.setattr(grammar_cache, "code_digest", lambda: "f" * 64)
    assert grammar_cache.entry_key(source, one, False) != key


def test_a_vocabulary_never_gets_a_grammar_tailored_to_another(
    cache: Path, tei_schema_dir: Path, tmp_path: Path
) -> None:
    """One file, then the same file with an element it did not use, valid and not: each
    run finds its own grammar (or makes one), never the first file's."""
    base = (DATA / "foreign" / "letter_correspdesc.xml").read_text("utf-8")
    assert "<p>" in base and "<unclear>" not in base
    plain = tmp_path / "plain" / "letter.xml"
    valid = tmp_path / "valid" / "letter.xml"
    invalid = tmp_path / "invalid" / "letter.xml"
    for path, text in (
        (plain, base),
        (valid, base.replace("<p>", "<p><unclear>x</unclear>", 1)),
        (invalid, base.replace("<p>", "<p><unclear><p>x</p></unclear>", 1)),
    ):
        path.parent.mkdir()
        path.write_text(text, "utf-8")
    verdicts = [report([path], tei_schema_dir)[0][1] for path in (plain, valid, invalid)]
    assert verdicts == [True, True, False]
    assert len(list(cache.glob("*.rng"))) >= 3


def _copies(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "copies"
    for n in range(count):
        target = folder / f"c{n:03d}"
        target.mkdir(parents=True)
        for path in VARIED:
            shutil.copyfile(path, target / path.name)
    return folder


def test_every_way_of_running_gives_the_same_report(
    cache: Path, tei_schema_dir: Path, tmp_path: Path
) -> None:
    """More than one batch: one grammar kept for all batches, serial or in two worker
    processes, with the cache cold or warm; and one batch alone, with grammars for
    groups of documents. The same issues for every copy of every file."""
    count = BATCH // len(VARIED) + 2
    folder = _copies(tmp_path, count)
    serial_cold = report([folder], tei_schema_dir, jobs=1)
    parallel_warm = report([folder], tei_schema_dir, jobs=2)
    shutil.rmtree(cache)
    parallel_cold = report([folder], tei_schema_dir, jobs=2)
    serial_warm = report([folder], tei_schema_dir, jobs=1)
    assert len(serial_cold) == count * len(VARIED) > BATCH
    assert serial_cold == parallel_warm == parallel_cold == serial_warm
    # One batch: the files of one copy alone say the same as in the big run.
    alone = report([folder / "c000"], tei_schema_dir)
    in_big_run = [entry for entry in serial_cold if Path(entry[0]).parent.name == "c000"]
    assert alone == in_big_run
    assert rng_messages(alone)


def test_old_entries_are_removed_beyond_the_limit(tmp_path: Path) -> None:
    folder = tmp_path / "entries"
    keys = [f"{n:064x}" for n in range(grammar_cache.MAX_ENTRIES + 5)]
    for number, key in enumerate(keys):
        grammar_cache.write_entry(key, b"<grammar/>", folder)
        os.utime(folder / f"{key}.rng", ns=(number * 10**9, number * 10**9))
    grammar_cache.write_entry("f" * 64, b"<grammar/>", folder)
    kept = {path.stem for path in folder.glob("*.rng")}
    assert len(kept) == grammar_cache.MAX_ENTRIES
    assert "f" * 64 in kept and keys[-1] in kept and keys[0] not in kept
    assert grammar_cache.read_entry(keys[-1], folder) == b"<grammar/>"


def _columns(source: bytes):
    """The columns the finder gives the elements of a local name (in document order),
    and the second line of the source."""
    root = etree.fromstring(source)
    finder = ColumnFinder(root, source)

    def columns(local: str) -> list[int | None]:
        return [finder.column(el) for el in root.iter() if etree.QName(el).localname == local]

    return columns, source.split(b"\n")[1].decode()


def test_columns_of_elements_sharing_a_line() -> None:
    source = (
        b'<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:x="urn:x">\n'
        b"<p><hi>a</hi> <hi>b</hi><x:hi>c</x:hi><hi/><head>d</head></p>\n"
        b"</TEI>\n"
    )
    columns, line = _columns(source)
    assert columns("hi") == [
        line.index("<hi>") + 1,
        line.index("<hi>b") + 1,
        line.index("<x:hi") + 1,
        line.index("<hi/>") + 1,
    ]
    assert columns("head") == [line.index("<head") + 1]
    assert columns("TEI") == [1]


def test_columns_of_a_document_held_beside_others() -> None:
    # Schematron sees the documents in one tree: the elements of the document before,
    # on a line of the same number, are not this one's.
    first = b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><p><hi/><hi/></p></TEI>'
    second = b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><p>x <hi/></p></TEI>'
    wrapper = etree.Element("collection")
    for source in (first, second):
        holder = etree.SubElement(wrapper, "holder")
        holder.sourceline = 1  # as if the wrapper too were read from a source
        holder.append(etree.fromstring(source))
    root = wrapper[1][0]
    [hi] = root.iter("{*}hi")
    assert hi.sourceline == 1
    assert ColumnFinder(root, second).column(hi) == second.decode().index("<hi") + 1


def test_columns_of_nested_elements_and_of_a_prefix_bound_twice() -> None:
    # Only the line's own elements count: those of one name before it, nested or not,
    # and any element written with the same prefixed name, whatever it is bound to.
    source = (
        b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><hi/>\n'
        b'<p><hi><hi>a</hi></hi><n:x xmlns:n="urn:a"/><n:x xmlns:n="urn:b"/><hi/></p>\n'
        b"<p><hi/></p></TEI>\n"
    )
    columns, line = _columns(source)
    starts = [i + 1 for i in range(len(line)) if line.startswith("<hi", i)]
    assert columns("hi") == [source.index(b"<hi") + 1, *starts, len("<p>") + 1]
    assert columns("x") == [line.index("<n:x") + 1, line.rindex("<n:x") + 1]
