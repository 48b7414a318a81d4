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

With a ``LiveState`` (``edition serve --watch``) every HTML page is served with a small
script, which is no part of the built site: it asks ``/__edition__/live`` every second
and reloads the page when the site was rebuilt, or shows the last build's error in one
line while the last good site goes on being served.
"""

from __future__ import annotations

import http.server
import json
import mimetypes
import posixpath
import re
import sys
import threading
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


LIVE_STATE = "/__edition__/live"
LIVE_SCRIPT = "/__edition__/live.js"
_LIVE_JS = rb"""(function () {
  "use strict";
  var seen = null, banner = null;
  function show(message) {
    if (!banner) {
      banner = document.createElement("div");
      banner.setAttribute("role", "alert");
      banner.id = "edition-live-error";
      banner.style.cssText = "position:fixed;z-index:9999;left:0;right:0;top:0;" +
        "padding:.6rem 1rem;background:#8b1a10;color:#fff;font:14px/1.4 system-ui,sans-serif;" +
        "white-space:pre-wrap;overflow-wrap:anywhere";
      document.body.appendChild(banner);
    }
    banner.textContent = "The last rebuild failed; this is the last good version of the site.\n" +
      message;
  }
  function poll() {
    fetch("/__edition__/live", { cache: "no-store" })
      .then(function (answer) { return answer.json(); })
      .then(function (state) {
        if (seen === null) { seen = state.generation; }
        else if (state.generation !== seen) { window.location.reload(); return; }
        if (state.error) { show(state.error); }
        else if (banner) { banner.remove(); banner = null; }
      })
      .catch(function () { /* the server is restarting */ })
      .then(function () { window.setTimeout(poll, 1000); });
  }
  poll();
}());
"""


class LiveState:
    """What ``serve --watch`` tells the open pages: how many times the site has been
    rebuilt, and the error of the last build when it failed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.generation = 0
        self.error = ""

    def succeeded(self) -> None:
        with self._lock:
            self.generation += 1
            self.error = ""

    def failed(self, message: str) -> None:
        with self._lock:
            self.error = message

    def as_json(self) -> bytes:
        with self._lock:
            return json.dumps({"generation": self.generation, "error": self.error}).encode()


def with_live_script(page: bytes) -> bytes:
    """An HTML page with the live-reload script added before ``</head>``."""
    tag = f'<script src="{LIVE_SCRIPT}" defer></script>'.encode()
    at = page.lower().find(b"</head>")
    return page[:at] + tag + page[at:] if at >= 0 else page + tag


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
        config = self.config
        if not config.base_url:  # a local preview: the site is where this server is
            config = config.replace(base_url=f"{origin}/")
        self.query = static_api(self.resources, config, urls=urls)


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
        live: LiveState | None = None,
        **kwargs: object,
    ) -> None:
        self.base_path = base_path
        self.dts = dts
        self.live = live
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
        if self.live is not None and parts.path in (LIVE_STATE, LIVE_SCRIPT):
            if parts.path == LIVE_STATE:
                self._send(200, "application/json", self.live.as_json(), head)
            else:
                self._send(200, "text/javascript; charset=utf-8", _LIVE_JS, head)
            return
        path = self._site_path(parts.path)
        if path != f"/{API}" and not path.startswith(f"/{API}/"):
            if self.live is not None and self._live_page(path, head):
                return
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

    def _live_page(self, path: str, head: bool) -> bool:
        """An HTML page with the live-reload script; False when ``path`` is none."""
        found = Path(self.translate_path(path))
        if found.is_dir():
            if not path.endswith("/"):
                return False  # the library redirects to the folder's address
            found = found / "index.html"
        if found.suffix not in (".html", ".htm") or not found.is_file():
            return False
        try:
            page = found.read_bytes()
        except OSError:
            return False
        self._send(200, HTML, with_live_script(page), head)
        return True

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
        if self.live is not None:  # a rebuilt file is never taken from the cache
            self.send_header("Cache-Control", "no-store")
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

    def use_dts(self, dts: DtsService | None) -> None:
        """Answer DTS requests from ``dts`` from now on (a rebuilt site's documents)."""
        if dts is not None:
            dts.bind(f"http://127.0.0.1:{self.server_address[1]}")
        handler = self.RequestHandlerClass
        if isinstance(handler, partial):
            self.RequestHandlerClass = partial(
                handler.func, *handler.args, **{**handler.keywords, "dts": dts}
            )

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
    live: LiveState | None = None,
) -> EditionServer:
    """A server for ``site_dir`` on 127.0.0.1 only (port 0: any free port); with
    ``live``, pages reload when the site is rebuilt (see ``LiveState``)."""
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
        live=live,
    )
    server = EditionServer(("127.0.0.1", port), handler)
    server.quiet = quiet
    if dts is not None:
        dts.bind(f"http://127.0.0.1:{server.server_address[1]}")
    return server
