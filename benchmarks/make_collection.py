"""Make a synthetic collection of N TEI documents for the scale benchmarks.

    .venv/bin/python benchmarks/make_collection.py 1000 /tmp/collection-1000

The documents are copies of the bundled edition's TEI and of the TEI files written for the
tests in other projects' styles (tests/data/projects, and the valid ones of
tests/data/foreign), each made distinct:

- its id: the root ``xml:id`` (and every id that starts with it) gets a serial suffix;
- its title: the main title gets " (no. K)";
- its dates: every normalised date is moved by K days, in both calendars alike (the
  Julian ``-custom`` values are recomputed from the new Gregorian ones);
- its names: the registers (``registers.xml``, copied into the collection) get one
  person per document, named "Person K", whom the document's first paragraph mentions
  (in nested ``listPerson`` groups of 500, as a large register is kept).

The result is a folder for ``edition build --tei FOLDER``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.convert.calendar import gregorian_to_julian
from pipeline.xmltools import NSMAP, TEI_NS, XML_ID, safe_parser, serialize

T = f"{{{TEI_NS}}}"
DATE_ATTRIBUTES = ("when", "from", "to", "notBefore", "notAfter")
ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def templates() -> list[Path]:
    """The TEI files the copies are made from: texts only, all valid TEI."""
    ours = [p for p in sorted((REPO / "tei").glob("*.xml")) if p.name != "registers.xml"]
    projects = sorted((REPO / "tests" / "data" / "projects").glob("*.xml"))
    valid = ("letter_correspdesc.xml", "drama_sp.xml", "critical_app.xml", "manuscript_msdesc.xml")
    foreign = [REPO / "tests" / "data" / "foreign" / name for name in valid]
    found = []
    for path in [*ours, *projects, *foreign]:
        root = etree.parse(str(path), safe_parser()).getroot()
        if root.tag == T + "TEI" and root.find(T + "text") is not None:
            found.append(path)
    return found


def _shift(value: str, days: int) -> str | None:
    match = ISO_DAY.match(value)
    if not match:
        return None
    day = dt.date(*map(int, match.groups())) + dt.timedelta(days=days)
    return day.isoformat()


def shift_dates(root: etree._Element, days: int) -> None:
    """Every day-precise normalised date moves by ``days``; Julian twins follow."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name in DATE_ATTRIBUTES:
            value = element.get(name)
            moved = _shift(value, days) if value else None
            if moved is None:
                continue
            element.set(name, moved)
            if element.get(f"{name}-custom") and "julian" in (element.get("datingMethod") or ""):
                year, month, day = gregorian_to_julian(tuple(map(int, moved.split("-"))))
                element.set(f"{name}-custom", f"{year:04d}-{month:02d}-{day:02d}")


def rename(root: etree._Element, suffix: str) -> str:
    """Give the document (and every id that starts with its id) a new id."""
    old = root.get(XML_ID) or "doc"
    new = f"{old}-{suffix}"
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        value = element.get(XML_ID)
        if value and (value == old or value.startswith(old + "-")):
            element.set(XML_ID, new + value[len(old) :])
        for attribute in ("target", "corresp", "ref", "resp", "who"):
            pointer = element.get(attribute)
            if pointer and f"#{old}" in pointer:
                element.set(attribute, pointer.replace(f"#{old}", f"#{new}"))
    root.set(XML_ID, new)
    return new


def retitle(root: etree._Element, number: int) -> None:
    title = root.find("tei:teiHeader/tei:fileDesc/tei:titleStmt/tei:title", NSMAP)
    if title is not None:
        last = title[-1] if len(title) else None
        if last is not None:
            last.tail = (last.tail or "") + f" (no. {number})"
        else:
            title.text = (title.text or "") + f" (no. {number})"


def mention(root: etree._Element, person: str, number: int) -> None:
    paragraph = root.find(".//tei:text//tei:p", NSMAP)
    if paragraph is None:
        return
    name = etree.Element(T + "persName", ref=f"registers.xml#{person}")
    name.text = f"Person {number}"
    name.tail = ". " + (paragraph.text or "")
    paragraph.text = "With "
    paragraph.insert(0, name)


# The new persons go in nested lists of this many: libxml2's RELAX NG validation time
# grows with about the cube of the number of entries in one list (README, Benchmarks).
GROUP = 500


def registers_with(people: list[tuple[str, int]]) -> bytes:
    tree = etree.parse(str(REPO / "tei" / "registers.xml"), safe_parser())
    outer = tree.find(".//tei:listPerson", NSMAP)
    for at, (person, number) in enumerate(people):
        if at % GROUP == 0:
            persons = etree.SubElement(outer, T + "listPerson")
        entry = etree.SubElement(persons, T + "person")
        entry.set(XML_ID, person)
        name = etree.SubElement(entry, T + "persName", type="main")
        etree.SubElement(name, T + "forename").text = "Person"
        name[-1].tail = " "
        etree.SubElement(name, T + "surname").text = str(number)
    return serialize(tree.getroot())


def make(count: int, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    sources = templates()
    trees = [etree.parse(str(p), safe_parser()) for p in sources]
    written = []
    people = []
    for number in range(1, count + 1):
        template = trees[(number - 1) % len(trees)]
        root = etree.fromstring(etree.tostring(template.getroot()), safe_parser())
        new = rename(root, f"n{number:05d}")
        retitle(root, number)
        shift_dates(root, number % 3650)
        person = f"person-{number:05d}"
        mention(root, person, number)
        people.append((person, number))
        path = out / f"{new}.xml"
        path.write_bytes(serialize(root))
        written.append(path)
    (out / "registers.xml").write_bytes(registers_with(people))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    written = make(args.count, args.out)
    size = sum(p.stat().st_size for p in written) / 1e6
    print(f"{len(written)} documents ({size:.1f} MB) and registers.xml in {args.out}")


if __name__ == "__main__":
    main()
