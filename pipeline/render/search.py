"""The site's search: Pagefind, with facets, sort keys, dates in both calendars, and each
register entry as a result of its own.

- A text's page carries its facets (Pagefind filters: the text, its genre, the persons,
  places and organisations it names by the registers' names, the year it was written)
  and sort keys (date, title), from its analysis (``document_facets``).
- Each register entry has a page of its own, indexed with its facets (``entry_facets``)
  so one entry never runs into the next; the register pages that list them are not
  indexed.
- Every date of a text carries a key for each calendar it is given in
  (``dates.date_keys``: ``dt19171107`` for 7 November 1917, ``dt191711`` for the
  month), so the search page, which turns a date typed in either calendar into its key,
  finds the passage however the text writes it.
- Names the registers spell in more than one way (Milyutin, Miliutin) find each other:
  the search page asks for each spelling (``name_variants``).

``run_pagefind`` indexes the written site, as one index in the language of the pages'
words.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import cbor2

from pipeline.errors import EditionError
from pipeline.outputs import content_digest
from pipeline.render.dates import parse_iso
from pipeline.render.documents import DocumentPage
from pipeline.render.registers import KINDS, RegisterLinks
from pipeline.structure.registers import RegisterEntry
from pipeline.xmltools import NSMAP

# Facet (Pagefind filter) -> what the search page calls it.
FACETS = {
    "document": "Text",
    "genre": "Genre",
    "person": "Person",
    "place": "Place",
    "organisation": "Organisation",
    "year": "Year written",
    "kind": "Kind of result",
}
# The facet of the names of each kind of register entry.
_NAME_FACETS = {"person": "person", "place": "place", "org": "organisation"}
TEXT_KIND = "Text"
LAST = "9999-99-99"  # the date key of what has no date: after everything dated


def _iso(value: tuple[int, int, int] | None) -> str:
    if value is None:
        return LAST
    year, month, day = value
    return f"{year:04d}-{month:02d}-{day:02d}" if year >= 0 else LAST


def document_facets(doc: DocumentPage, registers: RegisterLinks | None) -> dict[str, list[str]]:
    """The filters of a text's page, from its analysis."""
    facets: dict[str, list[str]] = {
        "document": [doc.title],
        "genre": [g.label for g in doc.genres],
        "kind": [TEXT_KIND],
    }
    if doc.creation is not None and doc.creation.year is not None:
        facets["year"] = [str(doc.creation.year)]
    if registers is not None:
        for mention in doc.mentions:
            entry = registers.entries.get(mention.entry_key)
            facet = _NAME_FACETS.get(entry.kind) if entry is not None else None
            if facet:
                facets.setdefault(facet, []).append(entry.name)
    return {k: sorted(set(v), key=str.casefold) for k, v in facets.items() if v}


def document_sort(doc: DocumentPage) -> dict[str, str]:
    """The sort keys of a text's page: its date of writing and its title (each made
    unique by the page's name, so that the order never depends on the indexer)."""
    start = doc.creation.start if doc.creation is not None else None
    return {"date": f"{_iso(start)} {doc.slug}", "title": f"{doc.title.casefold()} {doc.slug}"}


def entry_facets(entry: RegisterEntry) -> dict[str, list[str]]:
    """The filters of a register entry's page: what it is, and its name."""
    kind = KINDS[entry.kind]
    facets = {"kind": [kind.singular.capitalize()]}
    facet = _NAME_FACETS.get(entry.kind)
    if facet:
        facets[facet] = [entry.name]
    return facets


def entry_sort(entry: RegisterEntry, key: str) -> dict[str, str]:
    """The sort keys of a register entry's page: a person's birth, and the name."""
    born = entry.element.find("tei:birth/tei:date", NSMAP)
    start = parse_iso(born.get("when") or born.get("notBefore")) if born is not None else None
    return {"date": f"{_iso(start)} {key}", "title": f"{entry.sort_name.casefold()} {key}"}


def facet_options(
    documents: Sequence[DocumentPage], registers: RegisterLinks | None
) -> list[tuple[str, str, list[str]]]:
    """(facet, label, values) for the search page's filters: every value some record
    has, so that no choice finds nothing."""
    values: dict[str, set[str]] = {facet: set() for facet in FACETS}
    for doc in documents:
        for facet, found in document_facets(doc, registers).items():
            values[facet].update(found)
    if registers is not None:
        for entry in registers.entries.values():
            kind = KINDS.get(entry.kind)
            if kind is None:
                continue
            values["kind"].add(kind.singular.capitalize())
            if entry.kind in _NAME_FACETS:
                values[_NAME_FACETS[entry.kind]].add(entry.name)
    options = []
    for facet, label in FACETS.items():
        if facet == "document":
            found = [d.title for d in documents]  # in the order of the texts
            found = list(dict.fromkeys(found))
        elif facet == "year":
            found = sorted(values[facet])
        else:
            found = sorted(values[facet], key=str.casefold)
        if found:
            options.append((facet, label, found))
    return options


# --- names spelt in more than one way ---------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")


def _words(text: str) -> set[str]:
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return {w for w in _WORD.findall(plain) if len(w) >= 4}


def _distance(a: str, b: str) -> int:
    """Levenshtein distance of two short words."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _variant(a: str, b: str) -> bool:
    """Two spellings of one name (Milyutin, Miliutin; Grigory, Gregory): alike but for a
    letter or two within the word; not another form of a word (Bolshevik, Bolsheviks;
    Russia, Russian; Democratic, Democrats), which differs at its end."""
    if a[0] != b[0] or abs(len(a) - len(b)) > 1 or not 0 < _distance(a, b) <= 2:
        return False
    shortest = min(len(a), len(b))
    first = next((i for i in range(shortest) if a[i] != b[i]), shortest)
    return first < shortest - 2


NAME_VARIANTS = "search-names.json"  # the registers' other spellings, which search asks too


def name_variants(registers: RegisterLinks | None) -> dict[str, list[str]]:
    """Word -> the other spellings of it that the registers give for the same entry."""
    found: dict[str, set[str]] = {}
    if registers is None:
        return {}
    for entry in registers.entries.values():
        if entry.kind not in _NAME_FACETS:
            continue
        words: set[str] = _words(entry.name)
        for el in entry.element:
            if isinstance(el.tag, str) and el.tag.rpartition("}")[2] in (
                "persName",
                "placeName",
                "orgName",
            ):
                words |= _words("".join(el.itertext()))
        for a in words:
            for b in words:
                if a != b and _variant(a, b):
                    found.setdefault(a, set()).add(b)
    return {word: sorted(others) for word, others in sorted(found.items())}


# --- the index ----------------------------------------------------------------------------------


def pagefind_version() -> str:
    try:
        return importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        return "none"


SHARDS = "shards.json"  # in pagefind/: the other indexes that search merges at query time


class IndexStore(Protocol):
    """Where the indexes of shards are kept between builds (the build's cache)."""

    def get_bytes(self, kind: str, key: str) -> bytes | None: ...

    def put_bytes(self, kind: str, key: str, data: bytes) -> None: ...


class IndexKeeper(Protocol):
    """The site being written, where it started as an earlier version: which files it
    already holds as that version's index left them."""

    def holds_files(self, files: Sequence[str], key: str) -> bool:
        """Whether ``files`` (paths in the site) are exactly the files made under
        ``key`` in the earlier version, each as it was left."""
        ...

    def made_files(self, files: Sequence[str], key: str) -> None:
        """``files`` were made now, under ``key``."""
        ...


def run_pagefind(
    site_dir: Path,
    language: str = "en",
    shard_pages: int = 0,
    store: IndexStore | None = None,
    pages: Mapping[str, tuple[str, bool]] | None = None,
    keeper: IndexKeeper | None = None,
) -> str:
    """Index ``site_dir`` with Pagefind (the ``pagefind[bin]`` wheel) in ``language``
    (the pages' own words) whatever the languages of the texts; returns its report.

    With ``shard_pages``, a site of more pages than that is indexed in shards of at
    most that many pages, in the order of their paths: the first in ``pagefind/``, the
    others in ``pagefind/shard-N/``, listed in ``pagefind/shards.json`` for the search
    page to merge (Pagefind's ``mergeIndex``). Each Pagefind run then holds one shard,
    so its memory is bounded whatever the size of the site. With a ``store``, a shard
    whose pages are the same bytes as in an earlier build takes that build's index
    instead of running Pagefind again. ``pages``, where the caller wrote them, gives
    each HTML page of the site with the digest of its bytes and whether it marks its
    body (``data-pagefind-body``): no page is then read to learn it. A ``keeper``
    says which indexes the site already holds, as an earlier version left them: those
    are kept, and only the others are made."""
    if importlib.util.find_spec("pagefind") is None:
        raise EditionError(
            "Pagefind is not installed: pip install 'pagefind[bin]' (needed for the search page)"
        )
    site_dir = Path(site_dir)
    if pages is None:
        pages = {}
        for path in sorted(site_dir.rglob("*.html")):
            data = path.read_bytes()
            pages[path.relative_to(site_dir).as_posix()] = (
                content_digest(data),
                b"data-pagefind-body" in data,
            )
    # Where any page marks its body, Pagefind indexes only such pages: so must each shard.
    names = sorted(p for p, (_, marked) in pages.items() if marked) or sorted(pages)
    digests = {name: pages[name][0] for name in names}
    root = site_dir / "pagefind"
    if shard_pages <= 0 or len(names) <= shard_pages:
        _remove_shards(root, 1)
        key = _index_key(digests, names, language, True)
        if _kept(site_dir, root, key, keeper):
            made = "kept\n"
        else:
            made = _indexed(site_dir, names, root, language, store, True, key)
            _made(site_dir, root, key, keeper)
        _write_listing(site_dir, {"shards": []})  # no shards: said, so search asks no further
        return made
    groups = [names[at : at + shard_pages] for at in range(0, len(names), shard_pages)]
    _remove_shards(root, len(groups))
    folders = [root / (f"shard-{n}" if n else "") for n in range(len(groups))]
    keys = [_index_key(digests, group, language, False) for group in groups]
    # Each shard's index, given the words of every other (see _share_vocabulary), is
    # named by its own key and the whole vocabulary: a shard whose name is as in the
    # version the site started from is kept as it is. The words of a shard not seen
    # before are known only from its index: such shards are indexed first.
    reports, redone = [], []
    for number, (folder, key) in enumerate(zip(folders, keys, strict=True)):
        if store is None or store.get_bytes("pagefind-words", key) is None:
            _clear_own(folder, folder == root)
            reports.append(_indexed(site_dir, groups[number], folder, language, store, key=key))
            redone.append(number)
    # The word lists of a shard just indexed are read again when it is given the words
    # of the others: kept meanwhile for an edit's few shards (never for all of them).
    parsed: dict[Path, list] | None = {} if len(redone) <= 2 else None
    vocabulary: dict[str, set[str]] = {}
    for folder, key in zip(folders, keys, strict=True):
        for language_, listed in _shard_words(folder, key, store, parsed).items():
            vocabulary.setdefault(language_, set()).update(listed)
    for number, (folder, key) in enumerate(zip(folders, keys, strict=True)):
        if number not in redone and not _kept(
            site_dir, folder, _final_key(key, vocabulary), keeper
        ):
            reports.append(_indexed(site_dir, groups[number], folder, language, store, key=key))
            redone.append(number)
    if redone:
        again = [folders[number] for number in sorted(redone)]
        finals = _share_vocabulary(folders, keys, again, store, vocabulary, parsed)
        for number in sorted(redone):
            _made(site_dir, folders[number], finals[number], keeper)
    shards = [
        {"path": f"shard-{number}/", "pages": group}
        for number, group in enumerate(groups)
        if number
    ]
    _write_listing(site_dir, {"pages": groups[0], "shards": shards})
    return "".join(reports)


def _own_files(site_dir: Path, folder: Path) -> list[str]:
    """The files of one index: those below ``folder``, not those of the shards inside the
    site's top index folder. None at all where the folder holds a link or an empty
    folder (not as an index leaves it): the index is then made again."""
    top = folder == site_dir / "pagefind"
    found: list[str] = []
    if folder.is_symlink() or not folder.is_dir():
        return found
    start = str(folder)
    base = folder.relative_to(site_dir).as_posix()
    for current, subfolders, names in os.walk(start):
        if top and current == start:
            subfolders[:] = [d for d in subfolders if not _SHARD.fullmatch(d)]
            names = [n for n in names if n != SHARDS]
        if not names and not subfolders:
            return []
        for name in [*names, *subfolders]:
            if os.path.islink(os.path.join(current, name)):
                return []
        # Strings, not paths: a shard holds thousands of files.
        below = current[len(start) :].replace(os.sep, "/")
        found += [f"{base}{below}/{n}" for n in names]
    return sorted(found)


def _clear_own(folder: Path, top: bool) -> None:
    if folder.is_symlink():
        folder.unlink()
        return
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.is_dir() and not path.is_symlink():
            if not (top and _SHARD.fullmatch(path.name)):
                shutil.rmtree(path)
        else:
            path.unlink()


def _kept(site_dir: Path, folder: Path, key: str, keeper: IndexKeeper | None) -> bool:
    """Whether the site holds the index ``key`` names in ``folder``, as an earlier version
    left it; if not, the folder's own files are removed, to be made again."""
    if keeper is not None:
        files = _own_files(site_dir, folder)
        if files and keeper.holds_files(files, key):
            return True
    _clear_own(folder, folder == site_dir / "pagefind")
    return False


def _made(site_dir: Path, folder: Path, key: str, keeper: IndexKeeper | None) -> None:
    if keeper is not None:
        keeper.made_files(_own_files(site_dir, folder), key)


def _remove_shards(root: Path, count: int) -> None:
    """Remove the shard folders an earlier version had beyond the ``count`` of this one."""
    if not root.is_dir():
        return
    for path in root.iterdir():
        found = _SHARD.fullmatch(path.name)
        if found and int(found.group(1)) >= count:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


_SHARD = re.compile(r"shard-([1-9][0-9]*)")


def _write_listing(site_dir: Path, listing: dict) -> None:
    path = site_dir / "pagefind" / SHARDS
    # Never written through: the file may be a hard link to the site being replaced.
    path.unlink(missing_ok=True)
    path.write_text(json.dumps(listing, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _indexed(
    site_dir: Path,
    pages: Sequence[str],
    output: Path,
    language: str,
    store: IndexStore | None,
    whole: bool = False,
    key: str = "",
) -> str:
    """Pagefind's index of ``pages`` in ``output``: from the store when the same pages
    (``key``) were indexed before (the index as Pagefind wrote it, settled again
    here), else made now and kept there."""
    kept = store.get_bytes("pagefind", key) if store is not None else None
    if kept is not None:
        try:
            files = {name: base64.b64decode(data) for name, data in json.loads(kept).items()}
        except (ValueError, AttributeError):
            files = None
        if files:
            for name, data in files.items():
                (output / name).parent.mkdir(parents=True, exist_ok=True)
                (output / name).write_bytes(data)
            settle_index(output)
            return "reused\n"
    if whole:  # the site's own folder, as Pagefind reads it
        report = _pagefind(site_dir, output, language)
    else:
        # Pagefind reads a folder: the shard's pages, linked (not copied), in a hidden
        # folder of the site (gone before the site is put in place, or with it if killed).
        farm = site_dir / f".pagefind-{key[:12]}"
        _link_pages(site_dir, pages, farm)
        try:
            report = _pagefind(farm, output, language)
        finally:
            shutil.rmtree(farm, ignore_errors=True)
    if store is not None:
        files = {
            p.relative_to(output).as_posix(): base64.b64encode(p.read_bytes()).decode("ascii")
            for p in sorted(output.rglob("*"))
            if p.is_file() and not p.relative_to(output).as_posix().startswith("shard-")
        }
        store.put_bytes("pagefind", key, json.dumps(files, sort_keys=True).encode("ascii"))
    settle_index(output)
    return report


def _index_key(digests: Mapping[str, str], pages: Sequence[str], language: str, whole: bool) -> str:
    """What an index is made from: Pagefind's version, the language, the pages' names
    and the digests of their bytes."""
    h = hashlib.sha256(f"{pagefind_version()}\0{language}\0{whole}".encode())
    for page in pages:
        h.update(f"{page}\0{digests[page]}\0".encode())
    return h.hexdigest()


def _link_pages(site_dir: Path, pages: Sequence[str], farm: Path) -> None:
    shutil.rmtree(farm, ignore_errors=True)
    for page in pages:
        target = farm / page
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site_dir / page, target)
        except OSError:  # a file system without hard links
            shutil.copyfile(site_dir / page, target)


def _pagefind(site_dir: Path, output: Path, language: str) -> str:
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site_dir),
        "--output-path",
        str(output),
        "--force-language",
        language,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise EditionError("Pagefind failed: " + " | ".join(tail), site_dir)
    return result.stdout


# --- the index, the same from run to run --------------------------------------------------

_MAGIC = b"pagefind_dcd"


def _read_part(path: Path) -> object:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(_MAGIC):
        raise EditionError("not a part of a Pagefind index", path)
    return cbor2.loads(data[len(_MAGIC) :])


def _write_part(folder: Path, prefix: str, stem: str, suffix: str, value: object) -> str:
    """Write a part of the index under a name made from its content; returns the name."""
    data = _MAGIC + cbor2.dumps(value)
    name = f"{stem}_{hashlib.sha256(data).hexdigest()[:10]}"
    (folder / f"{prefix}{name}{suffix}").write_bytes(gzip.compress(data, mtime=0))
    return name


def _is_pairs(part: object, check: Callable[[object], bool]) -> bool:
    return (
        isinstance(part, list)
        and bool(part)
        and all(isinstance(x, list) and len(x) == 2 and isinstance(x[0], str) for x in part)
        and all(check(x[1]) for x in part)
    )


def _index_parts(folder: Path) -> Iterator[tuple[str, dict, Path, list]]:
    """Each language of a Pagefind index: its name, its entry, metadata file and metadata."""
    entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
    for language, info in sorted(entry.get("languages", {}).items()):
        meta_path = folder / f"pagefind.{info['hash']}.pf_meta"
        meta = _read_part(meta_path)
        if not isinstance(meta, list) or len(meta) < 3 or not isinstance(meta[2], list):
            raise EditionError("not the metadata of a Pagefind index", meta_path)
        yield language, info, meta_path, meta


def _shard_words(
    folder: Path, key: str, store: IndexStore | None, parsed: dict[Path, list] | None = None
) -> dict[str, list[str]]:
    """The words of a shard's own index (by language), kept in the store by its key.
    ``parsed``: where the word lists read are kept for ``_give_words``."""
    kept = store.get_bytes("pagefind-words", key) if store is not None else None
    if kept is not None:
        return json.loads(kept)
    words = {
        language: sorted({e[0] for part in _chunks(folder, meta, parsed) for e in part})
        for language, _info, _path, meta in _index_parts(folder)
    }
    if store is not None:
        store.put_bytes("pagefind-words", key, json.dumps(words).encode("utf-8"))
    return words


def _final_key(key: str, vocabulary: dict[str, set[str]]) -> str:
    whole = hashlib.sha256(
        json.dumps({k: sorted(v) for k, v in sorted(vocabulary.items())}).encode("utf-8")
    ).hexdigest()
    return hashlib.sha256(f"{key}\0{whole}".encode()).hexdigest()


def _share_vocabulary(
    folders: Sequence[Path],
    keys: Sequence[str],
    redone: Sequence[Path] | None = None,
    store: IndexStore | None = None,
    vocabulary: dict[str, set[str]] | None = None,
    parsed: dict[Path, list] | None = None,
) -> list[str]:
    """Give every shard every word of the site, each other shard's with no pages;
    returns the key of each shard's index so given.

    Pagefind answers a word that an index lacks with its longest prefix that the index
    has ("archive" finds "a"): shards that lack a word would add pages that one index
    for the whole site never gives. Knowing every word (with no pages where it is not
    theirs), each shard falls back only where one index would, to the same prefix.

    ``keys`` name each shard's own index (``_index_key``): with a ``store``, a shard's
    words, and its index given a vocabulary, are kept by them and taken from it. Only
    the shards in ``redone`` (all, if None) are given the words: the others are
    already as they would be (their words must be in the store). ``vocabulary``: every
    shard's words, where the caller gathered them already; ``parsed``: word lists the
    caller read (see ``_chunks``)."""
    redone = list(folders) if redone is None else list(redone)
    if vocabulary is None:
        vocabulary = {}
        for folder, key in zip(folders, keys, strict=True):
            for language, listed in _shard_words(folder, key, store).items():
                vocabulary.setdefault(language, set()).update(listed)
    finals = [_final_key(key, vocabulary) for key in keys]
    for folder, shared_key in zip(folders, finals, strict=True):
        if folder not in redone:
            continue
        kept = store.get_bytes("pagefind-shared", shared_key) if store is not None else None
        if kept is not None:
            _replace_index(folder, {n: base64.b64decode(d) for n, d in json.loads(kept).items()})
            continue
        _give_words(folder, vocabulary, parsed)
        if store is not None:
            made = {
                name: base64.b64encode(data).decode("ascii")
                for name, data in _index_files(folder).items()
            }
            store.put_bytes("pagefind-shared", shared_key, json.dumps(made).encode("ascii"))
    return finals


def _chunks(folder: Path, meta: list, parsed: dict[Path, list] | None = None) -> list[list]:
    """The word lists of an index; with ``parsed``, those read are kept there, and
    those found there taken (and given up: each is read at most twice)."""
    found = []
    for chunk in meta[2]:
        path = folder / "index" / f"{chunk[2]}.pf_index"
        part = parsed.pop(path, None) if parsed is not None else None
        if part is None:
            part = _read_part(path)[0]
            if parsed is not None:
                parsed[path] = part
        found.append(part)
    return found


def _index_files(folder: Path) -> dict[str, bytes]:
    """The files of an index that sharing the vocabulary rewrites: the entry, the
    metadata and the word chunks (not the fragments and filters, nor other shards)."""
    names = ["pagefind-entry.json", *(p.name for p in folder.glob("pagefind.*.pf_meta"))]
    names += [f"index/{p.name}" for p in (folder / "index").glob("*.pf_index")]
    return {name: (folder / name).read_bytes() for name in sorted(names)}


def _replace_index(folder: Path, files: dict[str, bytes]) -> None:
    for name in _index_files(folder):
        (folder / name).unlink()
    for name, data in files.items():
        (folder / name).write_bytes(data)


def _give_words(
    folder: Path, vocabulary: dict[str, set[str]], parsed: dict[Path, list] | None = None
) -> None:
    """The index of ``folder`` with every word of ``vocabulary`` (its own keep their
    pages; the others have none)."""
    entry_path = folder / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for language, info, meta_path, meta in _index_parts(folder):
        entries = [e for chunk in _chunks(folder, meta, parsed) for e in chunk]
        own = {e[0] for e in entries}
        entries += [[w, [], []] for w in vocabulary[language] - own]
        entries.sort(key=lambda e: e[0].encode("utf-8"))
        for c in meta[2]:
            (folder / "index" / f"{c[2]}.pf_index").unlink()
        # As many chunks as before, of even length, named after their content.
        count = max(1, len(meta[2]))
        size = -(-len(entries) // count)
        meta[2] = [
            [
                part[0][0],
                part[-1][0],
                _write_part(folder / "index", "", language, ".pf_index", [part]),
            ]
            for part in (entries[at : at + size] for at in range(0, len(entries), size))
        ]
        meta_path.unlink()
        info["hash"] = _write_part(folder, "pagefind.", language, ".pf_meta", meta)
        entry["languages"][language] = info
    entry_path.write_text(
        json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )


def settle_index(folder: Path) -> None:
    """Pagefind writes each filter's values, and the filters and sort keys in its
    metadata, in an order that changes from run to run (a hash map's), and names each
    file after its content: the same site would have another index every time. Here
    they are put in one order (by name, pages by number) and named again."""
    entry_path = folder / "pagefind-entry.json"
    if not entry_path.is_file():
        return
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    filters = folder / "filter"
    for language, info in sorted(entry.get("languages", {}).items()):
        meta_path = folder / f"pagefind.{info['hash']}.pf_meta"
        meta = _read_part(meta_path)
        if not isinstance(meta, list):
            raise EditionError("not the metadata of a Pagefind index", meta_path)
        for at, part in enumerate(meta):
            if _is_pairs(
                part, lambda x: isinstance(x, str) and (filters / f"{x}.pf_filter").is_file()
            ):
                settled = []
                for name, old in part:
                    path = filters / f"{old}.pf_filter"
                    facet, values = _read_part(path)
                    ordered = sorted([value, sorted(pages)] for value, pages in values)
                    path.unlink()
                    settled.append(
                        [name, _write_part(filters, "", language, ".pf_filter", [facet, ordered])]
                    )
                meta[at] = sorted(settled)
            elif _is_pairs(part, lambda x: isinstance(x, list)):
                meta[at] = sorted(part, key=lambda pair: pair[0])
        meta_path.unlink()
        info["hash"] = _write_part(folder, "pagefind.", language, ".pf_meta", meta)
    entry_path.write_text(
        json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
