"""Benchmark ``edition validate --schema tei_all`` against jing, beside the lxml floor.

    python benchmarks/validate_bench.py [--copies 100 --copies 1000] [--rounds 3]
                                        [--source DIR] [--layers]

The set: the varied TEI of other projects in the test data (tests/data/foreign and
tests/data/projects), or the files of ``--source``, as both tools can read them: files
that are not well-formed, or that XInclude other files without a fallback (jing
follows XIncludes, and stops at one it cannot read) are left out, and a DOCTYPE is
removed (jing would load the DTD; validation never does). Then N copies of the set,
each in its own folder with its ids suffixed, 100 and 1,000 by default.

For each set, in each round, in this order, each as a new process timed from outside:

- the floor: Python starting, importing lxml and parsing every file with the safe
  parser, which any validator in Python needs at least;
- ``edition validate --schema tei_all`` with an empty user cache (cold), then with the
  cache as the cold run left it (warm), with the default ``--jobs auto``;
- jing, one JVM over all the files.

The table gives the median wall time of each, and the median over rounds of the ratio
to jing within the round (the machine is shared: a ratio within one round compares like
with like). Python runs with its bytecode cache, as an installed package does.
``--layers`` gives instead the older breakdown per layer, in this process.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import xml.parsers.expat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

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


def layers(args: argparse.Namespace) -> int:
    """Per layer, in this process: compile times, then each layer on its own after parsing."""
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
        for copies in args.copies:
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


PROJECTS = REPO / "tests" / "data" / "projects"
XI = "http://www.w3.org/2001/XInclude"
DOCTYPE = re.compile(rb"<!DOCTYPE[^>[]*(\[[^\]]*\])?\s*>\s*")
FLOOR = """
import sys
from pathlib import Path
from pipeline.xmltools import parse_bytes
for name in Path(sys.argv[1]).read_text("utf-8").splitlines():
    try:
        parse_bytes(Path(name).read_bytes(), name)
    except Exception:
        pass
"""


def readable_by_both(folders: list[Path], dest: Path) -> list[Path]:
    """Copies of the TEI files in ``folders`` that jing can judge as we do (see the module
    docstring): well-formed, no XInclude without a fallback, no DOCTYPE."""
    kept = []
    for folder in folders:
        for path in sorted(folder.glob("*.xml")):
            data = DOCTYPE.sub(b"", path.read_bytes(), count=1)
            try:  # well-formedness alone (lxml also refuses a repeated xml:id, jing does not)
                xml.parsers.expat.ParserCreate().Parse(data, True)
            except xml.parsers.expat.ExpatError:
                continue
            tree = etree.fromstring(data, etree.XMLParser(resolve_entities=False, recover=True))
            includes = tree.iter(f"{{{XI}}}include")
            if any(include.find(f"{{{XI}}}fallback") is None for include in includes):
                continue
            target = dest / path.name
            target.write_bytes(data)
            kept.append(target)
    return kept


def python_env(cache: Path, pycache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["XDG_CACHE_HOME"] = str(cache)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wall(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall and CPU seconds (the process and its workers) of a command, and its output."""
    cpu = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(command[:4])}...\n{proc.stderr}")
    return seconds, _children_cpu() - cpu, proc.stdout


def edition_command(target: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pipeline",
        "validate",
        "--schema",
        "tei_all",
        "--quiet",
        str(target),
    ]


def rejected_by_edition(stdout: str) -> int:
    match = re.search(r"(\d+) invalid", stdout.splitlines()[-1] if stdout else "")
    return int(match.group(1)) if match else -1


def rejected_by_jing(stdout: str) -> int:
    return len({line.split(":", 1)[0] for line in stdout.splitlines() if ": error:" in line})


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


RUNS = {
    "floor": "lxml parse only (floor)",
    "cold": "edition validate, cold cache",
    "warm": "edition validate, warm cache",
    "jing": "jing, one JVM",
}


@dataclass
class Row:
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    out: str = ""
    rejected: int | None = None

    def add(self, seconds: float, cpu: float, out: str) -> None:
        self.walls.append(seconds)
        self.cpus.append(cpu)
        self.out = out


def compare(args: argparse.Namespace) -> int:
    tei_dir = resolve_tei_dir(args.tei_schema_dir)
    rng = tei_dir / "tei_all.rng"
    jing = None if args.no_jing else shutil.which("jing")
    if jing is None and not args.no_jing:
        raise SystemExit("jing not found (Debian package `jing`); --no-jing to leave it out")
    os.environ["EDITION_TEI_SCHEMA_DIR"] = str(tei_dir)
    with tempfile.TemporaryDirectory(prefix="validate-bench-") as tmp:
        root = Path(tmp)
        pycache = root / "pycache"
        base = root / "set"
        base.mkdir()
        folders = [args.source] if args.source else [FOREIGN, PROJECTS]
        files = readable_by_both(folders, base)
        sets = [("varied: " + " + ".join(f.name for f in folders), base, files)]
        for copies in args.copies or [100, 1000]:
            dest = root / f"x{copies}"
            sets.append((f"{copies} copies", dest, write_copies(files, copies, dest)))
        # Fill the bytecode cache once, as installing the package does.
        wall(edition_command(base), python_env(root / "warmup", pycache))

        header = (
            f"{'set':<28} {'files':>6} {'MB':>5}  {'run':<34} {'wall s':>7} {'CPU s':>7} "
            f"{'x jing':>7}  rejected"
        )
        lines = [header, "-" * len(header)]
        for name, folder, members in sets:
            listing = root / f"{folder.name}.list"
            listing.write_text("\n".join(map(str, members)), "utf-8")
            megabytes = sum(f.stat().st_size for f in members) / 1e6
            rows = {kind: Row() for kind in RUNS}
            for round_number in range(args.rounds):
                floor_env = python_env(root / "floor", pycache)
                rows["floor"].add(*wall([sys.executable, "-c", FLOOR, str(listing)], floor_env))
                cold_cache = root / f"cold-{folder.name}-{round_number}"
                rows["cold"].add(*wall(edition_command(folder), python_env(cold_cache, pycache)))
                shutil.rmtree(cold_cache, ignore_errors=True)
                warm_cache = root / f"warm-{folder.name}"
                if round_number == 0:
                    wall(edition_command(folder), python_env(warm_cache, pycache))
                rows["warm"].add(*wall(edition_command(folder), python_env(warm_cache, pycache)))
                if jing:
                    rows["jing"].add(*wall([jing, str(rng), *map(str, members)]))
                    for row in rows.values():
                        row.ratios.append(row.walls[-1] / rows["jing"].walls[-1])
            rows["cold"].rejected = rows["warm"].rejected = rejected_by_edition(rows["warm"].out)
            rows["jing"].rejected = rejected_by_jing(rows["jing"].out) if jing else None
            for number, (kind, row) in enumerate(rows.items()):
                if not row.walls:
                    continue
                label = (name, str(len(members)), f"{megabytes:.1f}") if number == 0 else ("",) * 3
                lines.append(
                    f"{label[0]:<28} {label[1]:>6} {label[2]:>5}  {RUNS[kind]:<34} "
                    f"{median(row.walls):>7.2f} {median(row.cpus):>7.2f} "
                    f"{median(row.ratios):>7.2f}  {'' if row.rejected is None else row.rejected}"
                )
            print("\n".join(lines[-len(rows) :]), file=sys.stderr)  # progress
    print(
        f"edition validate --schema tei_all beside jing, median of {args.rounds} rounds "
        "(x jing: the median of the ratios within each round)"
    )
    print("\n".join(lines))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="folder of TEI files (default: see above)")
    parser.add_argument(
        "--copies",
        type=int,
        action="append",
        help="also run on N copies of the set (repeatable; default: 100 and 1000)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default: 3)")
    parser.add_argument("--tei-schema-dir", type=Path, help="folder holding tei_all.rng")
    parser.add_argument("--no-jing", action="store_true", help="leave jing out")
    parser.add_argument(
        "--layers", action="store_true", help="the older breakdown per layer, in this process"
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="--layers: workers for the parallel run"
    )
    parser.add_argument(
        "--tei-all-only",
        action="store_true",
        help="--layers: skip the project XSD and Schematron rows (slow on big sets)",
    )
    args = parser.parse_args()
    if args.layers:
        args.copies = args.copies or [100, 1000]
        return layers(args)
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
