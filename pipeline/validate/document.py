"""Reading one file and the checks that come before any schema.

Any TEI file must get a verdict, never a crash: unreadable or not well-formed input, a
DOCTYPE naming a DTD (never loaded), ``xi:include`` (never followed), ``xml-model``
instructions (never fetched), and roots that are not TEI P5 at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from pipeline.errors import EditionError
from pipeline.structure.inputs import InputFile, read_input
from pipeline.validate.model import (
    ERROR,
    LAYER_IO,
    LAYER_ROOT,
    LAYER_XML,
    WARNING,
    Issue,
)
from pipeline.validate.positions import ColumnFinder
from pipeline.validate.tailor import Usage
from pipeline.validate.teip5 import TEI_VERSION, known_tei_all_version
from pipeline.xmltools import TEI_NS, XI_NS, XML_NS, parse_bytes

TEI_ROOTS = ("TEI", "teiCorpus")
_TEI_ROOT_TAGS = frozenset(f"{{{TEI_NS}}}{name}" for name in TEI_ROOTS)
_POSITION_SUFFIX = re.compile(r", line \d+, column \d+$")
RNG_NS = "http://relaxng.org/ns/structure/1.0"
SCH_NS = "http://purl.oclc.org/dsdl/schematron"


@dataclass
class CheckedFile:
    """A file (or in-memory tree) ready for the schema layers."""

    path: str
    tree: etree._ElementTree | None
    source: bytes | None = None
    issues: list[Issue] = field(default_factory=list)
    unreadable: bool = False
    # What the document uses of each RELAX NG grammar, by schema path (see ``tailor``).
    usages: dict[Path, Usage] = field(default_factory=dict)
    # The RELAX NG grammars the document is already known to be valid, or invalid, against.
    passed: set[Path] = field(default_factory=set)
    failed: set[Path] = field(default_factory=set)
    _columns: ColumnFinder | None = None

    @property
    def checkable(self) -> bool:
        """Schemas only make sense on a well-formed TEI P5 document."""
        return self.tree is not None and not any(
            i.is_error and i.layer in (LAYER_XML, LAYER_ROOT, LAYER_IO) for i in self.issues
        )

    @property
    def size(self) -> int:
        return len(self.source) if self.source is not None else 0

    def column(self, el: etree._Element) -> int | None:
        if self.tree is None:
            return None
        if self._columns is None:
            self._columns = ColumnFinder(self.tree.getroot(), self.source)
        return self._columns.column(el)


def load_file(file: InputFile, shown: str | None = None) -> CheckedFile:
    """Read and parse an input; problems become issues of the returned file, which is
    named ``shown`` (by default, as ``file`` is shown)."""
    shown = shown or file.shown
    try:
        data = read_input(file)
    except EditionError as exc:
        return refused(shown, exc.message)
    return load_bytes(data, shown)


def refused(shown: str, message: str) -> CheckedFile:
    """A file that could not be read, or was refused as input: never 'valid'."""
    issue = Issue(shown, None, None, message, LAYER_IO)
    return CheckedFile(shown, None, issues=[issue], unreadable=True)


def load_bytes(data: bytes, shown: str) -> CheckedFile:
    try:
        tree = parse_bytes(data, shown)
        ids_unique = True  # the parser stops at a repeated xml:id
    except EditionError:
        try:
            # Read past a repeated xml:id: each is then an issue of its own (preflight).
            tree = parse_bytes(data, shown, repeated_ids=True)
            ids_unique = False
        except EditionError as exc:
            return CheckedFile(shown, None, data, [_parse_issue(exc, shown)])
    doc = CheckedFile(shown, tree, data)
    doc.issues.extend(preflight(doc, ids_unique))
    return doc


def from_tree(shown: str, tree: etree._ElementTree, source: bytes | None = None) -> CheckedFile:
    """A parsed tree; with the ``source`` it was parsed from, issues carry columns too."""
    doc = CheckedFile(shown, tree, source)
    doc.issues.extend(preflight(doc))
    return doc


def _parse_issue(exc: EditionError, shown: str) -> Issue:
    # The position is reported separately: drop libxml2's copy of it from the text.
    message = _POSITION_SUFFIX.sub("", exc.message)
    return Issue(shown, exc.line, exc.column, message, LAYER_XML)


def preflight(doc: CheckedFile, ids_unique: bool = False) -> list[Issue]:
    """What is wrong with a file before any schema; ``ids_unique``: its parser would
    have stopped at a repeated ``xml:id``."""
    assert doc.tree is not None
    root = doc.tree.getroot()
    issues = [*_doctype_issues(doc), *_root_issues(doc, root)]
    if not ids_unique:
        issues.extend(_repeated_ids(doc, root))
    issues.extend(_xml_model_issues(doc, root))
    issues.extend(_xinclude_issues(doc, root))
    return issues


def _doctype_issues(doc: CheckedFile) -> list[Issue]:
    assert doc.tree is not None
    info = doc.tree.docinfo
    if not info.doctype:
        return []
    named = info.system_url or info.public_id
    if named:
        message = (
            f"DOCTYPE names the DTD {named!r}: it is not loaded (DTDs are never read); "
            "the file is checked against the schemas only"
        )
    else:
        message = "DOCTYPE with an internal subset: it is ignored, entities are not expanded"
    line = column = None
    if doc.source is not None:
        at = doc.source.find(b"<!DOCTYPE")
        if at >= 0:
            line = doc.source.count(b"\n", 0, at) + 1
            column = at - (doc.source.rfind(b"\n", 0, at) + 1) + 1
    return [Issue(doc.path, line, column, message, LAYER_XML, WARNING)]


_ID_VALUES = etree.XPath("//@xml:id", namespaces={"xml": XML_NS}, smart_strings=False)
_ID_ATTRIBUTES = etree.XPath("//@xml:id", namespaces={"xml": XML_NS})


def _repeated_ids(doc: CheckedFile, root: etree._Element) -> list[Issue]:
    """A repeated ``xml:id`` in a tree read past it (the parser stops at it otherwise)."""
    values = _ID_VALUES(root)
    if len(set(values)) == len(values):
        return []  # the common case, told without an object per attribute
    first: dict[str, int | None] = {}
    issues = []
    for value in _ID_ATTRIBUTES(root):
        el = value.getparent()
        if value not in first:
            first[str(value)] = el.sourceline
            continue
        message = f"duplicate xml:id {str(value)!r} (first given on line {first[value]})"
        issues.append(Issue(doc.path, el.sourceline, doc.column(el), message, LAYER_XML))
    return issues


def _started_at(source: bytes | None, line: int | None, needle: bytes) -> tuple[int | None, ...]:
    """Where the last ``needle`` that starts by the end of ``line`` stands: the line and
    column (in characters) of a node the parser dates by its last line."""
    if source is None or line is None:
        return line, None
    end = -1
    for _ in range(line):
        end = source.find(b"\n", end + 1)
        if end < 0:
            end = len(source)
            break
    at = source.rfind(needle, 0, end)
    if at < 0:
        return line, None
    start = source.rfind(b"\n", 0, at) + 1
    column = len(source[start:at].decode("utf-8", errors="replace")) + 1
    return source.count(b"\n", 0, at) + 1, column


def _find_outside_comments(source: bytes, needle: bytes, start: int) -> int:
    """Where ``needle`` is next found from ``start``, but not inside a comment (a
    commented-out instruction is no instruction); -1 if nowhere."""
    while True:
        at = source.find(needle, start)
        comment = source.find(b"<!--", start, at if at >= 0 else len(source))
        if comment < 0:
            return at
        end = source.find(b"-->", comment + 4)
        if end < 0:
            return -1
        start = end + 3


def _nth_start(
    source: bytes | None, line: int | None, needle: bytes, number: int
) -> tuple[int | None, ...]:
    """Where the ``number``-th ``needle`` of the source starts (two instructions may
    share a line), if it ends by ``line``; else as ``_started_at`` finds it."""
    at = -1
    if source is not None and line is not None:
        for _ in range(number + 1):
            at = _find_outside_comments(source, needle, at + 1)
            if at < 0:
                break
    if at < 0 or source is None or line is None or source.count(b"\n", 0, at) + 1 > line:
        return _started_at(source, line, needle)
    start = source.rfind(b"\n", 0, at) + 1
    column = len(source[start:at].decode("utf-8", errors="replace")) + 1
    return source.count(b"\n", 0, at) + 1, column


def _root_issues(doc: CheckedFile, root: etree._Element) -> list[Issue]:
    if root.tag in _TEI_ROOT_TAGS:
        return []
    qname = etree.QName(root)
    ns, local = qname.namespace, qname.localname
    if ns == TEI_NS and local in TEI_ROOTS:
        return []
    line = root.sourceline
    col = doc.column(root)
    if local == "TEI.2":
        message = (
            "TEI P4 document (root <TEI.2>): TEI P5 needs <TEI> in the namespace "
            f"{TEI_NS}; convert it to P5 first (e.g. with the TEI's P4-to-P5 stylesheet)"
        )
    elif local in TEI_ROOTS:
        where = f"the namespace {ns}" if ns else "no namespace"
        message = (
            f'root <{local}> is in {where}, not in the TEI namespace: add xmlns="{TEI_NS}" to it'
        )
    else:
        where = f" (namespace {ns})" if ns else " (no namespace)"
        message = (
            f"not a TEI document: the root element is <{local}>{where}; "
            f"a TEI P5 file has <TEI> or <teiCorpus> in the namespace {TEI_NS}"
        )
    return [Issue(doc.path, line, col, message, LAYER_ROOT, ERROR)]


def xml_model_hrefs(tree: etree._ElementTree) -> list[etree._ProcessingInstruction]:
    root = tree.getroot()
    if root.getprevious() is None:
        return []
    pis = [
        node
        for node in root.itersiblings(preceding=True)
        if isinstance(node, etree._ProcessingInstruction) and node.target == "xml-model"
    ]
    return list(reversed(pis))


def _xml_model_issues(doc: CheckedFile, root: etree._Element) -> list[Issue]:
    assert doc.tree is not None
    issues: list[Issue] = []
    for number, pi in enumerate(xml_model_hrefs(doc.tree)):
        href = (pi.get("href") or "").strip()
        typens = (pi.get("schematypens") or "").strip()
        line = pi.sourceline
        version = known_tei_all_version(href) if href else None
        if version is None:
            message = (
                f"xml-model names the schema {href!r}: it is not fetched or used "
                "(validation never touches the network); use --schema to check against it"
            )
        elif typens == SCH_NS:
            message = (
                "xml-model names the Schematron rules embedded in tei_all: they are "
                "checked only with --schema tei_schematron (they need XPath 2, from Saxon)"
            )
        elif version not in ("current", TEI_VERSION):
            message = (
                f"xml-model names tei_all of TEI P5 {version}: checked against the local "
                f"TEI P5 {TEI_VERSION} instead"
            )
        else:
            continue  # names the tei_all we check against anyway: nothing to say
        line, column = _nth_start(doc.source, line, b"<?xml-model", number)
        issues.append(Issue(doc.path, line, column, message, LAYER_XML, WARNING))
    return issues


def _xinclude_issues(doc: CheckedFile, root: etree._Element) -> list[Issue]:
    issues = []
    for el in root.iter(f"{{{XI_NS}}}include"):
        href = el.get("href") or ""
        message = f"xi:include of {href!r} is not followed: the included content is not validated"
        issues.append(Issue(doc.path, el.sourceline, doc.column(el), message, LAYER_XML, WARNING))
    return issues
