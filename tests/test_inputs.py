"""What counts as an input: links out of the folder, FIFOs, devices and oversized files
are refused with one line each, before anything is read, by every command."""

from __future__ import annotations

import builtins
import io
import os
import shutil
import socket
from pathlib import Path

import pytest
from conftest import MINIMAL_SETTINGS, REPO, copy_project, run_edition

from pipeline.errors import shown_path
from pipeline.structure import inputs
from pipeline.structure.inputs import InputFile, discover, read_input

FOREIGN = REPO / "tests" / "data" / "foreign"
LIMIT = 1 << 20
# Each command that reads inputs must answer well within this; a hang fails the test.
NO_HANG = 120


def _names(items) -> list[str]:
    return [Path(item.path).name for item in items]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Inputs of every kind beside a good file and a link that stays inside."""
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    shutil.copy(FOREIGN / "drama_sp.xml", root / "good.xml")
    shutil.copy(FOREIGN / "drama_sp.xml", root / "sub" / "deeper.xml")
    (root / ".hidden.xml").write_text("<x/>", encoding="utf-8")
    (root / "inside.xml").symlink_to(root / "good.xml")
    secret = tmp_path / "secret.xml"
    secret.write_text("<TEI>TOP SECRET</TEI>", encoding="utf-8")
    (root / "outside.xml").symlink_to(secret)
    (root / "passwd.xml").symlink_to("/etc/passwd")
    (root / "zero.xml").symlink_to("/dev/zero")
    (root / "dangling.xml").symlink_to(root / "gone.xml")
    os.mkfifo(root / "fifo.xml")
    (root / "folder.xml").mkdir()
    (root / "big.xml").write_bytes(b"<a>" + b"x" * (LIMIT + 1) + b"</a>")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(root / "socket.xml"))
    return root


def test_the_rules_for_what_counts_as_an_input(folder: Path) -> None:
    found = discover([folder], (".xml",), LIMIT)
    assert _names(found.files) == ["good.xml", "inside.xml", "deeper.xml"]
    refused = {Path(r.path).name: r.reason for r in found.refused}
    assert set(refused) == {
        "outside.xml",
        "passwd.xml",
        "zero.xml",
        "dangling.xml",
        "fifo.xml",
        "folder.xml",
        "big.xml",
        "socket.xml",
    }
    assert "outside" in refused["outside.xml"] and "outside" in refused["passwd.xml"]
    assert "outside" in refused["zero.xml"]
    assert "broken" in refused["dangling.xml"]
    assert "FIFO" in refused["fifo.xml"]
    assert "folder" in refused["folder.xml"]
    assert "socket" in refused["socket.xml"]
    assert "over the limit" in refused["big.xml"]
    for refusal in found.refused:  # one line each, naming the file
        message = refusal.error().shown()
        assert "\n" not in message and Path(refusal.path).name in message


def test_a_device_named_directly_is_refused(tmp_path: Path) -> None:
    found = discover([Path("/dev/zero")], (".xml",), LIMIT)
    assert not found.files and "device" in found.refused[0].reason


def test_without_the_guards_the_links_would_be_read(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tests above can fail: with the containment check removed, the links are
    accepted as inputs."""
    monkeypatch.setattr(inputs, "_within", lambda path, folder: True)
    accepted = _names(discover([folder], (".xml",), LIMIT).files)
    assert "outside.xml" in accepted and "passwd.xml" in accepted


def test_a_file_swapped_for_a_fifo_after_it_was_found_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "later.xml"
    path.write_text("<a/>", encoding="utf-8")
    [found] = discover([tmp_path], (".xml",), LIMIT).files
    path.unlink()
    os.mkfifo(path)  # opened without O_NONBLOCK, this read would wait forever
    with pytest.raises(Exception, match="FIFO"):
        read_input(found)


@pytest.mark.parametrize("swapped", ["the file", "its folder"])
def test_an_input_swapped_for_a_link_out_after_it_was_found_is_not_read(
    tmp_path: Path, swapped: str
) -> None:
    """Between finding a file and reading it, the file (or a folder on its path) becomes a
    link to a file outside: what is opened is checked, so the secret is never read."""
    secret_dir = tmp_path / "elsewhere"
    (secret_dir / "sub").mkdir(parents=True)
    (secret_dir / "sub" / "a.xml").write_text("<TEI>TOP SECRET</TEI>", encoding="utf-8")
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.xml").write_text("<a/>", encoding="utf-8")
    [found] = discover([root], (".xml",), LIMIT).files
    if swapped == "the file":
        (root / "sub" / "a.xml").unlink()
        (root / "sub" / "a.xml").symlink_to(secret_dir / "sub" / "a.xml")
    else:
        shutil.rmtree(root / "sub")
        (root / "sub").symlink_to(secret_dir / "sub")
    with pytest.raises(Exception, match="outside"):
        read_input(found)


def test_without_the_check_on_what_is_opened_the_swapped_folder_would_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test above can fail: with the check removed, the secret is read."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "a.xml").write_text("<TEI>TOP SECRET</TEI>", encoding="utf-8")
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "sub" / "a.xml").write_text("<a/>", encoding="utf-8")
    [found] = discover([tmp_path / "in"], (".xml",), LIMIT).files
    shutil.rmtree(tmp_path / "in" / "sub")
    (tmp_path / "in" / "sub").symlink_to(tmp_path / "elsewhere")
    monkeypatch.setattr(inputs, "_within", lambda path, folder: True)
    monkeypatch.setattr(inputs, "_opened_inside", lambda opened, folder: True)
    assert b"TOP SECRET" in read_input(found)


def test_a_file_that_grew_past_the_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "grows.xml"
    path.write_text("<a/>", encoding="utf-8")
    [found] = discover([tmp_path], (".xml",), 100).files
    path.write_bytes(b"<a>" + b"x" * 200 + b"</a>")
    with pytest.raises(Exception, match="over the limit"):
        read_input(found)
    assert isinstance(found, InputFile)


def test_a_file_that_grew_within_the_limit_is_read_whole(tmp_path: Path) -> None:
    # The read asks for one byte more than the size found: a file that grew since is
    # still read to its end.
    path = tmp_path / "grows.xml"
    path.write_text("<a/>", encoding="utf-8")
    [found] = discover([tmp_path], (".xml",), LIMIT).files
    grown = b"<a>" + b"x" * (LIMIT // 2) + b"</a>"
    path.write_bytes(grown)
    assert read_input(found) == grown
    path.write_bytes(b"")
    assert read_input(found) == b""


def test_paths_are_shown_from_the_working_folder_of_the_moment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    file = inner / "c.xml"
    monkeypatch.chdir(tmp_path)
    assert shown_path(file) == "a/b/c.xml"
    assert shown_path(file.parent) == "a/b"
    monkeypatch.chdir(inner)
    assert shown_path(file) == "c.xml"
    assert shown_path(inner) == "."
    monkeypatch.chdir(tmp_path / "a")
    assert shown_path(file) == "b/c.xml"
    assert shown_path(tmp_path / "x.xml") == str(tmp_path / "x.xml")
    assert shown_path("b/./c.xml") == "b/c.xml"
    assert shown_path("<bytes>") == "<bytes>"


# --- the commands ----------------------------------------------------------------------


def test_validate_reports_every_refused_input_and_exits_2(folder: Path, tei_env: Path) -> None:
    settings = MINIMAL_SETTINGS + f"max-input-mb = {LIMIT // (1 << 20)}\n"
    (folder.parent / "pyproject.toml").write_text(settings, encoding="utf-8")
    result = run_edition(
        "validate", "--schema", "tei_all", str(folder), cwd=folder.parent, timeout=NO_HANG
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for name in (
        "outside.xml",
        "passwd.xml",
        "zero.xml",
        "fifo.xml",
        "folder.xml",
        "big.xml",
        "socket.xml",
        "dangling.xml",
    ):
        lines = [x for x in result.stdout.splitlines() if f"/{name}:" in x]
        assert len(lines) == 1, result.stdout + result.stderr
        assert "error: refused as input" in lines[0], lines[0]
    assert "root:" not in result.stdout and "TOP SECRET" not in result.stdout
    summary = result.stdout.splitlines()[-1]
    assert "11 files checked, 3 valid, 8 invalid" in summary, summary


def test_validate_with_nothing_to_check_exits_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_edition("validate", str(tmp_path / "empty"), cwd=tmp_path, timeout=NO_HANG)
    assert result.returncode == 2
    assert "no TEI files" in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_source_linked_to_a_file_outside_is_never_published(
    tmp_path: Path, tei_env: Path
) -> None:
    project = copy_project(tmp_path / "project")
    (project / "sources" / "1917-12-01-secret.txt").symlink_to("/etc/passwd")
    before = {p.name: p.read_bytes() for p in (project / "tei").iterdir()}
    for command in (["convert"], ["build", "--no-search"]):
        result = run_edition(*command, cwd=project, timeout=NO_HANG)
        assert result.returncode == 1, result.stdout + result.stderr
        [line] = result.stderr.splitlines()
        assert "sources/1917-12-01-secret.txt: error: refused as input" in line, line
        assert "symbolic link to a file outside" in line
    assert {p.name: p.read_bytes() for p in (project / "tei").iterdir()} == before
    assert not (project / "site").exists()


@pytest.mark.parametrize("make", ["fifo", "zero", "folder"])
def test_a_foreign_folder_with_a_trap_builds_nothing_and_does_not_hang(
    tmp_path: Path, make: str, tei_env: Path
) -> None:
    inputs_dir = tmp_path / "their-tei"
    inputs_dir.mkdir()
    shutil.copy(FOREIGN / "drama_sp.xml", inputs_dir)
    trap = inputs_dir / "x.xml"
    if make == "fifo":
        os.mkfifo(trap)
    elif make == "zero":
        trap.symlink_to("/dev/zero")
    else:
        trap.mkdir()
    (tmp_path / "pyproject.toml").write_text(MINIMAL_SETTINGS, encoding="utf-8")
    result = run_edition(
        "build",
        "--tei",
        str(inputs_dir),
        "--no-search",
        "--site",
        str(tmp_path / "site"),
        cwd=tmp_path,
        timeout=NO_HANG,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert "x.xml: error: refused as input" in line, line
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site").exists()


def test_a_linked_source_named_on_the_command_line_is_refused_by_name(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    link = project / "sources" / "1917-12-01-secret.txt"
    link.symlink_to("/etc/passwd")
    result = run_edition(
        "convert", "sources/1917-12-01-secret.txt", "--out", str(tmp_path / "out"), cwd=project
    )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("sources/1917-12-01-secret.txt: error: refused as input"), line
    assert "symbolic link" in line
    assert not (tmp_path / "out").exists()


def test_the_tree_signature_sees_every_change_without_opening_a_file(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file added, removed, written to or replaced, a link's target written to: each
    gives another signature; the FIFO, the device and the socket are never opened."""
    opened: list[str] = []

    def signature() -> list:
        with monkeypatch.context() as watch:
            for module, name in ((os, "open"), (builtins, "open"), (io, "open")):
                real = getattr(module, name)
                watch.setattr(
                    module,
                    name,
                    lambda p, *a, _real=real, **k: opened.append(p) or _real(p, *a, **k),
                )
            return inputs.tree_signature([folder], (".xml",))

    before = signature()
    assert signature() == before
    good = folder / "good.xml"
    secret = tmp_path / "secret.xml"
    changes = [
        lambda: (folder / "new.xml").write_text("<x/>", encoding="utf-8"),
        lambda: (folder / "new.xml").unlink(),
        lambda: good.write_bytes(good.read_bytes().replace(b"<", b" <", 1)),
        lambda: os.replace(folder / "sub" / "deeper.xml", good),
        lambda: secret.write_text("<TEI>changed, and longer</TEI>", encoding="utf-8"),
        lambda: (folder / "sub" / "deeper.xml").write_text("<y/>", encoding="utf-8"),
    ]
    seen = [before]
    for change in changes:
        change()
        now = signature()
        assert now != seen[-1]
        seen.append(now)
    # A hidden file is not an input: it changes nothing.
    (folder / ".hidden.xml").write_text("<z/>", encoding="utf-8")
    assert signature() == seen[-1]
    assert not opened, opened


def test_a_folder_given_through_a_link_is_looked_into(folder: Path, tmp_path: Path) -> None:
    """The inputs of a folder named by a link are read through it, so a file written to
    in it, or the link pointed elsewhere, gives another signature."""
    link = tmp_path / "linked"
    link.symlink_to(folder, target_is_directory=True)
    assert "good.xml" in _names(discover([link], (".xml",), LIMIT).files)
    before = inputs.tree_signature([link], (".xml",))
    good = folder / "good.xml"
    good.write_bytes(good.read_bytes().replace(b"<", b" <", 1))
    written = inputs.tree_signature([link], (".xml",))
    assert written != before
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(good, other / "good.xml")
    link.unlink()
    link.symlink_to(other, target_is_directory=True)
    assert inputs.tree_signature([link], (".xml",)) != written


def test_a_link_whose_target_is_replaced_alike_gives_another_signature(tmp_path: Path) -> None:
    """The target of a link replaced by another file of the same size and time."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "target.dat").write_text("<TEI>one</TEI>", encoding="utf-8")
    (folder / "text.xml").symlink_to("target.dat")
    before = inputs.tree_signature([folder], (".xml",))
    other = tmp_path / "other.dat"
    other.write_text("<TEI>two</TEI>", encoding="utf-8")
    stamp = (folder / "target.dat").stat()
    os.utime(other, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    os.replace(other, folder / "target.dat")
    assert inputs.tree_signature([folder], (".xml",)) != before


def test_every_folder_that_can_hold_inputs_is_looked_into(tmp_path: Path) -> None:
    """Even one named as Python names its own (only the package's are passed over)."""
    folder = tmp_path / "in" / "__pycache__"
    folder.mkdir(parents=True)
    text = folder / "text.xml"
    shutil.copy(FOREIGN / "drama_sp.xml", text)
    assert _names(discover([tmp_path / "in"], (".xml",), LIMIT).files) == ["text.xml"]
    before = inputs.tree_signature([tmp_path / "in"], (".xml",))
    text.write_bytes(text.read_bytes().replace(b"<", b" <", 1))
    assert inputs.tree_signature([tmp_path / "in"], (".xml",)) != before


def test_a_folder_read_whole_is_looked_at_whole(tmp_path: Path) -> None:
    """A theme or schema folder is read whole (``read_folder``), a ``__pycache__``
    subfolder too: so its signature sees an edit there."""
    theme = tmp_path / "theme"
    (theme / "__pycache__").mkdir(parents=True)
    (theme / "__pycache__" / "base.html").write_text("<p>one</p>", encoding="utf-8")
    assert inputs.read_folder(theme, LIMIT) == {"__pycache__/base.html": b"<p>one</p>"}
    before = inputs.stat_signature([("theme", theme)])
    (theme / "__pycache__" / "base.html").write_text("<p>two, longer</p>", encoding="utf-8")
    assert inputs.stat_signature([("theme", theme)]) != before
