"""Sites built once per test run and shared by every test module that needs them."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from conftest import copy_project, shared_dir
from lxml import html

from pipeline.build import BuildOptions, BuildReport, build
from pipeline.config import EditionConfig, load_config
from pipeline.config.site import SiteConfig

from .tools import REPO

FOREIGN_DIR = REPO / "tests" / "data" / "foreign"
# TEI in the style of other projects: an EpiDoc inscription, a verse drama, a novel with
# back notes, a letter with its registers, critical apparatus, a catalogue description,
# a transcription with facsimile, a corpus with xi:include, right-to-left scripts.
PROJECTS_DIR = REPO / "tests" / "data" / "projects"
PROJECTS_TITLE = "Example TEI from other projects"
PROJECTS_INTRODUCTION = (
    "Files in the style of other projects, shown in their own terms.\n\n"
    "Each is checked against TEI P5 and rendered, valid or not."
)
IMAGES_BASE = "https://images.example.org/notebooks/"
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


def config() -> EditionConfig:
    return load_config(REPO / "pyproject.toml")


@functools.cache
def project() -> Path:
    """A copy of the edition, so that building it never touches the repository."""
    return copy_project(workdir() / "project")


def project_config() -> EditionConfig:
    return load_config(project() / "pyproject.toml")


def corpus_tei() -> list[Path]:
    cfg = config()
    return sorted(
        p for p in cfg.tei_dir.glob("*.xml") if p.resolve() != cfg.registers_path.resolve()
    )


def options(**kwargs: object) -> BuildOptions:
    return BuildOptions(tei_schema_dir=shared_dir("EDITION_TEI_SCHEMA_DIR", "tei-p5"), **kwargs)  # type: ignore[arg-type]


def build_corpus(
    site_dir: Path, config: EditionConfig | None = None, **kwargs: object
) -> BuildReport:
    """The edition built from its sources, as `edition build` does."""
    return build(config or project_config(), options(site_dir=site_dir, **kwargs))


@functools.cache
def corpus_site() -> tuple[Path, BuildReport]:
    """The bundled corpus rendered with its registers and Pagefind index."""
    site = workdir() / "corpus" / "site"
    return site, build_corpus(site)


def foreign_paths() -> list[Path]:
    return [FOREIGN_DIR / name for name in FOREIGN_VALID]


def build_foreign(paths: list[Path], site_dir: Path, **kwargs: object) -> BuildReport:
    """Other projects' TEI, as `edition build --tei` renders it."""
    cfg = config().replace(theme_dir=None)
    return build(cfg, options(tei_paths=tuple(paths), site_dir=site_dir, **kwargs))


@functools.cache
def foreign_site() -> tuple[Path, BuildReport]:
    """Other projects' TEI, rendered without registers (as `edition build --tei DIR`)."""
    site = workdir() / "foreign" / "site"
    return site, build_foreign(foreign_paths(), site)


def projects() -> list[Path]:
    return sorted(PROJECTS_DIR.glob("*.xml"))


def projects_config() -> SiteConfig:
    return SiteConfig.defaults(PROJECTS_DIR).replace(
        title=PROJECTS_TITLE,
        introduction=PROJECTS_INTRODUCTION,
        images_base_url=IMAGES_BASE,
    )


@functools.cache
def projects_site() -> tuple[Path, BuildReport]:
    """The projects' files rendered as `edition build --tei DIR --site-config FILE` does."""
    site = workdir() / "projects" / "site"
    return site, build_foreign([PROJECTS_DIR], site, site=projects_config())


def html_files(site: Path) -> list[Path]:
    """The site's pages (not Pagefind's)."""
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.parts)


def broken_links(site: Path) -> list[str]:
    """Every link inside the site whose page or anchor is not there."""
    trees = {path: html.fromstring(path.read_bytes()) for path in html_files(site)}
    ids = {
        path: {el.get("id") for el in tree.iter() if el.get("id")} for path, tree in trees.items()
    }
    broken = []
    for path, tree in trees.items():
        for a in tree.iter("a"):
            href = a.get("href")
            if not href or urlsplit(href).scheme or href.startswith("//"):
                continue
            parts = urlsplit(href)
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if (
                not target.exists()
                or parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in ids.get(target, set())
            ):
                broken.append(f"{path.relative_to(site)}: {href}")
    return broken
