"""Tailored RELAX NG grammars kept between runs, in the user cache.

A tailored grammar (see ``tailor``) is a pure function of three things: the source grammar,
the tailoring code, and the vocabulary it is tailored to (a ``Usage``) with its kind (for
verdicts or for messages). Each is stored under a SHA-256 of exactly those, so a changed
``tei_all.rng``, a changed ``tailor.py`` or another vocabulary can never find another's
grammar. Entries are written atomically and carry a checksum of their bytes: a missing,
truncated or corrupted entry is a miss, and is tailored again and rewritten.

The cache is an optimisation only: without it (an unwritable folder, a read-only home)
every verdict and message is the same.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from lxml import etree

from pipeline.validate import tailor
from pipeline.validate.tailor import Usage
from pipeline.validate.teip5 import user_cache_dir

# Raised whenever the layout of an entry or of its key changes.
FORMAT = b"tailored-relaxng 1"
# The newest entries kept; older ones are removed when a new one is written.
MAX_ENTRIES = 64
SUFFIX = ".rng"


def cache_folder() -> Path:
    return user_cache_dir() / "relaxng"


@functools.lru_cache(maxsize=1)
def code_digest() -> str | None:
    """SHA-256 of the tailoring code and the libraries whose output a grammar depends on;
    None when the code cannot be read (then nothing is cached)."""
    try:
        source = Path(tailor.__file__).read_bytes()
    except (OSError, TypeError):
        return None
    digest = hashlib.sha256(FORMAT + b"\0" + source)
    digest.update(f"lxml {etree.LXML_VERSION} libxml2 {etree.LIBXML_VERSION}".encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def source_digest(path: str, mtime_ns: int) -> str | None:
    """SHA-256 of a grammar file's bytes (once per version of the file in a process)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def entry_key(source: str, usage: Usage, stand_ins: bool) -> str | None:
    """The name of the entry for a grammar tailored from ``source`` (its digest)."""
    code = code_digest()
    if code is None:
        return None
    vocabulary = json.dumps(
        [
            sorted(usage.elements),
            sorted(list(pair) for pair in usage.attributes),
            sorted(usage.failing),
            "messages" if stand_ins else "verdicts",
        ],
        ensure_ascii=True,
        separators=(",", ":"),
    )
    digest = hashlib.sha256()
    for part in (code, source, vocabulary):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def _framed(payload: bytes) -> bytes:
    return FORMAT + b" " + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def read_entry(key: str, folder: Path | None = None) -> bytes | None:
    """The grammar stored under ``key``; None if there is none or it is not intact."""
    try:
        data = ((folder or cache_folder()) / f"{key}{SUFFIX}").read_bytes()
    except OSError:
        return None
    header, newline, payload = data.partition(b"\n")
    if not newline or not header.startswith(FORMAT + b" "):
        return None
    checksum = header[len(FORMAT) + 1 :].decode("ascii", "replace")
    if hashlib.sha256(payload).hexdigest() != checksum:
        return None
    return payload


def write_entry(key: str, payload: bytes, folder: Path | None = None) -> None:
    """Store a grammar under ``key``, atomically; failures are ignored (only speed is lost)."""
    from pipeline.outputs import atomic_write  # only on a miss: it is slow to import

    folder = folder or cache_folder()
    try:
        atomic_write(folder / f"{key}{SUFFIX}", _framed(payload), durable=False)
        _prune(folder)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    entries = []
    with os.scandir(folder) as found:
        for entry in found:
            if entry.name.endswith(SUFFIX) and not entry.name.startswith("."):
                try:
                    entries.append((entry.stat().st_mtime_ns, entry.name))
                except OSError:
                    continue
    for _, name in sorted(entries, reverse=True)[MAX_ENTRIES:]:
        try:
            (folder / name).unlink()
        except OSError:
            pass
