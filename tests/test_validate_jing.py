"""Cross-check: our tei_all verdicts must be jing's verdicts on the same files."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from pipeline.validate import ValidationConfig, validate_paths

FOREIGN = Path(__file__).parent / "data" / "foreign"
MANIFEST = tomllib.loads((FOREIGN / "expected.toml").read_text("utf-8"))["files"]
JING_PROBLEM = re.compile(r"^(?P<path>.+?\.xml):\d+:\d+: (?:error|fatal): ")


def jing_or_fail() -> str:
    """jing is part of the test set-up (`make test` installs it): never skipped."""
    jing = shutil.which("jing")
    if jing is None:
        pytest.fail(
            "jing is not installed (Debian package `jing`): run `make test`, which installs it",
            pytrace=False,
        )
    return jing


def jing_invalid(jing: str, rng: Path, files: list[Path]) -> set[str]:
    """Names of the files jing rejects. jing stops at a fatal (not well-formed) file, so it
    is started again on the files after that one."""
    invalid: set[str] = set()
    remaining = list(files)
    while remaining:
        proc = subprocess.run(
            [jing, str(rng), *map(str, remaining)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode in (0, 1), proc.stdout + proc.stderr
        fatal_at = None
        for line in proc.stdout.splitlines():
            match = JING_PROBLEM.match(line)
            if not match:
                assert "fatal" not in line, f"jing could not check a file: {line}"
                continue
            invalid.add(Path(match.group("path")).name)
            if ": fatal: " in line:
                fatal_at = Path(match.group("path")).name
        if fatal_at is None:
            break
        names = [p.name for p in remaining]
        remaining = remaining[names.index(fatal_at) + 1 :]
    return invalid


def test_same_verdicts_as_jing(tei_schema_dir: Path, tmp_path: Path) -> None:
    jing = jing_or_fail()
    copies = []
    for name, expected in MANIFEST.items():
        data = (FOREIGN / name).read_text("utf-8")
        if expected.get("jing_without_doctype"):
            # jing would try to load the DTD; we never do. Compare on the markup alone.
            data = re.sub(r"<!DOCTYPE[^>]*>\n?", "", data, count=1)
        copy = tmp_path / name
        copy.write_text(data, "utf-8")
        copies.append(copy)
    rejected_by_jing = jing_invalid(jing, tei_schema_dir / "tei_all.rng", copies)

    config = ValidationConfig(tei_schema_dir=tei_schema_dir)
    run = validate_paths(sorted(FOREIGN.glob("*.xml")), ["tei_all"], config)
    ours = {Path(r.path).name: r.valid for r in run.results}
    jings = {name: name not in rejected_by_jing for name in MANIFEST}
    assert ours == jings
    # And both agree with the manifest.
    assert ours == {name: entry["valid"] for name, entry in MANIFEST.items()}
