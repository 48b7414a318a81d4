"""The edition's settings: declared in ``edition.py``, loaded and checked here.

Every command loads them the same way (``load_config``): from ``--config``, else from the
nearest pyproject.toml with a ``[tool.edition]`` table. A broken table fails every
command with ``pyproject.toml:LINE: message`` and exit code 2. Where there is no such
file, the defaults stand and commands that need the edition say so.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.config.base import Config, Explained
from pipeline.config.edition import (
    CALENDARS,
    CalendarConfig,
    EditionConfig,
    EncodingConfig,
    PolicyConfig,
    check_edition,
    responsibility_warnings,
)
from pipeline.config.toml_lines import TomlSource, parse_toml, read_toml
from pipeline.errors import ConfigError

__all__ = [
    "CALENDARS",
    "CalendarConfig",
    "Config",
    "EditionConfig",
    "EncodingConfig",
    "Explained",
    "PolicyConfig",
    "TomlSource",
    "find_pyproject",
    "load_config",
    "parse_toml",
    "read_toml",
    "responsibility_warnings",
]

TABLE = ("tool", "edition")


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml with a ``[tool.edition]`` table, here or above."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return candidate  # let load_config report it
            if "[tool.edition" in text or "tool.edition" in text:
                return candidate
    return None


def load_config(path: Path | None = None, *, start: Path | None = None) -> EditionConfig:
    """The settings from ``path`` (which must hold ``[tool.edition]``), else from the
    nearest pyproject.toml that does, else the defaults for ``start`` (the working folder).
    """
    here = (start or Path.cwd()).absolute()
    if path is None:
        path = find_pyproject(here)
        if path is None:
            return EditionConfig.defaults(here).with_meta(_root=here, _origin=None)
    path = Path(path)
    if path.is_dir():
        path = path / "pyproject.toml"
    if not path.is_file():
        raise ConfigError("settings file not found", path)
    source = read_toml(path)
    tool = source.data.get("tool", {})
    table = tool.get("edition") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise ConfigError("no [tool.edition] table", path)
    root = path.parent.absolute()
    config = EditionConfig.load(table, root, source, TABLE).with_meta(_root=root, _origin=path)
    check_edition(config)
    return config
