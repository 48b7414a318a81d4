"""The registers as data: one row per person, place, organisation and publication.

Each row gives the entity's id, type, main name, the name variants met in the texts,
its dates (Gregorian ISO, the Julian equivalent where the register gives it), its role
or description, its authority ids and how often the texts point to it. Occurrences
are the tokens of ``@ref`` inside the texts' ``text`` element (body, front, back and
notes); mentions in the headers, such as a letter's sender, are not counted.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from lxml import etree

from pipeline.config import EditionConfig
from pipeline.xmltools import NSMAP, XML_ID

ENTITY_TYPES = {"person": "person", "place": "place", "org": "org", "bibl": "publication"}
NAME_ELEMENTS = {"person": "persName", "place": "placeName", "org": "orgName"}
CSV_COLUMNS = (
    "id",
    "type",
    "name",
    "variants",
    "derived",
    "dates",
    "birth",
    "death",
    "role",
    "authority_ids",
    "coordinates",
    "occurrences",
)
DATE_ATTRIBUTES = ("when", "from", "to", "notBefore", "notAfter")


def _text(element: etree._Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _date(element: etree._Element | None) -> dict[str, str] | None:
    """A date's normalised values (Gregorian and ``-custom`` Julian) and its text."""
    if element is None:
        return None
    values = {name: element.get(name) for name in DATE_ATTRIBUTES if element.get(name)}
    if "julian" in (element.get("datingMethod") or ""):
        values.update(
            {
                f"{name}-julian": element.get(f"{name}-custom")
                for name in DATE_ATTRIBUTES
                if element.get(f"{name}-custom")
            }
        )
    written = _text(element)
    if written:
        values["text"] = written
    return values or None


def _iso_span(date: Mapping[str, str] | None) -> tuple[str, str]:
    """Start and end of a normalised date, '' where unknown."""
    if not date:
        return "", ""
    start = date.get("when") or date.get("from") or date.get("notBefore") or ""
    end = date.get("when") or date.get("to") or date.get("notAfter") or ""
    return start, end


def _interval(start: str, end: str) -> str:
    """ISO 8601 interval, '..' for an open end; a single date stays single."""
    if not start and not end:
        return ""
    if start == end:
        return start
    return f"{start or '..'}/{end or '..'}"


def count_occurrences(
    texts: Mapping[str, etree._ElementTree], registers_name: str, part: str = "text"
) -> dict[str, Counter[str]]:
    """Register id -> document id -> number of ``@ref`` tokens pointing to it.

    ``part`` is the child of ``TEI`` counted in: ``text`` or ``teiHeader``.
    """
    counts: dict[str, Counter[str]] = {}
    for doc_id, tree in texts.items():
        for scope in tree.getroot().iterfind(f"tei:{part}", NSMAP):
            for element in scope.iter():
                if not isinstance(element.tag, str):
                    continue
                for token in (element.get("ref") or "").split():
                    target, _, fragment = token.partition("#")
                    if target == registers_name and fragment:
                        counts.setdefault(fragment, Counter())[doc_id] += 1
    return counts


def _names(entry: etree._Element, kind: str) -> tuple[str, list[str]]:
    if kind == "bibl":
        titles = entry.findall("tei:title", NSMAP)
        main = next((t for t in titles if not t.get("type")), titles[0] if titles else None)
        return _text(main), [_text(t) for t in titles if t is not main and _text(t)]
    names = entry.findall(f"tei:{NAME_ELEMENTS[kind]}", NSMAP)
    main = next((n for n in names if n.get("type") == "main"), names[0] if names else None)
    return _text(main), [_text(n) for n in names if n is not main and _text(n)]


def _authority_ids(entry: etree._Element) -> dict[str, str]:
    ids: dict[str, str] = {}
    for idno in entry.findall("tei:idno", NSMAP):
        value = _text(idno)
        if value:
            ids[idno.get("type") or "id"] = value
    return ids


def _row(
    entry: etree._Element,
    kind: str,
    counts: Mapping[str, Counter[str]],
    header_counts: Mapping[str, Counter[str]],
) -> dict[str, Any]:
    entity_id = entry.get(XML_ID) or ""
    name, variants = _names(entry, kind)
    derived = [_text(t) for t in entry.findall("tei:note[@type='derived']/tei:term", NSMAP)]
    dates: dict[str, Any] = {}
    if kind == "person":
        for event in ("birth", "death"):
            value = _date(entry.find(f"tei:{event}/tei:date", NSMAP))
            if value is None:
                event_element = entry.find(f"tei:{event}", NSMAP)
                value = _date(event_element) if event_element is not None else None
            if value:
                dates[event] = value
        span = (_iso_span(dates.get("birth"))[0], _iso_span(dates.get("death"))[1])
    else:
        value = _date(entry.find("tei:date", NSMAP))
        if value:
            dates["active"] = value
        span = _iso_span(value)
    if kind == "person":
        role = "; ".join(_text(o) for o in entry.findall("tei:occupation", NSMAP))
    else:
        role = "; ".join(
            _text(n) for n in entry.findall("tei:note", NSMAP) if n.get("type") != "derived"
        )
    geo = _text(entry.find("tei:location/tei:geo", NSMAP))
    by_document = counts.get(entity_id, Counter())
    return {
        "id": entity_id,
        "type": ENTITY_TYPES[kind],
        "subtype": entry.get("type") or "",
        "name": name,
        "variants": variants,
        "derived": derived,
        "dates": dates,
        "dates_iso": _interval(*span),
        "role": role,
        "authority_ids": _authority_ids(entry),
        "coordinates": geo,
        "occurrences": sum(by_document.values()),
        "occurrences_by_document": dict(sorted(by_document.items())),
        "header_mentions": sum(header_counts.get(entity_id, Counter()).values()),
    }


def register_rows(
    registers: etree._ElementTree, texts: Mapping[str, etree._ElementTree], registers_name: str
) -> list[dict[str, Any]]:
    """One row per register entry, in register order (persons, places, orgs, works)."""
    counts = count_occurrences(texts, registers_name)
    header_counts = count_occurrences(texts, registers_name, part="teiHeader")
    rows = []
    standoff = registers.getroot().find("tei:standOff", NSMAP)
    scope = standoff if standoff is not None else registers.getroot()
    for entry in scope.iter(*(f"{{{NSMAP['tei']}}}{kind}" for kind in ENTITY_TYPES)):
        if entry.get(XML_ID):
            rows.append(_row(entry, _local(entry), counts, header_counts))
    return rows


def rows_to_json(rows: list[dict[str, Any]], config: EditionConfig) -> bytes:
    """The rows with the edition's name, licence and what 'occurrences' counts."""
    data = {
        "title": f"{config.title}: registers",
        "publisher": config.publisher,
        "licence": config.licence,
        "licence_url": config.licence_url,
        "release_date": config.release_date,
        "occurrences_counted": "tokens of @ref in the texts' text element (body and "
        "notes); header_mentions counts those in their headers",
        "dates": "Gregorian ISO 8601; '-julian' keys give the Julian (Old Style) date",
        "entities": rows,
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _date_cell(value: Mapping[str, str] | None) -> str:
    if not value:
        return ""
    start, end = _iso_span(value)
    cell = _interval(start, end)
    julian = value.get("when-julian") or _interval(
        value.get("from-julian", ""), value.get("to-julian", "")
    )
    return f"{cell} (O.S. {julian})" if julian else cell


# A spreadsheet reads a cell that begins with one of these as a formula (OWASP, "CSV
# Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made plain text the way
    OWASP recommends: a leading single quote. Numbers and other cells stay as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def rows_to_csv(rows: list[dict[str, Any]]) -> bytes:
    """RFC 4180 CSV, UTF-8; list cells are joined with ' | '.

    A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a leading ``'`` (see ``neutralised``); the JSON export keeps every value as the
    registers give it.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        cells = [
            row["id"],
            row["type"],
            row["name"],
            " | ".join(row["variants"]),
            " | ".join(row["derived"]),
            row["dates_iso"],
            _date_cell(row["dates"].get("birth")),
            _date_cell(row["dates"].get("death")),
            row["role"],
            " | ".join(f"{k}:{v}" for k, v in sorted(row["authority_ids"].items())),
            row["coordinates"],
            row["occurrences"],
        ]
        writer.writerow([neutralised(cell) for cell in cells])
    return out.getvalue().encode("utf-8")
