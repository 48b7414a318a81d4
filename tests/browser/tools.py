"""Where the QA tools are, and a failure (never a skip) when one is missing."""

from __future__ import annotations

import shutil
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


def axe_script() -> Path:
    return require_file(AXE_JS, "axe-core (npm package axe-core)")
