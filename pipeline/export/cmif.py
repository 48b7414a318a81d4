"""The letters as a CMIF file (Correspondence Metadata Interchange Format) for correspSearch.

CMIF, by the TEI Correspondence SIG, is a small subset of TEI: a header naming the
file's editor, publisher, URL (``idno type="url"``), date and CC BY 4.0 (or CC0)
licence, one ``sourceDesc/bibl`` for the edition (``type`` online|print|hybrid, with a
stable ``xml:id`` beginning with a letter), and one ``correspDesc`` per letter with
``@ref`` (the letter's URL), ``@key`` (its id in the edition) and ``@source`` (the bibl).
Each ``correspAction`` (``sent``/``received``) holds only ``persName``, ``orgName``,
``placeName`` (text only, ``@ref`` an authority URI) and an empty ``date`` whose
``@when``, ``@from``, ``@to``, ``@notBefore``, ``@notAfter`` are YYYY, YYYY-MM or
YYYY-MM-DD.

CMIF dates are Gregorian only: the Julian date of a letter stays in the edition's TEI.
Names are the registers' normalised names. A name's ``@ref`` is the authority URI of
its register entry: the first ``idno`` that is an identifier of a known authority
(``type`` viaf, gnd, lc, bnf, geonames or wikidata, in its own form) or that authority's
URI; an entry without one gets no ``@ref``, as none is ever guessed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from lxml import etree

from pipeline.config import EditionConfig
from pipeline.errors import EditionError
from pipeline.structure.collection import document_page as default_page
from pipeline.structure.identifiers import is_safe_id
from pipeline.xmltools import NSMAP, TEI_NS, XML_ID, tei

CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
_LICENCE_TEXT = {
    CC_BY_4: "This file is licensed under the terms of the Creative Commons License CC-BY 4.0",
    CC0: "This file is dedicated to the public domain under Creative Commons CC0 1.0",
}
_CMIF_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
DATE_ATTRIBUTES = ("when", "from", "to", "notBefore", "notAfter")
NAME_ELEMENTS = ("persName", "orgName", "placeName")

# Authority files CMIF recommends, by idno/@type: the value's form and its URI.
AUTHORITIES: dict[str, tuple[re.Pattern[str], Callable[[str], str]]] = {
    "viaf": (re.compile(r"^\d{1,22}$"), lambda v: f"http://viaf.org/viaf/{v}"),
    "gnd": (re.compile(r"^[0-9X-]{4,14}$"), lambda v: f"http://d-nb.info/gnd/{v}"),
    "lc": (re.compile(r"^n[a-z]?\d{6,12}$"), lambda v: f"http://id.loc.gov/authorities/names/{v}"),
    "bnf": (
        re.compile(r"^\d{8}[0-9bcdfghjkmnpqrstvwxz]$"),
        lambda v: f"http://data.bnf.fr/ark:/12148/cb{v}",
    ),
    "geonames": (re.compile(r"^\d{1,10}$"), lambda v: f"http://www.geonames.org/{v}"),
    "wikidata": (re.compile(r"^Q[1-9]\d{0,11}$"), lambda v: f"http://www.wikidata.org/entity/{v}"),
}


def _text(element: etree._Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() or ord(c) < 32 for c in value)
    ):
        raise EditionError(f"not an absolute http(s) URL: {value!r}")
    return value


def licence_for(config: EditionConfig) -> tuple[str, str]:
    """CMIF requires CC BY 4.0 or CC0: the edition's licence must be one of them."""
    url = config.licence_url.replace("http://", "https://")
    if not url.endswith("/"):
        url += "/"
    if url not in _LICENCE_TEXT:
        raise EditionError(
            f"CMIF files must be licensed CC BY 4.0 or CC0; the edition's licence URL is "
            f"{config.licence_url!r}"
        )
    return url, _LICENCE_TEXT[url]


# The same authorities' URIs as a register may give them (http or https, www or not).
AUTHORITY_URIS: dict[str, re.Pattern[str]] = {
    "viaf": re.compile(r"^https?://(?:www\.)?viaf\.org/viaf/(\d{1,22})/?$"),
    "gnd": re.compile(r"^https?://d-nb\.info/gnd/([0-9X-]{4,14})/?$"),
    "lc": re.compile(r"^https?://id\.loc\.gov/authorities/names/(n[a-z]?\d{6,12})(?:\.html)?$"),
    "bnf": re.compile(
        r"^https?://data\.bnf\.fr/(?:ark:/12148/)?cb(\d{8}[0-9bcdfghjkmnpqrstvwxz])/?$"
    ),
    "geonames": re.compile(r"^https?://(?:www\.|sws\.)?geonames\.org/(\d{1,10})(?:/[^/]*)?/?$"),
    "wikidata": re.compile(r"^https?://(?:www\.)?wikidata\.org/(?:wiki|entity)/(Q[1-9]\d{0,11})$"),
}


def _authority(idno: etree._Element) -> str | None:
    value = _text(idno)
    rule = AUTHORITIES.get((idno.get("type") or "").lower())
    if rule is not None and rule[0].match(value):
        return rule[1](value)
    for kind, pattern in AUTHORITY_URIS.items():
        match = pattern.match(value)
        if match and AUTHORITIES[kind][0].match(match.group(1)):
            return AUTHORITIES[kind][1](match.group(1))
    return None


def authority_uri(entry: etree._Element | None) -> str | None:
    """The URI of the first authority idno of a register entry that has a known form."""
    if entry is None:
        return None
    for idno in entry.findall("tei:idno", NSMAP):
        uri = _authority(idno)
        if uri is not None:
            return uri
    return None


def bibl_id(config: EditionConfig) -> str:
    """A UUID that stays the same for the edition, prefixed so it begins with a letter."""
    return "edition-" + str(uuid.uuid5(uuid.NAMESPACE_URL, config.base_url or config.title))


def _register_index(registers: etree._ElementTree | None) -> dict[str, etree._Element]:
    if registers is None:
        return {}
    return {
        el.get(XML_ID): el
        for el in registers.getroot().iter()
        if isinstance(el.tag, str) and el.get(XML_ID)
    }


def _main_name(entry: etree._Element, local: str) -> str:
    names = entry.findall(f"tei:{local}", NSMAP)
    main = next((n for n in names if n.get("type") == "main"), names[0] if names else None)
    return _text(main)


def _sub(
    parent: etree._Element, name: str, text: str | None = None, **attributes: str
) -> etree._Element:
    element = etree.SubElement(parent, tei(name), {k: v for k, v in attributes.items() if v})
    if text is not None:
        element.text = text
    return element


def _action(
    source: etree._Element,
    target: etree._Element,
    registers_name: str,
    index: Mapping[str, etree._Element],
) -> None:
    action = _sub(target, "correspAction", type=source.get("type"))
    names = [
        c for c in source if isinstance(c.tag, str) and etree.QName(c).localname in NAME_ELEMENTS
    ]
    has_agent = any(etree.QName(c).localname in ("persName", "orgName") for c in names)
    if not has_agent:
        _sub(action, "persName", "Unknown")  # CMIF: an unknown person is 'Unknown'
    for child in names:
        local = etree.QName(child).localname
        entry = None
        for token in (child.get("ref") or "").split():
            target_file, _, fragment = token.partition("#")
            if target_file == registers_name and fragment in index:
                entry = index[fragment]
                break
        name = (_main_name(entry, local) if entry is not None else "") or _text(child)
        _sub(action, local, name or "Unknown", ref=authority_uri(entry) or "")
    date = source.find("tei:date", NSMAP)
    if date is not None:
        values = {
            a: date.get(a) for a in DATE_ATTRIBUTES if date.get(a) and _CMIF_DATE.match(date.get(a))
        }
        if values:
            _sub(action, "date", **values)


def build_cmif(
    letters: Mapping[str, etree._ElementTree],
    registers: etree._ElementTree | None,
    registers_name: str,
    config: EditionConfig,
    file_url: str,
    page: Callable[[str], str] = default_page,
) -> etree._ElementTree:
    """The CMIF file for every document (id -> TEI) that has a ``correspDesc``.

    ``file_url`` is where the CMIF file itself is published; a letter's URL is its page
    in the HTML edition under the configured base URL.
    """
    base = _http_url(config.base_url)
    if not base.endswith("/"):
        base += "/"
    licence_url, licence_text = licence_for(config)
    source_id = bibl_id(config)
    index = _register_index(registers)

    root = etree.Element(tei("TEI"), nsmap={None: TEI_NS})
    header = _sub(root, "teiHeader")
    file_desc = _sub(header, "fileDesc")
    title_stmt = _sub(file_desc, "titleStmt")
    _sub(title_stmt, "title", f"{config.title}: letters (CMIF)")
    for editor in config.editors:
        _sub(title_stmt, "editor", editor)  # no e-mail address is configured
    publication = _sub(file_desc, "publicationStmt")
    publisher = _sub(publication, "publisher")
    _sub(publisher, "ref", config.publisher, target=base)
    _sub(publication, "idno", _http_url(file_url), type="url")
    # CMIF asks for a timestamp; the release date keeps the file reproducible.
    _sub(publication, "date", when=f"{config.release_date}T00:00:00Z")
    availability = _sub(publication, "availability")
    _sub(availability, "licence", licence_text, target=licence_url)
    source_desc = _sub(file_desc, "sourceDesc")
    bibl = _sub(source_desc, "bibl", type="online")
    bibl.set(XML_ID, source_id)
    bibl.text = f"{config.title}" + (f": {config.subtitle}" if config.subtitle else "")
    bibl.text += f". {config.publisher}, {config.release_date}. "
    _sub(bibl, "ref", base, target=base)

    profile = _sub(header, "profileDesc")
    count = 0
    for doc_id, tree in letters.items():
        if not is_safe_id(doc_id):
            raise EditionError(f"document id {doc_id!r} cannot be part of a URL")
        for corresp in tree.getroot().iterfind(
            "tei:teiHeader/tei:profileDesc/tei:correspDesc", NSMAP
        ):
            out = _sub(
                profile, "correspDesc", key=doc_id, ref=base + page(doc_id), source=f"#{source_id}"
            )
            for action in corresp.iterfind("tei:correspAction", NSMAP):
                if action.get("type") in ("sent", "received"):
                    _action(action, out, registers_name, index)
            count += 1
    if count == 0:
        raise EditionError("no document has a correspDesc: there are no letters to export")
    if not any(el.get("ref") for el in profile.iter(*(tei(n) for n in NAME_ELEMENTS))):
        profile.insert(
            0,
            etree.Comment(
                " No name has @ref: the edition's registers hold no verified authority "
                "identifiers (GND, VIAF, GeoNames...) yet, and none is guessed. "
            ),
        )
    text = _sub(root, "text")
    body = _sub(text, "body")
    _sub(body, "p")
    return root.getroottree()
