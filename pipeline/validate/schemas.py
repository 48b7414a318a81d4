"""Compiling schemas once per process, and running them on documents.

Three kinds: RELAX NG (lxml/libxml2, used for TEI's ``tei_all``, tailored to the documents
at hand by ``pipeline.validate.tailor``), XSD 1.1 (``xmlschema``, used for the project
schema) and ISO Schematron (``lxml.isoschematron``, see ``pipeline.validate.schematron``;
TEI's own XPath 2 rules are in ``pipeline.validate.teisch``). Compiled schemas are cached
per process, keyed by path and modification time, so a long-running process notices an
edited schema. Between runs, the user cache keeps tailored RELAX NG grammars (see
``grammar_cache``) and the XSD, pickled under the SHA-256 of its files, so that
``xmlschema`` builds it once rather than on every run.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from pipeline.errors import UsageError
from pipeline.validate import grammar_cache
from pipeline.validate.document import CheckedFile
from pipeline.validate.model import ERROR, Issue
from pipeline.validate.tailor import Grammar, Usage
from pipeline.validate.teip5 import user_cache_dir
from pipeline.xmltools import TEI_NS, XML_NS, safe_parser

if TYPE_CHECKING:
    import xmlschema  # imported when an XSD is first used: it takes a tenth of a second

RNG = "rng"
XSD = "xsd"
SCH = "sch"
TEI_SCH = "tei-sch"  # the XPath 2 Schematron embedded in a RELAX NG grammar (Saxon)
KIND_BY_SUFFIX = {".rng": RNG, ".xsd": XSD, ".sch": SCH}


class SchemaError(UsageError):
    """A schema that cannot be read or compiled (the CLI exits 2)."""


@dataclass(frozen=True)
class Layer:
    """One schema to check against, reported under ``label``."""

    kind: str
    path: Path
    label: str

    @property
    def per_file(self) -> bool:
        # Schematron runs over the whole collection at once (cross-file rules).
        return self.kind != SCH


def schema_stamp(path: Path) -> tuple[str, int]:
    """What a compiled schema is cached under: its path and modification time."""
    # Asked for every file validated: one stat() call, no resolving of the path.
    try:
        return os.path.abspath(path), os.stat(path).st_mtime_ns
    except OSError as exc:
        raise SchemaError(f"cannot read schema: {exc.strerror}", path) from None


# --- RELAX NG -------------------------------------------------------------------------------


# Whole grammars compiled in this process, by path and modification time.
_WHOLE: dict[tuple[str, int], etree.RelaxNG] = {}


def compile_relaxng(path: Path) -> etree.RelaxNG:
    """The whole schema, compiled once per process (for tei_all: over ten seconds)."""
    stamp = schema_stamp(path)
    if stamp not in _WHOLE:
        _WHOLE[stamp] = _compile(read_relaxng(path), stamp[0])
    return _WHOLE[stamp]


def _compile(tree: etree._ElementTree, path: str) -> etree.RelaxNG:
    try:
        return etree.RelaxNG(tree)
    except etree.RelaxNGParseError as exc:
        raise SchemaError(f"cannot compile RELAX NG schema: {exc}", path) from None


def read_relaxng(path: Path) -> etree._ElementTree:
    """The schema's XML, parsed once per process; compiling is the expensive part."""
    return _read_relaxng(*schema_stamp(path))


@functools.lru_cache(maxsize=8)
def _read_relaxng(path: str, mtime_ns: int) -> etree._ElementTree:
    try:
        return etree.parse(path, safe_parser())
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SchemaError(f"cannot read RELAX NG schema: {exc}", path) from None


def tailorable(path: Path) -> Grammar | None:
    """The grammar analysed for tailoring (see ``tailor``); None if its form does not
    allow it (includes, nested grammars), in which case the whole grammar is used."""
    return _tailorable(*schema_stamp(path))


@functools.lru_cache(maxsize=8)
def _tailorable(path: str, mtime_ns: int) -> Grammar | None:
    try:
        return Grammar(_read_relaxng(path, mtime_ns))
    except ValueError:
        return None


# What the documents validated so far in this process use of each grammar. It only grows,
# so that once a collection's vocabulary is covered no batch needs a new grammar.
_COVERED: dict[tuple[str, int], Usage] = {}
# The same for the documents found invalid: messages come from a grammar tailored to them
# alone, so it stays as small as what they use.
_FAILED: dict[tuple[str, int], Usage] = {}


def relaxng_usage(path: Path, tree: etree._ElementTree) -> Usage | None:
    grammar = tailorable(path)
    return grammar.usage(tree) if grammar is not None else None


def prepare_relaxng(path: Path, usage: Usage) -> None:
    """Cover a whole batch at once, so the grammar is tailored once, not per new file."""
    _grow(_COVERED, schema_stamp(path), usage)


def _grow(covered: dict[tuple[str, int], Usage], stamp: tuple[str, int], usage: Usage) -> None:
    so_far = covered.get(stamp, Usage())
    if not so_far.covers(usage):
        covered[stamp] = so_far | usage


def has_tailored(path: Path) -> bool:
    """Whether a grammar has been tailored to some documents in this process."""
    return schema_stamp(path) in _COVERED


def quickly_valid(path: Path, tree: etree._ElementTree) -> bool:
    """True only if ``tree`` is valid: checked with the grammar tailored so far.

    A tailored grammar without dropped facets accepts a subset of what the whole grammar
    accepts, so a document it accepts, whose values satisfy the facets it dropped, is
    valid. False says nothing: the document may use what the grammar was not tailored to.
    """
    stamp = schema_stamp(path)
    if stamp in _WHOLE:
        return bool(_WHOLE[stamp].validate(tree))
    covered = _COVERED.get(stamp)
    grammar = tailorable(path)
    if covered is None or grammar is None or not grammar.facets_hold(tree, covered.failing):
        return False
    return bool(_compile_tailored(*stamp, covered).validate(tree))


def relaxng_for(path: Path, tree: etree._ElementTree, usage: Usage | None = None) -> etree.RelaxNG:
    """A compiled schema that gives ``tree`` the same verdict as the whole one."""
    stamp = schema_stamp(path)
    if stamp in _WHOLE:
        return _WHOLE[stamp]
    if usage is None:
        usage = relaxng_usage(path, tree)
    if usage is None:
        return compile_relaxng(path)
    prepare_relaxng(path, usage)
    return _compile_tailored(*stamp, _COVERED[stamp])


# A grammar tailored to more elements takes longer to compile, and not in proportion:
# libxml2 checks every content model for determinism, comparing each pair of its choices.
# tei_all tailored to the 185 elements of the varied test files compiles in 0.14 s; to
# six groups of them of at most 80 elements, in 0.03 s all together. Documents judged
# once, in one batch, get grammars tailored to groups of at most this many elements.
GROUP_ELEMENTS = 80


def judge_relaxng(path: Path, docs: list[CheckedFile], reuse: bool = True) -> None:
    """Give each of a batch of documents its verdict against one grammar, marking it
    ``passed`` or ``failed``; what the invalid ones use is gathered for the grammar for
    messages.

    With ``reuse`` (more batches follow), the grammar is tailored once for the whole
    batch and kept for the next ones: to all of the first batch, then to the documents
    the grammar tailored so far does not take (see ``quickly_valid``). Without, it is
    tailored to groups of the documents, each of at most ``GROUP_ELEMENTS`` elements:
    several small grammars compile faster than their union.
    """
    stamp = schema_stamp(path)
    grammar = tailorable(path)
    if grammar is None or stamp in _WHOLE:
        whole = compile_relaxng(path)
        for doc in docs:
            (doc.passed if whole.validate(doc.tree) else doc.failed).add(path)
        return
    covered = _COVERED.get(stamp)
    quick = _compile_tailored(*stamp, covered) if covered is not None else None
    pending = []
    for doc in docs:
        tree = doc.tree
        assert tree is not None
        rejected = False
        if quick is not None and covered is not None:
            # On the documents it covers, the grammar tailored so far (facets dropped)
            # takes more than the whole one: its "no" is the whole grammar's, and so is
            # its "yes" once the values satisfy the facets it dropped. It takes no other.
            if not quick.validate(tree):
                rejected = True
            elif grammar.facets_hold(tree, covered.failing):
                doc.passed.add(path)
                continue
        usage = doc.usages[path] = grammar.usage(tree)
        if rejected and covered is not None and covered.covers(usage):
            # Tailored to all this document uses: the grammar's verdict is the whole one's.
            _judged(doc, path, stamp, False)
            continue
        if reuse:
            prepare_relaxng(path, usage)
        pending.append(doc)
    if not pending:
        return
    if reuse:
        groups = [(_COVERED[stamp], pending)]
    else:
        groups = _groups(pending, path)
    for usage, members in groups:
        tailored = _compile_tailored(*stamp, usage)
        for doc in members:
            _judged(doc, path, stamp, bool(tailored.validate(doc.tree)))


def _judged(doc: CheckedFile, path: Path, stamp: tuple[str, int], valid: bool) -> None:
    if valid:
        doc.passed.add(path)
        return
    doc.failed.add(path)
    # Every invalid document of a batch is covered at once by the grammar for messages.
    _grow(_FAILED, stamp, doc.usages[path])


def _groups(docs: list[CheckedFile], path: Path) -> list[tuple[Usage, list[CheckedFile]]]:
    """The documents in groups using at most ``GROUP_ELEMENTS`` elements (first fit, so
    the same documents in the same order make the same groups, and hit the same cache)."""
    groups: list[tuple[Usage, list[CheckedFile]]] = []
    for doc in docs:
        usage = doc.usages[path]
        for number, (so_far, members) in enumerate(groups):
            merged = so_far | usage
            if len(merged.elements) <= GROUP_ELEMENTS:
                groups[number] = (merged, members)
                members.append(doc)
                break
        else:
            groups.append((usage, [doc]))
    return groups


def relaxng_for_messages(
    path: Path,
    tree: etree._ElementTree,
    usage: Usage | None = None,
    stamp: tuple[str, int] | None = None,
) -> etree.RelaxNG:
    """A compiled schema for reporting the errors of ``tree``: its messages are the whole
    grammar's (a test compares them), but it compiles in a fraction of a second, not ten.
    ``stamp``: the grammar's, when the caller has just taken it."""
    stamp = stamp or schema_stamp(path)
    grammar = _tailorable(*stamp)
    if stamp in _WHOLE or grammar is None:
        return compile_relaxng(path)
    _grow(_FAILED, stamp, usage if usage is not None else grammar.usage(tree))
    return _compile_tailored(*stamp, _FAILED[stamp], stand_ins=True)


def forget_compiled() -> None:
    """Drop the compiled RELAX NG grammars of this process (for benchmarks and tests)."""
    _COVERED.clear()
    _FAILED.clear()
    _compile_tailored.cache_clear()
    _WHOLE.clear()


# Enough for the groups of a batch (see judge_relaxng) and the grammar for messages.
@functools.lru_cache(maxsize=16)
def _compile_tailored(
    path: str, mtime_ns: int, usage: Usage, stand_ins: bool = False
) -> etree.RelaxNG:
    """The grammar tailored to ``usage``, compiled: from the user cache if it is there."""
    source = grammar_cache.source_digest(path, mtime_ns)
    key = grammar_cache.entry_key(source, usage, stand_ins) if source else None
    cached = grammar_cache.read_entry(key) if key else None
    if cached is not None:
        try:
            return etree.RelaxNG(etree.fromstring(cached, safe_parser()))
        except (etree.XMLSyntaxError, etree.RelaxNGParseError):
            pass  # intact but not a grammar (never written so): tailored again below
    grammar = _tailorable(path, mtime_ns)
    assert grammar is not None
    tailored = grammar.tailor(usage, stand_ins)
    compiled = _compile(tailored, path)
    if key:
        grammar_cache.write_entry(key, etree.tostring(tailored, encoding="utf-8"))
    return compiled


def validate_relaxng(doc: CheckedFile, layer: Layer) -> list[Issue]:
    assert doc.tree is not None
    if layer.path in doc.passed:
        return []
    usage = doc.usages.get(layer.path)
    if layer.path not in doc.failed and relaxng_for(layer.path, doc.tree, usage).validate(doc.tree):
        return []
    # The fast grammar has lost what libxml2 names in its messages (a required element
    # nobody uses, say), so the errors come from one tailored with stand-ins for it.
    stamp = schema_stamp(layer.path)
    validator = relaxng_for_messages(layer.path, doc.tree, usage, stamp)
    if validator.validate(doc.tree):
        validator = compile_relaxng(layer.path)  # never expected: trust the whole grammar
        if validator.validate(doc.tree):
            return []
    entries = list(validator.error_log)
    specific = [e for e in entries if e.type_name not in _CASCADE]
    # libxml2 follows each real error with "element X failed to validate content" on every
    # ancestor; those say nothing new, so they are kept only when nothing else is reported.
    kept = specific or entries
    grammar = _tailorable(*stamp)
    prefixes: dict[str, str] = {}
    issues = []
    for entry in kept:
        el = _element_at(doc.tree, entry.path, prefixes)
        line = entry.line or (el.sourceline if el is not None else None)
        column = doc.column(el) if el is not None else None
        message = _relaxng_message(entry.message, el, grammar)
        issues.append(Issue(doc.path, line, column, message, layer.label, ERROR))
    return _dedupe(_without_echoes(issues))


_CASCADE = {
    "RELAXNG_ERR_CONTENTVALID",
    "RELAXNG_ERR_INTERSEQ",
    "RELAXNG_ERR_ATTRVALID",
}


def _element_at(
    tree: etree._ElementTree, xpath: str | None, prefixes: dict[str, str]
) -> etree._Element | None:
    """The element libxml2 names by ``xpath``; ``prefixes`` is filled on first need, and
    kept for the next error in the same document."""
    if not xpath:
        return None
    if ":" not in xpath:
        found = _evaluate(tree, xpath, {})
    else:
        # libxml2 writes prefixed names for namespaces other than the default one: those
        # the root declares, usually, else any element's (in document order, a later one
        # wins), which are gathered only then.
        if not prefixes:
            prefixes.update(_prefixes(tree.getroot().nsmap.items()))
        found = _evaluate(tree, xpath, prefixes)
        if not found:
            prefixes.update(_prefixes(_NAMESPACES(tree)))
            found = _evaluate(tree, xpath, prefixes)
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return found[0]
    return None


def _evaluate(tree: etree._ElementTree, xpath: str, prefixes: dict[str, str]) -> object:
    try:
        return _xpath(xpath, tuple(sorted(prefixes.items())))(tree)
    except etree.XPathError:  # a prefix not among these
        return None


def _prefixes(pairs: Iterable[tuple[str | None, str]]) -> Iterator[tuple[str, str]]:
    return ((prefix, uri) for prefix, uri in pairs if prefix and prefix != "xml")


_NAMESPACES = etree.XPath("//namespace::*")


@functools.lru_cache(maxsize=1024)
def _xpath(path: str, namespaces: tuple[tuple[str, str], ...]) -> etree.XPath:
    # The same paths come back for every document with the same error: compiled once.
    return etree.XPath(path, namespaces=dict(namespaces))


# Prefixes by which namespaces are known, for names with no prefix in the document.
KNOWN_PREFIXES = {
    XML_NS: "xml",
    "http://www.w3.org/2001/XMLSchema-instance": "xsi",
    "http://www.w3.org/2001/XInclude": "xi",
    "http://www.w3.org/1999/xlink": "xlink",
    "http://www.w3.org/1999/xhtml": "html",
    "http://www.w3.org/2000/svg": "svg",
    "http://www.w3.org/1998/Math/MathML": "mml",
}


def show_name(tag: str, prefix: str | None = None) -> str:
    """``{TEI}p`` -> ``p``, ``{XML}id`` -> ``xml:id``; other namespaces by the prefix
    given or a well-known one, else in Clark form."""
    qname = etree.QName(tag)
    if qname.namespace in (None, TEI_NS):
        return qname.localname
    if qname.namespace == XML_NS:
        return f"xml:{qname.localname}"
    prefix = prefix or KNOWN_PREFIXES.get(qname.namespace)
    if prefix:
        return f"{prefix}:{qname.localname}"
    return tag


_CLARK = re.compile(r"\{([^{}\s]+)\}([A-Za-z_][\w.-]*)")


def readable_names(message: str, nsmap: dict[str | None, str] | None = None) -> str:
    """A library's message with every ``{namespace}name`` written as ``prefix:name``
    (``{http://www.w3.org/XML/1998/namespace}id`` is ``xml:id``)."""
    reverse = {uri: prefix for prefix, uri in (nsmap or {}).items() if prefix}
    return _CLARK.sub(
        lambda m: show_name(f"{{{m.group(1)}}}{m.group(2)}", reverse.get(m.group(1))), message
    )


def _el_name(el: etree._Element) -> str:
    return show_name(el.tag, el.prefix)


# libxml2's messages, reworded; the context says where: "parent" when the error is on the
# offending element itself, "self" when it is on the element whose content is wrong.
_RNG_REWRITES: tuple[tuple[re.Pattern[str], str, str | None], ...] = (
    (
        re.compile(r"^Did not expect element (\S+) there$"),
        "element <{0}> is not allowed here",
        "parent",
    ),
    (
        re.compile(r"^Extra element (\S+) in interleave$"),
        "element <{0}> is not allowed here",
        "parent",
    ),
    (
        re.compile(r"^Expecting an element (\S+), got nothing$"),
        "missing required element <{0}>",
        "self",
    ),
    (
        re.compile(r"^Expecting element (\S+), got (\S+)$"),
        "expected element <{0}>, found <{1}>",
        "parent",
    ),
    (
        re.compile(r"^Element (\S+) has extra content: (\S+)$"),
        "unexpected <{1}> inside <{0}>",
        None,
    ),
    (
        re.compile(r"^Did not expect text in element (\S+) content$"),
        "text is not allowed directly inside <{0}>",
        None,
    ),
    (re.compile(r"^Expecting element (\S+) to be empty$"), "element <{0}> must be empty", None),
    (
        re.compile(r"^Element (\S+) has wrong namespace: expecting (\S+)$"),
        "element <{0}> is in the wrong namespace: expected {1}",
        None,
    ),
    (
        re.compile(r"^Expecting a namespace for element (\S+)$"),
        "element <{0}> has no namespace: expected the TEI namespace",
        None,
    ),
    (
        re.compile(r"^Element (\S+) failed to validate content$"),
        "the content of <{0}> does not match the schema",
        None,
    ),
    (
        re.compile(r"^Element (\S+) failed to validate attributes$"),
        "the attributes of <{0}> do not match the schema",
        None,
    ),
)


def _relaxng_message(
    message: str, el: etree._Element | None, grammar: Grammar | None = None
) -> str:
    message = message.strip()
    attr = re.match(r"^Invalid attribute (\S+) for element (\S+)$", message)
    if attr and el is not None:
        return _attribute_message(attr.group(1), el, grammar)
    for pattern, template, context in _RNG_REWRITES:
        match = pattern.match(message)
        if not match:
            continue
        names = list(match.groups())
        # libxml2 names elements without their prefix: take the real name where known.
        if context == "parent" and el is not None and etree.QName(el).localname == names[0]:
            names[0] = _el_name(el)
        text = template.format(*names)
        if context == "parent" and _has_parent(el):
            text += f" (inside <{_el_name(el.getparent())}>)"
        elif context == "self" and el is not None:
            text += f" in <{_el_name(el)}>"
        return text
    message = readable_names(message, el.nsmap if el is not None else None)
    return message[0].lower() + message[1:] if message else "invalid"


def _attribute_message(name: str, el: etree._Element, grammar: Grammar | None = None) -> str:
    # libxml2 gives the local name only, and the same message for an attribute the
    # element does not have and for a value that is wrong: the grammar tells which.
    found = [(k, v) for k, v in el.attrib.items() if etree.QName(k).localname == name]
    if not found:
        return f"attribute {name} is not allowed on <{_el_name(el)}>"
    key, value = found[0]
    namespace = etree.QName(key).namespace
    prefix = next((p for p, uri in el.nsmap.items() if uri == namespace and p), None)
    shown = show_name(key, prefix)
    declared = grammar.attributes_of(el.tag) if grammar is not None else None
    if declared is not None and key not in declared:
        return f"attribute {shown} is not allowed on <{_el_name(el)}>"
    if declared is not None:
        return f"attribute {shown} on <{_el_name(el)}>: the value {value!r} is not valid"
    return (
        f"attribute {shown}={value!r} on <{_el_name(el)}>: not allowed on this element, "
        "or its value is not valid"
    )


_ECHO = re.compile(r"^unexpected <(\S+)> inside <(\S+)>$")
_NOT_HERE = re.compile(r"^element <(\S+)> is not allowed here")


def _without_echoes(issues: list[Issue]) -> list[Issue]:
    """libxml2 often reports one misplaced element twice ("not allowed here", then "has
    extra content"): the second says nothing new and goes."""
    placed = {
        (i.line, i.column, m.group(1).rpartition(":")[2])
        for i in issues
        if (m := _NOT_HERE.match(i.message))
    }
    return [
        i
        for i in issues
        if not ((m := _ECHO.match(i.message)) and (i.line, i.column, m.group(1)) in placed)
    ]


def _has_parent(el: etree._Element | None) -> bool:
    return el is not None and el.getparent() is not None


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen: set[Issue] = set()
    out = []
    for issue in issues:
        if issue not in seen:
            seen.add(issue)
            out.append(issue)
    return out


# --- XSD 1.1 --------------------------------------------------------------------------------


def xsd_cache_key(path: Path) -> str:
    """SHA-256 over the schema and its sibling .xsd files (the ones it may include or import),
    plus the xmlschema and Python versions, since a pickle is only good for those."""
    import xmlschema

    digest = hashlib.sha256()
    digest.update(f"xmlschema {xmlschema.__version__} python {sys.version_info[:2]}".encode())
    files = sorted({path.resolve(), *path.resolve().parent.glob("*.xsd")})
    for file in files:
        digest.update(file.name.encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def load_xsd11(path: Path, cache_dir: Path | None = None) -> xmlschema.XMLSchemaBase:
    return _load_xsd11(*schema_stamp(path), str(cache_dir) if cache_dir else None)


@functools.lru_cache(maxsize=8)
def _load_xsd11(path: str, mtime_ns: int, cache_dir: str | None) -> xmlschema.XMLSchemaBase:
    import xmlschema

    source = Path(path)
    folder = Path(cache_dir) if cache_dir else user_cache_dir() / "xsd"
    try:
        pickled = folder / f"{xsd_cache_key(source)}.pickle"
    except OSError as exc:
        raise SchemaError(f"cannot read schema: {exc.strerror}", path) from None
    cached = _read_pickle(pickled)
    if cached is not None:
        return cached
    try:
        schema = xmlschema.XMLSchema11(path)
    except (xmlschema.XMLSchemaException, etree.XMLSyntaxError, OSError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SchemaError(f"cannot compile XSD 1.1 schema: {message}", path) from None
    from pipeline.outputs import atomic_write

    try:
        atomic_write(pickled, pickle.dumps(schema, protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # caching is an optimisation only
    return schema


def _read_pickle(pickled: Path) -> xmlschema.XMLSchemaBase | None:
    # The pickle is ours, written into the user's own cache; a stale or broken one (another
    # xmlschema version, a truncated file) is simply rebuilt.
    import xmlschema

    try:
        schema = pickle.loads(pickled.read_bytes())
    except (
        OSError,
        EOFError,
        pickle.UnpicklingError,
        AttributeError,
        ImportError,
        TypeError,
        ValueError,
    ):
        return None
    return schema if isinstance(schema, xmlschema.XMLSchemaBase) else None


def validate_xsd(doc: CheckedFile, layer: Layer) -> list[Issue]:
    assert doc.tree is not None
    schema = load_xsd11(layer.path)
    issues = []
    for err in schema.iter_errors(doc.tree):
        el = err.elem if isinstance(err.elem, etree._Element) else None
        line = err.sourceline if err.sourceline else (el.sourceline if el is not None else None)
        column = doc.column(el) if el is not None else None
        issues.append(Issue(doc.path, line, column, _xsd_message(err, el), layer.label, ERROR))
    return _dedupe(issues)


def _xsd_message(err: xmlschema.XMLSchemaValidationError, el: etree._Element | None) -> str:
    reason = readable_names(
        (err.reason or err.message or "invalid").strip(), el.nsmap if el is not None else None
    )
    if reason.startswith("assertion test is false"):
        # An assertion's documentation is written as its message; its XPath is not.
        annotation = getattr(err.validator, "annotation", None)
        documentation = getattr(annotation, "documentation", None) or []
        text = " ".join(" ".join((d.text or "").split()) for d in documentation).strip()
        test = getattr(err.validator, "path", None)
        reason = text or (f"assertion {test!r} is false" if isinstance(test, str) else reason)
    if el is not None and isinstance(el.tag, str):
        return f"<{_el_name(el)}>: {reason}"
    return reason
