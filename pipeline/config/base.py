"""Settings classes built from option declarations, loaded from a TOML table.

A subclass of ``Config`` declares its keys (see ``config_options``). ``load`` checks a
table against them: an unknown key, a missing required key or a value of the wrong kind
is a ``ConfigError`` naming the file and the line of the key. ``explain`` gives, for
``edition config``, every key with its effective value and what it means.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

from pipeline.config.config_options import MISSING, Option, SubConfig, ValidationError
from pipeline.config.toml_lines import KeyPath, TomlSource


class Config:
    """A settings object: one attribute per declared option, read-only."""

    options: ClassVar[dict[str, Option[Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.options = {
            name: value
            for klass in reversed(cls.__mro__)
            for name, value in vars(klass).items()
            if isinstance(value, Option)
        }

    def __init__(
        self, values: dict[str, Any], given: frozenset[str], meta: dict[str, Any] | None = None
    ) -> None:
        self.__dict__["_values"] = values
        self.__dict__["_given"] = given
        # Facts about the settings that are not settings (where they were read from).
        self.__dict__["_meta"] = dict(meta or {})
        for key, value in self._meta.items():  # type: ignore[attr-defined]
            self.__dict__[key] = value

    def with_meta(self, **meta: Any) -> Self:
        return type(self)(self._values, self._given, {**self._meta, **meta})  # type: ignore[attr-defined]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("settings are read-only; use replace()")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values == other._values  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(json.dumps(self.as_data(), sort_keys=True, default=str))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._values!r})"  # type: ignore[attr-defined]

    def replace(self, **changes: Any) -> Self:
        """A copy with some values changed (already of the right kind)."""
        values = {**self._values, **changes}  # type: ignore[attr-defined]
        unknown = set(changes) - set(self.options)
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        return type(self)(
            values,
            self._given | frozenset(changes),  # type: ignore[attr-defined]
            self._meta,
        )  # type: ignore[attr-defined]

    def is_given(self, name: str) -> bool:
        return name in self._given  # type: ignore[attr-defined]

    @classmethod
    def load(
        cls, table: dict[str, Any], root: Path, source: TomlSource | None, prefix: KeyPath = ()
    ) -> Self:
        """Check ``table`` against the declarations; ``root`` anchors relative paths."""

        def fail(message: str, key_path: KeyPath) -> Exception:
            if source is None:
                from pipeline.errors import ConfigError

                return ConfigError(message)
            return source.error(message, key_path)

        where = "[" + ".".join(str(p) for p in prefix) + "]" if prefix else "the settings"
        by_key = {option.key: (name, option) for name, option in cls.options.items()}
        for key in table:
            if key not in by_key:
                known = ", ".join(sorted(by_key))
                raise fail(f"{where}: unknown setting '{key}'; known: {known}", (*prefix, key))
        values: dict[str, Any] = {}
        given: set[str] = set()
        for name, option in cls.options.items():
            key_path = (*prefix, option.key)
            if isinstance(option, SubConfig):
                sub = table.get(option.key, {})
                if not isinstance(sub, dict):
                    raise fail(f"{where}: '{option.key}' must be a table", key_path)
                values[name] = option.config_class.load(sub, root, source, key_path)
                if option.key in table:
                    given.add(name)
                continue
            if option.key in table:
                try:
                    value = option.validate(table[option.key])
                except ValidationError as exc:
                    raise fail(f"{where}: '{option.key}' {exc}: {option.help}", key_path) from None
                given.add(name)
            elif option.required:
                raise fail(f"{where}: '{option.key}' is required: {option.help}", prefix)
            elif option.default is MISSING:
                value = None
            else:
                value = option.validate(option.default) if option.default is not None else None
            values[name] = option.resolve(value, root) if value is not None else None
        return cls(values, frozenset(given))

    @classmethod
    def defaults(cls, root: Path) -> Self:
        """The settings with every default, as if from an empty table (required keys
        that have no default are None)."""
        values: dict[str, Any] = {}
        for name, option in cls.options.items():
            if isinstance(option, SubConfig):
                values[name] = option.config_class.defaults(root)
            elif option.default is MISSING or option.default is None:
                values[name] = None
            else:
                values[name] = option.resolve(option.validate(option.default), root)
        return cls(values, frozenset())

    def as_data(self, root: Path | None = None) -> dict[str, Any]:
        """The values as plain data, by key, for printing and hashing; paths as strings,
        relative to ``root`` where they are inside it (no machine path in a hash)."""
        out: dict[str, Any] = {}
        for name, option in self.options.items():
            value = getattr(self, name)
            if isinstance(value, Config):
                out[option.key] = value.as_data(root)
            elif isinstance(value, Path):
                inside = root is not None and value.is_relative_to(root)
                out[option.key] = value.relative_to(root).as_posix() if inside else str(value)
            elif isinstance(value, tuple):
                out[option.key] = list(value)
            else:
                out[option.key] = value
        return out

    def explain(self, prefix: KeyPath = ()) -> Iterator[Explained]:
        """Every key with its value, whether it was set or defaulted, and its help."""
        for name, option in self.options.items():
            value = getattr(self, name)
            if isinstance(value, Config):
                yield Explained((*prefix, option.key), None, option.help, True, option)
                yield from value.explain((*prefix, option.key))
            else:
                yield Explained(
                    (*prefix, option.key), value, option.help, self.is_given(name), option
                )


@dataclass(frozen=True)
class Explained:
    key_path: KeyPath
    value: Any
    help: str
    given: bool
    option: Option[Any]

    @property
    def is_table(self) -> bool:
        return isinstance(self.option, SubConfig)
