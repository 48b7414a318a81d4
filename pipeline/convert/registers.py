"""The registers (persons, places, organisations, publications) and the name matcher.

Mentions are found by the names the registers give, never by a list in code: every
``persName``/``placeName``/``orgName``/``title`` of an entry, a person's bare surname and
its plural, and the derived group words in ``note[@type='derived']/term``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.errors import EditionError
from pipeline.xmltools import NSMAP, XML_ID, parse_file

# Register list element -> (entry element, element that tags a mention in a text).
KINDS = {
    "person": "persName",
    "place": "placeName",
    "org": "orgName",
    "bibl": "title",
}

_APOSTROPHES = "'’‘ʼ"


def name_key(text: str) -> str:
    """The form two names are compared in: folded apostrophes and spaces."""
    text = re.sub(f"[{_APOSTROPHES}]", "'", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str  # person | place | org | bibl
    label: str  # the main name, for reports and pages
    names: tuple[str, ...]
    derived: tuple[str, ...]
    title_level: str | None  # for bibl entries: the @level of their title
    period: tuple[str, str] | None  # ISO from/to, to choose between homonyms


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    entry: Entry
    derived: bool  # a group word derived from the name ("Kornilovites")


class Registers:
    """Entries by id, and a compiled matcher over all their names."""

    def __init__(self, entries: list[Entry], path: Path) -> None:
        self.path = path
        self.entries = {e.id: e for e in entries}
        self._forms: dict[str, list[tuple[Entry, bool]]] = {}
        for entry in entries:
            for name in entry.names:
                self._add(name, entry, False)
            for word in entry.derived:
                self._add(word, entry, True)
        patterns = sorted(self._forms, key=lambda f: (-len(f), f))
        alternation = "|".join(_form_pattern(f) for f in patterns)
        self._regex = re.compile(rf"(?<![\w'’-])(?:{alternation})(?![\w-]|['’]\w\w)")

    def _add(self, form: str, entry: Entry, derived: bool) -> None:
        key = name_key(form)
        candidates = self._forms.setdefault(key, [])
        if (entry, derived) not in candidates:
            candidates.append((entry, derived))

    @property
    def file_name(self) -> str:
        return self.path.name

    def ref(self, entry: Entry) -> str:
        return f"{self.file_name}#{entry.id}"

    def find(self, text: str, on_date: str | None = None) -> list[Mention]:
        """All mentions in ``text``, leftmost-longest, without overlaps."""
        mentions = []
        for match in self._regex.finditer(text):
            candidates = self._forms[name_key(match.group(0))]
            entry, derived = _choose(candidates, on_date)
            mentions.append(Mention(match.start(), match.end(), entry, derived))
        return mentions

    def match_whole(self, text: str) -> list[Mention] | None:
        """Mentions if ``text`` is nothing but person names and separators, else None.

        This is how author lines and signatures are recognised.
        """
        mentions = [m for m in self.find(text) if m.entry.kind == "person" and not m.derived]
        if not mentions:
            return None
        rest = text
        for m in reversed(mentions):
            rest = rest[: m.start] + " " + rest[m.end :]
        rest = re.sub(r"\b(?:and|et al\.?|&)\b|[,;&]", " ", rest)
        return mentions if not rest.strip(" .") else None


def _form_pattern(form: str) -> str:
    parts = []
    for char in form:
        if char == " ":
            parts.append(r"\s+")
        elif char == "'":
            parts.append(f"[{_APOSTROPHES}]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _choose(candidates: list[tuple[Entry, bool]], on_date: str | None) -> tuple[Entry, bool]:
    if len(candidates) > 1 and on_date:
        for entry, derived in candidates:
            if entry.period and entry.period[0] <= on_date <= entry.period[1] + "\uffff":
                return entry, derived
    return candidates[0]


def _text(el: etree._Element) -> str:
    return name_key("".join(el.itertext()))


def entries_from_tree(tree: etree._ElementTree, path: Path) -> list[Entry]:
    root = tree.getroot()
    entries: list[Entry] = []
    for kind, name_element in KINDS.items():
        for el in root.iterfind(f".//tei:{kind}[@xml:id]", NSMAP):
            if kind == "bibl" and el.getparent().tag != f"{{{NSMAP['tei']}}}listBibl":
                continue
            names = [_text(n) for n in el.findall(f"tei:{name_element}", NSMAP)]
            main = el.find(f"tei:{name_element}[@type='main']", NSMAP)
            if main is None and names:
                main = el.find(f"tei:{name_element}", NSMAP)
            if not names or main is None:
                raise EditionError(
                    f"register entry '{el.get(XML_ID)}' has no {name_element}", path, el.sourceline
                )
            forms = list(names)
            if kind == "person":
                surname = main.find("tei:surname", NSMAP)
                if surname is not None:
                    forms += [_text(surname), _text(surname) + "s"]
            derived = tuple(_text(t) for t in el.iterfind("tei:note[@type='derived']/tei:term", NSMAP))
            date = el.find("tei:date", NSMAP)
            period = None
            if date is not None and date.get("from"):
                period = (date.get("from"), date.get("to") or "9999")
            entries.append(
                Entry(
                    id=el.get(XML_ID),
                    kind=kind,
                    label=_text(main),
                    names=tuple(dict.fromkeys(forms)),
                    derived=derived,
                    title_level=main.get("level") if kind == "bibl" else None,
                    period=period,
                )
            )
    return entries


def load_registers(path: Path) -> Registers:
    """Read the registers file; a malformed file is an error with its position."""
    if not path.is_file():
        raise EditionError("registers file not found", path)
    tree = parse_file(path)
    return Registers(entries_from_tree(tree, path), path)
