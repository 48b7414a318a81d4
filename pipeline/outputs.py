"""Writing outputs so that nothing is ever lost: atomic files, folders replaced as a set.

- ``atomic_write`` and ``write_if_changed`` write one file through a temporary file and a
  rename, so a reader sees the old bytes or the new ones, never a part.
- ``StagedFolder`` prepares the next version of a whole folder beside it and puts it in
  place with one atomic exchange of the two folders (``renameat2(RENAME_EXCHANGE)`` on
  Linux), so at every instant the folder is the old complete set or the new one. Where
  the system cannot exchange, two renames are used, and a run that was killed between
  them is repaired by the next (``remove_leftovers``).
- ``output_lock`` keeps two commands from writing the same folder at once.
- ``check_replaceable`` refuses to replace a folder that was never an output of ours.

Temporary names all start with ``.<name>.`` beside the output, so the next run can find
and remove what a killed run left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Self

from pipeline.errors import EditionError, os_error, shown_path

TEMP_SUFFIX = ".tmp"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def content_digest(data: bytes) -> str:
    """What tells two outputs apart: a digest of their bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def source_date_epoch(environ: Mapping[str, str]) -> int | None:
    """SOURCE_DATE_EPOCH, the time every packed file carries; None when it is not set."""
    value = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):  # "²" is a digit to Python
        raise EditionError(f"SOURCE_DATE_EPOCH must be a whole number, not {value!r}")
    return int(value)


def atomic_write(path: str | Path, data: bytes, durable: bool = True) -> None:
    """Write to a temporary file beside ``path`` and rename it into place; ``durable``:
    on disk before it is renamed, so that even a power cut leaves the old or the new
    bytes. A cache whose entries prove themselves (checksummed or signed) does without:
    after a cut, an entry left torn is a miss."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        # mkstemp makes the file private; published files get the usual permissions.
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_if_changed(path: str | Path, data: bytes) -> bool:
    """Write ``data`` atomically unless the file already holds exactly these bytes."""
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write(path, data)
    return True


# --- locks ------------------------------------------------------------------------------


def lock_path(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.lock"


@contextlib.contextmanager
def output_lock(folder: Path, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the lock of an output folder; another holder makes this wait, then stop.

    ``wait`` is how many seconds to wait for the other run (0: stop at once).
    """
    folder = Path(folder)
    path = lock_path(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+b")  # noqa: SIM115 - held for the whole block
    except OSError as exc:
        raise os_error(exc, "cannot create the lock file") from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise EditionError(
                        f"another edition command is writing {folder.name}/ (lock held); "
                        "wait for it to finish",
                        path,
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        handle.close()  # closing releases the lock


# --- folders ------------------------------------------------------------------------------


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name, use_errno=True) if name else None
    except OSError:
        return None


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one atomic step; False where the system cannot."""
    libc = _libc()
    renameat2 = getattr(libc, "renameat2", None) if libc is not None else None
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _staging_names(folder: Path, kind: str) -> list[Path]:
    parent = folder.parent
    if not parent.is_dir():
        return []
    prefix = f".{folder.name}.{kind}-"
    return sorted(p for p in parent.iterdir() if p.name.startswith(prefix))


def remove_leftovers(folder: Path, inside: bool = True) -> list[Path]:
    """Remove what killed runs left beside and inside ``folder``; call under its lock.

    If a run was killed between the two renames of the fallback swap, the folder is
    missing and the previous version waits under an ``old`` name: it is put back first.
    ``inside=False`` leaves the folder's own files alone: a folder only ever replaced
    whole (a site) has no temporary files of a single write in it, and may hold many.
    """
    folder = Path(folder)
    removed: list[Path] = []
    if not folder.exists():
        olds = _staging_names(folder, "old")
        if olds:
            os.replace(olds[-1], folder)
    for stale in _staging_names(folder, "new") + _staging_names(folder, "old"):
        shutil.rmtree(stale, ignore_errors=True)
        removed.append(stale)
    if inside and folder.is_dir():
        # os.walk, names as strings: a folder may hold tens of thousands of files.
        for current, _, names in os.walk(folder):
            for name in names:
                if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                    tmp = Path(current, name)
                    if tmp.is_file() and not tmp.is_symlink():
                        tmp.unlink(missing_ok=True)
                        removed.append(tmp)
    return sorted(removed)


def _is_within(inner: Path, outer: Path) -> bool:
    try:
        inner.relative_to(outer)
    except ValueError:
        return False
    return True


def check_replaceable(
    folder: Path, marker: str, keep: list[Path], apart: list[Path] | None = None
) -> None:
    """Refuse to replace ``folder`` unless it is missing, empty, or an output of ours.

    ``marker`` is the file every output of this kind holds; ``keep`` are folders that
    must survive (the project, the inputs, the working folder): the output may be
    neither one of them nor hold one. Nor may it lie inside one of ``apart`` (inputs
    it would be read with, exports of another command).
    """
    target = Path(folder).resolve()
    for kept in keep:
        kept = Path(kept).resolve()
        if target == kept:
            raise EditionError(
                "refusing to use this folder as an output: the build would replace it, "
                "and it is a project, input or working folder; choose another --site",
                folder,
            )
        if _is_within(kept, target):
            held = "the working folder" if kept == Path.cwd().resolve() else shown_path(kept)
            raise EditionError(
                f"refusing to use this folder as an output: it holds {held}, "
                "which the build must not replace",
                folder,
            )
    for outer in apart or []:
        outer = Path(outer).resolve()
        if _is_within(target, outer):
            where = "is" if target == outer else "is inside"
            raise EditionError(
                f"refusing to use this folder as an output: it {where} {shown_path(outer)}, "
                "whose files are inputs or another command's outputs; choose another --site",
                folder,
            )
    if target.exists() and not target.is_dir():
        raise EditionError("the output is not a folder", folder)
    above = target.parent
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise EditionError(
            f"the output cannot be made: {shown_path(above)} is not a folder", folder
        )
    if target.is_dir() and any(target.iterdir()) and not (target / marker).is_file():
        raise EditionError(
            f"this folder is not a build of the edition (no {marker}): "
            "refusing to replace it; remove it or choose another --site",
            folder,
        )


class StagedFolder:
    """The next version of ``target``, prepared beside it and put in place at once.

    With ``carry_over`` the new version starts as hard links to every file of the
    current one (a copy where links are impossible), so a caller only writes what
    changes; without it the new version starts empty.

    ``spare`` names a folder kept between runs, beside the caches: the new version
    starts as the version found there (moved, not copied), or where there is none as
    hard links to the current one; and the version it replaces is moved there rather
    than removed. A caller then writes only what differs from that earlier version
    (``started_from`` says which: "spare", "target" or "" for none), and removes what
    it no longer has: no run writes or removes every file. A killed run leaves the
    spare under the staging name, removed as any leftover.
    """

    def __init__(
        self, target: Path, *, carry_over: bool = False, spare: Path | None = None
    ) -> None:
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(
            tempfile.mkdtemp(prefix=f".{self.target.name}.new-", dir=self.target.parent)
        )
        os.chmod(self.path, 0o777 & ~_umask())
        self.committed = False
        self.spare = Path(spare) if spare is not None else None
        self.started_from = ""
        if self.spare is not None and self.spare.is_dir() and not self.spare.is_symlink():
            try:
                os.rmdir(self.path)
                os.rename(self.spare, self.path)
                self.started_from = "spare"
            except OSError:  # on another file system, say: start from the target
                self.path.mkdir(exist_ok=True)
        wanted = carry_over or self.spare is not None
        current = self.target.is_dir() and not self.target.is_symlink()
        if wanted and not self.started_from and current:
            _link_tree(self.target, self.path)
            self.started_from = "target"

    @property
    def based(self) -> bool:
        """Whether the new version started as an earlier one (and may hold its files)."""
        return bool(self.started_from)

    def write(self, relative: str, data: bytes) -> None:
        path = self.path / relative
        try:
            if self.based:
                self._make_way(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() or path.is_symlink():
                path.unlink()  # never write through a carried-over hard link
            path.write_bytes(data)
        except OSError as exc:  # name the file the user knows, not the staging copy
            raise OSError(exc.errno, exc.strerror, str(self.target / relative)) from None

    def _make_way(self, path: Path) -> None:
        """In a version started from the spare, a file may stand where a folder is now
        wanted, or a folder where a file is."""
        for above in reversed(path.relative_to(self.path).parents[:-1]):
            folder = self.path / above
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                folder.unlink()
                break
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)

    def remove(self, relative: str) -> None:
        (self.path / relative).unlink(missing_ok=True)

    def commit(self) -> None:
        """Make the prepared folder the target, atomically; then drop the old one."""
        _fsync_tree(self.path)
        if not self.target.exists():
            os.rename(self.path, self.target)
        elif exchange(self.path, self.target):
            self._retire(self.path)
        else:
            # No atomic exchange here: the old version waits under an 'old' name until
            # the new one is in place; remove_leftovers repairs a run killed in between.
            old = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.old-", dir=self.target.parent))
            os.rmdir(old)
            os.rename(self.target, old)
            os.rename(self.path, self.target)
            self._retire(old)
        self.committed = True

    def _retire(self, old: Path) -> None:
        """The replaced version: kept as the spare, or removed."""
        if self.spare is not None:
            with contextlib.suppress(OSError):
                if self.spare.exists() or self.spare.is_symlink():
                    shutil.rmtree(self.spare, ignore_errors=True)
                self.spare.parent.mkdir(parents=True, exist_ok=True)
                os.rename(old, self.spare)
                return
        shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        if not self.committed:
            shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


def _link_tree(source: Path, target: Path) -> None:
    # os.scandir, names as strings: a site may hold tens of thousands of files.
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX):
                continue
            destination = os.path.join(target, entry.name)
            if entry.is_symlink():
                os.symlink(os.readlink(entry.path), destination)
            elif entry.is_dir():
                os.makedirs(destination, exist_ok=True)
                _link_tree(Path(entry.path), Path(destination))
            elif entry.is_file():
                try:
                    os.link(entry.path, destination)
                except OSError:
                    shutil.copy2(entry.path, destination)


def _fsync_tree(folder: Path) -> None:
    """Flush the new files to disk before they replace the old ones: one ``syncfs`` for
    the whole file system (thousands of ``fsync`` calls would cost seconds)."""
    libc = _libc()
    syncfs = getattr(libc, "syncfs", None) if libc is not None else None
    if syncfs is None:
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            syncfs(fd)
        finally:
            os.close(fd)
