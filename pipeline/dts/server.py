"""Serve the built site and its DTS API on 127.0.0.1: the reference DTS server.

- Files are served as they are, with the media types DTS asks for
  (``application/ld+json``, ``application/tei+xml``) and a ``Link`` to each document's
  collection, as the shipped host configuration makes a static host do.
- Query-style DTS (``/dts/`` is its entry point; ``/dts/navigation?resource=X&down=1``)
  answers every valid request of the specification, Level 1, from the edition's TEI,
  with the request's URL as ``@id``.
- A path-style URL (``/dts/navigation/X;down=7.json``) that no static file answers (a
  ``down`` deeper than the tree, a range beyond the file budget) is answered as its
  file would be.
- DTS errors are JSON (RFC 9457) with the status the specification names; a malformed
  request gets a 400 (or, from a client that sends nothing, a closed connection after
  ``timeout`` seconds), never a traceback, and the server keeps serving.

Requests under the path of the configured base URL (``/edition/...``) are served from
the site's root too, so the API's own links work locally.
"""

from __future__ import annotations

import http.server
import mimetypes
import posixpath
import re
import sys
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from pipeline.config import EditionConfig
from pipeline.dts.api import JSON_LD, PARAMETERS, TEI_MEDIA_TYPE, Answer, Api, DtsError, Urls
from pipeline.dts.api import problem as problem_json
from pipeline.dts.resources import Resource
from pipeline.dts.static import DOCUMENT_PATTERN, plan, static_api

HTML = "text/html; charset=utf-8"
PROBLEM = "application/problem+json"
API = "dts"
_STATUS_TITLES = {400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}
_DOCUMENT = re.compile("^" + DOCUMENT_PATTERN)
_PATH_PARAMETERS = {
    "collection": ("nav", "page"),
    "navigation": ("tree", "down", "page"),
    "document": ("tree",),
}
_SUFFIX = {"collection": ".json", "navigation": ".json", "document": ".xml"}


class DtsService:
    """The DTS answers of one server: query-style, and path-style as the files are."""

    def __init__(self, resources: Sequence[Resource], config: EditionConfig) -> None:
        self.resources = list(resources)
        self.config = config
        coverage = plan(self.resources, config)[1]
        self.static = static_api(self.resources, config, coverage)
        self.query: Api | None = None

    def bind(self, origin: str) -> None:
        """Query-style URLs on the server's own address."""
        urls = Urls(f"{origin}/{API}/", "query")
        self.query = static_api(self.resources, self.config, urls=urls)


def one_values(query: Mapping[str, list[str]]) -> dict[str, str]:
    """Query parameters with one value each (a parameter given twice is an error)."""
    values = {}
    for name, given in query.items():
        if len(given) > 1:
            raise DtsError(400, f"'{name}' is given more than once")
        values[name] = given[0]
    return values


def parse_path(relative: str) -> tuple[str, dict[str, str]]:
    """The request a path-style URL below ``dts/`` makes; ``DtsError(404)`` when the
    path is not one the templates can make."""
    if relative == "index.json":
        return "entry", {}
    for endpoint, suffix in _SUFFIX.items():
        rest = relative[len(endpoint) :]
        if not relative.startswith(endpoint) or not rest.endswith(suffix):
            continue
        rest = rest[: -len(suffix)]
        if rest and rest[0] not in "/;":
            continue
        segments = rest[1:].split("/") if rest.startswith("/") else [rest]
        name, *matrix = segments[0].split(";")
        params: dict[str, str] = {}
        if name:
            params["id" if endpoint == "collection" else "resource"] = unquote(name)
        for item in matrix:
            key, equals, value = item.partition("=")
            if not equals or key not in _PATH_PARAMETERS[endpoint] or key in params:
                raise DtsError(404, f"not a path of this API: {relative}")
            params[key] = unquote(value)
        refs = [unquote(s) for s in segments[1:]]
        if endpoint == "collection" and refs or len(refs) > 2 or "" in refs:
            raise DtsError(404, f"not a path of this API: {relative}")
        if len(refs) == 1:
            params["ref"] = refs[0]
        elif len(refs) == 2:
            params["start"], params["end"] = refs
        return endpoint, params
    raise DtsError(404, f"not a path of this API: {relative}")


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """The site's files, DTS media types and headers, and DTS answers."""

    def __init__(
        self,
        *args: object,
        directory: str,
        base_path: str = "/",
        dts: DtsService | None = None,
        quiet: bool = True,
        timeout: float | None = 60.0,
        **kwargs: object,
    ) -> None:
        self.base_path = base_path
        self.dts = dts
        self.quiet = quiet
        self.timeout = timeout  # a client that sends nothing is dropped after this
        self.extra_headers: list[tuple[str, str]] = []
        super().__init__(*args, directory=directory, **kwargs)

    # -- routing --
    def _site_path(self, path: str) -> str:
        """The request path relative to the site: the base URL's path is optional."""
        if self.base_path != "/" and (path + "/").startswith(self.base_path):
            path = "/" + path[len(self.base_path) :]
        return path

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        self.extra_headers = []
        parts = urlsplit(self.path)
        decoded = unquote(parts.path)
        if not parts.path.startswith("/") or any(ord(c) < 32 for c in decoded):
            self._problem(400, "the request's path is not a path", head)
            return
        path = self._site_path(parts.path)
        if path != f"/{API}" and not path.startswith(f"/{API}/"):
            self._file(path, head)
            return
        relative = path[len(API) + 2 :]
        try:
            if self.dts is not None and relative.rstrip("/") in ("", *PARAMETERS):
                self._query(relative.rstrip("/") or "entry", parts.query, head)
            elif Path(self.translate_path(path)).is_file():
                self._api_file(path, head)
            elif self.dts is not None:
                self._path_style(unquote(relative), head)
            else:
                raise DtsError(404, "no such file of the DTS API")
        except DtsError as exc:
            self._problem(exc.status, exc.message, head)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - a fault of ours: one log line, a 500
            self.log_error("could not answer %s: %r", self.path, exc)
            self._problem(500, "the server could not answer this request", head)

    def _query(self, endpoint: str, query: str, head: bool) -> None:
        assert self.dts is not None and self.dts.query is not None
        params = one_values(parse_qs(query, keep_blank_values=True))
        origin = self.dts.query.urls.base.removesuffix(f"/{API}/")
        url = origin + self.path if self.path.startswith("/") else self.path
        self._answer(self.dts.query.answer(endpoint, params, url), head)

    def _path_style(self, relative: str, head: bool) -> None:
        assert self.dts is not None
        endpoint, params = parse_path(relative)
        api = self.dts.static
        url = api.urls.entry if endpoint == "entry" else api.urls.url(endpoint, params)
        self._answer(api.answer(endpoint, params, url), head)

    def _answer(self, answer: Answer, head: bool) -> None:
        headers = [("Link", answer.link)] if answer.link else []
        self._send(200, answer.media_type, answer.body, head, headers)

    def _api_file(self, path: str, head: bool) -> None:
        match = _DOCUMENT.match(path[len(API) + 2 :])
        if match and self.dts is not None:
            link = self.dts.static.urls.url("collection", {"id": match.group(1)})
            self.extra_headers = [("Link", f'<{link}>; rel="collection"')]
        self._file(path, head)

    def _file(self, path: str, head: bool) -> None:
        self.path = path  # still percent-encoded: translate_path decodes it once
        if head:
            super().do_HEAD()
        else:
            super().do_GET()

    # -- responses --
    def _send(
        self,
        status: int,
        media_type: str,
        body: bytes,
        head: bool,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _problem(self, status: int, message: str, head: bool) -> None:
        title = _STATUS_TITLES.get(status, "Error")
        self._send(status, PROBLEM, problem_json(status, title, message), head)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if not self.command and code >= 400:
            # A request line that cannot be read, or is too long: a 400 with a status
            # line (the library would answer some of them as HTTP/0.9, without one).
            code, self.request_version = 400, "HTTP/1.0"
            self.close_connection = True
        super().send_error(code, message, explain)

    def list_directory(self, path: str | Path) -> None:
        self.send_error(404, "no index page here")

    def guess_type(self, path: str | Path) -> str:
        path = str(path)
        relative = posixpath.relpath(Path(path).as_posix(), Path(self.directory).as_posix())
        in_api = relative == API or relative.startswith(f"{API}/")
        if in_api and path.endswith(".json"):
            return JSON_LD
        if path.endswith(".xml") and (in_api or relative.startswith(("tei/", "downloads/"))):
            return TEI_MEDIA_TYPE
        if path.endswith((".html", ".htm")):
            return HTML
        guessed = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if guessed.startswith("text/") or guessed in ("application/javascript", "application/json"):
            guessed += "; charset=utf-8"
        return guessed

    def end_headers(self) -> None:
        # DTS clients often run in a browser on another origin.
        self.send_header("Access-Control-Allow-Origin", "*")
        for name, value in getattr(self, "extra_headers", ()):
            self.send_header(name, value)
        self.extra_headers = []
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        if not self.quiet:
            super().log_message(format, *args)


class EditionServer(http.server.ThreadingHTTPServer):
    """A threading server that reports a failed request in one line, not a traceback."""

    quiet = True

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        if not self.quiet:
            error = sys.exc_info()[1]
            print(f"request from {client_address[0]} failed: {error!r}", file=sys.stderr)


def make_server(
    site_dir: Path,
    port: int = 8000,
    base_path: str = "/",
    quiet: bool = True,
    dts: DtsService | None = None,
    timeout: float | None = 60.0,
) -> EditionServer:
    """A server for ``site_dir`` on 127.0.0.1 only (port 0: any free port)."""
    if not base_path.startswith("/"):
        base_path = "/" + base_path
    if not base_path.endswith("/"):
        base_path += "/"
    handler = partial(
        SiteHandler,
        directory=str(site_dir),
        base_path=base_path,
        dts=dts,
        quiet=quiet,
        timeout=timeout,
    )
    server = EditionServer(("127.0.0.1", port), handler)
    server.quiet = quiet
    if dts is not None:
        dts.bind(f"http://127.0.0.1:{server.server_address[1]}")
    return server
