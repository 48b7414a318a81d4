"""The name matcher: finds mentions of register entries in a text.

Mentions are found by the names the registers give, never by a list in code: every
``persName``/``placeName``/``orgName``/``title`` of an entry, a person's bare surname and
its plural, and the derived group words in ``note[@type='derived']/term``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.errors import EditionError
from pipeline.structure.registers import KINDS, RegisterEntry, RegisterIndex

_APOSTROPHES = "'’‘ʼ"


def name_key(text: str) -> str:
    """The form two names are compared in: folded apostrophes and spaces."""
    text = re.sub(f"[{_APOSTROPHES}]", "'", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    entry: RegisterEntry
    derived: bool  # a group word derived from the name ("Kornilovites")


class NameMatcher:
    """A compiled matcher over every name of the register entries."""

    def __init__(self, index: RegisterIndex) -> None:
        self.index = index
        self.path = index.shown
        self.entries = index.entries
        self._forms: dict[str, list[tuple[RegisterEntry, bool]]] = {}
        for entry in index:
            if not entry.names:
                raise EditionError(
                    f"register entry '{entry.id}' has no {KINDS[entry.kind]}",
                    index.shown,
                    entry.line,
                )
            forms = list(entry.names)
            if entry.surname:
                forms += [entry.surname, entry.surname + "s"]
            for name in forms:
                self._add(name, entry, False)
            for word in entry.derived:
                self._add(word, entry, True)
        patterns = sorted(self._forms, key=lambda f: (-len(f), f))
        alternation = "|".join(_form_pattern(f) for f in patterns)
        self._regex = re.compile(rf"(?<![\w'’-])(?:{alternation})(?![\w-]|['’]\w\w)")

    def _add(self, form: str, entry: RegisterEntry, derived: bool) -> None:
        key = name_key(form)
        candidates = self._forms.setdefault(key, [])
        if (entry, derived) not in candidates:
            candidates.append((entry, derived))

    @property
    def file_name(self) -> str:
        return self.index.file_name

    def ref(self, entry: RegisterEntry) -> str:
        return self.index.ref(entry)

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


def _choose(
    candidates: list[tuple[RegisterEntry, bool]], on_date: str | None
) -> tuple[RegisterEntry, bool]:
    if len(candidates) > 1 and on_date:
        for entry, derived in candidates:
            if entry.period and entry.period[0] <= on_date <= entry.period[1] + "\uffff":
                return entry, derived
    return candidates[0]
