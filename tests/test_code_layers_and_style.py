"""The code's shape: layers that point down (import-linter), ruff's checks and format."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    assert path.is_file(), f"{name} is not installed beside {sys.executable}: run `make test`"
    return str(path)


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_tool("lint-imports"), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(root), "PATH": str(BIN)},
    )


def test_layers_point_down() -> None:
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_contract_catches_an_import_between_stages(tmp_path: Path) -> None:
    """The same check on a copy where one stage imports its sibling must fail."""
    shutil.copytree(
        REPO / "pipeline",
        tmp_path / "pipeline",
        symlinks=True,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    stage = tmp_path / "pipeline" / "export" / "txt.py"
    stage.write_text(
        stage.read_text(encoding="utf-8") + "\nimport pipeline.render.pages\n", encoding="utf-8"
    )
    result = _lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "pipeline.export.txt -> pipeline.render.pages" in result.stdout


def test_a_stage_may_not_import_the_orchestration(tmp_path: Path) -> None:
    shutil.copytree(
        REPO / "pipeline",
        tmp_path / "pipeline",
        symlinks=True,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    stage = tmp_path / "pipeline" / "structure" / "collection.py"
    stage.write_text(
        stage.read_text(encoding="utf-8") + "\nimport pipeline.build\n", encoding="utf-8"
    )
    assert _lint_imports(tmp_path).returncode != 0


def test_ruff_check_and_format() -> None:
    targets = ["pipeline", "tests", "benchmarks"]
    check = subprocess.run(
        [_tool("ruff"), "check", *targets], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout
    fmt = subprocess.run(
        [_tool("ruff"), "format", "--check", *targets],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert fmt.returncode == 0, fmt.stdout
