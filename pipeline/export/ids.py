"""Persistent ids: every published ``xml:id`` stays resolvable, or is redirected.

The published-ids list and the redirects are data of the collection
(``pipeline.structure.redirects``); this module checks them against the TEI as it is,
for ``edition export ids``. The site's redirect pages are made by the renderer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from pipeline.errors import EditionError
from pipeline.export import texts_by_id
from pipeline.structure import Collection, FileKind, document_name
from pipeline.structure.redirects import redirect_positions, resolve
from pipeline.xmltools import TEI_NS, XML_ID


def current_ids(documents: Mapping[str, etree._ElementTree]) -> set[str]:
    """``docid`` and ``docid#xmlid`` for every document (keyed by its id) and its ids."""
    ids: set[str] = set()
    for doc_id, tree in documents.items():
        ids.add(doc_id)
        for element in tree.getroot().iter():
            value = element.get(XML_ID) if isinstance(element.tag, str) else None
            if value and element is not tree.getroot():
                ids.add(f"{doc_id}#{value}")
    return ids


def collection_ids(collection: Collection) -> set[str]:
    """Every id the edition publishes: each text's and each member's of a corpus (named
    as their pages are), with the ids inside them, and the registers'."""
    ids = current_ids(texts_by_id(collection, include_registers=True))
    for file in collection.files:
        if file.kind != FileKind.CORPUS:
            continue
        members = list(file.tree().getroot().iter(f"{{{TEI_NS}}}TEI"))
        for number, tei in enumerate(members, 1):
            name = document_name(tei, file.stem, number, len(members))
            ids |= current_ids({name: etree.ElementTree(tei)})
    return ids


def vanished_ids(
    published: Iterable[str], current: Iterable[str], redirects: Mapping[str, str]
) -> list[str]:
    """Published ids that are gone from the TEI with no redirect to an existing id."""
    present = set(current)
    return sorted(
        old
        for old in set(published) - present
        if old not in redirects or resolve(redirects, old) not in present
    )


def updated_id_list(published: Iterable[str], current: Iterable[str]) -> list[str]:
    """The new list: nothing published is ever dropped, new ids are added."""
    return sorted(set(published) | set(current))


@dataclass(frozen=True)
class RedirectProblem:
    old: str  # the redirect's key in the redirects file
    message: str


def redirect_problems(
    redirects: Mapping[str, str], current: Iterable[str]
) -> list[RedirectProblem]:
    """Every redirect that would publish a wrong link: from an id the TEI still has (its
    redirect page would replace the real one), to an id that does not exist, or round in
    a circle. Each is found on its own, so one never hides another."""
    present = set(current)
    problems = []
    for old in sorted(redirects):
        if old in present:
            problems.append(RedirectProblem(old, f"redirect from an id that still exists: {old}"))
            continue
        try:
            end = resolve(redirects, old)
        except EditionError as exc:
            problems.append(RedirectProblem(old, exc.message))
            continue
        if end not in present:
            message = f"redirect to an id that does not exist: {old} -> {end}"
            problems.append(RedirectProblem(old, message))
    return problems


def problem_lines(problems: Iterable[RedirectProblem], text: str, shown: str) -> list[str]:
    """One line for each problem, ``file:line:col: error: ...`` where its key is given."""
    at = redirect_positions(text)
    lines = []
    for problem in problems:
        line, column = at.get(problem.old, (1, 1))
        lines.append(f"{shown}:{line}:{column}: error: {problem.message}")
    return lines
