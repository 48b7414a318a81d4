"""How fast the renderer turns TEI into pages, against what lxml needs to read and write it.

    .venv/bin/python benchmarks/render_throughput.py [--copies 10 100] [--rounds 3]
                                                    [--tei DIR ...]

For the foreign test set (tests/data/projects/, or the folders given) and for N copies of
it, it reports the render stage alone: every document analysed and every page of the
site rendered in memory (no validation, no search index, nothing written), in MB of TEI
per second and pages per second; and beside it the floor, lxml parsing each file with
the safe parser and serialising it again, on the same files. The ratio of the two is
what the renderer costs over merely reading and writing the XML. Each round starts from
freshly loaded templates (their memo empty), as a build does; the best round counts.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lxml import etree

from pipeline.config import load_config
from pipeline.render.site import SiteInfo, analyse_collection, load_templates, render_site
from pipeline.structure import FileKind, load_collection
from pipeline.xmltools import parse_bytes


def make_copies(files: list[Path], copies: int, folder: Path) -> list[Path]:
    """``copies`` copies of each file (the site names the documents apart)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for n in range(1, copies + 1):
        for path in files:
            target = folder / f"{path.stem}-copy{n}{path.suffix}"
            shutil.copyfile(path, target)
            written.append(target)
    return written


def floor(datas: list[tuple[Path, bytes]]) -> float:
    started = time.perf_counter()
    for path, data in datas:
        etree.tostring(parse_bytes(data, path))
    return time.perf_counter() - started


def render(folder: Path, config) -> tuple[float, int, int]:
    """Seconds, documents and pages of the render stage over the folder's TEI."""
    collection = load_collection(config, tei_paths=[folder], sources=False)
    files = [f for f in collection.files if f.kind in (FileKind.TEXT, FileKind.CORPUS)]
    for file in files:
        file.data()  # reading from disk is not rendering
    templates = load_templates()
    started = time.perf_counter()
    documents, _, registers = analyse_collection(files, None, templates)
    site = render_site(documents, registers, SiteInfo("Benchmark", foreign=True), templates)
    seconds = time.perf_counter() - started
    return seconds, len(documents), site.pages


def bench(label: str, folder: Path, config, rounds: int) -> dict:
    datas = [(p, p.read_bytes()) for p in sorted(folder.glob("*.xml"))]
    size = sum(len(d) for _, d in datas)
    best_floor = min(floor(datas) for _ in range(rounds))
    runs = [render(folder, config) for _ in range(rounds)]
    seconds, documents, pages = min(runs)
    return {
        "set": label,
        "files": len(datas),
        "mb": size / 1e6,
        "documents": documents,
        "pages": pages,
        "render": seconds,
        "floor": best_floor,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="*", default=[10, 100])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tei", type=Path, nargs="*", default=[REPO / "tests/data/projects"])
    args = parser.parse_args()
    config = load_config(REPO / "pyproject.toml")
    files = sorted(p for folder in args.tei for p in folder.glob("*.xml"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="render-throughput-") as tmp:
        work = Path(tmp)
        for copies in [1, *args.copies]:
            label = "set" if copies == 1 else f"x{copies}"
            make_copies(files, copies, work / label)
            rows.append(bench(label, work / label, config, args.rounds))
    print(
        f"{'set':>5} {'files':>6} {'MB':>7} {'docs':>6} {'pages':>6} {'render s':>9} "
        f"{'MB/s':>7} {'pages/s':>8} {'floor s':>8} {'floor MB/s':>10} {'x floor':>8}"
    )
    for r in rows:
        print(
            f"{r['set']:>5} {r['files']:>6} {r['mb']:>7.2f} {r['documents']:>6} {r['pages']:>6} "
            f"{r['render']:>9.3f} {r['mb'] / r['render']:>7.2f} {r['pages'] / r['render']:>8.1f} "
            f"{r['floor']:>8.4f} {r['mb'] / r['floor']:>10.1f} {r['render'] / r['floor']:>8.1f}"
        )


if __name__ == "__main__":
    main()
