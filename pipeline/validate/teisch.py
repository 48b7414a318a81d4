"""TEI's own Schematron rules, embedded in tei_all (XPath 2), run with Saxon (``saxonche``).

These are the constraints of the TEI Guidelines that the grammar cannot state (91 patterns
in TEI P5 4.10.2): a ``relation`` needs ``@active`` or ``@mutual``, ``@calendar`` needs
text to apply to, and so on. They need XPath 2, which lxml does not have, so this layer
is optional: ``pip install 'tei-edition-pipeline[tei-schematron]'`` adds Saxon-HE.

The rules are compiled here into one XSLT 3.0 stylesheet (one mode per pattern; within a
pattern the first matching rule fires, as Schematron says), compiled once per process,
and run on each document. Each finding carries the XPath ``path()`` of its context node,
which is mapped back to a line and column through lxml.
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline.validate.document import CheckedFile
from pipeline.validate.model import ERROR, WARNING, Issue
from pipeline.validate.schemas import SchemaError, read_relaxng, schema_stamp

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
_S = f"{{{SCH_NS}}}"
XSL_NS = "http://www.w3.org/1999/XSL/Transform"
_X = f"{{{XSL_NS}}}"
OUT_NS = "urn:x-edition:tei-schematron"
INSTALL_HINT = "pip install 'tei-edition-pipeline[tei-schematron]' (Saxon-HE, from PyPI)"
# Schematron roles that do not make a document invalid.
_NOT_ERRORS = {"warning", "warn", "info", "information", "nonfatal"}


class SaxonUnavailable(SchemaError):
    """saxonche is not installed (the CLI exits 2 with the way to install it)."""


def saxon_available() -> bool:
    try:
        import saxonche  # noqa: F401
    except ImportError:
        return False
    return True


def extract_schematron(grammar: etree._ElementTree) -> etree._ElementTree:
    """The Schematron embedded in a RELAX NG grammar, as one ISO Schematron schema."""
    schema = etree.Element(_S + "schema", nsmap={"sch": SCH_NS}, queryBinding="xslt2")
    for ns in grammar.getroot().iter(_S + "ns"):
        schema.append(etree.Element(_S + "ns", prefix=ns.get("prefix", ""), uri=ns.get("uri", "")))
    for pattern in grammar.getroot().iter(_S + "pattern"):
        schema.append(copy.deepcopy(pattern))
    return etree.ElementTree(schema)


def compile_to_xslt(schema: etree._ElementTree) -> etree._ElementTree:
    """An XSLT 3.0 stylesheet that reports each failed assert and successful report as
    ``<finding role= path= kind=>message</finding>`` inside ``<findings>``."""
    root = schema.getroot()
    prefixes = {ns.get("prefix"): ns.get("uri") for ns in root.iter(_S + "ns")}
    nsmap = {"xsl": XSL_NS, "out": OUT_NS}
    nsmap.update({p: u for p, u in prefixes.items() if p and p not in ("xsl", "out")})
    sheet = etree.Element(
        _X + "stylesheet",
        nsmap=nsmap,
        version="3.0",
        **{"exclude-result-prefixes": " ".join(p for p in nsmap if p != "out")},
    )
    etree.SubElement(sheet, _X + "output", method="xml", indent="no")
    patterns = list(root.iter(_S + "pattern"))
    start = etree.SubElement(sheet, _X + "template", match="/")
    findings = etree.SubElement(start, f"{{{OUT_NS}}}findings")
    for number, pattern in enumerate(patterns):
        mode = f"p{number}"
        etree.SubElement(findings, _X + "apply-templates", select=".", mode=mode)
        etree.SubElement(sheet, _X + "mode", name=mode, **{"on-no-match": "shallow-skip"})
        pattern_lets = [let for let in pattern if let.tag == _S + "let"]
        rules = [rule for rule in pattern if rule.tag == _S + "rule"]
        for order, rule in enumerate(rules):
            template = etree.SubElement(
                sheet,
                _X + "template",
                match=rule.get("context", "/"),
                mode=mode,
                priority=str(1000 - order),
            )
            for let in [*pattern_lets, *[c for c in rule if c.tag == _S + "let"]]:
                etree.SubElement(
                    template,
                    _X + "variable",
                    name=let.get("name", ""),
                    select=let.get("value", "()"),
                )
            for check in rule:
                if check.tag not in (_S + "assert", _S + "report"):
                    continue
                test = check.get("test", "true()")
                condition = f"not({test})" if check.tag == _S + "assert" else test
                when = etree.SubElement(template, _X + "if", test=condition)
                finding = etree.SubElement(when, f"{{{OUT_NS}}}finding")
                _attribute(finding, "role", check.get("role", ""))
                _attribute(finding, "pattern", pattern.get("id", mode))
                path = etree.SubElement(finding, _X + "attribute", name="path")
                etree.SubElement(path, _X + "value-of", select="path()")
                _message(finding, check)
            etree.SubElement(template, _X + "apply-templates", select="@*|node()", mode=mode)
    return etree.ElementTree(sheet)


def _attribute(parent: etree._Element, name: str, value: str) -> None:
    attribute = etree.SubElement(parent, _X + "attribute", name=name)
    text = etree.SubElement(attribute, _X + "text")
    text.text = value


def _message(parent: etree._Element, check: etree._Element) -> None:
    """The assert's text, with sch:name and sch:value-of evaluated."""
    if check.text:
        _text(parent, check.text)
    for child in check:
        if child.tag == _S + "name":
            etree.SubElement(parent, _X + "value-of", select=f"name({child.get('path', '.')})")
        elif child.tag == _S + "value-of":
            etree.SubElement(parent, _X + "value-of", select=child.get("select", "."))
        elif isinstance(child.tag, str):
            _text(parent, child.xpath("string()"))
        if child.tail:
            _text(parent, child.tail)


def _text(parent: etree._Element, value: str) -> None:
    text = etree.SubElement(parent, _X + "text")
    text.text = value


class TeiSchematron:
    """The compiled stylesheet of one tei_all.rng, in this process."""

    def __init__(self, rng_path: Path) -> None:
        try:
            from saxonche import PySaxonApiError, PySaxonProcessor
        except ImportError:
            raise SaxonUnavailable(
                f"the TEI Schematron layer needs Saxon: {INSTALL_HINT}", rng_path
            ) from None
        self.processor = PySaxonProcessor(license=False)
        stylesheet = compile_to_xslt(extract_schematron(read_relaxng(rng_path)))
        text = etree.tostring(stylesheet, encoding="unicode")
        try:
            self.executable = self.processor.new_xslt30_processor().compile_stylesheet(
                stylesheet_text=text
            )
        except PySaxonApiError as exc:
            raise SchemaError(f"cannot compile the TEI Schematron: {exc}", rng_path) from None

    def findings(self, tree: etree._ElementTree) -> list[dict[str, Any]]:
        # Only the root element goes to Saxon: no DOCTYPE, so nothing it could load; the
        # entity references the safe parser kept become their text (see _entities_as_text).
        source = etree.tostring(_entities_as_text(tree), encoding="unicode")
        node = self.processor.parse_xml(xml_text=source)
        output = self.executable.transform_to_string(xdm_node=node)
        report = etree.fromstring(output.encode("utf-8"))
        return [
            {
                "path": f.get("path", ""),
                "role": f.get("role", ""),
                "pattern": f.get("pattern", ""),
                "message": " ".join((f.text or "").split()),
            }
            for f in report
        ]


def _entities_as_text(tree: etree._ElementTree) -> etree._Element:
    """The root with each entity reference replaced by its text: the replacement text the
    internal DTD subset gives it (read, never expanded by the parser), else nothing. Saxon
    sees no DOCTYPE, so a reference left in would make the document unreadable to it."""
    root = tree.getroot()
    if next(root.iter(etree.Entity), None) is None:
        return root
    declared: dict[str, str] = {}
    dtd = tree.docinfo.internalDTD
    if dtd is not None:
        for entity in dtd.iterentities():
            if entity.content is not None and not entity.system_url:
                declared[entity.name] = entity.content
    root = copy.deepcopy(root)
    for entity in list(root.iter(etree.Entity)):
        text = declared.get(entity.name, "") + (entity.tail or "")
        parent, previous = entity.getparent(), entity.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(entity)
    return root


@functools.lru_cache(maxsize=2)
def _compiled(path: str, mtime_ns: int) -> TeiSchematron:
    return TeiSchematron(Path(path))


def tei_schematron(rng_path: Path) -> TeiSchematron:
    return _compiled(*schema_stamp(rng_path))


_STEP = re.compile(r"Q\{([^}]*)\}([^\[/]+)\[(\d+)\]")
# A step of path(): a namespace URI may itself contain slashes.
_STEPS = re.compile(r"/(Q\{[^}]*\}[^\[/]+\[\d+\]|[^/]+)")


def element_at_path(tree: etree._ElementTree, path: str) -> etree._Element | None:
    """The element of an XPath 3 ``path()`` (an attribute's path gives its element)."""
    steps = _STEPS.findall(path)
    node: etree._Element | None = None
    for step in steps:
        match = _STEP.fullmatch(step)
        if not match:
            break  # an attribute, text node or comment: report its element
        uri, local, index = match.group(1), match.group(2), int(match.group(3))
        tag = f"{{{uri}}}{local}" if uri else local
        if node is None:
            root = tree.getroot()
            node = root if root.tag == tag and index == 1 else None
        else:
            same = [c for c in node if c.tag == tag]
            node = same[index - 1] if index <= len(same) else None
        if node is None:
            return None
    return node


def validate_tei_schematron(doc: CheckedFile, rng_path: Path, label: str) -> list[Issue]:
    assert doc.tree is not None
    issues = []
    checker = tei_schematron(rng_path)
    try:
        from saxonche import PySaxonApiError
    except ImportError:  # pragma: no cover - checked before any file is read
        raise SaxonUnavailable(f"the TEI Schematron layer needs Saxon: {INSTALL_HINT}") from None
    try:
        found = checker.findings(doc.tree)
    except PySaxonApiError as exc:
        # One file Saxon cannot read never stops the others: this one gets its verdict.
        message = " ".join(str(exc).split())[:300]
        return [Issue(doc.path, None, None, f"could not be checked: {message}", label, ERROR)]
    for finding in found:
        el = element_at_path(doc.tree, finding["path"])
        line = el.sourceline if el is not None else None
        column = doc.column(el) if el is not None else None
        severity = WARNING if finding["role"].lower() in _NOT_ERRORS else ERROR
        message = finding["message"] or f"rule {finding['pattern']} failed"
        issues.append(Issue(doc.path, line, column, message, label, severity))
    return issues
