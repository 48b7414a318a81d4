"""Typed option declarations: each validates a value and explains what it expects.

A settings class (``pipeline.config.base.Config``) declares its keys as class attributes::

    class EditionConfig(Config):
        title = Type(str, required=True, help="the edition's title")
        tei_dir = Folder(key="tei", default="tei", help="folder of the TEI files")

The same declaration gives the attribute on the settings object (``config.tei_dir``),
the check and its message, the default, and the line ``edition config`` prints.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from pipeline.config.base import Config

T = TypeVar("T")
C = TypeVar("C", bound="Config")


class ValidationError(Exception):
    """A value that does not fit its option; the loader adds where it was."""


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


class Option(Generic[T]):
    """One key: its default, whether it must be given, its help, and its check."""

    kind_name = "value"

    def __init__(
        self,
        *,
        default: Any = MISSING,
        required: bool = False,
        help: str = "",
        key: str | None = None,
    ) -> None:
        self.default = default
        self.required = required
        self.help = help
        self.key = key or ""
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.key = self.key or name.replace("_", "-")

    @overload
    def __get__(self, instance: None, owner: type) -> Option[T]: ...

    @overload
    def __get__(self, instance: object, owner: type) -> T: ...

    def __get__(self, instance: object | None, owner: type) -> Any:
        if instance is None:
            return self
        return instance.__dict__["_values"][self.name]

    def validate(self, value: Any) -> T:
        """The value to keep; raises ``ValidationError`` saying what was expected."""
        return value

    def resolve(self, value: T, root: Path) -> T:
        """A second step for values that depend on where the settings file is."""
        return value

    def describe(self) -> str:
        return self.kind_name


class Type(Option[T]):
    def __init__(self, kind: type, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind = kind
        self.kind_name = {
            str: "a string",
            int: "a whole number",
            bool: "true or false",
            float: "a number",
        }.get(kind, kind.__name__)

    def validate(self, value: Any) -> T:
        if not isinstance(value, self.kind) or (self.kind is int and isinstance(value, bool)):
            raise ValidationError(f"must be {self.kind_name}, not {_shown(value)}")
        return value


class Choice(Option[str]):
    def __init__(self, choices: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = tuple(choices)
        self.kind_name = "one of " + ", ".join(f"'{c}'" for c in self.choices)

    def validate(self, value: Any) -> str:
        if value not in self.choices:
            raise ValidationError(f"must be {self.kind_name}, not {_shown(value)}")
        return value


class Pattern(Option[str]):
    """A string of a given form (a date, a language tag, an identifier)."""

    def __init__(
        self,
        regex: str,
        kind_name: str,
        check: Callable[[str], object] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.regex = re.compile(regex)
        self.kind_name = kind_name
        self.check = check

    def validate(self, value: Any) -> str:
        if not isinstance(value, str) or not self.regex.fullmatch(value):
            raise ValidationError(f"must be {self.kind_name}, not {_shown(value)}")
        if self.check is not None:
            try:
                self.check(value)
            except ValueError:
                raise ValidationError(f"must be {self.kind_name}, not {_shown(value)}") from None
        return value


def IsoDate(**kwargs: Any) -> Pattern:
    return Pattern(r"\d{4}-\d{2}-\d{2}", "a date, YYYY-MM-DD", dt.date.fromisoformat, **kwargs)


def LanguageTag(**kwargs: Any) -> Pattern:
    return Pattern(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*", "a language tag such as 'en'", **kwargs)


def Identifier(**kwargs: Any) -> Pattern:
    return Pattern(
        r"[A-Za-z_][A-Za-z0-9_.-]{0,63}", "an identifier (letters, digits, '-')", **kwargs
    )


class Url(Option[str]):
    """An absolute http(s) URL, or empty for none."""

    kind_name = "an absolute http(s) URL"

    def validate(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError(f"must be {self.kind_name}, not {_shown(value)}")
        if value == "":
            return value
        parts = urlsplit(value)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or any(c.isspace() for c in value)
        ):
            raise ValidationError(f"must be {self.kind_name}, not {_shown(value)}")
        return value


class ListOf(Option[tuple[T, ...]]):
    def __init__(self, item: Option[T], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.item = item
        self.kind_name = f"a list of {item.describe().removeprefix('a ')}s"

    def validate(self, value: Any) -> tuple[T, ...]:
        if not isinstance(value, list):
            raise ValidationError(f"must be {self.kind_name}, not {_shown(value)}")
        checked = []
        for index, item in enumerate(value, 1):
            try:
                checked.append(self.item.validate(item))
            except ValidationError as exc:
                raise ValidationError(f"item {index} {exc}") from None
        return tuple(checked)


class TableOf(Option[dict[str, T]]):
    """A table whose keys the user chooses (e.g. calendar ids -> descriptions)."""

    def __init__(self, item: Option[T], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.item = item
        self.kind_name = f"a table of {item.describe().removeprefix('a ')}s"

    def validate(self, value: Any) -> dict[str, T]:
        if not isinstance(value, dict):
            raise ValidationError(f"must be {self.kind_name}, not {_shown(value)}")
        checked = {}
        for key, item in value.items():
            try:
                checked[key] = self.item.validate(item)
            except ValidationError as exc:
                raise ValidationError(f"key '{key}' {exc}") from None
        return checked


class Folder(Option[Path]):
    """A folder, relative to the settings file."""

    kind_name = "a folder path"

    def validate(self, value: Any) -> Path:
        if not isinstance(value, str) or not value.strip() or "\0" in value:
            raise ValidationError(f"must be {self.kind_name}, not {_shown(value)}")
        return Path(value)

    def resolve(self, value: Path, root: Path) -> Path:
        return root / value


class File(Folder):
    """A file, relative to the settings file; empty for none."""

    kind_name = "a file path"

    def validate(self, value: Any) -> Path | None:  # type: ignore[override]
        if value == "":
            return None
        return super().validate(value)

    def resolve(self, value: Path | None, root: Path) -> Path | None:  # type: ignore[override]
        return root / value if value is not None else None


class OptionalFolder(File):
    kind_name = "a folder path"


class SubConfig(Option[C]):
    """A table of its own keys, declared by another settings class."""

    kind_name = "a table"

    def __init__(self, config_class: type[C], **kwargs: Any) -> None:
        super().__init__(default={}, **kwargs)
        self.config_class = config_class


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)
