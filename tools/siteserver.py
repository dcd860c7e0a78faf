"""Serve a built site on 127.0.0.1, the way static hosts serve it.

Used by the browser tests, ``tools/screenshots.py`` and ``tools/audit.py``:

- a missing path gets the site's ``404.html`` with status 404, as GitHub Pages
  and Read the Docs answer;
- with ``gzip=True``, text responses are compressed when the client accepts it,
  as both hosts do, so page weights measured through it are what readers pay.

Every request the server answers is recorded in :attr:`SiteServer.requests`.
"""

from __future__ import annotations

import gzip as gzip_module
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from io import BytesIO
from pathlib import Path

#: The browser that reads the served site: Debian's Chromium, launched by Playwright.
CHROMIUM = "/usr/bin/chromium"
#: Headless as root, with no background traffic to hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

#: Types a static host compresses.
COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
    "application/atom+xml",
)


@dataclass
class SiteServer:
    root: Path
    url: str
    requests: list[tuple[str, int]] = field(default_factory=list)


class _Handler(http.server.SimpleHTTPRequestHandler):
    server_version = "blog-test"
    site: SiteServer
    compress: bool

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # the redirect to the slash URL
            path = path / "index.html"
        status = 200
        if not path.is_file():
            status, path = 404, self.site.root / "404.html"
            if not path.is_file():
                self.send_error(404)
                self.site.requests.append((self.path, 404))
                return None
        body = path.read_bytes()
        ctype = self.guess_type(str(path))
        encoded = False
        if (
            self.compress
            and ctype.startswith(COMPRESSIBLE)
            and "gzip" in self.headers.get("Accept-Encoding", "")
        ):
            body, encoded = gzip_module.compress(body, 6), True
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if encoded:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.site.requests.append((self.path, status))
        return BytesIO(body)


@contextmanager
def serve(root: Path, *, gzip: bool = False) -> Iterator[SiteServer]:
    """Serve *root* on a free port of 127.0.0.1 until the block ends."""
    root = Path(root).resolve()
    site = SiteServer(root, "")
    handler = type("Handler", (_Handler,), {"site": site, "compress": gzip})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    site.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
