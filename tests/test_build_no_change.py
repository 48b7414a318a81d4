"""A build that finds nothing changed stops at once: but only when nothing the site
shows has changed. Other projects' files are named in the site as seen from the working
folder, zipped with the time SOURCE_DATE_EPOCH gives, and judged by the TEI P5 schemas
in use; a change to any of these is a rebuild, which gives the site a clean build gives.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, files_below, run_edition

PROJECTS = REPO / "tests" / "data" / "projects"


class Run:
    """``edition build --tei`` of one folder, from a working folder, with an environment."""

    def __init__(self, work: Path) -> None:
        self.cwd = work
        self.inputs = "in"
        self.env: dict[str, str] = {}
        self.extra: list[str] = []

    def build(self, site: Path, *more: str) -> str:
        result = run_edition(
            "build", "--tei", self.inputs, "--site", str(site), *self.extra, *more,
            cwd=self.cwd, env=self.env,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout + result.stderr


def rename_inputs(run: Run, tmp_path: Path) -> None:
    shutil.copytree(run.cwd / "in", run.cwd / "renamed")
    run.inputs = "renamed"


def move_working_folder(run: Run, tmp_path: Path) -> None:
    run.inputs = str(run.cwd / run.inputs)
    run.cwd = run.cwd.parent


def set_source_date_epoch(run: Run, tmp_path: Path) -> None:
    run.env = {"SOURCE_DATE_EPOCH": "1700000000"}


def change_tei_schemas(run: Run, tmp_path: Path) -> None:
    """Other TEI P5 schemas, in which the verse line has another name: every text with
    verse has other findings."""
    schemas = tmp_path / "other-tei"
    schemas.mkdir()
    given = Path(os.environ["EDITION_TEI_SCHEMA_DIR"]) / "tei_all.rng"
    text = given.read_text(encoding="utf-8")
    assert text.count('<element name="l">') == 1
    (schemas / "tei_all.rng").write_text(
        text.replace('<element name="l">', '<element name="lineOfVerse">'), encoding="utf-8"
    )
    run.extra = ["--tei-schema-dir", str(schemas)]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """A build of a copy of the projects' test files, from the folder holding it."""
    work = tmp_path / "work"
    shutil.copytree(PROJECTS, work / "in")
    return Run(work)


CHANGES: dict[str, Callable[[Run, Path], None]] = {
    "input folder renamed": rename_inputs,
    "working folder changed": move_working_folder,
    "SOURCE_DATE_EPOCH set": set_source_date_epoch,
    "TEI P5 schemas changed": change_tei_schemas,
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_to_what_the_site_shows_is_never_up_to_date(
    change: str, run: Run, tmp_path: Path, tei_env: Path
) -> None:
    site = tmp_path / "site"
    run.build(site)
    assert "up to date" in run.build(site)  # nothing changed yet
    CHANGES[change](run, tmp_path)
    said = run.build(site)
    clean = tmp_path / "clean"
    run.build(clean, "--no-cache")
    assert "up to date" not in said
    rebuilt, fresh = files_below(site), files_below(clean)
    assert sorted(rebuilt) == sorted(fresh)
    assert [name for name in fresh if rebuilt[name] != fresh[name]] == []
    assert "up to date" in run.build(site)  # and then it is


@pytest.mark.parametrize("value", ["soon", "17\u00b2"])  # "²" is a digit to str.isdigit
def test_an_invalid_source_date_epoch_is_said_even_when_nothing_else_changed(
    value: str, run: Run, tmp_path: Path, tei_env: Path
) -> None:
    run.build(tmp_path / "site")
    result = run_edition(
        "build", "--tei", "in", "--site", str(tmp_path / "site"),
        cwd=run.cwd, env={"SOURCE_DATE_EPOCH": value},
    )  # fmt: skip
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()[-1:]
    assert "SOURCE_DATE_EPOCH must be a whole number" in line
    assert "Traceback" not in result.stderr


def test_a_library_upgraded_is_never_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The site holds what the libraries made (the cache's keys name their versions): a
    library's files changed change what the no-change check compares; the bytecode
    Python writes beside them does not."""
    import sys

    from pipeline.build import BuildOptions, state
    from pipeline.config import load_config

    package = tmp_path / "libs" / "fakelib"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VERSION = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "libs"))
    monkeypatch.setattr(state, "LIBRARIES", {"fakelib": "fakelib"})
    monkeypatch.chdir(tmp_path)
    config = load_config(REPO / "pyproject.toml")
    options = BuildOptions(tei_paths=(PROJECTS,), search=False)
    before = state.input_signature(config, options)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "__init__.pyc").write_bytes(b"bytecode")
    assert state.input_signature(config, options) == before
    (package / "__init__.py").write_text("VERSION = 22\n", encoding="utf-8")
    assert state.input_signature(config, options) != before
    assert "fakelib" not in sys.modules  # looked at, never imported


def test_what_the_site_is_made_from_names_the_libraries_and_the_whole_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digest the site is checked by changes with a library's version, and with a
    file of any part of the code (a template of the renderer, say)."""
    from pipeline.build import cache, steps
    from pipeline.config import load_config
    from pipeline.structure import load_collection

    config = load_config(REPO / "pyproject.toml")
    collection = load_collection(config, tei_paths=(PROJECTS,), sources=False)

    def made_from() -> str:
        cache.code_digest.cache_clear()
        return steps.fingerprint(collection, config, {}, foreign=True, search=False)

    before = made_from()
    assert made_from() == before
    with monkeypatch.context() as upgraded:
        upgraded.setattr(cache, "library_versions", lambda: "Jinja2 0.0-upgraded")
        assert made_from() != before
    package = tmp_path / "pipeline"
    shutil.copytree(REPO / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    template = package / "render" / "templates" / "base.html"
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    monkeypatch.setattr(cache, "__file__", str(package / "build" / "cache.py"))
    assert made_from() != before
    cache.code_digest.cache_clear()
