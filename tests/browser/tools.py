"""Where the QA tools are, and a failure (never a skip) when one is missing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "tests" / "artifacts"

SETUP_HINT = "run `make test` (or `scripts/install-system-deps`) to install it"

# Flags that keep a test browser from talking to anything but the local server.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_file(path: Path, what: str) -> Path:
    if not path.is_file():
        pytest.fail(f"{what} not found at {path}: {SETUP_HINT}", pytrace=False)
    return path


def require_program(name: str, what: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{what} ({name}) not found on PATH: {SETUP_HINT}", pytrace=False)
    return found


def chromium() -> Path:
    return require_file(CHROMIUM, "Chromium (Debian package chromium)")


def vnu_command() -> list[str]:
    java = require_program("java", "Java (Debian package default-jre-headless)")
    jar = require_file(VNU_JAR, "The Nu Html Checker (npm package vnu-jar)")
    return [java, "-jar", str(jar)]


def html_errors(*paths: Path) -> list[str]:
    """The Nu Html Checker's errors on the pages of ``paths`` (files or folders), one
    line each; a checker that fails without naming an error is an error too."""
    command = [*vnu_command(), "--errors-only", "--format", "json", "--skip-non-html"]
    result = subprocess.run(
        [*command, *map(str, paths)], capture_output=True, text=True, check=False
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [
        f"{m.get('url', '')}:{m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") == "error"
    ]
    if result.returncode != 0 and not errors:
        errors.append(f"the checker failed: {result.stderr[-2000:]}")
    return errors


def axe_script() -> Path:
    return require_file(AXE_JS, "axe-core (npm package axe-core)")
