"""The Lambda Runtime API, served to one function process, as AWS specifies it.

A runtime (a ``bootstrap`` executable, the project's Node.js bootstrap, any runtime interface
client) loops on ``GET /2018-06-01/runtime/invocation/next``, then posts the handler's answer to
``…/invocation/{id}/response`` or ``…/invocation/{id}/error``; a runtime that cannot start posts
``…/runtime/init/error``. Each process gets a server of its own on a loopback port (its
``AWS_LAMBDA_RUNTIME_API``), so nothing but the path is needed to tell invocations apart, as in
Lambda. Posts are answered 202, with chunked bodies read as the runtimes send them.

The invoker hands an ``Invocation`` to the ``Mailbox`` and waits on it; the HTTP threads only fill it in.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from engine.local.awslambda.outcome import RESPONSE_LIMIT, response_too_large

PREFIX = "/2018-06-01/runtime"
_MAX_BODY = RESPONSE_LIMIT  # Lambda's 6 MB payload limit
_DRAINED = 8 * RESPONSE_LIMIT  # a larger body is not even read: the connection is closed on it
_POLL_SECONDS = 0.5  # how often a waiting /next notices that the server is closing


@dataclass
class Invocation:
    """One event on its way to the runtime, and what the runtime answered."""

    request_id: str
    event: bytes
    function_arn: str
    limit_seconds: float
    trace_id: str
    on_delivery: Callable[[], None] | None = None  # called before the runtime sees the event
    delivered_at: float | None = None  # monotonic time the runtime took it (its clock starts then)
    deadline_ms: int = 0
    outcome: str | None = None  # "response" or "error"
    body: bytes = b""
    error_type: str | None = None


class Mailbox:
    """What the invoker and the runtime's HTTP requests share, under one condition variable."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.pending: Invocation | None = None
        self.current: Invocation | None = None
        self.init_error: bytes | None = None
        self.asked_for_work = False  # the runtime has called /next at least once: its init is over
        self.closed = False

    def submit(self, invocation: Invocation) -> None:
        with self.changed:
            self.pending = invocation
            self.changed.notify_all()

    def take(self) -> Invocation | None:
        """Block until there is an event (``None``: the server is closing)."""
        with self.changed:
            self.asked_for_work = True
            self.changed.notify_all()
            while self.pending is None and not self.closed:
                self.changed.wait(_POLL_SECONDS)
            if self.closed or self.pending is None:
                return None
            invocation, self.pending = self.pending, None
            invocation.delivered_at = time.monotonic()
            invocation.deadline_ms = int((time.time() + invocation.limit_seconds) * 1000)
            self.current = invocation
            if invocation.on_delivery is not None:
                invocation.on_delivery()
            self.changed.notify_all()
            return invocation

    def answer(self, request_id: str, outcome: str, body: bytes, error_type: str | None) -> bool:
        with self.changed:
            invocation = self.current
            if invocation is None or invocation.request_id != request_id or invocation.outcome is not None:
                return False
            invocation.outcome, invocation.body, invocation.error_type = outcome, body, error_type
            self.current = None
            self.changed.notify_all()
            return True

    def fail_init(self, body: bytes) -> None:
        with self.changed:
            self.init_error = body
            self.changed.notify_all()

    def close(self) -> None:
        with self.changed:
            self.closed = True
            self.changed.notify_all()


class _Handler(BaseHTTPRequestHandler):
    server: RuntimeApiServer
    protocol_version = "HTTP/1.1"  # keep-alive: runtimes hold one connection for their loop
    # Headers and body go out as two writes; with Nagle's algorithm the second waits for the client's
    # delayed ACK (40 ms on Linux) on every answer.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path != f"{PREFIX}/invocation/next":
            self._send(404, {"errorMessage": f"unknown path {self.path}", "errorType": "InvalidRequest"})
            return
        invocation = self.server.mailbox.take()
        if invocation is None:
            self._send(410, {"errorMessage": "the function's environment is shutting down", "errorType": "Shutdown"})
            return
        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
            "Lambda-Runtime-Trace-Id": invocation.trace_id,
            "Content-Type": "application/json",
        }
        self._send_bytes(200, invocation.event, headers)

    def do_POST(self) -> None:
        parts = self.path[len(PREFIX) :].strip("/").split("/") if self.path.startswith(PREFIX) else []
        try:
            body = self._read_body()
        except ValueError as error:
            self.close_connection = True  # the body was not read
            if len(parts) == 3 and parts[0] == "invocation" and parts[2] == "response":
                # As Lambda: the invocation fails with Function.ResponseSizeTooLarge, the runtime hears 413.
                too_large = response_too_large()
                self.server.mailbox.answer(parts[1], "error", too_large, "Function.ResponseSizeTooLarge")
                self._send(413, json.loads(too_large))
                return
            self._send(400, {"errorMessage": str(error), "errorType": "InvalidRequest"})
            return
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
        if parts == ["init", "error"]:
            self.server.mailbox.fail_init(body)
            self._send(202, {"status": "OK"})
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            if self.server.mailbox.answer(parts[1], parts[2], body, error_type):
                self._send(202, {"status": "OK"})
            else:
                message = f"request id {parts[1]} is not the invocation in progress (or it was answered already)"
                self._send(400, {"errorMessage": message, "errorType": "InvalidRequestID"})
        else:
            self._send(404, {"errorMessage": f"unknown path {self.path}", "errorType": "InvalidRequest"})

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                        pass
                    return b"".join(chunks)
                total += size
                if total > _MAX_BODY:
                    raise ValueError("the body is over Lambda's 6 MB payload limit")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            if length <= _DRAINED:  # read and dropped, so that the runtime hears the answer, not a reset
                left = length
                while left > 0 and (chunk := self.rfile.read(min(1 << 20, left))):
                    left -= len(chunk)
            raise ValueError("the body is over Lambda's 6 MB payload limit")
        return self.rfile.read(length)

    def _send(self, status: int, body: dict[str, str]) -> None:
        self._send_bytes(status, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def _send_bytes(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class RuntimeApiServer(ThreadingHTTPServer):
    """The Runtime API of one function process, on ``127.0.0.1`` and a free port."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mailbox = Mailbox()
        self._thread = threading.Thread(
            target=lambda: self.serve_forever(poll_interval=0.05), name="lambda-runtime-api", daemon=True
        )
        self._thread.start()

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        """A runtime killed mid-request (a timeout, the run's end) is expected: no traceback for it."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def address(self) -> str:
        """``host:port``, the value of ``AWS_LAMBDA_RUNTIME_API``."""
        return f"127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        self.mailbox.close()
        self.shutdown()
        self.server_close()
        self._thread.join()
