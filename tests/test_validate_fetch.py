"""``edition schema fetch`` against a local copy of the TEI vault."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import local_server

from pipeline.cli import main
from pipeline.validate.teip5 import (
    PINNED_FILES,
    TEI_VERSION,
    SchemaUnavailable,
    default_tei_dir,
    resolve_tei_dir,
)


def make_vault(root: Path, source: Path) -> Path:
    """Lay out the shared files the way the TEI vault serves them."""
    base = root / TEI_VERSION / "xml" / "tei" / "custom" / "schema"
    for pinned in PINNED_FILES:
        target = base / pinned.vault_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / pinned.name, target)
    return base


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("EDITION_TEI_SCHEMA_DIR", raising=False)
    return cache


def test_fetch_downloads_and_verifies(
    tmp_path: Path,
    tei_schema_dir: Path,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_vault(tmp_path / "vault", tei_schema_dir)
    with local_server(tmp_path / "vault") as server:
        monkeypatch.setenv("EDITION_TEI_VAULT_URL", server.url)
        result = CliRunner().invoke(main, ["schema", "fetch"])
        assert result.exit_code == 0, result.output
        again = CliRunner().invoke(main, ["schema", "fetch"])
    target = isolated / "tei-edition" / "tei-p5" / TEI_VERSION
    assert default_tei_dir() == target
    for pinned in PINNED_FILES:
        data = (target / pinned.name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == pinned.sha256
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in PINNED_FILES)
    assert len(server.requests) == len(PINNED_FILES)  # the second run downloads nothing
    assert again.exit_code == 0 and "present:" in again.output
    # Validation now finds the schemas in the cache without any setting.
    assert resolve_tei_dir() == target
    where = CliRunner().invoke(main, ["schema", "where"])
    assert where.exit_code == 0 and where.output.strip() == str(target)


def test_checksum_mismatch_leaves_nothing(
    tmp_path: Path,
    tei_schema_dir: Path,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = make_vault(tmp_path / "vault", tei_schema_dir)
    tampered = base / "xsd" / "tei_all_xml.xsd"
    tampered.write_bytes(tampered.read_bytes() + b"<!-- altered in transit -->\n")
    with local_server(tmp_path / "vault") as server:
        monkeypatch.setenv("EDITION_TEI_VAULT_URL", server.url)
        result = CliRunner().invoke(main, ["schema", "fetch"])
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "checksum mismatch" in message and "tei_all_xml.xsd" in message
    assert "nothing was written" in message and "EDITION_TEI_SCHEMA_DIR" in message
    assert "Traceback" not in result.output
    # No schema file, and no temporary file, anywhere in the cache.
    leftovers = [p for p in isolated.rglob("*") if p.is_file()] if isolated.exists() else []
    assert leftovers == []


def test_unreachable_vault_is_a_clear_error(
    tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty").mkdir()
    with local_server(tmp_path / "empty") as server:
        monkeypatch.setenv("EDITION_TEI_VAULT_URL", server.url)
        result = CliRunner().invoke(main, ["schema", "fetch"])
    assert result.exit_code == 1
    assert "cannot download" in result.stderr and "404" in result.stderr
    assert not isolated.exists() or not any(p.is_file() for p in isolated.rglob("*"))


def test_missing_schema_dir_tells_how_to_fix(
    tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SchemaUnavailable, match="edition schema fetch"):
        resolve_tei_dir()
    sample = Path(__file__).parent / "data" / "foreign" / "corpus.xml"
    result = CliRunner().invoke(main, ["validate", str(sample)])
    assert result.exit_code == 2
    assert "edition schema fetch" in result.stderr and "EDITION_TEI_SCHEMA_DIR" in result.stderr
    monkeypatch.setenv("EDITION_TEI_SCHEMA_DIR", str(tmp_path / "nowhere"))
    result = CliRunner().invoke(main, ["validate", str(sample)])
    assert result.exit_code == 2
    assert "nowhere" in result.stderr and "edition schema fetch" in result.stderr
