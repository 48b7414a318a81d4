"""The whole edition as one ``teiCorpus`` file, valid TEI P5.

Separate files may repeat ids and point into each other (``registers.xml#lenin``); one
file may not. So the corpus:

- keeps the registers' ids as they are: they are the edition's shared names, and
  ``registers.xml#x`` becomes ``#x``;
- prefixes every other id of a text with the text's id (``editors`` becomes
  ``our-tasks-and-the-soviet-editors``) unless it already starts with it, and rewrites
  the text's pointers to match;
- moves the parts of the texts' ``encodingDesc`` that are the same in every text into
  the corpus header, once.

The corpus header says all this, so a reader of the file alone can follow the pointers.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

from lxml import etree

from pipeline.config import EditionConfig
from pipeline.errors import EditionError
from pipeline.structure import document_name
from pipeline.xmltools import NSMAP, TEI_NS, XML_ID, XML_LANG, serialize, tei

# Attributes whose values are TEI pointers (teidata.pointer or lists of them). Only
# these are rewritten: a date in @from or a label in @n must never be touched.
POINTER_ATTRIBUTES = frozenset(
    {
        "ana",
        "calendar",
        "copyOf",
        "corresp",
        "datingMethod",
        "datingPoint",
        "decls",
        "exclude",
        "facs",
        "hand",
        "inst",
        "next",
        "prev",
        "ref",
        "rendition",
        "resp",
        "sameAs",
        "scheme",
        "select",
        "source",
        "spanTo",
        "synch",
        "target",
        "targets",
        "who",
        "wit",
        "classCode",
    }
)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


class _Member:
    """One file of the corpus: its copy, its id, and how its ids are renamed."""

    def __init__(self, name: str, tree: etree._ElementTree, shared: bool) -> None:
        self.name = name
        self.root = copy.deepcopy(tree.getroot())
        stem = name.removesuffix(".xml")
        self.doc_id = document_name(tree.getroot(), stem)
        self.root.set(XML_ID, self.doc_id)
        self.renames: dict[str, str] = {}
        for element in self.root.iter():
            value = element.get(XML_ID) if isinstance(element.tag, str) else None
            if not value or element is self.root:
                continue
            if shared or value.startswith(f"{self.doc_id}-"):
                self.renames[value] = value
            else:
                self.renames[value] = f"{self.doc_id}-{value}"


def _rewrite_token(token: str, member: _Member, by_name: Mapping[str, _Member]) -> str:
    target, hash_, fragment = token.partition("#")
    if not hash_:
        other = by_name.get(token)
        return f"#{other.doc_id}" if other is not None else token
    if target == "":
        return f"#{member.renames.get(fragment, fragment)}"
    other = by_name.get(target)
    if other is None:
        return token  # a pointer out of the edition is kept as it is
    if fragment not in other.renames and fragment != other.doc_id:
        raise EditionError(f"pointer {token!r} names no id in {target}", member.name)
    return f"#{other.renames.get(fragment, fragment)}"


def _rewrite_member(member: _Member, by_name: Mapping[str, _Member]) -> None:
    for element in member.root.iter():
        if not isinstance(element.tag, str):
            continue
        value = element.get(XML_ID)
        if value and element is not member.root:
            element.set(XML_ID, member.renames[value])
        for attribute, value in element.attrib.items():
            if etree.QName(attribute).namespace or attribute not in POINTER_ATTRIBUTES:
                continue
            tokens = value.split()
            rewritten = [_rewrite_token(token, member, by_name) for token in tokens]
            if rewritten != tokens:
                element.set(attribute, " ".join(rewritten))
        # A top-level citeStructure is matched from the file's root, now teiCorpus.
        if _local(element) == "citeStructure" and _local(element.getparent()) == "refsDecl":
            match = element.get("match", "")
            if match.startswith("/TEI/") or match == "/TEI":
                element.set("match", "/teiCorpus" + match)


def _canonical(element: etree._Element) -> str:
    # Compared as canonical XML without the surrounding indentation.
    alone = etree.tostring(copy.deepcopy(element), with_tail=False)
    return etree.canonicalize(alone.decode("utf-8"), strip_text=True)


def _shared_children(parents: Sequence[etree._Element]) -> list[etree._Element]:
    """Children of the first parent that every other parent has, identical."""
    if not parents:
        return []
    others = [
        {_canonical(child) for child in parent if isinstance(child.tag, str)}
        for parent in parents[1:]
    ]
    return [
        child
        for child in parents[0]
        if isinstance(child.tag, str) and all(_canonical(child) in o for o in others)
    ]


def _remove_shared(parent: etree._Element, keys: set[str]) -> None:
    for child in list(parent):
        if isinstance(child.tag, str) and _canonical(child) in keys:
            parent.remove(child)


def _drop_if_empty(element: etree._Element) -> None:
    if not any(isinstance(child.tag, str) for child in element):
        element.getparent().remove(element)


def _shared_encoding(texts: Sequence[_Member]) -> list[etree._Element]:
    """Take what every text's encodingDesc has in common out of the texts."""
    descs = [t.root.find("tei:teiHeader/tei:encodingDesc", NSMAP) for t in texts]
    if not descs or any(d is None for d in descs):
        return []
    top = [c for c in _shared_children(descs) if _local(c) != "editorialDecl"]
    decls = [d.find("tei:editorialDecl", NSMAP) for d in descs]
    decl_parts = [] if any(d is None for d in decls) else _shared_children(decls)
    shared_decl = None
    if decl_parts:
        shared_decl = etree.Element(tei("editorialDecl"))
        shared_decl.extend(copy.deepcopy(part) for part in decl_parts)
    result: list[etree._Element] = []
    for child in descs[0]:
        if _local(child) == "editorialDecl" and shared_decl is not None:
            result.append(shared_decl)
        elif any(child is c for c in top):
            result.append(copy.deepcopy(child))
    # Keys first: an element taken out of its file loses its namespace declaration.
    top_keys = {_canonical(c) for c in top}
    decl_keys = {_canonical(c) for c in decl_parts}
    for desc, decl in zip(descs, decls, strict=True):
        if decl is not None and decl_keys:
            _remove_shared(decl, decl_keys)
            _drop_if_empty(decl)
        _remove_shared(desc, top_keys)
        _drop_if_empty(desc)
    return result


def _sub(
    parent: etree._Element, name: str, text: str | None = None, **attributes: str
) -> etree._Element:
    element = etree.SubElement(parent, tei(name), {k: v for k, v in attributes.items() if v})
    if text is not None:
        element.text = text
    return element


def _note_on_assembly(registers: _Member | None, texts: Sequence[_Member], moved: bool) -> str:
    example = f"'{texts[0].doc_id}-editors'" if texts else "'<text id>-editors'"
    held = f"the registers (the TEI element '{registers.doc_id}') and " if registers else ""
    note = (
        f"This corpus holds {held}{len(texts)} texts, each a TEI element whose xml:id is "
        "the text's id. So that every id is unique in this one file, the ids of the "
        "registers are kept as they are, and every other id of a text that does not "
        "already begin with the text's id is prefixed with it and a hyphen (in the "
        "separate files 'editors' and 'julian' recur in each text; here they are, for "
        f"example, {example}). Pointers are rewritten to match: a pointer into another "
        "file of the edition ('registers.xml#x') becomes a pointer within this file "
        "('#x'), and a pointer within a text to one of its renamed ids follows the "
        "rename. Pointers out of the edition are unchanged. A citeStructure whose match "
        "started at /TEI now starts at /teiCorpus/TEI."
    )
    if moved:
        note += (
            " The encoding declarations that are identical in every text are given once, "
            "in this header, and removed from the texts' headers; what remains in a "
            "text's encodingDesc is particular to it. The registers keep their own header."
        )
    return note


def _corpus_header(
    config: EditionConfig,
    registers: _Member | None,
    texts: Sequence[_Member],
    shared: list[etree._Element],
) -> etree._Element:
    header = etree.Element(tei("teiHeader"))
    file_desc = _sub(header, "fileDesc")
    title_stmt = _sub(file_desc, "titleStmt")
    _sub(title_stmt, "title", config.title, type="main")
    if config.subtitle:
        _sub(title_stmt, "title", config.subtitle, type="sub")
    _sub(title_stmt, "title", "The edition as one TEI corpus file", type="desc")
    for editor in config.editors:
        _sub(title_stmt, "editor", editor)
    publication = _sub(file_desc, "publicationStmt")
    if config.publisher:
        _sub(publication, "publisher", config.publisher)
    else:  # no placeholder: the edition itself, by its title
        _sub(publication, "authority", config.title)
    _sub(publication, "date", config.release_date, when=config.release_date)
    _sub(publication, "idno", f"{config.id_prefix}:corpus", type="local")
    availability = _sub(publication, "availability", status="free")
    _sub(
        availability,
        "licence",
        f"The TEI encoding of this edition: {config.licence}.",
        target=config.licence_url,
    )
    source = _sub(file_desc, "sourceDesc")
    bibls = _sub(source, "listBibl")
    _sub(bibls, "head", "The files of the edition assembled here, in this order")
    for member in ([registers] if registers is not None else []) + list(texts):
        title = member.root.find("tei:teiHeader/tei:fileDesc/tei:titleStmt/tei:title", NSMAP)
        bibl = _sub(bibls, "bibl")
        _sub(
            bibl,
            "title",
            " ".join("".join(title.itertext()).split()) if title is not None else member.name,
        )
        _sub(bibl, "idno", member.name, type="file")
        _sub(bibl, "ptr", target=f"#{member.doc_id}")
    encoding = _sub(header, "encodingDesc")
    _sub(encoding, "p", _note_on_assembly(registers, texts, bool(shared)))
    encoding.extend(shared)
    revision = _sub(header, "revisionDesc")
    _sub(
        revision,
        "change",
        f"Corpus assembled from {len(texts)} texts"
        f"{' and the registers' if registers is not None else ''} by edition export "
        "tei-corpus; not edited by hand.",
        when=config.release_date,
    )
    return header


def _check_unique(root: etree._Element) -> None:
    seen: set[str] = set()
    repeated: set[str] = set()
    for element in root.iter():
        value = element.get(XML_ID) if isinstance(element.tag, str) else None
        if value:
            (repeated if value in seen else seen).add(value)
    if repeated:
        raise EditionError(f"ids repeated in the corpus: {', '.join(sorted(repeated))}")


def build_corpus(
    files: Mapping[str, etree._ElementTree], registers_name: str | None, config: EditionConfig
) -> etree._ElementTree:
    """One ``teiCorpus`` from the edition's files (file name -> parsed TEI).

    ``registers_name`` is the registers' file name (its ids are kept); the texts follow
    in the order given. The input trees are not changed.
    """
    members = [_Member(name, tree, shared=(name == registers_name)) for name, tree in files.items()]
    by_name = {m.name: m for m in members}
    for member in members:
        if _local(member.root) != "TEI" or etree.QName(member.root).namespace != TEI_NS:
            raise EditionError("not a TEI P5 document: the root is not <TEI>", member.name)
    for member in members:
        _rewrite_member(member, by_name)
    registers = by_name.get(registers_name) if registers_name else None
    texts = [m for m in members if m is not registers]
    shared = _shared_encoding(texts)
    root = etree.Element(tei("teiCorpus"), nsmap={None: TEI_NS})
    if config.encoding.language:
        root.set(XML_LANG, config.encoding.language)
    root.append(_corpus_header(config, registers, texts, shared))
    if registers is not None:
        root.append(registers.root)
    root.extend(t.root for t in texts)
    _check_unique(root)
    return root.getroottree()


def corpus_bytes(
    files: Mapping[str, etree._ElementTree], registers_name: str | None, config: EditionConfig
) -> bytes:
    """The corpus, serialised canonically."""
    return serialize(build_corpus(files, registers_name, config).getroot())
