"""Reports in the style of a compiler (text) or for programs (JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from pipeline.validate.model import FileResult, Issue


def summary(results: list[FileResult], seconds: float) -> dict[str, int | float]:
    valid = sum(1 for r in results if r.valid)
    return {
        "files": len(results),
        "valid": valid,
        "invalid": len(results) - valid,
        "errors": sum(len(r.errors) for r in results),
        "warnings": sum(len(r.warnings) for r in results),
        "seconds": round(seconds, 3),
    }


def issue_line(issue: Issue) -> str:
    """``path:line:col: error: message [layer]``; unknown positions are left out."""
    where = ":".join(str(p) for p in (issue.path, issue.line, issue.column) if p is not None)
    return f"{where}: {issue.severity}: {issue.message} [{issue.layer}]"


def summary_line(results: list[FileResult], seconds: float) -> str:
    s = summary(results, seconds)
    noun = "file" if s["files"] == 1 else "files"
    counts = [f"{s['errors']} error{'' if s['errors'] == 1 else 's'}"]
    if s["warnings"]:
        counts.append(f"{s['warnings']} warning{'' if s['warnings'] == 1 else 's'}")
    return (
        f"{s['files']} {noun} checked, {s['valid']} valid, {s['invalid']} invalid "
        f"({', '.join(counts)}) in {seconds:.2f} s"
    )


def text_lines(results: list[FileResult], seconds: float, quiet: bool = False) -> Iterator[str]:
    for result in sorted(results, key=lambda r: r.path):
        for issue in result.sorted_issues():
            if quiet and not issue.is_error:
                continue
            yield issue_line(issue)
    yield summary_line(results, seconds)


def to_json(results: list[FileResult], seconds: float, quiet: bool = False) -> str:
    files = []
    for result in sorted(results, key=lambda r: r.path):
        issues = [i for i in result.sorted_issues() if i.is_error or not quiet]
        files.append(
            {
                "path": result.path,
                "valid": result.valid,
                "errors": [
                    {
                        "line": i.line,
                        "column": i.column,
                        "message": i.message,
                        "layer": i.layer,
                        "severity": i.severity,
                    }
                    for i in issues
                ],
            }
        )
    return json.dumps(
        {"files": files, "summary": summary(results, seconds)}, indent=2, ensure_ascii=False
    )
