"""Serve the built site and its static DTS API on 127.0.0.1, for reading and testing.

Files are served as they are, with the content types DTS asks for:
``application/ld+json`` for the API's JSON, ``application/tei+xml`` for TEI documents
and passages, ``text/html; charset=utf-8`` for pages. Query-style DTS requests
(``/dts/navigation?resource=X&ref=Y&down=1``) are answered from the same static files,
and the errors the specification names (400, 404) are given for bad combinations.
Requests under the path of the configured base URL (``/edition/...``) are served from
the site's root too, so the API's own links work locally.
"""

from __future__ import annotations

import http.server
import mimetypes
import posixpath
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pipeline.structure.identifiers import is_safe_id

JSON_LD = "application/ld+json"
TEI_XML = "application/tei+xml"
HTML = "text/html; charset=utf-8"
API = "dts"


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise BadRequest(400, f"'{name}' is given more than once")
    return values[0]


def _segment(value: str, name: str) -> str:
    """A query value that is to name a file: only safe identifiers can exist."""
    if not is_safe_id(value):
        raise BadRequest(404, f"no such {name}: {value!r}")
    return value


def _down(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        down = int(value)
    except ValueError:
        raise BadRequest(400, "'down' must be an integer") from None
    if down < -1:
        raise BadRequest(400, "'down' must be -1 or more")
    return down


def static_path(endpoint: str, query: dict[str, list[str]]) -> str:
    """The API file (relative to ``dts/``) answering a query-style request."""
    if endpoint == "collection":
        ident, nav = _one(query, "id"), _one(query, "nav")
        if nav not in (None, "children", "parents"):
            raise BadRequest(400, "'nav' must be 'children' or 'parents'")
        name = "collection" + (f"/{_segment(ident, 'collection')}" if ident else "")
        return name + (f"/{nav}" if nav else "") + ".json"
    resource = _one(query, "resource")
    if resource is None:
        raise BadRequest(400, "'resource' is required")
    ref, start, end = _one(query, "ref"), _one(query, "start"), _one(query, "end")
    if ref is not None and (start is not None or end is not None):
        raise BadRequest(400, "'ref' cannot be used with 'start' or 'end'")
    if (start is None) != (end is None):
        raise BadRequest(400, "'start' and 'end' go together")
    if start is not None:
        raise BadRequest(400, "ranges ('start'/'end') are not supported by this Level 0 server")
    if _one(query, "tree") is not None:
        raise BadRequest(404, "each resource has only its default citation tree")
    resource = _segment(resource, "resource")
    ref = _segment(ref, "ref") if ref is not None else None
    if endpoint == "document":
        media = _one(query, "mediaType")
        if media not in (None, TEI_XML):
            raise BadRequest(404, f"media type {media!r} is not available")
        return f"document/{resource}" + (f"/{ref}" if ref else "") + ".xml"
    down = _down(_one(query, "down"))
    if down is None and ref is None:
        raise BadRequest(400, "give 'ref' or 'down' (or both)")
    if down == 0 and ref is None:
        raise BadRequest(400, "'down=0' needs a 'ref'")
    parts = [f"navigation/{resource}"]
    if down is not None:
        parts.append(str(down))
    if ref is not None:
        parts.append(ref)
    return "/".join(parts) + ".json"


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """The site's files, DTS content types, and query-style DTS requests."""

    def __init__(
        self,
        *args: object,
        directory: str,
        base_path: str = "/",
        quiet: bool = True,
        **kwargs: object,
    ) -> None:
        self.base_path = base_path
        self.quiet = quiet
        super().__init__(*args, directory=directory, **kwargs)

    # -- routing --
    def _site_path(self, path: str) -> str:
        """The request path relative to the site: the base URL's path is optional."""
        if self.base_path != "/" and (path + "/").startswith(self.base_path):
            path = "/" + path[len(self.base_path) :]
        return path

    def _route(self) -> str | None:
        parts = urlsplit(self.path)
        path = self._site_path(parts.path)
        if path in (f"/{API}", f"/{API}/"):
            return f"/{API}/index.json"
        for endpoint in ("collection", "navigation", "document"):
            if path in (f"/{API}/{endpoint}", f"/{API}/{endpoint}/"):
                try:
                    file = static_path(endpoint, parse_qs(parts.query, keep_blank_values=True))
                except BadRequest as exc:
                    self.send_error(exc.status, exc.message)
                    return None
                if endpoint == "navigation" and not self._exists(f"/{API}/{file}"):
                    file = self._deepest(file)
                return f"/{API}/{file}"
        return path  # still percent-encoded: translate_path decodes it once

    def _exists(self, path: str) -> bool:
        return Path(self.translate_path(path)).is_file()

    def _deepest(self, file: str) -> str:
        """A ``down`` deeper than the tree gives the whole subtree, as ``-1`` does."""
        parts = file.removesuffix(".json").split("/")
        if len(parts) >= 3 and parts[2].isdigit() and int(parts[2]) > 0:
            parts[2] = "-1"
        return "/".join(parts) + ".json"

    def do_GET(self) -> None:
        routed = self._route()
        if routed is not None:
            self.path = routed
            super().do_GET()

    def do_HEAD(self) -> None:
        routed = self._route()
        if routed is not None:
            self.path = routed
            super().do_HEAD()

    # -- responses --
    def list_directory(self, path: str | Path) -> None:
        self.send_error(404, "no index page here")

    def guess_type(self, path: str | Path) -> str:
        path = str(path)
        relative = posixpath.relpath(Path(path).as_posix(), Path(self.directory).as_posix())
        in_api = relative == API or relative.startswith(f"{API}/")
        if in_api and path.endswith(".json"):
            return JSON_LD
        if path.endswith(".xml") and (in_api or relative.startswith(("tei/", "downloads/"))):
            return TEI_XML
        if path.endswith((".html", ".htm")):
            return HTML
        guessed = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if guessed.startswith("text/") or guessed in ("application/javascript", "application/json"):
            guessed += "; charset=utf-8"
        return guessed

    def end_headers(self) -> None:
        # DTS clients often run in a browser on another origin.
        self.send_header("Access-Control-Allow-Origin", "*")
        path = urlsplit(self.path).path
        if path.startswith(f"/{API}/document/") and path.endswith(".xml"):
            resource = path[len(f"/{API}/document/") :].removesuffix(".xml").split("/")[0]
        else:
            resource = ""
        if is_safe_id(resource):
            link = f"{self.base_path}{API}/collection/{resource}.json"
            self.send_header("Link", f'<{link}>; rel="collection"')
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_server(
    site_dir: Path, port: int = 8000, base_path: str = "/", quiet: bool = True
) -> http.server.ThreadingHTTPServer:
    """A server for ``site_dir`` on 127.0.0.1 only (port 0: any free port)."""
    if not base_path.startswith("/"):
        base_path = "/" + base_path
    if not base_path.endswith("/"):
        base_path += "/"
    handler = partial(SiteHandler, directory=str(site_dir), base_path=base_path, quiet=quiet)
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
