"""The collection: every input of the edition, found once and passed to every stage.

``load_collection`` finds the sources (with their sidecars), the TEI files and the
registers, by the rules of ``inputs``. Nothing is read then but the folders: a file's
bytes and parsed tree are read when a stage first asks for them, and ``release`` lets
them go again, so the collection never needs every tree in memory at once.

Each TEI file has a kind:

- ``registers``: the file named by the ``registers`` setting (or ``--registers``); in a
  folder of other projects' TEI, a TEI file with a ``standOff`` and no ``text``;
- ``text``: a ``TEI`` document; ``corpus``: a ``teiCorpus`` of them;
- ``other``: anything else (not TEI P5, or not well-formed XML).
"""

from __future__ import annotations

import enum
import hashlib
import io
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from lxml import etree

from pipeline.config import EditionConfig
from pipeline.errors import EditionError
from pipeline.structure.identifiers import is_safe_id, slugify
from pipeline.structure.inputs import (
    Found,
    InputFile,
    Refusal,
    check_input,
    discover,
    read_path,
)
from pipeline.structure.redirects import REDIRECTS, parse_redirects
from pipeline.structure.registers import RegisterIndex, is_register_file
from pipeline.xmltools import TEI_NS, XML_ID, parse_bytes

TEI_SUFFIXES = (".xml",)
SOURCE_SUFFIXES = (".txt",)
SIDECAR_SUFFIX = ".toml"


class FileKind(enum.StrEnum):
    TEXT = "text"
    CORPUS = "corpus"
    REGISTERS = "registers"
    OTHER = "other"


class _Input:
    """What a file of the collection is as an input: where it is and how it is shown."""

    input: InputFile

    @property
    def path(self) -> Path:
        return self.input.path

    @property
    def shown(self) -> str:
        return self.input.shown

    @property
    def name(self) -> str:
        return self.input.name

    @property
    def stem(self) -> str:
        return self.input.stem


@dataclass(frozen=True)
class KnownInput:
    """What an earlier run learnt of a file (the digest of its bytes, its kind and its
    root's ``xml:id``): trusted while the file is as it was then (``memo_key``), as the
    check that nothing changed trusts it, so that an unchanged file is not read."""

    digest: str
    kind: str
    root_id: str | None


def memo_key(file: InputFile) -> str:
    """The file as found (where it is, its size, time and inode): the key of what is
    known of it."""
    return "\0".join(str(part) for part in (file.path, *file.signature()[1:]))


@dataclass(eq=False)
class TeiFile(_Input):
    """A TEI (or other XML) input: its bytes and tree on demand."""

    input: InputFile
    registers: bool = False  # named as the registers file by the settings
    known: KnownInput | None = None  # what an earlier run learnt of the file as it is
    _data: bytes | None = field(default=None, repr=False)
    _tree: etree._ElementTree | None = field(default=None, repr=False)
    _kind: FileKind | None = field(default=None, repr=False)
    _root_id: str | None = field(default=None, repr=False)
    _digest: str | None = field(default=None, repr=False)
    _sniffed: str = field(default="", repr=False)  # the kind read from the file itself

    def data(self) -> bytes:
        if self._data is None:
            data = self.input.read_bytes()
            found = hashlib.sha256(data).hexdigest()
            if self._digest is not None and found != self._digest:
                # Its digest was given out before it was read (an earlier run's): what
                # was made under it would not be of these bytes.
                raise EditionError("changed while the build ran: run it again", self.path)
            self._data, self._digest = data, found
        return self._data

    def digest(self) -> str:
        """The SHA-256 of the file's bytes (hex): without reading it, where it is known."""
        if self._digest is None:
            if self.known is not None:
                self._digest = self.known.digest
            else:
                self.data()
        assert self._digest is not None
        return self._digest

    def learnt(self) -> KnownInput | None:
        """What a later run may take as known of the file, where this one learnt it."""
        if self._digest is None or not self._sniffed:
            return None
        return KnownInput(self._digest, self._sniffed, self._root_id)

    def tree(self) -> etree._ElementTree:
        """The parsed file (safe parser); not well-formed XML is an EditionError."""
        if self._tree is None:
            self._tree = parse_bytes(self.data(), self.path, repeated_ids=True)
        return self._tree

    def release(self) -> None:
        """Let the bytes and the tree go; they are read again if asked for."""
        self._data = None
        self._tree = None

    @property
    def kind(self) -> FileKind:
        if self._kind is None:
            self._kind = self._find_kind()
        return self._kind

    def _find_kind(self) -> FileKind:
        if self.known is not None and self._tree is None:
            kind, self._root_id = FileKind(self.known.kind), self.known.root_id
            self._sniffed = kind.value
        elif self._tree is not None:
            root = self._tree.getroot()
            kind, self._root_id = kind_of_root(root), root.get(XML_ID)
        else:
            try:
                kind, self._root_id = sniff(self.data())
            except EditionError:
                kind = FileKind.OTHER
            self._sniffed = kind.value
        return FileKind.REGISTERS if self.registers else kind

    @property
    def slug(self) -> str:
        """The name the file's outputs go by: its root ``xml:id``, else its stem."""
        if self._kind is None:
            self._kind = self._find_kind()  # reads the root's xml:id on the way
        xml_id = self._root_id
        if xml_id and is_safe_id(xml_id):
            return xml_id
        return self.stem if is_safe_id(self.stem) else slugify(self.stem)


def kind_of_root(root: etree._Element) -> FileKind:
    if root.tag == f"{{{TEI_NS}}}teiCorpus":
        return FileKind.CORPUS
    if root.tag != f"{{{TEI_NS}}}TEI":
        return FileKind.OTHER
    return FileKind.REGISTERS if is_register_file(root) else FileKind.TEXT


def sniff(data: bytes) -> tuple[FileKind, str | None]:
    """The kind of a file and its root's ``xml:id``, from the root and its children,
    without building the whole tree: reading stops at the ``text`` of a TEI document."""
    root_tag = None
    root_id = None
    depth = 0
    has_standoff = False
    try:
        for event, element in etree.iterparse(
            io.BytesIO(data),
            events=("start", "end"),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
        ):
            if event == "end":
                depth -= 1
                continue
            depth += 1
            if depth == 1:
                root_tag, root_id = element.tag, element.get(XML_ID)
                if root_tag != f"{{{TEI_NS}}}TEI":
                    break
            elif depth == 2:
                if element.tag == f"{{{TEI_NS}}}text":
                    return FileKind.TEXT, root_id
                has_standoff = has_standoff or element.tag == f"{{{TEI_NS}}}standOff"
    except etree.XMLSyntaxError:
        return FileKind.OTHER, root_id
    if root_tag == f"{{{TEI_NS}}}teiCorpus":
        return FileKind.CORPUS, root_id
    if root_tag != f"{{{TEI_NS}}}TEI":
        return FileKind.OTHER, root_id
    return (FileKind.REGISTERS if has_standoff else FileKind.TEXT), root_id


@dataclass(eq=False)
class SourceFile(_Input):
    """A received source text and its editorial sidecar (``NAME.toml`` beside it)."""

    input: InputFile
    sidecar: Path | None

    @property
    def slug(self) -> str:
        return source_slug(self.input.stem)

    def data(self) -> bytes:
        return self.input.read_bytes()

    def sidecar_data(self) -> bytes | None:
        if self.sidecar is None:
            return None
        return read_path(self.sidecar, self.input.max_bytes, self.input.folder)

    def display_name(self, root: Path) -> str:
        """The name a TEI header gives the source: relative to the project, never an
        absolute path of this machine."""
        try:
            return self.path.relative_to(root).as_posix()
        except ValueError:
            return self.input.relative


def source_slug(stem: str) -> str:
    """A document id from a source's file name: its title part after the date."""
    slug = re.sub(r"^\d{4}(?:-\d{2}){0,2}[-_]?", "", stem) or stem
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", slug).strip("-.").lower()
    if not slug or not slug[0].isalpha():
        slug = "t-" + slug
    return slug


def document_name(tei: etree._Element, stem: str, index: int = 1, count: int = 1) -> str:
    """The name every output of a document goes by: its ``xml:id``, else the file's stem.

    A value that is not a safe identifier becomes a slug; the documents of a corpus
    without ids are numbered after the stem.
    """
    xml_id = tei.get(XML_ID)
    if xml_id and is_safe_id(xml_id):
        return xml_id
    base = stem if is_safe_id(stem) else slugify(stem)
    return base if count == 1 else f"{base}-{index}"


def document_page(name: str) -> str:
    """Where the HTML edition publishes a document, relative to the site folder."""
    return f"texts/{name}.html"


class Collection:
    """The edition's inputs: sources, TEI files, registers, and what was refused."""

    def __init__(
        self,
        config: EditionConfig,
        files: Sequence[TeiFile],
        sources: Sequence[SourceFile],
        refused: Sequence[Refusal],
        registers_file: TeiFile | None,
    ) -> None:
        self.config = config
        self.files = list(files)
        self.sources = list(sources)
        self.refused = list(refused)
        self.registers_file = registers_file

    def texts(self) -> list[TeiFile]:
        """The TEI files that are texts or corpora (not the registers, not others)."""
        return [f for f in self.files if f.kind in (FileKind.TEXT, FileKind.CORPUS)]

    @cached_property
    def registers(self) -> RegisterIndex | None:
        file = self.registers_file
        if file is None:
            return None
        return RegisterIndex(file.tree().getroot(), file.name, file.shown)

    @cached_property
    def redirects(self) -> dict[str, str]:
        """Moved ids (``tei/redirects.toml``), when the edition has any."""
        path = self.config.tei_dir / REDIRECTS
        if not path.is_file() and not path.is_symlink():
            return {}
        data = read_path(path, self.config.max_input_bytes, self.config.tei_dir)
        return parse_redirects(data.decode("utf-8", errors="replace"), path)

    def check_inputs(self) -> None:
        """Stop at the first refused input (for commands that must read every one)."""
        if self.refused:
            raise self.refused[0].error()

    def release(self) -> None:
        for file in self.files:
            file.release()

    def __iter__(self) -> Iterator[TeiFile]:
        return iter(self.files)


def _same(a: Path, b: Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def load_collection(
    config: EditionConfig,
    *,
    tei_paths: Iterable[Path] | None = None,
    source_paths: Iterable[Path] | None = None,
    registers_path: Path | None = None,
    sources: bool = True,
    recursive: bool = True,
    known: Mapping[str, KnownInput] | None = None,
) -> Collection:
    """Find the inputs: by default the configured folders; or the paths given.

    ``tei_paths`` replaces the TEI folder (for other projects' TEI: the registers are
    then found by content; ``recursive=False`` takes only the files directly in the
    folders); ``registers_path`` replaces the registers setting; ``sources=False``
    leaves the sources out. ``known`` (by ``memo_key``) is what an earlier run learnt of
    the TEI files, from ``learnt``.
    """
    known = known or {}
    limit = config.max_input_bytes
    foreign = tei_paths is not None
    if registers_path is None and not foreign:
        registers_path = config.registers_path
    found_tei = discover(
        tei_paths if foreign else [config.tei_dir],
        TEI_SUFFIXES,
        limit,
        missing_ok=not foreign,
        recursive=recursive,
    )
    refused = list(found_tei.refused)
    files = [
        TeiFile(
            f,
            registers=registers_path is not None and _same(f.path, registers_path),
            known=known.get(memo_key(f)),
        )
        for f in found_tei.files
    ]
    registers_file = next((f for f in files if f.registers), None)
    if registers_file is None and registers_path is not None:
        if os.path.lexists(registers_path):
            checked = check_input(
                registers_path, Path(os.path.realpath(registers_path.parent)), limit
            )
            if isinstance(checked, Refusal):
                refused.append(checked)
            else:
                registers_file = TeiFile(
                    checked, registers=True, known=known.get(memo_key(checked))
                )
        elif not foreign and registers_path != config.registers_path:
            raise EditionError("registers file not found", registers_path)
    if registers_file is None and foreign:
        registers_file = next((f for f in files if f.kind == FileKind.REGISTERS), None)
    found_sources = Found()
    if sources:
        found_sources = discover(
            source_paths if source_paths is not None else [config.sources_dir],
            SOURCE_SUFFIXES,
            limit,
            missing_ok=source_paths is None,
        )
        refused += found_sources.refused
    source_files = []
    for found in found_sources.files:
        sidecar = found.path.with_suffix(SIDECAR_SUFFIX)
        source_files.append(SourceFile(found, sidecar if os.path.lexists(sidecar) else None))
    return Collection(config, files, source_files, refused, registers_file)
