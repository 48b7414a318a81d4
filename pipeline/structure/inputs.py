"""What counts as an input, and reading one safely: the only place that finds files.

The rules, for every command:

- A folder named as input is searched with its subfolders, in the order of the files'
  paths. Names starting with '.' are skipped (files and folders alike), and links to
  folders are not followed.
- A file is an input when its name has the wanted suffix (``.xml`` for TEI, ``.txt``
  for sources), compared without case.
- These are refused, each with one line, before a byte is read:
  a symbolic link that resolves outside the input folder it was found in (a file named
  directly has its own folder as input folder), a broken link, a FIFO, a device, a
  socket, a folder with a file-like name (``x.xml/``), and a file larger than the limit
  (``max-input-mb``).
- Reading opens the resolved path without following a link and without blocking, then
  checks again that it is a regular file within the limit, so nothing that changes
  between the check and the read gets through either.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import EditionError, InputRefused, UsageError, shown_path


@dataclass(frozen=True)
class InputFile:
    """A file accepted as input: where it is, and what it looked like when found."""

    path: Path  # absolute, as found (a link stays a link)
    folder: Path  # the resolved input folder it must stay inside
    relative: str  # POSIX path below the input folder: names outputs
    size: int
    mtime_ns: int
    max_bytes: int
    inode: int = 0

    @property
    def shown(self) -> str:
        return shown_path(self.path)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def stem(self) -> str:
        return self.path.stem

    def signature(self) -> tuple[str, int, int, int]:
        """What a later run compares to tell, without reading it, that the file is as it
        was: a file written since has another modification time or another inode."""
        return (self.relative, self.size, self.mtime_ns, self.inode)

    def read_bytes(self) -> bytes:
        return read_input(self)


@dataclass(frozen=True)
class Refusal:
    """An input that is not read, and why."""

    path: Path
    reason: str

    @property
    def shown(self) -> str:
        return shown_path(self.path)

    def error(self) -> InputRefused:
        return InputRefused(f"refused as input: {self.reason}", self.path)


@dataclass
class Found:
    files: list[InputFile] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def _kind_of(mode: int) -> str | None:
    """Why a file of this mode is not a regular file; None when it is one."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "it is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "it is a named pipe (FIFO), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "it is a device, not a file"
    if stat.S_ISSOCK(mode):
        return "it is a socket, not a file"
    return "it is not a regular file"


def _within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_input(
    path: str | Path, folder: Path, max_bytes: int, base: Path | None = None, *, relative: str = ""
) -> InputFile | Refusal:
    """Accept ``path`` as an input found in ``folder`` (resolved), or say why not.

    ``base`` is the folder as named, which the input's relative name is taken from
    (``relative``, when the caller knows it already).
    """
    # The path stays a string until it is kept: pathlib's parsing, for each of many
    # files, costs more than the system calls.
    text = os.path.abspath(path)
    try:
        info = os.lstat(text)
    except OSError as exc:
        return Refusal(Path(text), f"cannot be read: {exc.strerror}")
    if stat.S_ISLNK(info.st_mode):
        target = Path(os.path.realpath(text))
        if not _within(target, folder):
            return _outside(Path(text), folder)
        try:
            info = os.stat(text)
        except OSError:
            return Refusal(Path(text), "it is a broken symbolic link")
    reason = _kind_of(info.st_mode)
    if reason is not None:
        return Refusal(Path(text), reason)
    if info.st_size > max_bytes:
        return Refusal(
            Path(text),
            f"it is {_megabytes(info.st_size)}, over the limit of "
            f"{_megabytes(max_bytes)} (setting max-input-mb)",
        )
    kept = Path(text)
    if not relative:
        try:
            relative = kept.relative_to(base if base is not None else folder).as_posix()
        except ValueError:
            relative = kept.name
    return InputFile(kept, folder, relative, info.st_size, info.st_mtime_ns, max_bytes, info.st_ino)


def _wanted(name: str, suffixes: Sequence[str]) -> bool:
    lowered = name.lower()
    return not name.startswith(".") and any(lowered.endswith(s) for s in suffixes)


ANY_FILE = ("",)  # suffixes that take every file


def discover(
    paths: Iterable[str | Path],
    suffixes: Sequence[str],
    max_bytes: int,
    *,
    missing_ok: bool = False,
    recursive: bool = True,
) -> Found:
    """The inputs among ``paths`` (files, and folders searched with their subfolders,
    or, with ``recursive=False``, only the files directly in them).

    A path that does not exist is a usage error, unless ``missing_ok`` (a configured
    folder that is not there yet holds no inputs).
    """
    found = Found()
    seen: set[str] = set()  # strings: a path's hash costs more than the rest of a file's check

    def add(result: InputFile | Refusal) -> None:
        name = str(result.path)
        if name in seen:
            return
        seen.add(name)
        if isinstance(result, InputFile):
            found.files.append(result)
        else:
            found.refused.append(result)

    for given in paths:
        path = Path(os.path.abspath(given))
        if not os.path.lexists(path):
            if missing_ok:
                continue
            raise UsageError("no such file or folder", path)
        if path.is_dir():
            folder = Path(os.path.realpath(path))
            for result in _walk(path, folder, suffixes, max_bytes, recursive):
                add(result)
        else:
            add(check_input(path, Path(os.path.realpath(path.parent)), max_bytes))
    return found


def _walk(
    top: Path, folder: Path, suffixes: Sequence[str], max_bytes: int, recursive: bool = True
) -> Iterable[InputFile | Refusal]:
    results: list[tuple[str, InputFile | Refusal]] = []
    # os.walk gives paths that begin with ``top`` as given: the names below it are taken
    # as strings (pathlib's parsing, for each of many files, costs more than the walk).
    start = len(os.fspath(top).rstrip(os.sep)) + 1
    for current, dirs, files in os.walk(top, followlinks=False):
        below = current[start:].replace(os.sep, "/")
        prefix = f"{below}/" if below else ""
        kept = []
        for name in dirs:
            if name.startswith("."):
                continue
            if suffixes != ANY_FILE and _wanted(name, suffixes):  # a folder named like a file
                path = os.path.join(current, name)
                refusal = check_input(path, folder, max_bytes, top, relative=prefix + name)
                results.append((prefix + name, refusal))
                continue
            kept.append(name)
        dirs[:] = sorted(kept) if recursive else []
        for name in files:
            if _wanted(name, suffixes):
                path = os.path.join(current, name)
                checked = check_input(path, folder, max_bytes, top, relative=prefix + name)
                results.append((prefix + name, checked))
    for _, result in sorted(results, key=lambda item: item[0]):
        yield result


_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_NAMES_OPEN_FILES = os.path.isdir("/proc/self/fd")


def _opened_inside(opened: str, folder: Path) -> bool:
    return opened.startswith(os.fspath(folder).rstrip(os.sep) + os.sep)


def _outside(path: Path, folder: Path) -> Refusal:
    return Refusal(path, f"it is a symbolic link to a file outside {shown_path(folder)}/")


def _open_inside(file: InputFile) -> int:
    """A descriptor of the file, which is inside its folder.

    Where the system names an open file (``/proc/self/fd``), the file is opened first and
    the name of what was opened is checked: one call, and nothing can change between the
    check and the open. Elsewhere, or for a link, the path is resolved and checked first.
    """
    if _NAMES_OPEN_FILES:
        try:
            fd = os.open(file.path, _FLAGS)
        except OSError:
            fd = -1  # a link (O_NOFOLLOW), or gone: resolved below
        if fd >= 0:
            try:
                opened = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                opened = ""
            if _opened_inside(opened, file.folder):
                return fd
            os.close(fd)
            if opened:
                raise _outside(file.path, file.folder).error()
    real = os.path.realpath(file.path)
    if not _within(Path(real), file.folder):
        raise _outside(file.path, file.folder).error()
    try:
        return os.open(real, _FLAGS)
    except OSError as exc:
        raise EditionError(f"cannot read: {exc.strerror}", file.path) from None


def read_input(file: InputFile) -> bytes:
    """The bytes of an accepted input, checked again as the file is opened: the file
    opened must lie inside its folder, whatever was swapped for a link since it was found."""
    fd = _open_inside(file)
    try:
        info = os.fstat(fd)
        reason = _kind_of(info.st_mode)
        if reason is not None:
            raise Refusal(file.path, reason).error()
        chunks: list[bytes] = []
        total = 0
        # A regular file gives fewer bytes than asked only at its end: asking one more
        # than its size spares a read that would find nothing (one call per file).
        asked = min(info.st_size, file.max_bytes) + 1
        while True:
            chunk = os.read(fd, asked)
            total += len(chunk)
            if total > file.max_bytes:
                raise Refusal(
                    file.path,
                    f"it is over the limit of {_megabytes(file.max_bytes)} (setting max-input-mb)",
                ).error()
            chunks.append(chunk)
            if len(chunk) < asked:
                break
            asked = 1 << 20
        return b"".join(chunks)
    except OSError as exc:
        raise EditionError(f"cannot read: {exc.strerror}", file.path) from None
    finally:
        os.close(fd)


def read_path(path: Path, max_bytes: int, folder: Path | None = None) -> bytes:
    """Read one named input file (a sidecar, the registers, a settings file) by the rules.

    ``folder`` is the folder it must stay inside: by default its own.
    """
    path = Path(os.path.abspath(path))
    inside = (
        Path(os.path.realpath(folder))
        if folder is not None
        else Path(os.path.realpath(path.parent))
    )
    checked = check_input(path, inside, max_bytes)
    if isinstance(checked, Refusal):
        raise checked.error()
    return read_input(checked)


def read_folder(folder: Path | None, max_bytes: int) -> dict[str, bytes]:
    """Every file of a folder of inputs (a theme, a schema), by its POSIX path below it,
    read by the same rules; an empty dict when there is no such folder."""
    if folder is None or not Path(folder).is_dir():
        return {}
    found = discover([folder], ANY_FILE, max_bytes)
    if found.refused:
        raise found.refused[0].error()
    return {file.relative: read_input(file) for file in found.files}


def stat_signature(
    named: Iterable[tuple[str, Path | None]], passed_over: Collection[str] = ()
) -> list[tuple[str, ...]]:
    """The ``tree_signature`` of each named path (a file or a folder, every file in it;
    a missing one is recorded as missing), under its label: nothing is read.
    ``passed_over``: names of subfolders not looked into."""
    signature: list[tuple[str, ...]] = []
    for label, path in named:
        if path is None:
            continue
        if not os.path.lexists(path):
            signature.append((label, "missing"))
            continue
        signature += [
            (label, *map(str, entry)) for entry in tree_signature([path], ANY_FILE, passed_over)
        ]
    return signature


def _stat_of(path: str) -> tuple[int, int, int, int]:
    info = os.lstat(path)
    return (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ino)


def tree_signature(
    paths: Iterable[str | Path], suffixes: Sequence[str], passed_over: Collection[str] = ()
) -> list[tuple]:
    """What the files of ``paths`` (named by ``suffixes``, in folders and their
    subfolders) look like to the file system, without opening any: each name with its
    mode, size, modification time and inode, and for a link also its target's.

    It is only compared with itself, between runs: any file added, removed, replaced or
    written to (a link's target included) changes it. Which of the files are inputs is
    decided when they are read (``discover``), never here.
    """
    entries: list[tuple] = []

    def add(path: str, relative: str) -> None:
        try:
            own = _stat_of(path)
        except OSError as exc:
            entries.append((relative, "unreadable", exc.errno))
            return
        if stat.S_ISLNK(own[0]):
            try:
                target = os.stat(path)
                followed: tuple = (
                    target.st_mode,
                    target.st_size,
                    target.st_mtime_ns,
                    target.st_ino,  # another file, put in place with the same time and size
                )
            except OSError:
                followed = ("broken",)
            entries.append((relative, *own, os.readlink(path), *followed))
        else:
            entries.append((relative, *own))

    def walk(folder: str, prefix: str) -> None:
        try:
            with os.scandir(folder) as found:
                listed = sorted(found, key=lambda e: e.name)
        except OSError as exc:
            entries.append((prefix, "unreadable", exc.errno))
            return
        for entry in listed:
            name = entry.name
            if name.startswith(".") or name in passed_over:
                continue
            if entry.is_dir(follow_symlinks=False):
                if suffixes != ANY_FILE and _wanted(name, suffixes):
                    add(entry.path, prefix + name)  # a folder named like a file
                walk(entry.path, f"{prefix}{name}/")
            elif _wanted(name, suffixes):
                add(entry.path, prefix + name)

    for given in paths:
        text = os.path.abspath(given)
        if os.path.isdir(text):
            # A folder given through a link is read through it (``discover``): so its
            # files are looked at, and where the link points.
            link = os.readlink(text) if os.path.islink(text) else None
            entries.append((text, "folder", link))
            walk(text, f"{text}/")
        else:
            add(text, text)
    return entries
