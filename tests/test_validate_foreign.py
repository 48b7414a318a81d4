"""Other projects' TEI files through ``edition validate``: each verdict, in text and JSON."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

FOREIGN = Path(__file__).parent / "data" / "foreign"
MANIFEST = tomllib.loads((FOREIGN / "expected.toml").read_text("utf-8"))["files"]


def test_manifest_covers_every_file() -> None:
    assert sorted(MANIFEST) == sorted(p.name for p in FOREIGN.glob("*.xml"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_text_verdict(name: str, tei_env: Path) -> None:
    expected = MANIFEST[name]
    code, out, _ = run(str(FOREIGN / name))
    lines = out.splitlines()
    assert code == (0 if expected["valid"] else 1), out
    valid_count = 1 if expected["valid"] else 0
    assert lines[-1].startswith(f"1 file checked, {valid_count} valid, {1 - valid_count} invalid")
    errors = [line for line in lines if ": error: " in line]
    if expected["valid"]:
        assert errors == []
    else:
        wanted = f"{expected['message']}"
        matching = [line for line in errors if wanted in line]
        assert matching, out
        line = matching[0]
        assert line.endswith(f"[{expected['layer']}]")
        # Compiler style: path:line[:col]: error: message [layer]
        assert line.split(":", 1)[0].endswith(name)
        if "line" in expected:
            assert line.split(":")[1] == str(expected["line"])
    if "warning" in expected:
        assert any(": warning: " in x and expected["warning"] in x for x in lines), out


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_json_verdict(name: str, tei_env: Path) -> None:
    expected = MANIFEST[name]
    code, out, _ = run("--format", "json", str(FOREIGN / name))
    assert code == (0 if expected["valid"] else 1)
    report = json.loads(out)
    assert list(report) == ["files", "summary"]
    (entry,) = report["files"]
    assert list(entry) == ["path", "valid", "errors"]
    assert entry["path"].endswith(name)
    assert entry["valid"] is expected["valid"]
    assert report["summary"]["files"] == 1
    assert report["summary"]["invalid"] == (0 if expected["valid"] else 1)
    for issue in entry["errors"]:
        assert list(issue) == ["line", "column", "message", "layer", "severity"]
    errors = [i for i in entry["errors"] if i["severity"] == "error"]
    if expected["valid"]:
        assert errors == []
    else:
        found = [i for i in errors if expected["message"] in i["message"]]
        assert found, entry
        assert found[0]["layer"] == expected["layer"]
        if "line" in expected:
            assert found[0]["line"] == expected["line"]


def test_quiet_hides_warnings(tei_env: Path) -> None:
    code, out, _ = run("--quiet", str(FOREIGN / "drama_sp.xml"), str(FOREIGN / "xinclude.xml"))
    assert code == 1
    assert ": warning: " not in out
    assert "element <xi:include> is not allowed here" in out
    assert out.splitlines()[-1].startswith("2 files checked, 1 valid, 1 invalid (1 error, ")


def test_whole_folder_summary(tei_env: Path) -> None:
    code, out, _ = run(str(FOREIGN))
    valid = sum(1 for entry in MANIFEST.values() if entry["valid"])
    total = len(MANIFEST)
    assert code == 1
    assert out.splitlines()[-1].startswith(
        f"{total} files checked, {valid} valid, {total - valid} invalid"
    )
    # Paths are shown relative to the working folder when possible.
    assert all(not line.startswith("/") for line in out.splitlines())


def test_json_is_deterministic(tei_env: Path) -> None:
    first = json.loads(run("--format", "json", str(FOREIGN))[1])
    second = json.loads(run("--format", "json", str(FOREIGN))[1])
    first["summary"].pop("seconds")
    second["summary"].pop("seconds")
    assert first == second
    assert [f["path"] for f in first["files"]] == sorted(f["path"] for f in first["files"])
