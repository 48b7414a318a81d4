"""The build is a transaction: a lock, outputs replaced as whole sets, leftovers removed,
folders that were never a site left alone, and one line for any failure."""

from __future__ import annotations

import errno
import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_project, files_below, run_edition

from pipeline import outputs
from pipeline.build import MARKER
from pipeline.cli import main
from pipeline.outputs import output_lock

GENRES = ("letter", "speech", "minutes", "appeal", "statement", "article")


def build_command(*extra: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "build", *extra]


@pytest.fixture
def project(tmp_path: Path, tei_env: Path) -> Path:
    return copy_project(tmp_path / "project")


def genre_changed(sidecar: Path) -> str:
    """The sidecar's text with another genre: a change of the TEI and of the site."""
    text = sidecar.read_text(encoding="utf-8")
    for genre in GENRES:
        if f'genre = "{genre}"' in text:
            other = GENRES[(GENRES.index(genre) + 1) % len(GENRES)]
            return text.replace(f'genre = "{genre}"', f'genre = "{other}"', 1)
    raise AssertionError(f"{sidecar} declares no genre")


def a_sidecar(project: Path) -> Path:
    return next(
        p
        for p in sorted((project / "sources").glob("*.toml"))
        if 'genre = "' in p.read_text(encoding="utf-8")
    )


def test_a_second_build_stops_with_one_line_while_the_first_holds_the_lock(project: Path) -> None:
    with output_lock(project / "site"):
        result = run_edition("build", "--no-search", cwd=project)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "another edition command is writing site/" in line
    assert not (project / "site").exists()


def test_two_builds_at_once(project: Path) -> None:
    """Started together, one builds and the other waits for it (--wait) or stops."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    waiting = [
        subprocess.Popen(
            build_command("--no-search", "--wait", "300"),
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600) for p in waiting]
    assert [p.returncode for p in waiting] == [0, 0], outs
    site = files_below(project / "site")
    assert MARKER in site and "index.html" in site
    impatient = [
        subprocess.Popen(
            build_command("--no-search"),
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600) for p in impatient]
    for process, (_, err) in zip(impatient, outs, strict=True):
        assert process.returncode == 0 or (
            process.returncode == 1 and "another edition command" in err
        ), err
        assert "Traceback" not in err
    assert files_below(project / "site") == site


def test_sigkill_at_random_points_leaves_old_or_new_sets(project: Path) -> None:
    """A build killed at any point leaves tei/ and site/ each the old or the new set."""
    source = a_sidecar(project)
    versions = [source.read_text(encoding="utf-8"), genre_changed(source)]
    states = []
    for text in (versions[1], versions[0]):  # the clean builds give the two complete sets
        source.write_text(text, encoding="utf-8")
        started = time.monotonic()
        result = run_edition("build", cwd=project)
        # The second build's time: a build after another, as each trial is.
        duration = time.monotonic() - started
        assert result.returncode == 0, result.stderr
        states.append((files_below(project / "tei"), files_below(project / "site")))
    teis, sites = [s[0] for s in states], [s[1] for s in states]
    assert teis[0] != teis[1] and sites[0] != sites[1]

    rng = random.Random(20261127)
    trials = 24
    outcomes = []
    for trial in range(trials):
        target = trial % 2  # each run goes to the other version
        source.write_text(versions[1 - target], encoding="utf-8")
        # Half the kills anywhere, half near the end, where the sets are swapped in.
        delay = (
            rng.uniform(0.05, duration)
            if trial % 4 < 2
            else rng.uniform(0.7 * duration, 1.1 * duration)
        )
        process = subprocess.Popen(
            build_command(),
            cwd=project,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started = time.monotonic()
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            killed = True
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
        else:
            # A build that ended first gives its own time: later delays follow what a
            # build now takes, so that about half of them land inside one.
            killed = False
            duration = time.monotonic() - started
        tei_now, site_now = files_below(project / "tei"), files_below(project / "site")
        assert tei_now in teis, f"trial {trial}: tei/ is neither set after {delay:.2f} s"
        assert site_now in sites, f"trial {trial}: site/ is neither set after {delay:.2f} s"
        outcomes.append((killed, teis.index(tei_now), sites.index(site_now)))
    assert sum(killed for killed, _, _ in outcomes) >= trials // 2, outcomes
    # The next run removes what the killed runs left and builds the right set.
    result = run_edition("build", cwd=project)
    assert result.returncode == 0, result.stderr
    last = (trials - 1) % 2
    assert (
        files_below(project / "tei") == teis[last] and files_below(project / "site") == sites[last]
    )
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".")) == [
        ".site.cache",
        ".site.lock",
        ".tei.lock",
    ]
    assert not list((project / "tei").glob(".*"))


def test_leftovers_of_a_killed_run_are_removed(project: Path) -> None:
    (project / ".site.new-abc123").mkdir()
    (project / ".site.new-abc123" / "index.html").write_text("half", encoding="utf-8")
    (project / ".tei.new-xyz").mkdir()
    (project / "tei" / ".speech.xml.1a2b.tmp").write_bytes(b"<half")
    result = run_edition("build", "--no-search", cwd=project)
    assert result.returncode == 0, result.stderr
    assert not (project / ".site.new-abc123").exists()
    assert not (project / ".tei.new-xyz").exists()
    assert not (project / "tei" / ".speech.xml.1a2b.tmp").exists()


def test_a_folder_replaced_whole_is_not_searched_for_temporary_files(tmp_path: Path) -> None:
    """Beside any output, a killed run's versions are removed; inside, temporary files of
    single writes are looked for only where files are written one by one."""
    for inside in (True, False):
        folder = tmp_path / f"out-{inside}"
        (folder / "deep").mkdir(parents=True)
        temporary = folder / "deep" / ".page.html.x1.tmp"
        temporary.write_bytes(b"half")
        (tmp_path / f".{folder.name}.new-abc").mkdir()
        removed = outputs.remove_leftovers(folder, inside=inside)
        assert not (tmp_path / f".{folder.name}.new-abc").exists()
        assert temporary.exists() is not inside
        assert (temporary in removed) is inside


def test_a_folder_that_is_not_a_site_is_never_replaced(project: Path) -> None:
    victim = project / "victim"
    victim.mkdir()
    (victim / "thesis.tex").write_text("years of work", encoding="utf-8")
    says = {
        str(victim): "is not a build of the edition",
        ".": "the build would replace it",
        str(project / "tei"): "the build would replace it",
        str(project.parent): "it holds the working folder",
        str(project / "tei" / "site"): "it is inside tei",
        str(project / "dist"): "it is dist",
        "/": "it holds the working folder",
    }
    listed = sorted(p.relative_to(project.parent) for p in project.parent.rglob("*"))
    for target, reason in says.items():
        result = run_edition("build", "--no-search", "--site", target, cwd=project)
        assert result.returncode == 1, (target, result.stderr)
        [line] = result.stderr.splitlines()
        assert "refusing" in line and reason in line, line
    # A refused build leaves nothing behind, not even a lock file.
    assert sorted(p.relative_to(project.parent) for p in project.parent.rglob("*")) == listed
    result = run_edition("build", "--site", "pyproject.toml/site", cwd=project)
    assert result.returncode == 1
    assert "pyproject.toml is not a folder" in result.stderr, result.stderr
    assert (victim / "thesis.tex").read_text(encoding="utf-8") == "years of work"
    assert (project / "sources").is_dir() and (project / "tei").is_dir()


def _limit_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_full_disk_gives_one_line_and_keeps_the_earlier_outputs(project: Path) -> None:
    first = run_edition("build", cwd=project)
    assert first.returncode == 0, first.stderr
    before = (files_below(project / "tei"), files_below(project / "site"))
    sidecar = a_sidecar(project)
    sidecar.write_text(genre_changed(sidecar), encoding="utf-8")
    result = subprocess.run(
        build_command(),
        cwd=project,
        capture_output=True,
        text=True,
        preexec_fn=lambda: _limit_file_size(64 * 1024),
        timeout=600,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert "error: cannot write: File too large" in line, line
    assert "Traceback" not in result.stderr
    assert (files_below(project / "tei"), files_below(project / "site")) == before


def test_no_space_left_is_one_line_naming_the_path(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write = outputs.StagedFolder.write
    calls = {"n": 0}

    def disk_fills_up(self: outputs.StagedFolder, relative: str, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 40:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path / relative))
        write(self, relative, data)

    monkeypatch.setattr(outputs.StagedFolder, "write", disk_fills_up)
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["build", "--no-search"])
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert "error: cannot write: No space left on device" in line, line
    assert not (project / "site").exists()
    assert not [p for p in project.iterdir() if p.name.startswith(".site.new")]


@pytest.mark.parametrize("start", ["site", "spare"])
def test_a_failed_build_leaves_every_file_of_the_site_as_it_was(
    start: str, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build starts from hard links to the site (or from the version kept beside it):
    it never writes through them, so a build that fails at its last step, the search
    index made, leaves every file of the site with its bytes and its time."""
    assert run_edition("build", cwd=project).returncode == 0
    source = a_sidecar(project)
    if start == "spare":  # another version first, so that one is kept
        source.write_text(genre_changed(source), encoding="utf-8")
        assert run_edition("build", cwd=project).returncode == 0
    site = project / "site"
    before = {
        p.relative_to(site).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in site.rglob("*")
        if p.is_file()
    }
    source.write_text(genre_changed(source), encoding="utf-8")

    def fails(*_: object) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO), "record")

    monkeypatch.setattr("pipeline.build.generation.SiteWriter.record", fails)
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1, result.output
    after = {
        p.relative_to(site).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in site.rglob("*")
        if p.is_file()
    }
    assert any(name.startswith("pagefind/") for name in after)
    assert after == before
