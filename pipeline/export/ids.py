"""Persistent ids: every published ``xml:id`` stays resolvable, or is redirected.

The published-ids list and the redirects are data of the collection
(``pipeline.structure.redirects``); this module checks them against the TEI as it is,
for ``edition export ids``. The site's redirect pages are made by the renderer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lxml import etree

from pipeline.structure.redirects import resolve
from pipeline.xmltools import XML_ID


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


def broken_redirects(redirects: Mapping[str, str], current: Iterable[str]) -> list[tuple[str, str]]:
    """Redirects whose chain ends at an id that does not exist: (old id, where it ends)."""
    present = set(current)
    return sorted(
        (old, resolve(redirects, old))
        for old in redirects
        if resolve(redirects, old) not in present
    )


def updated_id_list(published: Iterable[str], current: Iterable[str]) -> list[str]:
    """The new list: nothing published is ever dropped, new ids are added."""
    return sorted(set(published) | set(current))
