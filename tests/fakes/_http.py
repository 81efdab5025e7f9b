"""Shared plumbing for the fake HTTP services: a threaded loopback server and body parsing.

A fake subclasses :class:`FakeServer` and implements :meth:`FakeServer.handle`, which turns one
parsed :class:`HttpRequest` into one :class:`HttpResponse`.  The server runs on 127.0.0.1 on a
free port in a daemon thread; :meth:`FakeServer.stop` is prompt even while requests are parked in
a long poll or an injected delay, because both wait on primitives that ``stop`` signals.

Every fake owns exactly one lock, ``self.cond`` (a :class:`threading.Condition`), which guards all
of its state and is what waiters block on.
"""

from __future__ import annotations

import contextlib
import email.message
import email.utils
import json
import logging
import socket
import struct
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

log = logging.getLogger("tests.fakes")

LOOPBACK = "127.0.0.1"

_T = TypeVar("_T")


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart/form-data body."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    def __repr__(self) -> str:
        return (
            f"UploadedFile(field={self.field!r}, filename={self.filename!r}, "
            f"content_type={self.content_type!r}, {len(self.data)} bytes)"
        )


@dataclass
class HttpRequest:
    """A request as the fake sees it: query and body already decoded."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    json_body: Any = None
    body_error: str | None = None


@dataclass
class HttpResponse:
    """What to answer.  ``drop`` closes the socket without a byte; ``delay`` holds the answer."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON, the way both real services serialise."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def image_size(data: bytes) -> tuple[int, int] | None:  # noqa: PLR0911
    """(width, height) of a PNG, GIF, JPEG, WebP or BMP image; None when it is none of those."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(int(width)), abs(int(height))
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            width = 1 + int.from_bytes(data[24:27], "little")
            height = 1 + int.from_bytes(data[27:30], "little")
            return width, height
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return int(width) & 0x3FFF, int(height) & 0x3FFF
        return None
    if data.startswith(b"\xff\xd8"):
        pos = 2
        while pos + 9 < len(data):
            if data[pos] != 0xFF:
                pos += 1
                continue
            marker = data[pos + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                pos += 2
                continue
            seg_len = int.from_bytes(data[pos + 2 : pos + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE):
                height = int.from_bytes(data[pos + 5 : pos + 7], "big")
                width = int.from_bytes(data[pos + 7 : pos + 9], "big")
                return width, height
            pos += 2 + seg_len
        return None
    return None


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    msg = email.message.Message()
    msg["content-type"] = value
    params = {}
    for key, val in msg.get_params(failobj=[], header="content-type")[1:]:
        params[key.lower()] = email.utils.collapse_rfc2231_value(val)
    return msg.get_content_type(), params


def parse_multipart(body: bytes, boundary: str) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Split a multipart/form-data body into text fields and file parts.

    A part with a ``filename`` (or a non-text content type) is a file; every other part is a text
    field decoded as UTF-8.
    """
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    for raw_chunk in chunks[1:]:
        if raw_chunk.startswith(b"--"):
            break
        chunk = raw_chunk.removeprefix(b"\r\n")
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        data = data.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            header, colon, value = line.partition(":")
            if colon:
                headers[header.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        _, params = _header_params(disposition.replace("form-data", "x/form-data", 1))
        name = params.get("name")
        if name is None:
            continue
        filename = params.get("filename")
        part_type = headers.get("content-type")
        if filename is not None or (part_type and not part_type.startswith("text/")):
            files[name] = UploadedFile(name, filename, part_type, data)
        else:
            fields[name] = data.decode("utf-8", "replace")
    return fields, files


def _decode_body(request: HttpRequest) -> None:
    ctype_header = request.headers.get("content-type", "")
    if not request.body:
        return
    ctype, params = _header_params(ctype_header) if ctype_header else ("", {})
    if ctype == "application/x-www-form-urlencoded":
        text = request.body.decode("utf-8", "replace")
        request.form = dict(parse_qsl(text, keep_blank_values=True))
    elif ctype == "multipart/form-data":
        boundary = params.get("boundary")
        if boundary is not None:
            request.form, request.files = parse_multipart(request.body, boundary)
        else:
            request.body_error = "multipart body without a boundary"
    elif ctype == "application/json":
        try:
            request.json_body = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            request.body_error = f"invalid JSON body: {exc}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.track(self.connection, add=False)

    def handle(self) -> None:
        with contextlib.suppress(ConnectionError, TimeoutError, OSError):
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s: %s", self.server.fake.name, format % args)

    def version_string(self) -> str:
        return self.server.fake.server_header

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        body = self._read_body()
        split = urlsplit(self.path)
        request = HttpRequest(
            method=self.command,
            path=unquote(split.path),
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        _decode_body(request)
        fake = self.server.fake
        try:
            response = fake.handle(request)
        except Exception:  # a bug in the fake must be loud, not a hung test
            fake.record_internal_error(traceback.format_exc())
            response = fake.internal_error_response()
        if response.delay > 0 and fake.stop_event.wait(response.delay):
            response.drop = True  # shutting down mid-delay: hang up, do not answer
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)
        self.wfile.flush()

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: FakeServer) -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()
        self._conn_lock = threading.Lock()
        super().__init__((LOOPBACK, 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_one,
            args=(request, client_address),
            name=f"{self.fake.name}-conn",
            daemon=True,
        )
        with self._conn_lock:
            self._handler_threads.add(thread)
        thread.start()

    def _serve_one(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._conn_lock:
                self._handler_threads.discard(threading.current_thread())

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._conn_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def hang_up_all(self) -> list[threading.Thread]:
        with self._conn_lock:
            conns = list(self._connections)
            threads = list(self._handler_threads)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        return threads


class FakeServer:
    """Base class: lifecycle, the one lock/condition, and deadline-based waiting."""

    name = "fake"
    server_header = "fake"

    def __init__(self) -> None:
        self.cond = threading.Condition(threading.RLock())
        self.stop_event = threading.Event()
        self._stopping = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._internal_errors: list[str] = []

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread.  Returns ``self``."""
        if self._server is not None:
            raise RuntimeError(f"{self.name} is already running")
        with self.cond:
            self._stopping = False
        self.stop_event.clear()
        server = _Server(self)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.name}-server",
            daemon=True,
        )
        self._server = server
        self._thread = thread
        thread.start()
        return self

    def stop(self) -> None:
        """Stop serving.  Wakes long polls and injected delays first, so it never hangs."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        with self.cond:
            self._stopping = True
            self.cond.notify_all()
        self.stop_event.set()
        server.shutdown()
        handlers = server.hang_up_all()
        server.server_close()
        thread.join(timeout=5)
        deadline = time.monotonic() + 2.0
        for handler in handlers:
            handler.join(timeout=max(0.0, deadline - time.monotonic()))
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None:
            self.assert_no_internal_errors()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{self.name} is not running: call start() or use it as `with`")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def stopping(self) -> bool:
        return self._stopping

    # -- errors inside the fake -------------------------------------------------------------

    def record_internal_error(self, text: str) -> None:
        log.error("%s crashed while handling a request:\n%s", self.name, text)
        with self.cond:
            self._internal_errors.append(text)
            self.cond.notify_all()

    def internal_error_response(self) -> HttpResponse:
        return HttpResponse(500, b'{"error":"the fake crashed; see its internal errors"}')

    @property
    def internal_errors(self) -> list[str]:
        with self.cond:
            return list(self._internal_errors)

    def assert_no_internal_errors(self) -> None:
        errors = self.internal_errors
        if errors:
            raise AssertionError(f"{self.name} crashed {len(errors)} time(s):\n" + errors[0])

    # -- waiting ---------------------------------------------------------------------------

    def wait_until(
        self,
        probe: Callable[[], _T | None],
        *,
        timeout: float,
        describe: Callable[[], str],
    ) -> _T:
        """Re-evaluate ``probe`` under the lock whenever state changes until it returns a value
        other than ``None`` (returned) or ``timeout`` seconds pass (``AssertionError`` built from
        ``describe()``, also evaluated under the lock).
        """
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = probe()
                if value is not None:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{self.name}: timed out after {timeout}s: {describe()}")
                self.cond.wait(remaining)

    def handle(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError
