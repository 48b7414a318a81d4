"""Long lists split over numbered pages, so that no page grows with the collection.

The site's pages and the collection's plain text (``edition.txt``, ``edition-2.txt``...)
are split by the same rule.

A list of at most ``size`` items is one page, under its own name (``chronology.html``);
a longer one continues on ``chronology-2.html``, ``chronology-3.html``... Items may
weigh more than one (an entry with its mentions): a page holds items up to ``size`` in
weight, and an item heavier than that alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Pager:
    """Where one page of a list is among its pages (paths from the site root)."""

    paths: tuple[str, ...]
    number: int  # from 1

    @property
    def first(self) -> bool:
        return self.number == 1

    @property
    def count(self) -> int:
        return len(self.paths)

    @property
    def path(self) -> str:
        return self.paths[self.number - 1]

    @property
    def previous(self) -> str:
        return self.paths[self.number - 2] if self.number > 1 else ""

    @property
    def next(self) -> str:
        return self.paths[self.number] if self.number < len(self.paths) else ""


def page_path(first: str, number: int) -> str:
    """The path of page ``number`` of the list whose first page is ``first``."""
    if number == 1:
        return first
    stem, dot, suffix = first.rpartition(".")
    return f"{stem}-{number}.{suffix}" if dot else f"{first}-{number}"


def split(items: Sequence[T], size: int, weight: Callable[[T], int] | None = None) -> list[list[T]]:
    """``items`` in consecutive pages of at most ``size`` in weight; always one page at
    least (an empty list is an empty page)."""
    pages: list[list[T]] = [[]]
    load = 0
    for item in items:
        heavy = max(1, weight(item)) if weight is not None else 1
        if pages[-1] and load + heavy > size:
            pages.append([])
            load = 0
        pages[-1].append(item)
        load += heavy
    return pages


def pagers(first: str, count: int) -> list[Pager]:
    """The pagers of a list of ``count`` pages whose first page is ``first``."""
    paths = tuple(page_path(first, n) for n in range(1, count + 1))
    return [Pager(paths, n) for n in range(1, count + 1)]


def part_paths(first: str, items: int, size: int) -> list[str]:
    """The paths of a list of ``items`` (each weighing one) cut into parts of ``size``."""
    count = max(1, -(-items // size)) if size > 0 else 1
    return [page_path(first, n) for n in range(1, count + 1)]
