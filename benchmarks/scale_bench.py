"""How a build scales: N synthetic documents, full and incremental, one worker or all.

    .venv/bin/python benchmarks/scale_bench.py --sizes 100 1000 10000 [--no-search]

For each N (collections made by benchmarks/make_collection.py) and each of ``--jobs 1``
and ``--jobs auto`` it runs ``edition build --tei`` as a user would, and reports for:

- a full build (no site, no cache);
- a rebuild with nothing changed;
- a one-document change (one paragraph of one document edited);
- a one-register-entry change (one person's name edited);

the wall time, the peak resident memory of the whole process tree (Pagefind and the
worker processes included; sampled every 20 ms from /proc), the files written (new or
replaced in the site), and the largest page that is not a document's own.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from make_collection import make


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kb(pid)
        stack += _children(pid)
    return total


def python_env(work: Path) -> dict[str, str]:
    """The environment of the builds: Python's modules compiled once, in ``work``, as an
    installed package has them (a setting that stops bytecode being written would make
    every run compile the whole program again)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "pipeline")], env=env, check=True
    )
    return env


def run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds, peak tree RSS in MB, and the exit code."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    done.set()
    sampler.join()
    return time.perf_counter() - started, peak // 1024, code


def snapshot(site: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(site).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in site.rglob("*")
        if p.is_file()
    }


def written(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> int:
    return sum(1 for name, stamp in after.items() if before.get(name) != stamp)


def largest_shared_page(site: Path) -> tuple[str, int]:
    pages = [p for p in site.rglob("*.html") if "texts" not in p.relative_to(site).parts]
    biggest = max(pages, key=lambda p: p.stat().st_size)
    return biggest.relative_to(site).as_posix(), biggest.stat().st_size


def edit_document(collection: Path) -> None:
    path = min(p for p in collection.glob("*.xml") if p.name != "registers.xml")
    text = path.read_text(encoding="utf-8")
    # A word added to the first paragraph of the text (not of the header).
    body = text.index("<body")
    edited, count = re.subn(r"(<p\b[^>]*>)", r"\1edited ", text[body:], count=1)
    if not count:
        raise SystemExit(f"no paragraph to edit in {path}")
    path.write_text(text[:body] + edited, encoding="utf-8")


def edit_register_entry(collection: Path) -> None:
    path = collection / "registers.xml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("<surname>1</surname>", "<surname>One</surname>", 1), encoding="utf-8"
    )


def bench(size: int, jobs: str, search: bool, work: Path) -> list[tuple]:
    collection = work / f"collection-{size}"
    if collection.exists():
        shutil.rmtree(collection)
    make(size, collection)
    site = work / f"site-{size}-{jobs}"
    for leftover in (site, work / f".{site.name}.cache"):
        shutil.rmtree(leftover, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "pipeline",
        "build",
        "--tei",
        str(collection),
        "--site",
        str(site),
        "--jobs",
        jobs,
    ]
    if not search:
        command.append("--no-search")
    env = python_env(work)
    rows = []
    for label, change in (
        ("full", None),
        ("no change", None),
        ("one document", edit_document),
        ("one register entry", edit_register_entry),
    ):
        if change is not None:
            change(collection)
        before = snapshot(site) if site.exists() else {}
        seconds, peak, code = run(command, work, env)
        if code != 0:
            raise SystemExit(f"build failed ({label}, N={size}, jobs {jobs})")
        rows.append((size, jobs, label, seconds, peak, written(before, snapshot(site))))
    page, page_size = largest_shared_page(site)
    rows.append((size, jobs, f"largest shared page: {page}", page_size / 1e6, 0, 0))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--jobs", nargs="+", default=["1", "auto"])
    parser.add_argument("--no-search", action="store_true")
    args = parser.parse_args()
    print(f"{'N':>6} {'jobs':>5} {'run':<34} {'seconds':>9} {'peak MB':>8} {'written':>8}")
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        for size in args.sizes:
            for jobs in args.jobs:
                for row in bench(size, jobs, not args.no_search, Path(tmp)):
                    n, j, label, seconds, peak, count = row
                    print(
                        f"{n:>6} {j:>5} {label:<34} {seconds:>9.2f} {peak:>8} {count:>8}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
