"""The release bundle: one ZIP with everything a re-user needs, byte-identical per release.

Inside one folder named after the release (``<id-prefix>-<release-date>/``):

- ``tei/``: the TEI texts and the registers, as published;
- ``schema/``: the project schema files;
- ``txt/``: the plain-text exports (``txt/original/``: the texts as the sources have them);
- ``data/``: the whole edition as one TEI corpus, the registers as CSV and JSON, the
  letters as CMIF;
- ``CHANGELOG.md``: every ``revisionDesc/change``, newest first;
- ``README.txt``: what the bundle is and its licence;
- ``manifest-sha256.txt``: the SHA-256 of every other file (``sha256sum -c`` reads it).

The same inputs give the same bytes: entries are sorted, every timestamp is the release
time (``SOURCE_DATE_EPOCH`` when set, else midnight UTC of the configured release date),
every file is mode 0644 and compression settings are fixed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Mapping
from pathlib import PurePosixPath

from lxml import etree

from pipeline.config import EditionConfig
from pipeline.errors import EditionError
from pipeline.outputs import source_date_epoch
from pipeline.structure.identifiers import is_safe_id
from pipeline.xmltools import NSMAP, XML_ID

MANIFEST = "manifest-sha256.txt"
CHANGELOG = "CHANGELOG.md"
README = "README.txt"
_ZIP_EPOCH_MIN = 315532800  # 1980-01-01: the earliest time a ZIP entry can carry


def release_epoch(config: EditionConfig, environ: Mapping[str, str]) -> int:
    """Seconds since 1970 for every entry: SOURCE_DATE_EPOCH, else the release date."""
    given = source_date_epoch(environ)
    if given is not None:
        return max(given, _ZIP_EPOCH_MIN)
    date = dt.date.fromisoformat(config.release_date)
    moment = dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)
    return max(int(moment.timestamp()), _ZIP_EPOCH_MIN)


def bundle_root(config: EditionConfig) -> str:
    """The folder every entry is in, e.g. ``edn-2026-11-23``."""
    name = f"{config.id_prefix}-{config.release_date}"
    if not is_safe_id(name):
        raise EditionError(f"release name {name!r} is not safe as a folder name")
    return name


def _check_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise EditionError(f"unsafe name for a file in the bundle: {name!r}")
    return str(path)


def _plain(element: etree._Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _who(tree: etree._ElementTree, value: str | None) -> str:
    """Names for the pointers in ``@who``: a respStmt's name, or the pointer itself."""
    names = []
    for token in (value or "").split():
        target = token[1:] if token.startswith("#") else None
        element = None
        if target:
            element = next(
                (
                    el
                    for el in tree.getroot().iter()
                    if isinstance(el.tag, str) and el.get(XML_ID) == target
                ),
                None,
            )
        found = None
        if element is not None:  # a person or body named, else the edition itself
            found = element.find("tei:name", NSMAP)
            if found is None:
                found = element.find("tei:orgName", NSMAP)
        names.append(_plain(found) or _plain(element) or token)
    return ", ".join(names)


def changelog(documents: Mapping[str, etree._ElementTree], config: EditionConfig) -> bytes:
    """Markdown from every ``revisionDesc/change`` (file name -> TEI), newest date first."""
    entries: list[tuple[str, str, str, str]] = []
    for name, tree in documents.items():
        for change in tree.getroot().iterfind("tei:teiHeader/tei:revisionDesc//tei:change", NSMAP):
            when = change.get("when") or change.get("notAfter") or "undated"
            entries.append((when, name, _plain(change), _who(tree, change.get("who"))))
    lines = [
        f"# Changes: {config.title}",
        "",
        f"Release {config.release_date}. Generated from the revisionDesc of each TEI file.",
        "",
    ]
    dates = sorted({e[0] for e in entries}, reverse=True)
    for date in dates:
        lines.extend([f"## {date}", ""])
        for _, name, text, who in sorted(e for e in entries if e[0] == date):
            lines.append(f"- `{name}`: {text}" + (f" ({who})" if who else ""))
        lines.append("")
    if not entries:
        lines.extend(["No changes are recorded.", ""])
    return "\n".join(lines).encode("utf-8")


def readme(config: EditionConfig, names: list[str]) -> bytes:
    """A short description of the bundle: what it holds and under which licence."""
    folders = sorted({n.split("/")[0] for n in names if "/" in n})
    lines = [
        config.title,
        *([config.subtitle] if config.subtitle else []),
        "",
        f"Release {config.release_date}"
        + (f", published by {config.publisher}." if config.publisher else "."),
        *([f"Editors: {', '.join(config.editors)}."] if config.editors else []),
        f"Licence of the encoding: {config.licence}"
        + (f" <{config.licence_url}>" if config.licence_url else "")
        + ".",
        "Each text's header states the licence of the text itself.",
        *([f"Online: {config.base_url}"] if config.base_url else []),
        "",
        "Contents:",
        *(f"  {folder}/" for folder in folders),
        f"  {CHANGELOG}",
        f"  {MANIFEST} (check with: sha256sum -c {MANIFEST})",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def manifest(files: Mapping[str, bytes]) -> bytes:
    """``<sha256>  <name>`` for every file, sorted by name (the sha256sum format)."""
    return "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    ).encode("utf-8")


def zip_bytes(files: Mapping[str, bytes], root: str, epoch: int) -> bytes:
    """A ZIP of ``files`` under ``root/``: sorted, fixed time, mode and compression."""
    stamp = dt.datetime.fromtimestamp(max(epoch, _ZIP_EPOCH_MIN), tz=dt.UTC)
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{root}/{_check_name(name)}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the mode bits below are read
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def build_bundle(
    contents: Mapping[str, bytes],
    documents: Mapping[str, etree._ElementTree],
    config: EditionConfig,
    epoch: int,
) -> bytes:
    """The release ZIP: ``contents`` (name -> bytes) plus changelog, readme and manifest.

    ``documents`` are the TEI files (file name -> parsed) whose revisionDesc makes the
    changelog.
    """
    files = {_check_name(name): data for name, data in contents.items()}
    for reserved in (MANIFEST, CHANGELOG, README):
        if reserved in files:
            raise EditionError(f"{reserved} is written by the bundle itself")
    files[CHANGELOG] = changelog(documents, config)
    files[README] = readme(config, sorted(files))
    files[MANIFEST] = manifest(files)
    return zip_bytes(files, bundle_root(config), epoch)
