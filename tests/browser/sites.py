"""Sites built once per test run and shared by every test module that needs them."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from pipeline.config import load_config
from pipeline.render.site import SiteReport, build_site

from .tools import REPO

FOREIGN_DIR = REPO / "tests" / "data" / "foreign"
# The foreign test files that are valid TEI P5 (see expected.toml beside them).
FOREIGN_VALID = (
    "corpus.xml",
    "critical_app.xml",
    "doctype_missing_dtd.xml",
    "drama_sp.xml",
    "letter_correspdesc.xml",
    "manuscript_msdesc.xml",
)


@functools.cache
def workdir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="edition-render-tests-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def config():
    return load_config(REPO / "pyproject.toml")


def corpus_tei() -> list[Path]:
    cfg = config()
    return sorted(p for p in cfg.tei_dir.glob("*.xml") if p.resolve() != cfg.registers_path.resolve())


def build_corpus(site_dir: Path, **kwargs) -> SiteReport:
    cfg = config()
    return build_site(corpus_tei(), cfg.registers_path, cfg, site_dir, **kwargs)


@functools.cache
def corpus_site() -> tuple[Path, SiteReport]:
    """The bundled corpus rendered with its registers and Pagefind index."""
    site = workdir() / "corpus" / "site"
    return site, build_corpus(site)


def foreign_paths() -> list[Path]:
    return [FOREIGN_DIR / name for name in FOREIGN_VALID]


@functools.cache
def foreign_site() -> tuple[Path, SiteReport]:
    """Other projects' TEI, rendered without registers (as `edition build --tei DIR`)."""
    site = workdir() / "foreign" / "site"
    cfg = replace(config(), theme_dir=None)
    return site, build_site(foreign_paths(), None, cfg, site, foreign=True)
