"""HTML ids that are unique within one page."""

from __future__ import annotations

from pipeline.structure.identifiers import safe_id


class IdRegistry:
    """Hands out HTML ids that are unique within one page."""

    def __init__(self) -> None:
        self._used: set[str] = set()
        self._next: dict[str, int] = {}  # the next number to try after a taken base
        # Ids already written on the page: an element rendered twice (the source
        # reading of a choice, the full header) must not repeat its id.
        self.emitted: set[str] = set()

    def claim(self, wanted: str, fallback: str = "x") -> str:
        base = safe_id(wanted, fallback)
        candidate = base
        if candidate in self._used:
            n = self._next.get(base, 2)
            candidate = f"{base}-{n}"
            while candidate in self._used:
                n += 1
                candidate = f"{base}-{n}"
            self._next[base] = n + 1
        self._used.add(candidate)
        return candidate

    def __contains__(self, value: str) -> bool:
        return value in self._used
