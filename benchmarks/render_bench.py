"""How fast the HTML edition is built: the corpus, and N copies of it with unique ids.

    .venv/bin/python benchmarks/render_bench.py [--copies 10 100] [--no-search]

For each size it reports the full build (TEI P5 check, pages and search index) as
`edition build --tei` runs it, the Pagefind run within it, pages per second, and a
rebuild with nothing changed. Copies are made by giving every document a new id (the
document id prefixes every xml:id inside it, so a textual rename keeps all the text's
internal pointers intact); the registers go with them.
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

from pipeline.build import BuildOptions, build
from pipeline.config import load_config
from pipeline.xmltools import XML_ID, parse_file


def make_copies(tei_files: list[Path], copies: int, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in tei_files:
        doc_id = parse_file(path).getroot().get(XML_ID) or path.stem
        text = path.read_text(encoding="utf-8")
        for n in range(1, copies + 1):
            new_id = doc_id if copies == 1 else f"{doc_id}-copy{n}"
            target = folder / f"{new_id}.xml"
            target.write_text(text.replace(doc_id, new_id), encoding="utf-8")
            written.append(target)
    return written


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def bench(label: str, folder: Path, config, work: Path, search: bool) -> dict:
    site = work / f"site-{label}"
    options = BuildOptions(tei_paths=(folder,), site_dir=site, search=search)
    full, report = timed(lambda: build(config, options))
    again, second = timed(lambda: build(config, options))
    assert second.up_to_date
    row = {
        "size": label,
        "texts": report.documents,
        "pages": report.pages,
        "files": report.files,
        "full": full,
        "pagefind": report.search_seconds if search else 0.0,
        "rebuild": again,
    }
    shutil.rmtree(site)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="*", default=[10, 100])
    parser.add_argument("--no-search", action="store_true", help="skip the Pagefind index")
    args = parser.parse_args()
    config = load_config(REPO / "pyproject.toml")
    originals = sorted(
        p for p in config.tei_dir.glob("*.xml") if p.resolve() != config.registers_path.resolve()
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="render-bench-") as tmp:
        work = Path(tmp)
        for copies in [1, *args.copies]:
            label = "corpus" if copies == 1 else f"x{copies}"
            make_copies(originals, copies, work / label)
            shutil.copy(config.registers_path, work / label / config.registers_path.name)
            rows.append(bench(label, work / label, config, work, not args.no_search))
    print(
        f"{'size':>7} {'texts':>6} {'pages':>6} {'full s':>8} {'pages/s':>8} "
        f"{'pagefind s':>10} {'rebuild s':>9}"
    )
    for r in rows:
        print(
            f"{r['size']:>7} {r['texts']:>6} {r['pages']:>6} {r['full']:>8.2f} "
            f"{r['pages'] / r['full']:>8.1f} {r['pagefind']:>10.2f} {r['rebuild']:>9.3f}"
        )


if __name__ == "__main__":
    main()
