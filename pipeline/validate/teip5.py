"""The TEI P5 ``tei_all`` schemas: where they live, how they are fetched, which URLs name them.

No registry package ships the TEI schemas, so ``edition schema fetch`` downloads one pinned
release from the TEI Consortium's vault into the user cache and checks every file against a
pinned SHA-256. Validation itself never downloads anything: it only reads a local copy, found
through ``--tei-schema-dir``, ``EDITION_TEI_SCHEMA_DIR`` or the cache, in that order.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import EditionError, UsageError

TEI_VERSION = "4.10.2"
DEFAULT_VAULT_URL = "https://www.tei-c.org/Vault/P5"
VAULT_URL_ENV = "EDITION_TEI_VAULT_URL"
SCHEMA_DIR_ENV = "EDITION_TEI_SCHEMA_DIR"
CACHE_APP = "tei-edition"

RNG_NAME = "tei_all.rng"


@dataclass(frozen=True)
class PinnedFile:
    name: str
    # Path below ``<vault>/<version>/xml/tei/custom/schema/``.
    vault_path: str
    sha256: str


# The files of the 4.10.2 release and their checksums. The XSD imports its two companions
# by relative schemaLocation, so all of them are stored side by side.
PINNED_FILES: tuple[PinnedFile, ...] = (
    PinnedFile(
        "tei_all.rng",
        "relaxng/tei_all.rng",
        "95fa3f6e47cd196c353124e007bd5c4994989dba8a64496458442136293dafd0",
    ),
    PinnedFile(
        "tei_all.xsd",
        "xsd/tei_all.xsd",
        "0df80e448a48659be241ffe3a28be1dd79c5f31f3b75f14e732ac5868537f875",
    ),
    PinnedFile(
        "tei_all_teix.xsd",
        "xsd/tei_all_teix.xsd",
        "2494ded3efcf88718948a62c6354d26a289c056d1547bc537dfc1dbf019ffbdf",
    ),
    PinnedFile(
        "tei_all_xml.xsd",
        "xsd/tei_all_xml.xsd",
        "30dcb4ab5356f26a38744d63e6f27a655c597d8727357dd0a91c3086f7e399e6",
    ),
)

HOW_TO_GET = (
    f"run `edition schema fetch`, or point {SCHEMA_DIR_ENV} (or --tei-schema-dir) "
    "at a folder holding tei_all.rng"
)


class SchemaUnavailable(UsageError):
    """A schema that was asked for cannot be found locally (the CLI exits 2)."""


def user_cache_dir() -> Path:
    """The user cache folder for this tool (XDG_CACHE_HOME or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    root = Path(base) if base.strip() else Path.home() / ".cache"
    return root / CACHE_APP


def default_tei_dir(version: str = TEI_VERSION) -> Path:
    return user_cache_dir() / "tei-p5" / version


def resolve_tei_dir(option: str | Path | None = None) -> Path:
    """Folder holding ``tei_all.rng``: the option, else the env var, else the user cache.

    Raises SchemaUnavailable, naming the way to get the schemas, when there is none.
    """
    env = os.environ.get(SCHEMA_DIR_ENV, "").strip()
    if option:
        folder, source = Path(option), "--tei-schema-dir"
    elif env:
        folder, source = Path(env), SCHEMA_DIR_ENV
    else:
        folder, source = default_tei_dir(), "the user cache"
    if not (folder / RNG_NAME).is_file():
        raise SchemaUnavailable(
            f"TEI P5 schema not found: {folder / RNG_NAME} (from {source}); {HOW_TO_GET}"
        )
    return folder


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def vault_url() -> str:
    return (os.environ.get(VAULT_URL_ENV) or DEFAULT_VAULT_URL).rstrip("/")


def file_url(pinned: PinnedFile, base: str, version: str = TEI_VERSION) -> str:
    return f"{base}/{version}/xml/tei/custom/schema/{pinned.vault_path}"


@dataclass(frozen=True)
class FetchOutcome:
    name: str
    path: Path
    action: str  # "downloaded" or "present"


def _download(url: str, timeout: float) -> bytes:
    import urllib.error  # only `edition schema fetch` downloads: kept out of start-up
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise EditionError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise EditionError(f"cannot download {url}: {reason}") from None


def fetch_tei_schemas(
    dest: Path | None = None,
    base_url: str | None = None,
    force: bool = False,
    timeout: float = 60.0,
) -> list[FetchOutcome]:
    """Download the pinned TEI P5 schemas into ``dest`` (default: the user cache).

    Every file is downloaded and checked before any is written, so a mismatch leaves the
    cache as it was: never a partial or unverified set.
    """
    dest = dest or default_tei_dir()
    base = (base_url or vault_url()).rstrip("/")
    outcomes: list[FetchOutcome] = []
    to_write: list[tuple[PinnedFile, bytes]] = []
    for pinned in PINNED_FILES:
        target = dest / pinned.name
        if not force and target.is_file() and sha256_bytes(target.read_bytes()) == pinned.sha256:
            outcomes.append(FetchOutcome(pinned.name, target, "present"))
            continue
        url = file_url(pinned, base)
        data = _download(url, timeout)
        digest = sha256_bytes(data)
        if digest != pinned.sha256:
            raise EditionError(
                f"checksum mismatch for {url}: got SHA-256 {digest}, expected {pinned.sha256}; "
                f"nothing was written. Retry later, check {VAULT_URL_ENV}, or download TEI P5 "
                f"{TEI_VERSION} yourself and set {SCHEMA_DIR_ENV} to its folder"
            )
        to_write.append((pinned, data))
    from pipeline.outputs import atomic_write

    for pinned, data in to_write:
        atomic_write(dest / pinned.name, data)
        outcomes.append(FetchOutcome(pinned.name, dest / pinned.name, "downloaded"))
    order = {p.name: i for i, p in enumerate(PINNED_FILES)}
    return sorted(outcomes, key=lambda o: order[o.name])


# URLs by which TEI files commonly name tei_all in an ``xml-model`` processing instruction:
# the "current release" URL and the versioned vault URLs, http or https, with or without www.
_KNOWN_TEI_ALL = re.compile(
    r"^https?://(?:www\.)?tei-c\.org/"
    r"(?:release|Vault/P5/(?P<version>[^/]+))"
    r"/xml/tei/custom/schema/(?:relaxng|xsd)/tei_all\.(?:rng|xsd)$"
)


def known_tei_all_version(href: str) -> str | None:
    """For an xml-model href naming TEI's tei_all, the release it names ("current" when it
    names the moving release URL); None for anything else."""
    match = _KNOWN_TEI_ALL.match(href.strip())
    if not match:
        return None
    return match.group("version") or "current"
