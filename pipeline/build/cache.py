"""A cache of per-document results, addressed by the digest of everything they come from.

An entry's key is a digest of its inputs (the document's bytes, the schemas or registers
it was made with, the settings) and of the code that made it, so an entry can only be
used for exactly what it was made from: the cache is never needed for correctness, and
a build without it gives the same bytes. Entries are JSON or bytes (never pickles),
written atomically, so a killed run leaves whole entries or none; an entry that cannot
be read is treated as missing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

from pipeline.outputs import atomic_write
from pipeline.render.memo import digest


@functools.cache
def code_digest() -> str:
    """The digest of the package's code and templates: a changed renderer or validator
    never reuses what an earlier one made."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (
            ".py",
            ".html",
            ".css",
            ".js",
            ".toml",
            ".xsd",
            ".sch",
        ):
            h.update(path.relative_to(package).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


# Kinds of small entries that every build asks of every text: kept together, one file
# per kind (``KIND.pack``), read once, so that a build does not open a file per text to
# learn what it knew already.
PACKED = frozenset({"outline", "lookups", "verdicts"})


class BuildCache:
    """Entries under ``folder/KIND/ab/cdef…`` (those of a ``packed`` kind in one file,
    written by ``flush``); with ``folder`` None, a cache that keeps nothing (every
    lookup misses)."""

    def __init__(self, folder: Path | None, packed: frozenset[str] = PACKED) -> None:
        self.folder = folder
        self.packed = packed
        self._packs: dict[str, dict[str, bytes]] = {}  # kind -> as the last flush left it
        self._used: dict[str, dict[str, bytes]] = {}  # kind -> what this run asked or put

    def _path(self, kind: str, key: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / kind / key[:2] / key[2:]

    def _pack(self, kind: str) -> dict[str, bytes]:
        pack = self._packs.get(kind)
        if pack is None:
            assert self.folder is not None
            pack = self._packs[kind] = _read_pack(self.folder / f"{kind}.pack")
        return pack

    def get_bytes(self, kind: str, key: str) -> bytes | None:
        if self.folder is not None and kind in self.packed:
            used = self._used.setdefault(kind, {})
            data = used.get(key) or self._pack(kind).get(key)
            if data is not None:
                used[key] = data
            return data
        path = self._path(kind, key)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def put_bytes(self, kind: str, key: str, data: bytes) -> None:
        if self.folder is not None and kind in self.packed:
            self._used.setdefault(kind, {})[key] = data
            return
        path = self._path(kind, key)
        if path is None:
            return
        try:
            atomic_write(path, data)
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower

    def flush(self) -> None:
        """Write each pack with the entries this run asked for or put, and no others:
        what the collection no longer has goes. A run that never flushes (killed, or
        failed) leaves the packs as they were, which only makes the next one slower."""
        if self.folder is None:
            return
        for kind, used in sorted(self._used.items()):
            data = pickle.dumps(dict(sorted(used.items())), protocol=pickle.HIGHEST_PROTOCOL)
            try:
                atomic_write(self.folder / f"{kind}.pack", data)
            except OSError:
                pass
            self._packs[kind] = dict(used)

    def get(self, kind: str, key: str) -> Any | None:
        data = self.get_bytes(kind, key)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        self.put_bytes(kind, key, json.dumps(value, ensure_ascii=False).encode("utf-8"))


def _read_pack(path: Path) -> dict[str, bytes]:
    """A pack as ``flush`` wrote it; empty where there is none, or it cannot be read."""
    try:
        pack = pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - missing, damaged, or of another version: made again
        return {}
    if not isinstance(pack, dict):
        return {}
    return {k: v for k, v in pack.items() if isinstance(k, str) and isinstance(v, bytes)}


class ObjectStore:
    """Objects of this program's own making (each text's analysis) kept in the build
    cache, under keys salted with the code and the templates that made them.

    They are pickled: the cache is this program's, in the user's own folder, like the
    compiled templates and Python's bytecode beside it. An entry that cannot be read
    back is a miss.
    """

    def __init__(self, cache: BuildCache, salt: str) -> None:
        self.cache = cache
        self.salt = salt
        self.keeps = cache.folder is not None

    def get(self, kind: str, key: str) -> Any | None:
        data = self.cache.get_bytes(kind, digest(self.salt, key))
        if data is None:
            return None
        try:
            return pickle.loads(data)
        except Exception:  # noqa: BLE001 - an entry of another version, or damaged: made again
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.cache.put_bytes(kind, digest(self.salt, key), data)
