"""Safe identifiers for file names, HTML ids, language tags and links.

Attribute values in TEI come from other people's files: they are never put into a path,
an ``id`` or an ``href`` before they have been checked or turned into a slug here.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_SLUG_OK = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
_ID_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")
_LANG_OK = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")
_CLASS_PART = re.compile(r"[^a-z0-9-]+")


def slugify(value: str, fallback: str = "text") -> str:
    """Lowercase ASCII letters, digits and hyphens only: safe as a file name and in a URL."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:100].strip("-")
    return slug if _SLUG_OK.match(slug) else fallback


def is_safe_id(value: str | None) -> bool:
    return bool(value) and bool(_ID_OK.match(value))


def safe_id(value: str, fallback: str = "x") -> str:
    """An HTML id usable as a URL fragment without escaping."""
    if is_safe_id(value):
        return value
    slug = slugify(value, fallback)
    return slug if slug[0].isalpha() else f"{fallback}-{slug}"


def safe_lang(value: str | None) -> str | None:
    """A BCP 47-like language tag, or None when the value is not one."""
    if value and _LANG_OK.match(value):
        return value
    return None


def class_token(value: str) -> str:
    """A CSS class fragment from a TEI value such as ``@rend`` or ``@type``."""
    return _CLASS_PART.sub("-", value.lower()).strip("-")[:40]


def external_url(value: str | None) -> str | None:
    """An absolute http(s) URL from TEI, or None: no javascript:, data: or relative paths."""
    if not value:
        return None
    value = value.strip()
    if any(c.isspace() for c in value) or any(ord(c) < 32 for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return value
