"""The conversion report: what each text became, and every warning, per text."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Warning:
    kind: str  # unmatched-marker | unanchored-note | unknown-name | unparsed-date | ...
    message: str
    line: int | None = None


@dataclass
class TextReport:
    source: str
    output: str
    id: str
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[Warning] = field(default_factory=list)

    def warn(self, kind: str, message: str, line: int | None = None) -> None:
        self.warnings.append(Warning(kind, message, line))


def report_from(data: dict) -> TextReport:
    """A report as ``dataclasses.asdict`` gave it (from the build's cache)."""
    return TextReport(
        data["source"],
        data["output"],
        data["id"],
        dict(data["counts"]),
        [Warning(**w) for w in data["warnings"]],
    )


def report_json(reports: list[TextReport]) -> str:
    data = {
        "texts": [asdict(r) for r in reports],
        "summary": {
            "texts": len(reports),
            "warnings": sum(len(r.warnings) for r in reports),
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def report_text(reports: list[TextReport]) -> str:
    lines = []
    for r in reports:
        counts = ", ".join(f"{k} {v}" for k, v in r.counts.items())
        lines.append(f"{r.source} -> {r.output}: {counts}")
        for w in r.warnings:
            where = f"{r.source}:{w.line}" if w.line else r.source
            lines.append(f"  {where}: warning: {w.message} [{w.kind}]")
    total = sum(len(r.warnings) for r in reports)
    texts = "text" if len(reports) == 1 else "texts"
    warnings = "warning" if total == 1 else "warnings"
    lines.append(f"{len(reports)} {texts} converted, {total} {warnings}")
    return "\n".join(lines) + "\n"
