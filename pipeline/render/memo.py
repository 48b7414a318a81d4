"""What the render stage may keep between builds: analyses and pages, by keys that name
everything they were made from (the store adds the code and the templates).

The stage never needs a store: without one, or with one that has forgotten everything,
it makes the same bytes.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol


class AnalysisStore(Protocol):
    keeps: bool  # False where nothing put is kept (every lookup misses)

    def get(self, kind: str, key: str) -> Any | None: ...

    def put(self, kind: str, key: str, value: Any) -> None: ...


def digest(*parts: str | bytes) -> str:
    """A digest of the parts, each delimited (so that ("ab", "c") is not ("a", "bc"))."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()
