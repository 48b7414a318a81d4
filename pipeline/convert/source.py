"""Reading a source text: bytes in, checked Unicode lines out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import EditionError


@dataclass(frozen=True)
class SourceText:
    path: Path
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def decode_source(data: bytes, path: Path) -> SourceText:
    """Decode strict UTF-8; refuse empty, binary or mis-encoded input with its position."""
    if not data.strip():
        raise EditionError("source is empty", path)
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise EditionError("source looks binary (contains NUL bytes), not a text", path, line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise EditionError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded", path, line, column
        ) from None
    text = text.removeprefix("\ufeff")
    for number, line in enumerate(text.splitlines(), 1):
        for column, char in enumerate(line, 1):
            if ord(char) < 32 and char != "\t":
                raise EditionError(
                    f"control character U+{ord(char):04X} in a text source", path, number, column
                )
    return SourceText(path=path, text=text)


def read_source(path: Path) -> SourceText:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EditionError(f"cannot read source: {exc.strerror}", path) from None
    return decode_source(data, path)
