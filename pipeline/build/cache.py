"""A cache of per-document results, addressed by the digest of everything they come from.

An entry's key is a digest of its inputs (the document's bytes, the schemas or registers
it was made with, the settings) and of the code that made it, so an entry can only be
used for exactly what it was made from: the cache is never needed for correctness, and
a build without it gives the same bytes. Entries are written atomically, so a killed run
leaves whole entries or none; an entry that cannot be read is treated as missing.

Some entries are pickles of this program's own objects. The cache lies beside the site,
in the project's folder, where someone else's files may come with a project: so every
entry is signed with a key of the user's own (in the user cache, readable by the user
alone), and one that is not signed with it is a miss, never unpickled.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import pickle
import secrets
import sys
from pathlib import Path
from typing import Any

from pipeline.outputs import atomic_write
from pipeline.render.memo import digest

# The libraries whose output a build's pages, texts and verdicts are made of.
# Each by the name it is installed under, and the package it is imported as.
LIBRARIES = {
    "Jinja2": "jinja2",
    "MarkupSafe": "markupsafe",
    "lxml": "lxml",
    "xmlschema": "xmlschema",
    "elementpath": "elementpath",
}


def library_versions() -> str:
    """Python's, libxml2's and each library's version, one line: an upgraded library
    may write other bytes, so what an earlier one made is not reused."""
    from importlib import metadata

    from lxml import etree

    versions = [f"python {sys.version_info[0]}.{sys.version_info[1]}"]
    versions.append("libxml2 " + ".".join(map(str, etree.LIBXML_VERSION)))
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} -")
    return "; ".join(versions)


@functools.cache
def code_digest() -> str:
    """The digest of the package's code and templates and of the libraries' versions: a
    changed renderer or validator, or an upgraded library, never reuses what an earlier
    one made."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(library_versions().encode() + b"\0")
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


KEY_FILE = "build-cache.key"
_SIGNATURE = 32  # bytes of HMAC-SHA256


def signing_key() -> bytes | None:
    """The user's key for the build cache, made on first use; None where there is no
    user cache to keep it in (then nothing is cached)."""
    from pipeline.validate.teip5 import user_cache_dir

    return _key_at(str(user_cache_dir() / KEY_FILE))


@functools.lru_cache(maxsize=4)
def _key_at(path: str) -> bytes | None:
    try:
        key = Path(path).read_bytes()
    except OSError:
        key = None
    if key is not None and len(key) == 32:
        return key
    # Made aside, then linked into place only if no other run made one meanwhile (all
    # runs then use the one key that is there), or put in place of a damaged one.
    made = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(made, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
        if key is None:
            try:
                os.link(made, path)
            except FileExistsError:
                pass
        else:
            os.replace(made, path)
        key = Path(path).read_bytes()
    except OSError:
        return None
    finally:
        try:
            os.unlink(made)
        except OSError:
            pass
    return key if len(key) == 32 else None


def _signature(key: bytes, name: str, data: bytes) -> bytes:
    # The name is signed too: whole bytes of one entry found under another's name (after
    # a power cut, say; entries are not synced) are a miss.
    return hmac.new(key, name.encode() + b"\0" + data, hashlib.sha256).digest()


def _signed(key: bytes, name: str, data: bytes) -> bytes:
    return _signature(key, name, data) + data


def _verified(key: bytes, name: str, stored: bytes) -> bytes | None:
    """The entry's data if ``key`` signed it under ``name``, else None."""
    signature, data = stored[:_SIGNATURE], stored[_SIGNATURE:]
    expected = _signature(key, name, data)
    return (
        data if len(signature) == _SIGNATURE and hmac.compare_digest(signature, expected) else None
    )


# Kinds of small entries that every build asks of every text: kept together, one file
# per kind (``KIND.pack``), read once, so that a build does not open a file per text to
# learn what it knew already.
PACKED = frozenset({"outline", "lookups", "verdicts"})


# Counts the entries written since the cache was last pruned (see ``BuildCache.prune``).
WRITTEN_FILE = "written-since-pruned"


class BuildCache:
    """Entries under ``folder/KIND/ab/cdef…`` (those of a ``packed`` kind in one file,
    written by ``flush``); with ``folder`` None, a cache that keeps nothing (every
    lookup misses).

    The cache does not grow without bound. An entry is in use while the build asks for
    it, puts it, or asks for another kind's entry of the same key (a text's analysis is
    kept under the key of its summary, which every build asks for). Once the entries
    written since the last pruning outnumber those in use, it loses the entries
    of the kinds the build used that are not in use (``prune``, when a build ends): the
    cache holds at most about twice what a build needs, and what it removes is only what
    it would make again.
    """

    def __init__(
        self, folder: Path | None, packed: frozenset[str] = PACKED, key: bytes | None = None
    ) -> None:
        self.key = (key or signing_key()) if folder is not None else None
        self.folder = folder if self.key is not None else None
        self.packed = packed
        self._packs: dict[str, dict[str, bytes]] = {}  # kind -> as the last flush left it
        self._used: dict[str, dict[str, bytes]] = {}  # kind -> what this run asked or put
        self._in_use: set[tuple[str, str]] = set()  # entries of their own asked or put
        self._written = 0

    def _path(self, kind: str, key: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / kind / key[:2] / key[2:]

    def _pack(self, kind: str) -> dict[str, bytes]:
        pack = self._packs.get(kind)
        if pack is None:
            assert self.folder is not None
            assert self.key is not None
            pack = self._packs[kind] = _read_pack(self.folder / f"{kind}.pack", self.key)
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
        assert self.key is not None
        self._in_use.add((kind, key))
        try:
            return _verified(self.key, f"{kind}/{key}", path.read_bytes())
        except OSError:
            return None

    def put_bytes(self, kind: str, key: str, data: bytes) -> None:
        if self.folder is not None and kind in self.packed:
            self._used.setdefault(kind, {})[key] = data
            return
        path = self._path(kind, key)
        if path is None:
            return
        assert self.key is not None
        self._in_use.add((kind, key))
        self._written += 1
        try:
            atomic_write(path, _signed(self.key, f"{kind}/{key}", data), durable=False)
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower

    def flush(self) -> None:
        """Write each pack with the entries this run asked for or put, and no others:
        what the collection no longer has goes. A run that never flushes (killed, or
        failed) leaves the packs as they were, which only makes the next one slower."""
        if self.folder is None or self.key is None:
            return
        for kind, used in sorted(self._used.items()):
            data = pickle.dumps(dict(sorted(used.items())), protocol=pickle.HIGHEST_PROTOCOL)
            try:
                atomic_write(
                    self.folder / f"{kind}.pack",
                    _signed(self.key, f"{kind}.pack", data),
                    durable=False,
                )
            except OSError:
                pass
            self._packs[kind] = dict(used)

    def prune(self) -> None:
        """At the end of a build: remove the entries of the kinds it used that are not
        in use, once the entries written since the last pruning outnumber those in use."""
        if self.folder is None or not self._in_use:
            return
        ledger = self.folder / WRITTEN_FILE
        try:
            written = int(ledger.read_text(encoding="ascii"))
        except (OSError, ValueError):
            written = 0
        written += self._written
        self._written = 0
        if written > len(self._in_use):
            keys = {key for _, key in self._in_use}
            for kind in sorted({kind for kind, _ in self._in_use}):
                _remove_all_but(self.folder / kind, keys)
            written = 0
        try:
            atomic_write(ledger, str(written).encode("ascii"), durable=False)
        except OSError:
            pass

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


def _remove_all_but(folder: Path, keep: set[str]) -> None:
    """Remove the entries under ``folder`` (``ab/cdef…``) whose keys are not in ``keep``."""
    try:
        groups = list(os.scandir(folder))
    except OSError:
        return
    for group in groups:
        if not group.is_dir(follow_symlinks=False):
            continue
        try:
            entries = list(os.scandir(group.path))
        except OSError:
            continue
        for entry in entries:
            if group.name + entry.name not in keep:
                try:
                    os.unlink(entry.path)
                except OSError:
                    pass


def _read_pack(path: Path, key: bytes) -> dict[str, bytes]:
    """A pack as ``flush`` wrote it; empty where there is none, or it cannot be read, or
    it is not signed with ``key``."""
    try:
        data = _verified(key, path.name, path.read_bytes())
        if data is None:
            return {}
        pack = pickle.loads(data)
    except Exception:  # noqa: BLE001 - missing, damaged, or of another version: made again
        return {}
    if not isinstance(pack, dict):
        return {}
    return {k: v for k, v in pack.items() if isinstance(k, str) and isinstance(v, bytes)}


class ObjectStore:
    """Objects of this program's own making (each text's analysis) kept in the build
    cache, under keys salted with the code and the templates that made them.

    They are pickled, and unpickled only as the cache gives them back: signed with the
    user's key (see the module). An entry that cannot be read back is a miss.
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
