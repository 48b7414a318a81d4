"""The site's search index: Pagefind, run over the pages once they are written."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
from pathlib import Path

from pipeline.errors import EditionError


def pagefind_version() -> str:
    try:
        return importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        return "none"


def run_pagefind(site_dir: Path) -> str:
    """Index ``site_dir`` with Pagefind (the ``pagefind[bin]`` wheel); returns its report."""
    if importlib.util.find_spec("pagefind") is None:
        raise EditionError(
            "Pagefind is not installed: pip install 'pagefind[bin]' (needed for the search page)"
        )
    command = [sys.executable, "-m", "pagefind", "--site", str(site_dir)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise EditionError("Pagefind failed: " + " | ".join(tail), site_dir)
    return result.stdout
