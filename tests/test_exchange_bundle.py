"""The release bundle: complete, checksummed, and byte-identical for the same inputs."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import project_collection

from pipeline.build import schema_files
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import EditionError
from pipeline.export.bundle import MANIFEST, release_epoch, zip_bytes
from pipeline.export.formats import bundle_file
from pipeline.xmltools import NSMAP, parse_file

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "pyproject.toml"


@pytest.fixture(scope="module")
def bundle_data(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("bundle") / "release.zip"
    result = CliRunner().invoke(
        main,
        ["export", "bundle", "--out", str(out), "--config", str(CONFIG)],
        env={"SOURCE_DATE_EPOCH": None},
    )
    assert result.exit_code == 0, result.output
    return out.read_bytes()


@pytest.fixture(scope="module")
def members(bundle_data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle_data)) as archive:
        assert archive.testzip() is None
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _inner(members: dict[str, bytes]) -> dict[str, bytes]:
    roots = {name.split("/", 1)[0] for name in members}
    assert len(roots) == 1
    return {name.split("/", 1)[1]: data for name, data in members.items()}


def test_the_bundle_holds_tei_schema_txt_and_data(members: dict[str, bytes]) -> None:
    files = _inner(members)
    for tei in sorted((REPO / "tei").glob("*.xml")):
        assert files[f"tei/{tei.name}"] == tei.read_bytes()
    schema = REPO / "schema"
    for path in sorted(p for p in schema.rglob("*") if p.is_file()):
        assert files[f"schema/{path.relative_to(schema).as_posix()}"] == path.read_bytes()
    texts = [n for n in files if n.startswith("txt/") and n.endswith(".txt")]
    assert texts, "plain-text exports are in the bundle"
    for name in (
        "data/corpus.xml",
        "data/registers.csv",
        "data/registers.json",
        "CHANGELOG.md",
        "README.txt",
        MANIFEST,
    ):
        assert name in files, name
    # CMIF needs the edition's web address; without one there is none (and no made-up one)
    assert ("data/cmif.xml" in files) == bool(load_config(CONFIG).base_url)


def test_the_manifest_has_the_sha256_of_every_file(members: dict[str, bytes]) -> None:
    files = _inner(members)
    listed = {}
    for line in files[MANIFEST].decode("utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == set(files) - {MANIFEST}
    for name, digest in listed.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest, name
    assert list(listed) == sorted(listed)


def test_the_changelog_comes_from_revisiondesc(members: dict[str, bytes]) -> None:
    changelog = _inner(members)["CHANGELOG.md"].decode("utf-8")
    for tei in sorted((REPO / "tei").glob("*.xml")):
        root = parse_file(tei).getroot()
        for change in root.iterfind("tei:teiHeader/tei:revisionDesc//tei:change", NSMAP):
            assert f"## {change.get('when')}" in changelog
            assert f"- `{tei.name}`: {' '.join(''.join(change.itertext()).split())}" in changelog
    config = load_config(CONFIG)
    editor = config.editors[0] if config.editors else config.title
    assert f"({editor})" in changelog  # who="#editors" is resolved to a name


def test_entries_are_sorted_with_fixed_time_and_mode(bundle_data: bytes) -> None:
    config = load_config(CONFIG)
    release = dt.date.fromisoformat(config.release_date)
    with zipfile.ZipFile(io.BytesIO(bundle_data)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    for info in infos:
        assert info.date_time == (release.year, release.month, release.day, 0, 0, 0)
        assert (info.external_attr >> 16) & 0o777 == 0o644
        assert info.create_system == 3


def test_the_same_inputs_give_the_same_bytes(bundle_data: bytes) -> None:
    collection = project_collection()
    again = bundle_file(collection, schema_files(collection.config), {})
    assert again == bundle_data


def test_source_date_epoch_sets_the_timestamps() -> None:
    collection = project_collection()
    schema = schema_files(collection.config)
    epoch = 1700000000  # 2023-11-14 22:13:20 UTC
    first = bundle_file(collection, schema, {"SOURCE_DATE_EPOCH": str(epoch)})
    second = bundle_file(collection, schema, {"SOURCE_DATE_EPOCH": str(epoch)})
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}


def test_bad_epochs_and_unsafe_names_are_refused() -> None:
    config = load_config(CONFIG)
    with pytest.raises(EditionError, match="SOURCE_DATE_EPOCH"):
        release_epoch(config, {"SOURCE_DATE_EPOCH": "yesterday"})
    assert release_epoch(config, {"SOURCE_DATE_EPOCH": "0"}) == 315532800  # ZIP starts 1980
    for name in ("../evil.txt", "/etc/passwd", "a/../../b"):
        with pytest.raises(EditionError, match="unsafe"):
            zip_bytes({name: b"x"}, "root", 315532800)
