"""``edition config``: the effective settings, each with what it means."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from pipeline.commands import config_option, settings
from pipeline.errors import shown_path


def _toml_value(value: Any) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Path):
        return json.dumps(shown_path(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
        )
    return json.dumps(str(value), ensure_ascii=False)


@click.command("config")
@config_option
def config(config_path: Path | None) -> None:
    """Print the effective settings as TOML, explaining each key.

    Keys not set in [tool.edition] show their default, marked '(default)'.
    """
    loaded = settings(config_path)
    origin = shown_path(loaded.origin) if loaded.origin else "no settings file; all defaults"
    click.echo(f"# Effective settings ({origin})")
    click.echo("[tool.edition]")
    for item in loaded.explain():
        if item.is_table:
            click.echo(f"\n# {item.help}")
            click.echo("[tool.edition." + ".".join(map(str, item.key_path)) + "]")
            continue
        mark = "" if item.given else " (default)"
        click.echo(f"# {item.help}{mark}; {item.option.describe()}")
        click.echo(f"{item.key_path[-1]} = {_toml_value(item.value)}")
