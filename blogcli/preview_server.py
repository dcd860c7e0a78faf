"""What the live preview (:mod:`blogcli.preview`) serves, and to whom.

- The output folder's pages, each with a small script that waits for the next build and reloads
  the page when that build wrote it, and a panel listing the builds' problems (neither is written
  to the output folder).
- ``/_preview/wait?since=N&instance=I&path=/p/`` (the script's long-poll): answered when a build
  after *since* changed the page at *path* (``{"reload": true}``), or after ``timeout`` seconds
  (at most :data:`WAIT_SECONDS`, the default); ``/_preview/state``: the builds' state, and the
  number of pages waiting, as JSON.

A page on the internet can make the author's browser send requests to the preview, so it answers
only what it must:

- **Its own names only.** A request whose ``Host`` is not a loopback name (``localhost``,
  ``127.0.0.1``, ``[::1]``, any port), the ``--host`` it listens on, or a name given with
  ``--allow-host``, gets ``421 Misdirected Request`` and nothing else: a DNS-rebinding page (its own
  name pointed at 127.0.0.1) reads neither pages nor drafts (as Vite's ``server.allowedHosts``).
- **Every query parameter checked.** A value that is not what the script sends (``since=abc``,
  ``timeout=nan``, ``inf``, negative, above :data:`WAIT_SECONDS`), an unknown or repeated name, gets
  ``400`` with a JSON ``error`` saying what was expected.
- **Long-polls bounded** in time (:data:`WAIT_SECONDS`) and number (:data:`MAX_WAITERS` at once;
  ``503`` with ``Retry-After`` past it). A connection that sends nothing is closed after
  :data:`IDLE_SECONDS`.
- **Quiet about readers who leave.** A browser that reloads or closes a tab while a page or a wait
  is being answered is no error: nothing is printed (no ``BrokenPipeError`` tracebacks).
"""

from __future__ import annotations

import io
import json
import math
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from blogext.core import safehtml

#: The preview's own templates (its waiting page, its problems, its reload script).
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The prefix of the preview's own URLs (the reload script and the endpoint it waits on).
OWN = "/_preview/"
#: The longest a page's wait for the next build is held open (and its default) before it asks again.
WAIT_SECONDS = 25.0
#: The most long-polls held open at once (a tab each); more are answered 503 and retried by the page.
MAX_WAITERS = 64
#: A connection that sends no request for this long is closed.
IDLE_SECONDS = 60.0
#: The Host names always answered: the loopback names (with any port).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
#: A Host header: a name or IPv4 address, or an IPv6 address in brackets; then an optional port.
_HOST = re.compile(r"(?P<name>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::[0-9]{1,5})?")


# -- the state the server shows ------------------------------------------------------------------------


@dataclass
class State:
    """What the server knows: the builds' events, in order, and the problems to show."""

    changes: list[tuple[int, set[str] | None]] = field(default_factory=list)  # (seq, pages or None: all)
    seq: int = 0
    building: bool = False
    doc_problems: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    build_problems: dict[str, list[str]] = field(default_factory=dict)
    last: dict[str, Any] = field(default_factory=dict)
    condition: threading.Condition = field(default_factory=threading.Condition)
    #: Tells a page served before a restart (which starts counting builds again) to reload.
    instance: str = field(default_factory=lambda: str(time.time_ns()))

    def problems(self) -> list[str]:
        listed: list[str] = []
        for phase in ("init", "read", "write", "finish", "stopped"):
            listed += self.build_problems.get(phase, [])
            for doc in sorted(self.doc_problems):
                listed += self.doc_problems[doc].get(phase, [])
        return list(dict.fromkeys(listed))

    def apply(self, event: dict[str, Any]) -> None:
        with self.condition:
            before = self.problems()
            kind = event["event"]
            if kind == "written":
                for doc in event.get("purged", []):
                    self.doc_problems.pop(doc, None)
                for doc in event.get("wrote", []):
                    self.doc_problems.get(doc, {}).pop("write", None)
                self.build_problems["init"] = []
            if kind == "done":
                self.build_problems["finish"] = []
                self.build_problems["stopped"] = []
                self.last = {key: event.get(key) for key in ("build", "status", "seconds")}
            for problem in event.get("problems", []):
                text, doc, phase = problem["text"], problem["doc"], problem["phase"]
                if phase == "init" and kind != "written":
                    phase = "stopped"  # the build stopped before reading: nothing else will clear it
                if doc and phase in ("read", "write"):
                    self.doc_problems.setdefault(doc, {}).setdefault(phase, []).append(text)
                else:
                    self.build_problems.setdefault(phase, []).append(text)
            pages = event.get("pages")
            changed_problems = self.problems() != before
            if changed_problems or kind == "restart":
                self.changes.append((self.seq + 1, None))
            elif pages:
                self.changes.append((self.seq + 1, {_normal(page) for page in pages}))
            else:
                return
            self.seq += 1
            self.changes = self.changes[-200:]
            self.condition.notify_all()

    def wait(self, since: int, path: str, timeout: float) -> dict[str, Any]:
        """Wait until a change after *since* concerns the page at *path*: ``reload`` true, or not.
        Never longer than :data:`WAIT_SECONDS`, whatever *timeout* says."""
        page = _normal(path)
        timeout = min(max(timeout, 0.0), WAIT_SECONDS) if math.isfinite(timeout) else 0.0
        deadline = time.monotonic() + timeout
        with self.condition:
            while True:
                for seq, pages in self.changes:
                    if seq > since and (pages is None or page in pages):
                        return {"reload": True, "seq": self.seq}
                since = self.seq
                left = deadline - time.monotonic()
                if left <= 0:
                    return {"reload": False, "seq": self.seq}
                self.condition.wait(left)


def _normal(url: str) -> str:
    """A page's URL path as the builder names it: no leading slash, no ``index.html``."""
    path = urlsplit(url).path.lstrip("/")
    if path.endswith("index.html"):
        path = path[: -len("index.html")]
    return path


# -- what a request may ask ----------------------------------------------------------------------------


class BadRequest(ValueError):
    """A request the preview answers with 400: the message says what was expected."""


def host_name(header: str | None) -> str | None:
    """The name a ``Host`` header gives (lower case; an IPv6 address in brackets), without its port;
    None if the header is missing or not a host name."""
    match = _HOST.fullmatch(header or "")
    return match["name"].lower() if match else None


def allowed_hosts(host: str, extra: list[str] | tuple[str, ...] = ()) -> frozenset[str]:
    """The Host names answered: the loopback names, the address listened on (*host*, unless it is
    every address) and the names in *extra* (``--allow-host``)."""
    names = set(LOOPBACK_HOSTS)
    for name in (host, *extra):
        name = name.strip().lower()
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"  # an IPv6 address, as a Host header writes it
        if name not in ("", "0.0.0.0", "[::]"):
            names.add(name)
    return frozenset(names)


def _since(value: str) -> int:
    if not re.fullmatch(r"[0-9]{1,15}", value):
        raise BadRequest(f"since {value[:40]!r} is not a build number (expected digits)")
    return int(value)


def _instance(value: str) -> str:
    if not re.fullmatch(r"[0-9]{1,20}", value):
        raise BadRequest(f"instance {value[:40]!r} is not an instance number (expected digits)")
    return value


def _path(value: str) -> str:
    if not value.startswith("/") or len(value) > 2048 or not value.isprintable():
        raise BadRequest("path is not a page's path (expected one starting with /, under 2048 characters)")
    return value


def _timeout(value: str) -> float:
    seconds = float(value) if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3})?", value) else math.inf
    if seconds > WAIT_SECONDS:
        raise BadRequest(f"timeout {value[:40]!r} is not a number of seconds from 0 to {WAIT_SECONDS:g}")
    return seconds


#: The long-poll's parameters, each with its check, and their values when left out.
_WAIT_PARAMETERS = {"since": _since, "instance": _instance, "path": _path, "timeout": _timeout}
_WAIT_DEFAULTS = {"since": 0, "instance": "", "path": "/", "timeout": WAIT_SECONDS}


def wait_query(query: str) -> dict[str, Any]:
    """The checked parameters of ``/_preview/wait?query``; :class:`BadRequest` if one is wrong."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=len(_WAIT_PARAMETERS))
    except ValueError:
        raise BadRequest(f"too many parameters (expected {', '.join(_WAIT_PARAMETERS)})") from None
    values = dict(_WAIT_DEFAULTS)
    seen: set[str] = set()
    for name, value in pairs:
        if name not in _WAIT_PARAMETERS or name in seen:
            raise BadRequest(f"parameter {name[:40]!r} is unknown or repeated (expected each of "
                             f"{', '.join(_WAIT_PARAMETERS)} at most once)")  # fmt: skip
        seen.add(name)
        values[name] = _WAIT_PARAMETERS[name](value)
    return values


# -- the server --------------------------------------------------------------------------------------------


def _panel(problems: list[str]) -> str:
    return str(safehtml.render_own("blog/preview-problems.html", folder=TEMPLATES, problems=problems))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting = 0  # long-polls held open now
        self.waiting_lock = threading.Lock()

    def take_waiter(self) -> bool:
        """Whether one more long-poll may wait (then it counts until :meth:`drop_waiter`)."""
        with self.waiting_lock:
            if self.waiting >= MAX_WAITERS:
                return False
            self.waiting += 1
            return True

    def drop_waiter(self) -> None:
        with self.waiting_lock:
            self.waiting -= 1

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # the reader reloaded or left: nothing went wrong
        super().handle_error(request, client_address)


class _Handler(SimpleHTTPRequestHandler):
    state: State
    root: Path
    hosts: frozenset[str]
    server: _Server
    timeout = IDLE_SECONDS

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def parse_request(self) -> bool:
        """The request, if its Host is one of the preview's names; else 421, and nothing else."""
        if not super().parse_request():
            return False
        if host_name(self.headers.get("Host")) in self.hosts:
            return True
        names = ", ".join(sorted(self.hosts))
        self.close_connection = True
        self._send(421, "text/plain; charset=utf-8", f"This preview answers only to {names}.\n".encode())
        return False

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        url = urlsplit(self.path)
        if url.path == OWN + "wait":
            self._wait(url.query)
        elif url.path == OWN + "state":
            with self.state.condition:
                data = {"seq": self.state.seq, "problems": self.state.problems(), "last": self.state.last,
                        "building": self.state.building, "waiting": self.server.waiting}  # fmt: skip
            self._json(200, data)
        elif url.path.startswith(OWN):
            self._json(404, {"error": f"no such preview URL (expected {OWN}wait or {OWN}state)"})
        else:
            super().do_GET()

    def _wait(self, query: str) -> None:
        try:
            asked = wait_query(query)
        except BadRequest as error:
            self._json(400, {"error": str(error)})
            return
        if asked["instance"] != self.state.instance:  # served before a restart
            self._json(200, {"reload": True})
            return
        if not self.server.take_waiter():
            self._json(503, {"error": f"{MAX_WAITERS} pages are waiting already"}, retry_after=1)
            return
        try:
            answer = self.state.wait(asked["since"], asked["path"], asked["timeout"])
        finally:
            self.server.drop_waiter()
        self._json(200, answer)

    def send_head(self):  # type: ignore[override]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # the redirect to the slash URL
            path = path / "index.html"
        status = 200
        if not path.is_file():
            status, path = 404, self.root / "404.html"
        if path.is_file():
            body = path.read_bytes()
        elif not any(self.root.glob("*.html")):
            status, body = (
                200,
                str(safehtml.render_own("blog/preview-waiting.html", folder=TEMPLATES)).encode(),
            )
        else:
            self.send_error(404)
            return None
        ctype = self.guess_type(str(path)) if path.is_file() else "text/html"
        if ctype.startswith("text/html"):
            body = self._inject(body)
        self._send(status, ctype, body, head_only=True)
        return io.BytesIO(body)

    def _inject(self, body: bytes) -> bytes:
        with self.state.condition:
            seq, problems = self.state.seq, self.state.problems()
        text = body.decode("utf-8", "replace")
        script = str(
            safehtml.render_own(
                "blog/preview-reload.html", folder=TEMPLATES, seq=seq, instance=self.state.instance
            )
        )
        panel = _panel(problems) if problems else ""
        opening = re.search(r"<body[^>]*>", text, flags=re.IGNORECASE)
        if opening and panel:
            text = text[: opening.end()] + panel + text[opening.end() :]
        closing = text.lower().rfind("</body>")
        text = text[:closing] + script + text[closing:] if closing >= 0 else text + script
        return text.encode("utf-8")

    def _json(self, status: int, data: dict[str, Any], retry_after: int | None = None) -> None:
        self._send(status, "application/json", json.dumps(data).encode(), retry_after=retry_after)

    def _send(
        self, status: int, ctype: str, body: bytes, head_only: bool = False, retry_after: int | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.end_headers()
        if not head_only and self.command != "HEAD":
            self.wfile.write(body)


def serve(state: State, root: Path, host: str, port: int, hosts: frozenset[str]) -> ThreadingHTTPServer:
    """Serve *root* on *host*:*port* in a thread, to requests whose Host is in *hosts*."""
    handler = type("Handler", (_Handler,), {"state": state, "root": root, "hosts": hosts})

    def make(*args: Any, **kwargs: Any) -> _Handler:
        return handler(*args, directory=str(root), **kwargs)

    kind = _Server if ":" not in host else type("_Server6", (_Server,), {"address_family": socket.AF_INET6})
    server = kind((host, port), make)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
