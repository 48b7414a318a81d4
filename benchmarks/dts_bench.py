"""How many files the static DTS API writes, per document and in all, as a collection grows.

Synthetic collections of N documents are made from the bundled TEI (each a copy of a
text with ids of its own) and given to the DTS stage directly (``dts_files``), without
a site build. For each N the script reports the files written, per document, what the
file budget left out (the level each resource reached), the time and the peak memory.

    .venv/bin/python benchmarks/dts_bench.py                  # N = 100, 1,000, 10,000
    .venv/bin/python benchmarks/dts_bench.py --count 500 --files 20000
"""

from __future__ import annotations

import argparse
import collections
import copy
import resource
import sys
import time
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.config import load_config
from pipeline.dts import dts_files, load_resource
from pipeline.dts.static import plan
from pipeline.xmltools import XML_ID, parse_file


def synthetic(count: int) -> list:
    """``count`` resources, each a bundled text with distinct ids."""
    sources = [
        parse_file(p).getroot()
        for p in sorted((REPO / "tei").glob("*.xml"))
        if p.name != "registers.xml"
    ]
    resources = []
    for number in range(count):
        root = copy.deepcopy(sources[number % len(sources)])
        for element in root.iter():
            if element.get(XML_ID) and element is not root:
                element.set(XML_ID, f"{element.get(XML_ID)}-{number}")
        name = f"doc{number:05d}-{root.get(XML_ID)}"
        root.set(XML_ID, name)
        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        resources.append(load_resource(data, f"{name}.xml"))
    return resources


def levels(coverage) -> str:
    """How many resources reached each level of the static API."""
    counts = collections.Counter(
        f"ranges to level {c.range_depth}"
        if c.range_depth
        else ("unit with down" if c.down else ("units" if c.refs else "base only"))
        for c in coverage.values()
    )
    return ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))


def run(count: int, config) -> None:
    began = time.perf_counter()
    resources = synthetic(count)
    loaded = time.perf_counter()
    files = dts_files(resources, config)
    made = time.perf_counter()
    _, coverage = plan(resources, config)
    total_bytes = sum(len(d) for d in files.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"N={count:>6,}: {len(files):>9,} files ({len(files) / count:7.1f} per document), "
        f"{total_bytes / 1e6:8.1f} MB; budget {config.dts.files:,} "
        f"({'holds' if len(files) <= config.dts.files else 'exceeded'}); "
        f"load {loaded - began:6.1f} s, files {made - loaded:6.1f} s, peak {peak:,.0f} MB"
    )
    print(f"          levels: {levels(coverage)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, action="append", help="documents (repeatable)")
    parser.add_argument("--files", type=int, help="the budget of the whole API")
    parser.add_argument("--files-per-resource", type=int, help="the budget of one document")
    args = parser.parse_args()
    config = load_config(REPO / "pyproject.toml")
    dts = config.dts
    if args.files:
        dts = dts.replace(files=args.files)
    if args.files_per_resource:
        dts = dts.replace(files_per_resource=args.files_per_resource)
    config = config.replace(dts=dts)
    print(
        f"files-per-resource {dts.files_per_resource:,}, files {dts.files:,}, "
        f"page-size {dts.page_size}"
    )
    for count in args.count or [100, 1_000, 10_000]:
        run(count, config)


if __name__ == "__main__":
    main()
