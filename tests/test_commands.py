"""The commands as a user runs them: build, build --tei, serve, config; and settings that
are broken fail every command alike, with the file and line of the key."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import pytest
from conftest import MINIMAL_SETTINGS, REPO, copy_project, run_edition

from pipeline.build import MARKER
from pipeline.config import EditionConfig, load_config

FOREIGN = REPO / "tests" / "data" / "foreign"


@pytest.fixture
def project(tmp_path: Path, tei_env: Path) -> Path:
    return copy_project(tmp_path / "project")


def test_build_then_nothing_to_do(project: Path) -> None:
    first = run_edition("build", cwd=project)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1].startswith("site: ")
    assert (project / "site" / MARKER).is_file()
    assert (project / "site" / "downloads.html").is_file()
    second = run_edition("build", cwd=project)
    assert second.returncode == 0 and "up to date" in second.stdout


def test_build_other_projects_tei_reports_what_is_wrong(tmp_path: Path, tei_env: Path) -> None:
    their = tmp_path / "their-tei"
    their.mkdir()
    names = (
        "drama_sp.xml",
        "letter_correspdesc.xml",
        "invalid_letter_no_title.xml",
        "xinclude.xml",
    )
    for name in names:
        shutil.copy(FOREIGN / name, their)
    (tmp_path / "pyproject.toml").write_text(MINIMAL_SETTINGS, encoding="utf-8")
    result = run_edition("build", "--tei", str(their), "--no-search", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # Each finding is one line as `edition validate` gives it: file:line:col: severity.
    shown = str(their).removeprefix(str(tmp_path) + "/")
    findings = [line for line in result.stderr.splitlines() if line.startswith(shown)]
    errors = [f for f in findings if re.match(r"[^:]+:\d+:\d+: error: ", f)]
    # The valid files give no error; the invalid one and the unexpanded xi:include do.
    erring = {e.split(":", 1)[0].rsplit("/", 1)[1] for e in errors}
    assert erring == {"invalid_letter_no_title.xml", "xinclude.xml"}, findings
    assert any(
        re.match(r"[^:]+/xinclude\.xml:\d+:\d+: warning: xi:include of '[^']+' is not followed", f)
        for f in findings
    ), findings
    assert not [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(list((tmp_path / "site" / "texts").glob("*.html"))) == len(names)
    # Built again with nothing changed: up to date, and what the files hold is said again.
    again = run_edition("build", "--tei", str(their), "--no-search", cwd=tmp_path)
    assert again.returncode == 0 and "up to date" in again.stdout, again.stderr
    assert [line for line in again.stderr.splitlines() if line.startswith(shown)] == findings
    strict = run_edition(
        "build",
        "--tei",
        str(their),
        "--strict",
        "--no-search",
        "--site",
        "strict-site",
        cwd=tmp_path,
    )
    assert strict.returncode == 1
    # Each error on a line of its own with its position; the summary borrows none.
    *details, summary = strict.stderr.splitlines()
    assert summary == "error: 2 validation error(s) in 2 files; nothing was built (--strict)"
    assert next(d for d in details if ": error: " in d).startswith(
        str(their / "invalid_letter_no_title.xml").removeprefix(str(tmp_path) + "/") + ":"
    )
    assert not (tmp_path / "strict-site").exists()


def test_serve_answers_pages_and_dts(project: Path) -> None:
    """The server answers from the site it serves, not from the project's TEI."""
    assert run_edition("build", "--no-search", cwd=project).returncode == 0
    documents = sorted((project / "site" / "dts" / "document").glob("*.xml"))
    shutil.rmtree(project / "tei")
    server = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--port", "0"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        assert line.startswith("Serving site at http://127.0.0.1:"), line
        base = line.split(" at ", 1)[1].split()[0]
        with urllib.request.urlopen(base + "index.html", timeout=10) as response:
            assert response.status == 200 and b"<!DOCTYPE html>" in response.read()
        with urllib.request.urlopen(base + "dts/index.json", timeout=10) as response:
            assert response.headers["Content-Type"] == "application/ld+json"
        resource = documents[0].stem
        query = f"dts/navigation?resource={resource}&down=1"
        with urllib.request.urlopen(base + query, timeout=10) as response:
            assert response.status == 200 and resource.encode() in response.read()
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- settings --------------------------------------------------------------------------

COMMANDS = (
    ["convert"],
    ["build"],
    ["validate"],
    ["export", "txt"],
    ["export", "bundle"],
    ["serve", "--port", "0"],
    ["schema", "where"],
    ["config"],
)


def _break(project: Path, old: str, new: str) -> int:
    """Replace a line of the settings; returns its line number."""
    path = project / "pyproject.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith(old))
    lines[number - 1] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_typo_in_the_settings_fails_every_command(project: Path, command: list[str]) -> None:
    line = _break(project, "tei = ", 'tie = "elsewhere"')
    result = run_edition(*command, cwd=project, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    [message] = result.stderr.splitlines()
    assert message.startswith(
        f"pyproject.toml:{line}: error: [tool.edition]: unknown setting 'tie'"
    ), message
    assert not (project / "site").exists() and not (project / "dist").exists()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("site = ", "site = 3", "'site' must be a folder path, not 3"),
        ("release-date = ", 'release-date = "23 November"', "'release-date' must be a date"),
        (
            "licence-url = ",
            'licence-url = "ftp://x"',
            "'licence-url' must be an absolute http(s) URL",
        ),
        ("default = ", 'default = "hebrew"', "'default' must be one of 'julian', 'gregorian'"),
    ],
)
def test_a_wrong_value_names_its_line(project: Path, old: str, new: str, expected: str) -> None:
    line = _break(project, old, new)
    result = run_edition("validate", cwd=project)
    assert result.returncode == 2
    [message] = result.stderr.splitlines()
    assert message.startswith(f"pyproject.toml:{line}: error:"), message
    assert expected in message


def test_a_missing_required_setting_names_the_table(project: Path) -> None:
    path = project / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        "\n".join(x for x in text.splitlines() if not x.startswith("title = ")), encoding="utf-8"
    )
    table = next(i for i, x in enumerate(path.read_text().splitlines(), 1) if x == "[tool.edition]")
    result = run_edition("build", cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"pyproject.toml:{table}: error: [tool.edition]: 'title' is required"
    )


def test_the_folders_of_the_settings_are_used_by_every_command(project: Path) -> None:
    (project / "tei").rename(project / "elsewhere")
    _break(project, "tei = ", 'tei = "elsewhere"')
    _break(project, "registers = ", 'registers = "elsewhere/registers.xml"')
    validated = run_edition("validate", cwd=project)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    checked = sorted(p.name for p in (project / "elsewhere").glob("*.xml"))
    assert f"{len(checked)} files checked" in validated.stdout
    assert run_edition("export", "txt", cwd=project).returncode == 0
    assert (project / "dist" / "txt").is_dir() and not (project / "tei").exists()


def test_config_prints_every_setting_with_its_meaning(project: Path) -> None:
    result = run_edition("config", cwd=project)
    assert result.returncode == 0, result.stderr
    printed = tomllib.loads(result.stdout)["tool"]["edition"]
    config = load_config(project / "pyproject.toml")
    assert printed["title"] == config.title
    assert printed["encoding"]["calendar"]["old"] == config.encoding.calendar.old
    assert printed["tei"] == "tei" and printed["dist"] == "dist"
    for name, option in EditionConfig.options.items():
        assert f"# {option.help}" in result.stdout, name
    assert "(default)" in result.stdout  # keys left out of the settings are marked


def test_the_registers_may_have_any_name(project: Path) -> None:
    (project / "tei" / "registers.xml").rename(project / "tei" / "people.xml")
    result = run_edition(
        "convert", "--registers", "tei/people.xml", "--out", "out", "-q", cwd=project
    )
    assert result.returncode == 0, result.stderr
    converted = sorted((project / "out").glob("*.xml"))
    assert converted and all(b'"people.xml#' in p.read_bytes() for p in converted)
    assert not any(b"registers.xml#" in p.read_bytes() for p in converted)
