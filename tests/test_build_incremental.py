"""A rebuild after an edit gives the very bytes of a clean build, whatever was reused.

The build reuses what it can (the stat pass that stops a no-change rebuild, the cached
conversions and TEI P5 verdicts): none of it may ever show in the output. For each kind
of edit an editor makes, the site rebuilt in place is compared, file by file, with the
site built from scratch (a fresh copy of the edited project, no cache, no earlier site).
Every edit is found in the project's own files, never named.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, copy_project, files_below, run_edition
from lxml import etree

from pipeline.build import MARKER
from pipeline.config import load_config
from pipeline.convert.run import orphaned
from pipeline.render.search import SHARDS
from pipeline.structure import load_collection
from pipeline.xmltools import NSMAP

MARK = "zebrafinch"  # a word no text of the edition has
BUILD = ("build", "--jobs", "2")


def build(project: Path, *extra: str) -> None:
    result = run_edition(*BUILD, *extra, cwd=project)
    assert result.returncode == 0, result.stderr


def clean_build(project: Path, dest: Path) -> dict[str, bytes]:
    """The site of ``project`` built from scratch in a copy: no site, no cache."""
    shutil.copytree(
        project, dest, symlinks=True, ignore=shutil.ignore_patterns("site", ".site.*", ".*.lock")
    )
    build(dest, "--no-cache")
    return files_below(dest / "site")


def assert_same_site(project: Path, clean: Path) -> None:
    rebuilt, fresh = files_below(project / "site"), clean_build(project, clean)
    assert sorted(rebuilt) == sorted(fresh)
    differing = [name for name in fresh if rebuilt[name] != fresh[name]]
    assert not differing, differing


def add_setting(project: Path, line: str) -> None:
    """``line`` added to the project's ``[tool.edition]``."""
    settings = project / "pyproject.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("[tool.edition]\n", f"[tool.edition]\n{line}\n", 1), "utf-8")


# --- the edits -----------------------------------------------------------------------------


def _sources(project: Path) -> list[Path]:
    return sorted((project / "sources").glob("*.txt"))


def edit_document(project: Path) -> str:
    """A word added to the longest line of the first source: a paragraph of its text."""
    source = _sources(project)[0]
    text = source.read_text(encoding="utf-8")
    line = max(text.splitlines(), key=len)
    first, rest = line.split(" ", 1)
    source.write_text(text.replace(line, f"{first} {MARK} {rest}", 1), encoding="utf-8")
    return MARK


def edit_sidecar(project: Path) -> str:
    """A stated reason in a sidecar reworded (it is shown in the header and the page)."""
    for sidecar in sorted((project / "sources").glob("*.toml")):
        text = sidecar.read_text(encoding="utf-8")
        found = re.search(r'^reason = "([^"\n]+)"$', text, flags=re.MULTILINE)
        if found:
            edited = f'reason = "{found.group(1)}; {MARK}"'
            sidecar.write_text(text.replace(found.group(0), edited, 1), encoding="utf-8")
            return MARK
    raise AssertionError("no sidecar states a reason")


def edit_register_entry(project: Path) -> str:
    """The note of the first register entry that has one, reworded."""
    registers = project / "tei" / "registers.xml"
    text = registers.read_text(encoding="utf-8")
    found = re.search(r"(<note>)([^<]+)(</note>)", text)
    assert found, "no register entry has a note"
    edited = f"{found.group(1)}{found.group(2)} {MARK}{found.group(3)}"
    registers.write_text(text.replace(found.group(0), edited, 1), encoding="utf-8")
    return MARK


def edit_template(project: Path) -> str:
    """A theme folder with a copy of the base template, then that copy edited."""
    theme = project / "theme"
    theme.mkdir()
    base = REPO / "pipeline" / "render" / "templates" / "base.html"
    shutil.copy(base, theme / "base.html")
    add_setting(project, 'theme-dir = "theme"')
    build(project)
    template = (theme / "base.html").read_text(encoding="utf-8")
    assert "</footer>" in template
    (theme / "base.html").write_text(
        template.replace("</footer>", f"<p>{MARK}</p></footer>", 1), encoding="utf-8"
    )
    return MARK


def change_setting(project: Path) -> str:
    """The edition's subtitle changed."""
    settings = project / "pyproject.toml"
    text = settings.read_text(encoding="utf-8")
    found = re.search(r'^subtitle = "([^"\n]*)"$', text, flags=re.MULTILINE)
    assert found, "the settings give no subtitle"
    settings.write_text(
        text.replace(found.group(0), f'subtitle = "{found.group(1)}, {MARK}"', 1),
        encoding="utf-8",
    )
    return MARK


def add_document(project: Path) -> str:
    """A copy of the first source and its sidecar under a new name: a new text."""
    source = _sources(project)[0]
    date = source.name[: len("YYYY-MM-DD")]
    added = source.with_name(f"{date}-{MARK}.txt")
    shutil.copy(source, added)
    if source.with_suffix(".toml").is_file():
        shutil.copy(source.with_suffix(".toml"), added.with_suffix(".toml"))
    return f"texts/{MARK}.html"


def remove_document(project: Path) -> str:
    """A text added and built, then its source and sidecar removed (a text of the
    edition cannot go alone: the registers and the other texts point into it)."""
    shown = add_document(project)
    build(project)
    assert (project / "site" / shown).is_file()
    for added in (project / "sources").glob(f"*-{MARK}.*"):
        added.unlink()
    return shown


EDITS: dict[str, Callable[[Path], str]] = {
    "document": edit_document,
    "sidecar": edit_sidecar,
    "register entry": edit_register_entry,
    "template": edit_template,
    "setting": change_setting,
    "document added": add_document,
    "document removed": remove_document,
}


@pytest.mark.parametrize("kind", EDITS)
def test_a_rebuild_after_an_edit_equals_a_clean_build(
    kind: str, tmp_path: Path, tei_env: Path
) -> None:
    project = copy_project(tmp_path / "project")
    build(project)
    before = files_below(project / "site")
    # Another version between: the edit's build starts from the first one, kept.
    build(project, "--no-search")
    shown = EDITS[kind](project)
    build(project)
    after = files_below(project / "site")
    # The edit shows (a test that cannot see its edit could not fail).
    if shown == MARK:
        assert any(MARK.encode() in data for data in after.values())
        assert not any(MARK.encode() in data for data in before.values())
    elif kind == "document added":
        assert shown in after and shown not in before
    else:
        assert shown not in after
        assert not (project / "tei" / f"{MARK}.xml").exists()
    assert_same_site(project, tmp_path / "clean")


def test_a_rebuild_with_a_sharded_search_index_equals_a_clean_build(
    tmp_path: Path, tei_env: Path
) -> None:
    """Shards whose pages did not change keep their index: the bytes are still those of
    a clean build, and only the changed shard was indexed again."""
    project = copy_project(tmp_path / "project")
    add_setting(project, "search-shard-pages = 15")
    build(project)
    kept = project / ".site.cache" / "objects" / "pagefind"
    indexed = {p for p in kept.rglob("*") if p.is_file()}
    before = files_below(project / "site")
    edit_document(project)
    build(project)
    after = files_below(project / "site")
    listing = json.loads(after[f"pagefind/{SHARDS}"])
    groups = [listing["pages"], *(shard["pages"] for shard in listing["shards"])]
    changed = [g for g in groups if any(before.get(page) != after[page] for page in g)]
    assert 0 < len(changed) < len(groups)
    assert len({p for p in kept.rglob("*") if p.is_file()} - indexed) == len(changed)
    assert_same_site(project, tmp_path / "clean")


def test_a_rebuild_writes_only_what_differs_from_the_version_it_starts_from(
    tmp_path: Path, tei_env: Path
) -> None:
    """The version a build replaces is kept, and the build after starts from it: it
    writes the files whose bytes differ from that version's (and the search index),
    and no other."""
    project = copy_project(tmp_path / "project")
    build(project)
    first = files_below(project / "site")
    edit_document(project)
    build(project)  # the first version is kept
    edit_register_entry(project)
    result = run_edition(*BUILD, cwd=project)
    assert result.returncode == 0, result.stderr
    third = files_below(project / "site")
    differing = [n for n in third if n != MARKER and first.get(n) != third[n]]
    written = re.search(r"\((\d+) written; the others as before\)", result.stdout)
    assert written, result.stdout
    index = [n for n in differing if n.startswith("pagefind/")]
    unchanged_index = [n for n in third if n.startswith("pagefind/") and n not in differing]
    assert int(written.group(1)) == len(differing) + len(unchanged_index)
    assert 0 < len(differing) - len(index) < (len(third) - len(index)) / 2
    assert_same_site(project, tmp_path / "clean")


def test_after_a_change_of_theme_the_next_build_makes_only_what_its_edit_needs(
    tmp_path: Path, tei_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A theme (or the code) changed makes every page again, each under a new key; where
    that gives the same bytes, the version the build replaced (which the next build
    starts from) takes the new keys. So the build after that, with one text edited,
    makes only the pages the edit needs, not every page again."""
    from pipeline.build import BuildOptions
    from pipeline.build import build as build_site
    from pipeline.build.generation import SiteWriter

    project = copy_project(tmp_path / "project")
    build(project)
    theme = project / "theme"
    theme.mkdir()
    shutil.copy(REPO / "pipeline" / "render" / "templates" / "base.html", theme / "base.html")
    add_setting(project, 'theme-dir = "theme"')  # the same template: the same bytes
    build(project)
    edit_document(project)
    made: list[str] = []
    holds = SiteWriter.holds

    def counted(self: SiteWriter, rel: str, key: str) -> bool:
        kept = holds(self, rel, key)
        if not kept:
            made.append(rel)
        return kept

    monkeypatch.setattr(SiteWriter, "holds", counted)
    monkeypatch.chdir(project)
    report = build_site(load_config(project / "pyproject.toml"), BuildOptions(jobs=1))
    pages = [n for n in files_below(project / "site") if n.endswith(".html")]
    assert report.pages and made
    assert len(made) < len(pages) / 2, f"{len(made)} of {len(pages)} pages made again"
    assert_same_site(project, tmp_path / "clean")


def test_a_kept_version_changed_by_hand_is_not_trusted(tmp_path: Path, tei_env: Path) -> None:
    """A file of the kept version that is not as the build left it is written again,
    even when the page it should hold is the same as before."""
    project = copy_project(tmp_path / "project")
    build(project)
    edit_document(project)
    build(project)
    spare = project / ".site.cache" / "site" / "spare"
    site = files_below(project / "site")
    same = [
        n for n, data in files_below(spare).items() if n.endswith(".html") and site.get(n) == data
    ]
    assert same
    edited, linked, narrowed = same[0::3], same[1::3], same[2::3]
    for name in edited:
        data = (spare / name).read_bytes()
        (spare / name).write_bytes(data.replace(b"<", b"[", 1))  # the same size
    moved = tmp_path / "moved"
    moved.mkdir()
    for n, name in enumerate(linked):  # the same file, through a link
        (spare / name).rename(moved / f"{n}.html")
        (spare / name).symlink_to(moved / f"{n}.html")
    for name in narrowed:  # a mode changed keeps the file's time
        (spare / name).chmod(0o600)
    (spare / "pagefind" / "stray").mkdir(parents=True)
    (spare / "pagefind" / "stray.js").write_text("alert(1)", encoding="utf-8")
    edit_register_entry(project)
    build(project)
    assert_same_site(project, tmp_path / "clean")
    mask = os.umask(0)
    os.umask(mask)
    for name in narrowed:
        assert (project / "site" / name).stat().st_mode & 0o777 == 0o666 & ~mask
    assert not any(p.is_symlink() for p in (project / "site").rglob("*"))
    assert not (project / "site" / "pagefind" / "stray").exists()


def test_a_shard_whose_index_is_as_in_the_kept_version_is_not_written_again(
    tmp_path: Path, tei_env: Path
) -> None:
    """A shard's index (given every word of the site) that is the same as in the kept
    version the build starts from is kept there: its files are not written again."""
    project = copy_project(tmp_path / "project")
    add_setting(project, "search-shard-pages = 15")
    build(project)
    edit_document(project)  # a new word: every shard's index is given it
    build(project)
    site = project / "site"
    inodes = {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("*")}
    before = files_below(site)
    source = next(p for p in _sources(project) if MARK in p.read_text(encoding="utf-8"))
    for repeat in (2, 3):  # no new word; the second build starts from the version above
        text = source.read_text(encoding="utf-8")
        source.write_text(text.replace(MARK, " ".join([MARK] * repeat), 1), encoding="utf-8")
        build(project)
    after = files_below(site)
    listing = json.loads(after[f"pagefind/{SHARDS}"])
    groups = {"pagefind/": listing["pages"]}
    groups.update({f"pagefind/{shard['path']}": shard["pages"] for shard in listing["shards"]})
    unchanged = [f for f, pages in groups.items() if all(before[p] == after[p] for p in pages)]
    assert 0 < len(unchanged) < len(groups)
    for folder in unchanged:
        own = [
            name
            for name in after
            if name.startswith(folder)
            and not re.match(r"shard-\d+/|" + re.escape(SHARDS), name[len(folder) :])
        ]
        assert own
        now = {name: (site / name).stat().st_ino for name in own}
        assert now == {name: inodes.get(name) for name in own}, folder
    assert_same_site(project, tmp_path / "clean")


def test_an_edited_text_is_the_only_one_analysed_again(tmp_path: Path, tei_env: Path) -> None:
    """Each text's analysis is kept by what it was made from: after one source is edited,
    one text is analysed again (one new entry in the cache), and its page is new."""
    project = copy_project(tmp_path / "project")
    build(project)
    kept = project / ".site.cache" / "objects"

    def entries(kind: str) -> set[Path]:
        return {p for p in (kept / kind).rglob("*") if p.is_file()}

    analyses, pages, fields = entries("document"), entries("page"), entries("entry-fields")
    assert (kept / "outline.pack").is_file() and not (kept / "outline").exists()
    texts = len(list((project / "site" / "texts").glob("*.html")))
    assert len(analyses) == texts and len(fields) == 1
    before = files_below(project / "site")
    headers = _headers(project)
    edit_document(project)
    build(project)
    after = files_below(project / "site")
    assert len(entries("document") - analyses) == 1
    changed = {name for name in after if name.endswith(".html") and before.get(name) != after[name]}
    assert any(name.startswith("texts/") for name in changed)
    # A page is made again only under a new key; most keep theirs.
    made = entries("page") - pages
    assert 0 < len(made) < len(pages) / 2
    # The registers are as they were: no entry's fields are made again. Nor is the guide,
    # which shows the texts' headers, where the edit left them as they were.
    assert entries("entry-fields") == fields
    assert _headers(project) == headers
    assert not [p for p in made if b'<h1 id="ed-title">About the edition' in p.read_bytes()]
    assert_same_site(project, tmp_path / "clean")


def _headers(project: Path) -> list[bytes]:
    """The teiHeader of each text of the edition."""
    return [
        etree.tostring(header)
        for tei in sorted((project / "tei").glob("*.xml"))
        for header in etree.parse(tei).getroot().iterfind("tei:teiHeader", NSMAP)
    ]


def test_an_edited_register_entry_analyses_again_only_the_texts_that_reach_it(
    tmp_path: Path, tei_env: Path
) -> None:
    """A text's analysis is kept by what it looked up in the registers: after an entry's
    note is edited, the texts analysed again are those that point to the entry (at
    least those that link to it, at most those whose TEI names its id)."""
    project = copy_project(tmp_path / "project")
    build(project)
    kept = project / ".site.cache" / "objects" / "document"
    analyses = {p for p in kept.rglob("*") if p.is_file()}
    registers = (project / "tei" / "registers.xml").read_text(encoding="utf-8")
    edit_register_entry(project)
    edited = etree.fromstring((project / "tei" / "registers.xml").read_bytes())
    entry = next(el for el in edited.iter() if MARK in (el.text or "")).getparent()
    entry_id = entry.get("{http://www.w3.org/XML/1998/namespace}id")
    assert entry_id and entry_id in registers
    fields = kept.parent / "entry-fields"
    made_before = {p for p in fields.rglob("*") if p.is_file()}
    assert len(made_before) == 1
    build(project)
    # The entries' fields are made again, once for all: an entry may be shown in another's.
    assert len({p for p in fields.rglob("*") if p.is_file()} - made_before) == 1
    again = len({p for p in kept.rglob("*") if p.is_file()} - analyses)
    texts = sorted((project / "site" / "texts").glob("*.html"))
    linking = sum(
        1
        for page in texts
        if re.search(rf'href="[^"]*[/#]{entry_id}[."]', page.read_text(encoding="utf-8"))
    )
    naming = sum(
        1
        for tei in (project / "tei").glob("*.xml")
        if tei.name != "registers.xml" and f"#{entry_id}" in tei.read_text(encoding="utf-8")
    )
    assert linking <= again <= naming, (linking, again, naming)
    assert again < len(texts) or naming == len(texts)


def test_a_build_after_another_reads_only_the_files_that_changed(
    tmp_path: Path, tei_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a build learnt of each file (its digest, its kind) is kept: the next build
    reads only the files whose size, time or inode changed (and those it parses for the
    registers), and gives the same site as a build that reads everything."""
    from browser import sites

    from pipeline.render.site import tei_members
    from pipeline.structure import inputs
    from pipeline.structure.reading import register_lists
    from pipeline.structure.registers import is_register_file

    folder = tmp_path / "projects"
    shutil.copytree(sites.PROJECTS_DIR, folder)
    site = tmp_path / "site"
    sites.build_foreign([folder], site, search=False)
    edited = min(folder.glob("*.xml"))
    edited.write_bytes(edited.read_bytes() + b"<!-- edited -->\n")
    read: list[str] = []
    original = inputs.read_input

    def noting(file: inputs.InputFile) -> bytes:
        if file.path.parent == folder:
            read.append(file.path.name)
        return original(file)

    monkeypatch.setattr(inputs, "read_input", noting)
    sites.build_foreign([folder], site, search=False)
    # Registers, and texts with lists of their own, are parsed for every build.
    with_lists = {
        p.name
        for p in folder.glob("*.xml")
        if is_register_file(root := etree.parse(p).getroot())
        or any(register_lists(tei) for tei, _ in tei_members(root))
    }
    assert edited.name in read
    assert set(read) <= {edited.name} | with_lists, sorted(set(read))
    assert len(with_lists) < len(list(folder.glob("*.xml"))) - 1
    # The same site as one made without anything kept.
    monkeypatch.setattr(inputs, "read_input", original)
    fresh = tmp_path / "fresh"
    sites.build_foreign([folder], fresh, search=False, cache=False)
    assert files_below(site) == files_below(fresh)


def test_a_file_changed_under_a_known_digest_stops_the_build(tmp_path: Path) -> None:
    """A file read after its digest was taken as known (from an earlier run) is checked
    against it: what was made under that digest would not be of these bytes."""
    from pipeline.errors import EditionError
    from pipeline.structure import KnownInput, TeiFile, discover

    path = tmp_path / "a.xml"
    path.write_bytes(b'<TEI xmlns="http://www.tei-c.org/ns/1.0"/>')
    [found] = discover([tmp_path], (".xml",), 1 << 20).files
    stale = TeiFile(found, known=KnownInput("0" * 64, "text", None))
    assert stale.digest() == "0" * 64
    with pytest.raises(EditionError, match="changed while the build ran") as caught:
        stale.data()
    assert caught.value.path == str(path)
    fresh = TeiFile(found)
    assert fresh.digest() == hashlib.sha256(path.read_bytes()).hexdigest()


def test_small_entries_are_kept_in_one_pack_of_what_the_last_build_used(
    tmp_path: Path,
) -> None:
    """Entries every build asks of every text are one file per kind, written when the
    build ends, holding what it asked for or made: what it did not ask goes."""
    from pipeline.build.cache import PACKED, BuildCache

    kind = min(PACKED)
    cache = BuildCache(tmp_path)
    cache.put_bytes(kind, "a1", b"first")
    cache.put_bytes(kind, "b2", b"second")
    assert cache.get_bytes(kind, "b2") == b"second"
    assert not list(tmp_path.iterdir())  # nothing before the end of the build
    cache.flush()
    assert [p.name for p in tmp_path.iterdir()] == [f"{kind}.pack"]
    again = BuildCache(tmp_path)
    assert again.get_bytes(kind, "a1") == b"first"
    again.flush()  # "b2" was not asked for
    third = BuildCache(tmp_path)
    assert third.get_bytes(kind, "a1") == b"first" and third.get_bytes(kind, "b2") is None
    # A build that does not end (killed, failed) leaves the pack as it was.
    third.put_bytes(kind, "c3", b"third")
    assert BuildCache(tmp_path).get_bytes(kind, "c3") is None
    (tmp_path / f"{kind}.pack").write_bytes(b"damaged")
    assert BuildCache(tmp_path).get_bytes(kind, "a1") is None
    # Other kinds are a file each, written at once.
    cache.put_bytes("page", "cd12", b"page")
    assert (tmp_path / "page" / "cd" / "12").read_bytes().endswith(b"page")
    assert BuildCache(tmp_path).get_bytes("page", "cd12") == b"page"


def test_entries_no_build_uses_are_pruned_once_they_could_outnumber_the_rest(
    tmp_path: Path,
) -> None:
    """An entry of its own is in use while a build asks for it, puts it, or asks for an
    entry of the same key of another kind. Once the entries written since the last
    pruning outnumber those in use, the kinds the build used lose what is not in use, when
    the build ends."""
    from pipeline.build.cache import BuildCache

    def kept(kind: str) -> set[str]:
        return {p.parent.name + p.name for p in (tmp_path / kind).glob("*/*")}

    first = BuildCache(tmp_path)
    for key in ("aa01", "bb02", "cc03"):
        first.put_bytes("summary", key, b"summary")
        first.put_bytes("document", key, b"whole")
    first.prune()  # 6 written, 6 in use: not pruned
    assert kept("summary") == kept("document") == {"aa01", "bb02", "cc03"}
    second = BuildCache(tmp_path)
    # "aa01" asked as a summary only: its whole analysis is in use too.
    assert second.get_bytes("summary", "aa01") == b"summary"
    second.put_bytes("summary", "dd04", b"summary")
    second.put_bytes("document", "dd04", b"whole")
    second.put_bytes("page", "ee05", b"page")
    second.prune()  # 6 + 3 written since the last pruning, 4 in use: pruned
    assert kept("summary") == kept("document") == {"aa01", "dd04"}
    assert kept("page") == {"ee05"}
    third = BuildCache(tmp_path)
    third.put_bytes("page", "ff06", b"page")
    third.prune()  # 1 written since, 1 in use: not yet
    assert kept("page") == {"ee05", "ff06"}
    fourth = BuildCache(tmp_path)
    fourth.put_bytes("page", "ff06", b"page")
    fourth.prune()  # 2 written since, 1 in use: the kind the build used is pruned
    assert kept("page") == {"ff06"} and kept("summary") == {"aa01", "dd04"}


def test_a_cache_pruned_between_builds_holds_what_they_use_and_changes_nothing(
    tmp_path: Path, tei_env: Path
) -> None:
    """Builds under new versions of the templates (every entry made anew each time):
    once the cache has been pruned after the first was outdated, nothing the first made
    and no later version uses is left; the cache holds at most twice what a build from
    an empty cache makes; and the site is as a clean build's."""
    project = copy_project(tmp_path / "project")
    build(project)
    objects = project / ".site.cache" / "objects"

    def entries(folder: Path) -> set[str]:
        return {p.relative_to(folder).as_posix() for p in folder.glob("*/*/*") if p.is_file()}

    first = entries(objects)
    edit_template(project)  # builds with the theme's copy of the template, then edits it
    template = project / "theme" / "base.html"
    for version in range(3):
        text = template.read_text(encoding="utf-8")
        template.write_text(text.replace(MARK, f"{MARK}{version}", 1), encoding="utf-8")
        build(project)
    pruned = entries(objects)
    assert_same_site(project, tmp_path / "clean")
    # What the last version uses: the entries a build of it makes from an empty cache.
    for made in ("site", ".site.cache"):
        shutil.rmtree(project / made)
    build(project)
    needed = entries(objects)
    outdated = first - needed
    assert outdated and not outdated & pruned
    assert len(pruned) <= 2 * len(needed)


def test_the_cache_key_is_the_users_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stat

    from pipeline.build import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))
    key = cache.signing_key()
    path = tmp_path / "home" / "tei-edition" / cache.KEY_FILE
    assert key is not None and len(key) == 32 and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the user's alone
    cache._key_at.cache_clear()
    assert cache.signing_key() == key  # made once, then kept
    path.write_bytes(b"damaged")
    cache._key_at.cache_clear()
    again = cache.signing_key()
    assert again is not None and len(again) == 32 and again != key
    assert [p.name for p in path.parent.iterdir()] == [cache.KEY_FILE]
    # An entry is read back with the key it was signed with, and with no other.
    cache.BuildCache(tmp_path / "c", key=b"a" * 32).put_bytes("page", "ab12", b"x")
    assert cache.BuildCache(tmp_path / "c", key=b"a" * 32).get_bytes("page", "ab12") == b"x"
    assert cache.BuildCache(tmp_path / "c", key=b"b" * 32).get_bytes("page", "ab12") is None
    # Whole bytes of one entry under another's name (entries are not synced: after a
    # power cut a file may hold what another held) are a miss.
    store = cache.BuildCache(tmp_path / "c", key=b"a" * 32)
    store.put_bytes("page", "cd34", b"y")
    shutil.copy(tmp_path / "c" / "page" / "ab" / "12", tmp_path / "c" / "page" / "cd" / "34")
    assert cache.BuildCache(tmp_path / "c", key=b"a" * 32).get_bytes("page", "cd34") is None


class _Planted:
    """Unpickled, it makes a folder: what a pickle from another hand could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def test_a_cache_from_another_hand_is_never_unpickled(tmp_path: Path, tei_env: Path) -> None:
    """The build cache lies in the project's folder, so a project may come with one. Its
    entries are signed with the user's own key; one signed with another is a miss."""
    import hmac

    project = copy_project(tmp_path / "project")
    build(project)
    objects = project / ".site.cache" / "objects"
    marker = tmp_path / "pickle-ran"
    payload = pickle.dumps(_Planted(marker))
    other_key = b"k" * 32
    forged = hmac.new(other_key, payload, hashlib.sha256).digest() + payload
    planted = 0
    for path in objects.rglob("*"):
        if path.is_file():
            path.write_bytes(forged)
            planted += 1
    assert planted and any(p.suffix == ".pack" for p in objects.iterdir())
    edit_document(project)  # so that the build asks the cache for every other text
    build(project)
    assert not marker.exists(), "a planted pickle was loaded"
    assert_same_site(project, tmp_path / "clean")


def test_torn_cache_entries_are_misses(tmp_path: Path, tei_env: Path) -> None:
    """Cache entries are not forced to disk one by one (that would cost a sync per
    entry): after a power cut one may be left short or empty. Such an entry is a miss,
    made again, never read as it is."""
    project = copy_project(tmp_path / "project")
    build(project)
    objects = project / ".site.cache" / "objects"
    torn = 0
    for number, path in enumerate(sorted(p for p in objects.rglob("*") if p.is_file())):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if number % 2 else b"")
        torn += 1
    assert torn and any(p.suffix == ".pack" for p in objects.iterdir())
    edit_document(project)  # so that the build asks the cache for every other text
    build(project)
    assert_same_site(project, tmp_path / "clean")


def test_one_job_and_two_give_the_same_site(tmp_path: Path, tei_env: Path) -> None:
    sites = []
    for jobs in ("1", "2"):
        project = copy_project(tmp_path / f"jobs-{jobs}")
        result = run_edition("build", "--jobs", jobs, "--no-cache", cwd=project)
        assert result.returncode == 0, result.stderr
        sites.append(files_below(project / "site"))
    assert sites[0] and sorted(sites[0]) == sorted(sites[1])
    assert [n for n in sites[0] if sites[0][n] != sites[1][n]] == []


def test_one_job_and_two_give_the_same_validation_report(tei_env: Path) -> None:
    """More files than one batch holds, so that two jobs really split them."""
    folders = [REPO / "tests" / "data" / name for name in ("projects", "foreign")]
    reports = []
    for jobs in ("1", "2"):
        result = run_edition(
            "validate", *map(str, folders), "--schema", "tei_all", "--format", "json",
            "--jobs", jobs,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr  # some of those files are invalid
        reports.append(re.sub(r'"seconds": [0-9.]+', "", result.stdout))
    assert '"valid": false' in reports[0] and '"valid": true' in reports[0]
    assert reports[0] == reports[1]


@pytest.mark.parametrize("delay", [0.8, 1.6, 2.4, 3.2])
def test_a_rebuild_after_a_killed_rebuild_equals_a_clean_build(
    delay: float, tmp_path: Path, tei_env: Path
) -> None:
    project = copy_project(tmp_path / "project")
    build(project)
    edit_document(project)
    edit_register_entry(project)
    started = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *BUILD],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(delay)
    if started.poll() is None:
        os.killpg(started.pid, signal.SIGKILL)  # the build and its workers
    started.wait()
    build(project)
    assert_same_site(project, tmp_path / "clean")


def test_only_tei_made_from_a_removed_source_is_removed(tmp_path: Path) -> None:
    """The TEI of a removed source goes; hand-made TEI, TEI whose source is still there
    and TEI made from a file outside the sources folder stay."""
    project = copy_project(tmp_path / "project")
    tei = project / "tei"
    generated = min(t for t in tei.glob("*.xml") if t.name != "registers.xml")
    pointer = "tei:teiHeader/tei:revisionDesc/tei:change"

    def variant(name: str, source: str | None) -> None:
        tree = etree.parse(str(generated))
        change = tree.getroot().find(pointer, NSMAP)
        if source is None:
            del change.attrib["source"]
        else:
            change.set("source", source)
        tree.write(str(tei / name), encoding="UTF-8", xml_declaration=True)

    existing = etree.parse(str(generated)).getroot().find(pointer, NSMAP).get("source")
    assert (tei / existing).resolve().is_file()
    variant("gone.xml", "../sources/2000-01-01-gone.txt")
    variant("hand-made.xml", None)
    variant("elsewhere.xml", "../elsewhere/2000-01-01-gone.txt")
    variant("kept.xml", existing)
    collection = load_collection(load_config(project / "pyproject.toml"), sources=False)
    assert orphaned(collection, produced=set()) == ["gone.xml"]
    assert orphaned(collection, produced={"gone.xml"}) == []


def test_a_removed_text_that_others_still_need_is_named_and_nothing_changes(
    tmp_path: Path, tei_env: Path
) -> None:
    """Every text of the edition is pointed to (register entries used only there, links):
    removing one alone fails, and the one line says which text was left out."""
    project = copy_project(tmp_path / "project")
    before = files_below(project / "tei")
    source = _sources(project)[-1]
    source.unlink()
    source.with_suffix(".toml").unlink(missing_ok=True)
    result = run_edition("build", "--no-search", cwd=project)
    removed = f"{re.sub(r'^[0-9]{4}-[0-9]{2}-[0-9]{2}-', '', source.stem)}.xml"
    if result.returncode == 0:  # a text nothing else needs: it is simply gone
        assert not (project / "tei" / removed).exists()
        return
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert "nothing was written" in last and removed in last, last
    assert files_below(project / "tei") == before


def test_an_upgraded_library_is_a_new_version_of_the_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What a build keeps is keyed by the code that made it; Jinja2 or libxml2 upgraded
    # may write other bytes from the same templates and TEI, so it counts as new code.
    from pipeline.build import cache

    before = cache.code_digest.__wrapped__()
    assert cache.code_digest.__wrapped__() == before
    assert "Jinja2 " in cache.library_versions() and "libxml2 " in cache.library_versions()
    monkeypatch.setattr(cache, "library_versions", lambda: "Jinja2 0.0-upgraded")
    assert cache.code_digest.__wrapped__() != before
