"""The edition's settings, read from ``[tool.edition]`` in pyproject.toml and validated.

Like a declarative config schema: every key is declared once, with its type, default
and meaning, so a wrong setting gets a message that says what was expected.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import EditionError


@dataclass(frozen=True)
class Setting:
    key: str
    kind: type
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("title", str, None, "the edition's title"),
    Setting("subtitle", str, "", "the edition's subtitle"),
    Setting("editors", list, None, "names of the edition's editors"),
    Setting("publisher", str, None, "the edition's publisher"),
    Setting("licence", str, None, "licence of the edition's encoding"),
    Setting("licence-url", str, "", "URL of that licence"),
    Setting("release-date", str, None, "release date, YYYY-MM-DD (no build timestamps)"),
    Setting("base-url", str, "", "where the edition is published, for citations"),
    Setting("id-prefix", str, "edn", "prefix of the documents' stable idno"),
    Setting("sources", str, "sources", "folder of source texts and sidecars"),
    Setting("tei", str, "tei", "folder of generated TEI"),
    Setting("registers", str, "tei/registers.xml", "the TEI registers file"),
    Setting("site", str, "site", "output folder of the HTML edition"),
    Setting("common-capitalised", list, [], "capitalised words that are never names"),
    Setting("introduction", str, "", "the edition's introduction, for the home page"),
    Setting("theme-dir", str, "", "folder whose templates and stylesheet override the built-in"),
)


@dataclass(frozen=True)
class EditionConfig:
    root: Path
    title: str
    subtitle: str
    editors: tuple[str, ...]
    publisher: str
    licence: str
    licence_url: str
    release_date: str
    base_url: str
    id_prefix: str
    sources_dir: Path
    tei_dir: Path
    registers_path: Path
    site_dir: Path
    common_capitalised: frozenset[str] = field(default_factory=frozenset)
    introduction: str = ""
    theme_dir: Path | None = None


def find_pyproject(start: Path) -> Path:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    raise EditionError("no pyproject.toml with [tool.edition] found here or above", start)


def load_config(path: Path | None = None) -> EditionConfig:
    """Load and validate ``[tool.edition]``; paths are resolved against its folder."""
    pyproject = path if path is not None else find_pyproject(Path.cwd())
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise EditionError(f"invalid TOML: {exc}", pyproject) from None
    except OSError as exc:
        raise EditionError(f"cannot read: {exc.strerror}", pyproject) from None
    table = data.get("tool", {}).get("edition")
    if not isinstance(table, dict):
        raise EditionError("missing [tool.edition] table", pyproject)
    return config_from_table(table, pyproject.parent, pyproject)


def config_from_table(table: dict[str, Any], root: Path, origin: Path | str) -> EditionConfig:
    known = {s.key for s in SETTINGS}
    for key in table:
        if key not in known:
            raise EditionError(
                f"[tool.edition] unknown setting '{key}'; known: {', '.join(sorted(known))}",
                origin,
            )
    values: dict[str, Any] = {}
    for s in SETTINGS:
        value = table.get(s.key, s.default)
        if value is None:
            raise EditionError(f"[tool.edition] '{s.key}' is required: {s.help}", origin)
        if not isinstance(value, s.kind):
            raise EditionError(
                f"[tool.edition] '{s.key}' must be a {s.kind.__name__}: {s.help}", origin
            )
        values[s.key] = value
    try:
        dt.date.fromisoformat(values["release-date"])
    except ValueError:
        raise EditionError("[tool.edition] 'release-date' must be YYYY-MM-DD", origin) from None
    return EditionConfig(
        root=root,
        title=values["title"],
        subtitle=values["subtitle"],
        editors=tuple(values["editors"]),
        publisher=values["publisher"],
        licence=values["licence"],
        licence_url=values["licence-url"],
        release_date=values["release-date"],
        base_url=values["base-url"],
        id_prefix=values["id-prefix"],
        sources_dir=root / values["sources"],
        tei_dir=root / values["tei"],
        registers_path=root / values["registers"],
        site_dir=root / values["site"],
        common_capitalised=frozenset(values["common-capitalised"]),
        introduction=values["introduction"],
        theme_dir=root / values["theme-dir"] if values["theme-dir"] else None,
    )
