"""The fidelity check of ENCODING.md §1: no word lost or added.

The TEI is read back into the source's own terms: the reading with ``orig``/``sic``
chosen, page breaks as ``page N`` lines, note markers as ``[n]`` and the notes after the
text. The source, less the lines the header declares as removed apparatus or as moved
into the header, must then equal it once whitespace is normalised.
"""

from __future__ import annotations

import re

from lxml import etree

from pipeline.convert.segment import collapse
from pipeline.xmltools import NSMAP, TEI_NS

_T = f"{{{TEI_NS}}}"
_MARKER_SPACE = re.compile(r"\s+(\[\d+\])")
# Elements that stood on lines of their own in the source.
_BLOCKS = frozenset(
    {"p", "head", "quote", "docAuthor", "salute", "dateline", "addrLine", "signed", "roleName"}
    | {"stage", "postscript"}
)


_LINE = re.compile(r"source line (\d+)")


def _declared_lines(root: etree._Element) -> tuple[list[str], dict[int, list[str]]]:
    """Whole lines removed or moved to the header, and residues cut from the end of a
    line (by the line's number)."""
    decl = root.find("tei:teiHeader/tei:encodingDesc/tei:editorialDecl", NSMAP)
    whole: list[str] = []
    residues: dict[int, list[str]] = {}
    if decl is None:
        return whole, residues
    for quote in decl.iterfind(".//tei:list[@type='moved-to-header']/tei:item/tei:quote", NSMAP):
        whole.append(collapse(quote.text or ""))
    for quote in decl.iterfind(".//tei:list[@type='removed']/tei:item/tei:quote", NSMAP):
        text = collapse(quote.text or "")
        if quote.getparent().get("n") == "link-residue":
            found = _LINE.search(quote.tail or "")
            if found:
                residues.setdefault(int(found[1]), []).append(text)
        else:
            whole.append(text)
    return whole, residues


def source_as_encoded(source_text: str, root: etree._Element) -> str:
    """The source with the declared apparatus and header lines taken out."""
    whole, residues = _declared_lines(root)
    kept = []
    for number, line in enumerate(source_text.splitlines(), 1):
        line = collapse(line)
        for residue in residues.get(number, ()):
            if line.endswith(residue):
                line = line[: -len(residue)].rstrip()
        if line and line not in whole:
            kept.append(line)
    return collapse(" ".join(kept))


def _walk(element: etree._Element, out: list[str], notes: list[tuple[int, str]]) -> None:
    tag = element.tag
    if tag == _T + "choice":
        original = element.find("tei:orig", NSMAP)
        if original is None:
            original = element.find("tei:sic", NSMAP)
        out.append("".join(original.itertext()) if original is not None else "")
        return
    if tag == _T + "pb":
        # an inferred page join had no page line in the source
        out.append(" " if element.get("type") == "inferred" else f" page {element.get('n')} ")
    elif tag == _T + "milestone" and element.get("rend") == "asterism":
        out.append(" * * * ")
    elif tag == _T + "anchor" and element.get("n"):
        out.append(f"[{element.get('n')}]")
    elif tag == _T + "lb":
        out.append(" ")
    elif tag == _T + "note":
        if element.get("type") == "editorial":
            return
        if element.get("type") != "unanchored":
            out.append(f"[{element.get('n')}]")
        body: list[str] = []
        for child in element:
            body.append(" ")
            _walk(child, body, notes)
        notes.append((int(element.get("n")), f"[{element.get('n')}] " + "".join(body)))
        return
    else:
        out.append(element.text or "")
        for child in element:
            _walk(child, out, notes)
            out.append(child.tail or "")
        if etree.QName(tag).localname in _BLOCKS:
            out.append(" ")
        return
    # empty cues and skipped elements still carry their tails in the caller


def encoded_as_source(root: etree._Element) -> str:
    """The TEI text read back into the source's terms (see module docstring)."""
    body = root.find("tei:text/tei:body", NSMAP)
    out: list[str] = []
    notes: list[tuple[int, str]] = []
    for child in body:
        _walk(child, out, notes)
        out.append(" ")
    notes.sort(key=lambda item: item[0])
    return collapse("".join(out) + " " + " ".join(text for _, text in notes))


def check_fidelity(source_text: str, root: etree._Element) -> str | None:
    """None when the TEI keeps every word of the source; else where they first differ."""
    # Where a note marker stands after a space is not significant.
    expected = _MARKER_SPACE.sub(r"\1", source_as_encoded(source_text, root))
    actual = _MARKER_SPACE.sub(r"\1", encoded_as_source(root))
    if expected == actual:
        return None
    at = next(
        (i for i, (a, b) in enumerate(zip(expected, actual)) if a != b),
        min(len(expected), len(actual)),
    )
    return (
        f"differs at character {at}: source …{expected[max(0, at - 40) : at + 40]!r}… "
        f"TEI …{actual[max(0, at - 40) : at + 40]!r}…"
    )
