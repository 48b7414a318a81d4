"""Benchmark ``edition validate``: files/s and MB/s per layer, against jing on the same files.

Runs on a folder of TEI files (default ``tei/``; while it holds no XML, the valid files of
``tests/data/foreign``) and on N copies of it with unique ids, written to a temporary
folder. For each set it times the lxml parse-only floor, each layer on its own (tei_all
RELAX NG, the project XSD and Schematron when present), the whole ``validate_paths`` run,
and one jing process over all the files. Schema compile times are reported separately.

    python benchmarks/validate_bench.py --copies 100 --copies 1000
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

from pipeline.config import load_config
from pipeline.structure import discover
from pipeline.validate import ValidationConfig, validate_paths
from pipeline.validate.document import CheckedFile, load_file
from pipeline.validate.schemas import (
    RNG,
    SCH,
    XSD,
    Layer,
    compile_relaxng,
    forget_compiled,
    load_xsd11,
    prepare_relaxng,
    relaxng_for,
    relaxng_usage,
    tailorable,
    validate_relaxng,
    validate_xsd,
)
from pipeline.validate.schematron import compile_schematron, validate_collection
from pipeline.validate.teip5 import resolve_tei_dir
from pipeline.validate.teisch import saxon_available, tei_schematron, validate_tei_schematron

REPO = Path(__file__).resolve().parent.parent
FOREIGN = REPO / "tests" / "data" / "foreign"
ID_ATTR = re.compile(rb'xml:id="([^"]+)"')


def source_files(folder: Path | None) -> tuple[str, list[Path]]:
    folder = folder or REPO / "tei"
    files = sorted(folder.rglob("*.xml")) if folder.is_dir() else []
    if files:
        return str(folder), files
    manifest = tomllib.loads((FOREIGN / "expected.toml").read_text("utf-8"))["files"]
    valid = sorted(FOREIGN / name for name, entry in manifest.items() if entry["valid"])
    return "tests/data/foreign (valid files)", valid


def write_copies(files: list[Path], copies: int, dest: Path) -> list[Path]:
    """``copies`` copies of the set, each in its own folder, with every id of the set (and
    every pointer to one, in any of its files) suffixed, so that the copies are distinct
    collections whose links still resolve within each copy."""
    sources = [(source, source.read_bytes()) for source in files]
    ids = sorted({i for _, data in sources for i in ID_ATTR.findall(data)}, key=len, reverse=True)
    pattern = (
        re.compile(rb'(xml:id="|#)(' + b"|".join(map(re.escape, ids)) + rb')(?=["\s])')
        if ids
        else None
    )
    written = []
    for n in range(copies):
        suffix = f"-c{n}".encode()
        for source, data in sources:
            out = (
                pattern.sub(lambda m, s=suffix: m.group(1) + m.group(2) + s, data)
                if pattern
                else data
            )
            target = dest / f"c{n:05d}" / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(out)
            written.append(target)
    return written


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def parse_all(files: list[Path]) -> list[CheckedFile]:
    return [load_file(f) for f in discover(files, (".xml",), 1 << 30).files]


def run_jing(jing: str, rng: Path, files: list[Path]) -> tuple[float, int]:
    """One jing process over all files; returns seconds and the number of files it rejects."""
    start = time.perf_counter()
    proc = subprocess.run(
        [jing, str(rng), *map(str, files)], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    rejected = {line.split(":", 1)[0] for line in proc.stdout.splitlines() if ": error:" in line}
    return seconds, len(rejected)


def run_command(targets: list[Path], jobs: int, config: ValidationConfig) -> None:
    """The whole command in a new process, start-up and compiling included, as jing is."""
    env = {**os.environ}
    if config.tei_schema_dir:
        env["EDITION_TEI_SCHEMA_DIR"] = str(config.tei_schema_dir)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "validate",
            "--schema",
            "tei_all",
            "--quiet",
            "--jobs",
            str(jobs),
            *map(str, targets),
        ],
        check=False,
        capture_output=True,
        env=env,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="folder of TEI files (default: tei/)")
    parser.add_argument(
        "--copies",
        type=int,
        action="append",
        help="also run on N copies of the source set (repeatable; default: 100 and 1000)",
    )
    parser.add_argument("--tei-schema-dir", type=Path, help="folder holding tei_all.rng")
    parser.add_argument("--jobs", type=int, default=2, help="workers for the parallel run")
    parser.add_argument("--no-jing", action="store_true", help="skip jing")
    parser.add_argument(
        "--tei-all-only",
        action="store_true",
        help="skip the project XSD and Schematron rows (slow on big sets)",
    )
    args = parser.parse_args()

    config = ValidationConfig.for_edition(load_config(REPO / "pyproject.toml"), args.tei_schema_dir)
    rng = Layer(RNG, resolve_tei_dir(config.tei_schema_dir) / "tei_all.rng", "tei_all")
    xsd_path, sch_path = config.schema_dir / "edition.xsd", config.schema_dir / "edition.sch"
    xsd = Layer(XSD, xsd_path, "edition.xsd") if xsd_path.is_file() else None
    sch = Layer(SCH, sch_path, "edition.sch") if sch_path.is_file() else None
    if args.tei_all_only:
        xsd = sch = None
    jing = None if args.no_jing else shutil.which("jing")

    label, files = source_files(args.source)
    print("compile times")
    seconds, _ = timed(lambda: compile_relaxng(rng.path))
    print(f"  tei_all RELAX NG, whole   {seconds:8.2f} s  (only for messages on invalid files)")
    seconds, _ = timed(lambda: tailorable(rng.path))
    print(f"  tei_all analysed          {seconds:8.3f} s  (once per process, for tailoring)")
    first = parse_all(files[:1])[0].tree
    seconds, _ = timed(lambda: relaxng_for(rng.path, first))
    print(f"  tei_all RELAX NG, tailored{seconds:8.3f} s  (to what {files[0].name} uses)")
    if xsd:
        seconds, _ = timed(lambda: load_xsd11(xsd.path))
        print(f"  edition.xsd (xmlschema)   {seconds:8.2f} s  (pickle cache, if warm)")
    if sch:
        seconds, _ = timed(lambda: compile_schematron(sch.path))
        print(f"  edition.sch (XSLT)        {seconds:8.2f} s")
    if saxon_available() and not args.tei_all_only:
        seconds, _ = timed(lambda: tei_schematron(rng.path))
        print(f"  TEI Schematron (Saxon)    {seconds:8.2f} s  (XSLT 3.0, from tei_all)")
    if jing:
        seconds, _ = run_jing(jing, rng.path, files[:1])
        print(f"  jing start + compile      {seconds:8.2f} s  (jing on one file)")
    print()

    rows: list[tuple[str, int, float, str, float]] = []
    sets = [(label, files, None)]
    with tempfile.TemporaryDirectory(prefix="validate-bench-") as tmp:
        for copies in args.copies or [100, 1000]:
            dest = Path(tmp) / f"x{copies}"
            sets.append((f"{copies} copies", write_copies(files, copies, dest), dest))
        for name, members, folder in sets:
            megabytes = sum(f.stat().st_size for f in members) / 1e6

            def add(layer: str, seconds: float, _n=name, _f=members, _mb=megabytes) -> None:
                rows.append((_n, len(_f), _mb, layer, seconds))

            seconds, docs = timed(lambda m=members: parse_all(m))
            add("parse only (lxml floor)", seconds)
            forget_compiled()

            def tailored_run(d=docs) -> None:
                for doc in d:
                    if doc.checkable:
                        doc.usages[rng.path] = relaxng_usage(rng.path, doc.tree)
                        prepare_relaxng(rng.path, doc.usages[rng.path])
                for doc in d:
                    if doc.checkable:
                        validate_relaxng(doc, rng)

            seconds, _ = timed(tailored_run)
            add("tei_all RELAX NG (after parse; tailoring incl.)", seconds)
            if xsd:
                seconds, _ = timed(
                    lambda d=docs: [validate_xsd(doc, xsd) for doc in d if doc.checkable]
                )
                add("edition.xsd (after parse)", seconds)
            if sch:
                seconds, _ = timed(lambda d=docs: validate_collection(d, sch))
                add("edition.sch collection (after parse)", seconds)
            if saxon_available() and not args.tei_all_only:
                tei_schematron(rng.path)  # compiled once, as in the command

                def saxon_run(d=docs) -> None:
                    for doc in d:
                        if doc.checkable:
                            validate_tei_schematron(doc, rng.path, "tei_schematron")

                seconds, _ = timed(saxon_run)
                add("TEI Schematron, Saxon (after parse)", seconds)
            del docs
            target = [folder] if folder else members
            forget_compiled()
            seconds, _ = timed(lambda t=target: validate_paths(t, ["tei_all"], config))
            add("validate tei_all, 1 process", seconds)
            forget_compiled()
            seconds, _ = timed(
                lambda t=target: validate_paths(t, ["tei_all"], config, jobs=args.jobs)
            )
            add(f"validate tei_all, --jobs {args.jobs}", seconds)
            for jobs in (1, args.jobs):
                seconds, _ = timed(lambda t=target, j=jobs: run_command(t, j, config))
                add(f"edition validate command, --jobs {jobs}", seconds)
            if jing:
                seconds, rejected = run_jing(jing, rng.path, members)
                add(f"jing, 1 process ({rejected} rejected)", seconds)

    print(f"{'set':<34} {'files':>6} {'MB':>7}  {'layer':<38} {'s':>8} {'files/s':>9} {'MB/s':>7}")
    for name, count, megabytes, layer, seconds in rows:
        per_file = count / seconds if seconds else float("inf")
        per_mb = megabytes / seconds if seconds else float("inf")
        print(
            f"{name:<34} {count:>6} {megabytes:>7.2f}  {layer:<38} {seconds:>8.3f} "
            f"{per_file:>9.0f} {per_mb:>7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
