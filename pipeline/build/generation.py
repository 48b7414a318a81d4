"""The next version of a site, written as a change to an earlier one.

A site is replaced whole, in one step (``StagedFolder``). Writing every file of a large
site each time, and removing every file of the version replaced, would cost a build in
proportion to the whole edition however small the change. So the version replaced is
kept, beside the caches, as the spare; the next build starts from it and writes only the
files whose bytes differ from what it holds, and removes those it no longer has.

What each version holds is recorded beside the caches (``records/``, one record per
version, named by its folder): each file's size, time and inode as written, the digest
of its bytes, and the key of the page it was made from. A file is reused only while it
is exactly as recorded, so a spare changed by hand, or a record that is lost, stale or
unreadable, means only that more is written: the site is the same bytes either way.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path

from pipeline.errors import EditionError
from pipeline.outputs import StagedFolder, atomic_write, content_digest

SEARCH_MARK = b"data-pagefind-body"


def _folder_id(folder: Path) -> str:
    stat = os.stat(folder)
    return f"{stat.st_dev}-{stat.st_ino}"


class SiteWriter:
    """Writes the files of the site staged in ``staged``; ``records`` is the folder of
    the versions' records (None: nothing is recorded, every file is written)."""

    def __init__(self, staged: StagedFolder, records: Path | None) -> None:
        self.staged = staged
        self.records = records
        self.base: dict[str, list] = {}
        if staged.based and records is not None:
            # Files linked from the site keep the site's record; the spare's own folder
            # is about to change, and its record no longer describes it.
            spare = staged.started_from == "spare"
            path = records / f"{_folder_id(staged.path if spare else staged.target)}.json"
            self.base = _read_record(path)
            if spare:
                path.unlink(missing_ok=True)
        if staged.based:
            # A link in an earlier version (made by hand) is never followed or kept.
            _unlink_links(str(staged.path))
        self.mode = 0o666 & ~_umask()  # what every file written gets
        self.recorded: Path | None = None
        self.made: dict[str, tuple[str, str, bool]] = {}  # path -> digest, page key, marked
        self.pending: dict[str, str] = {}  # path -> key of a page being made
        self.written = 0
        # Pages made again (their key new) into the bytes the base already held: after
        # a change of code or theme, nearly all (see ``rekey``).
        self.same_bytes = 0
        self.asked = 0  # pages asked for by their key (``holds``)
        self._by_key: dict[str, list[str]] | None = None  # the base's files by their key

    def _intact(self, rel: str, entry: list) -> bool:
        """Whether the file is a plain file exactly as recorded (a change of its mode
        leaves its time as it was: the mode is checked too)."""
        try:
            found = os.lstat(os.path.join(self.staged.path, rel))
        except OSError:
            return False
        if not stat.S_ISREG(found.st_mode) or stat.S_IMODE(found.st_mode) != self.mode:
            return False
        return [found.st_size, found.st_mtime_ns, found.st_ino] == entry[:3]

    def holds(self, rel: str, key: str) -> bool:
        """Whether the version being written already holds the page ``key`` made at
        ``rel``: then it is neither made nor written, and is part of the new version."""
        self.asked += 1
        entry = self.base.get(rel)
        if not key or entry is None or entry[4] != key or not self._intact(rel, entry):
            self.pending[rel] = key  # the page is made now: its key is recorded with it
            return False
        if rel in self.made:
            raise EditionError(f"two outputs would have the same path: {rel}")
        self.made[rel] = (entry[3], key, entry[5])
        return True

    def write(self, rel: str, data: bytes, key: str = "") -> None:
        if rel in self.made:
            raise EditionError(f"two outputs would have the same path: {rel}")
        key = self.pending.pop(rel, key)
        digest = content_digest(data)
        entry = self.base.get(rel)
        if entry is None or entry[3] != digest or not self._intact(rel, entry):
            self.staged.write(rel, data)
            self.written += 1
        elif key and entry[4] != key:
            self.same_bytes += 1
        self.made[rel] = (digest, key, rel.endswith(".html") and SEARCH_MARK in data)

    def holds_files(self, files: Sequence[str], key: str) -> bool:
        """Whether ``files`` are exactly those the earlier version made under ``key``
        (a search index, say), each as it was left: then they are part of this one."""
        if not key or not files:
            return False
        prefix = os.path.commonpath(files) if len(files) > 1 else os.path.dirname(files[0])
        prefix = f"{prefix}/" if prefix else ""
        if self._by_key is None:  # once: a site may have many indexes, each asked here
            self._by_key = {}
            for rel, entry in self.base.items():
                self._by_key.setdefault(entry[4], []).append(rel)
        recorded = sum(1 for rel in self._by_key.get(key, ()) if rel.startswith(prefix))
        if recorded != len(files):
            return False
        for rel in files:
            entry = self.base.get(rel)
            if entry is None or entry[4] != key or rel in self.made or not self._intact(rel, entry):
                return False
        for rel in files:
            entry = self.base[rel]
            self.made[rel] = (entry[3], key, entry[5])
        return True

    def made_files(self, files: Sequence[str], key: str) -> None:
        """``files`` were written by another hand (a search index) under ``key``."""
        for rel in files:
            self.made[rel] = ("", key, False)
        self.written += len(files)

    def pages(self) -> dict[str, tuple[str, bool]]:
        """Each HTML page written: the digest of its bytes, and whether it marks its body
        for the search index."""
        return {
            rel: (d, marked) for rel, (d, _, marked) in self.made.items() if rel.endswith(".html")
        }

    def prune(self, apart: str = "") -> None:
        """Remove what the earlier version held and this one does not, empty folders too;
        not in the folder ``apart`` (the search index, which looks after its own)."""
        if self.staged.based:
            _prune(str(self.staged.path), "", self.made, apart)

    def listing(self) -> dict[str, os.stat_result]:
        """Every file of the new version, with its metadata, in the order of its path."""
        found: dict[str, os.stat_result] = {}
        _walk(str(self.staged.path), "", found)
        return dict(sorted(found.items()))

    def record(self, listing: Mapping[str, os.stat_result]) -> None:
        """Keep what the new version holds, for the build that starts from it."""
        if self.records is None:
            return
        files = {}
        for rel, found in listing.items():
            digest, key, marked = self.made.get(rel, ("", "", False))
            files[rel] = [found.st_size, found.st_mtime_ns, found.st_ino, digest, key, marked]
        data = json.dumps({"files": files}, separators=(",", ":")).encode()
        path = self.records / f"{_folder_id(self.staged.path)}.json"
        try:
            atomic_write(path, data)
            self.recorded = path
        except OSError:
            pass  # no record: the next build writes every file

    def rekey(self, folder: Path) -> None:
        """Give the record of ``folder`` (the version just replaced: the spare, which
        the next build starts from) this version's page keys for the files whose bytes
        are the same in both: made under those keys, they are what the keys name. After
        a change of code or theme every key is new; without this, the next build would
        make every page again too. Only where a tenth of the pages or more were made
        again into the same bytes: a record of a large site is not read for a few."""
        if self.records is None or not self.same_bytes or self.same_bytes * 10 < self.asked:
            return
        try:
            path = self.records / f"{_folder_id(folder)}.json"
        except OSError:
            return
        files = _read_record(path)
        changed = False
        for rel, entry in files.items():
            digest, key, marked = self.made.get(rel, ("", "", False))
            if digest and key and entry[3] == digest and entry[4] != key:
                entry[4], entry[5] = key, marked
                changed = True
        if changed:
            # Not written, the record is as before: true of the spare, only less useful.
            with contextlib.suppress(OSError):
                atomic_write(path, json.dumps({"files": files}, separators=(",", ":")).encode())

    def discard(self) -> None:
        """The new version is not put in place: its record goes with it."""
        if self.recorded is not None:
            self.recorded.unlink(missing_ok=True)

    def forget_others(self, keep: list[Path]) -> None:
        """After the new version is in place, only its record and the spare's are kept."""
        if self.records is None or not self.records.is_dir():
            return
        wanted = set()
        for folder in keep:
            try:
                wanted.add(f"{_folder_id(folder)}.json")
            except OSError:
                pass
        for path in self.records.iterdir():
            if path.name not in wanted:
                path.unlink(missing_ok=True)


def _read_record(path: Path) -> dict[str, list]:
    try:
        files = json.loads(path.read_bytes()).get("files")
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(files, dict):
        return {}
    return {
        rel: entry
        for rel, entry in files.items()
        if isinstance(entry, list) and len(entry) == 6 and isinstance(rel, str)
    }


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _unlink_links(folder: str) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_symlink():
                os.unlink(entry.path)
            elif entry.is_dir():
                _unlink_links(entry.path)


def _prune(folder: str, prefix: str, made: Mapping[str, object], apart: str) -> bool:
    """Remove below ``folder`` every file not in ``made``; whether anything is left."""
    left = False
    with os.scandir(folder) as entries:
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if rel == apart or _prune(entry.path, rel + "/", made, apart):
                    left = True
                else:
                    os.rmdir(entry.path)
            elif rel in made and entry.is_file(follow_symlinks=False):
                left = True
            else:
                os.unlink(entry.path)
    return left


def _walk(folder: str, prefix: str, found: dict[str, os.stat_result]) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                _walk(entry.path, prefix + entry.name + "/", found)
            else:
                found[prefix + entry.name] = entry.stat(follow_symlinks=False)
