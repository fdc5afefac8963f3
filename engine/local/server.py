"""The local AWS over HTTP, for clients in other processes (``scenario serve``).

It serves moto's WSGI app with this package's hooks active, plus ``GET /_scenario/outbox``
(the outbox as JSON: ``{"messages": [...]}``, filtered by the optional query parameters
``username``, ``user_pool_id`` and ``kind``). ``mock_aws`` is active in this process too, so
Lambda handlers running here reach the very backends the HTTP clients see. Each request runs
while holding the backend lock, which keeps concurrent clients consistent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from engine.local import activation
from engine.local.locking import holding
from engine.local.outbox import OUTBOX, Outbox

OUTBOX_PATH = "/_scenario/outbox"


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request (scenario output stays readable)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _App:
    """moto's dispatcher behind the backend lock, and the outbox endpoint."""

    def __init__(self, moto_app: Callable[..., Iterable[bytes]], outbox: Outbox) -> None:
        self.moto_app = moto_app
        self.outbox = outbox

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == OUTBOX_PATH:
            return self._outbox(environ, start_response)
        with holding():
            result = self.moto_app(environ, start_response)
            try:
                body = b"".join(result)  # produce the whole response while still holding the lock
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        return [body]

    def _outbox(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "GET") != "GET":
            start_response("405 Method Not Allowed", [("Allow", "GET"), ("Content-Length", "0")])
            return [b""]
        query = parse_qs(environ.get("QUERY_STRING", ""))
        filters = {k: query[k][0] for k in ("username", "user_pool_id", "kind") if query.get(k)}
        messages = self.outbox.messages(**filters)
        body = json.dumps({"messages": [m.to_json() for m in messages]}).encode("utf-8")
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


class LocalServer:
    """The local AWS served over HTTP on ``host``:``port`` (port 0: a free port).

    ``region`` is the default region of requests that carry none (unsigned Cognito calls
    find their pool by app client or token in any region anyway).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, region: str = "us-east-1") -> None:
        self.host = host
        self.port = port
        self.region = region
        self.url = ""
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def outbox(self) -> Outbox:
        """The process-wide outbox (the same one ``LocalAWS.outbox`` returns)."""
        return OUTBOX

    def start(self) -> str:
        """Start serving in a background thread; returns the endpoint URL."""
        if self._server is not None:
            return self.url
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        activation.acquire()
        try:
            app = _App(DomainDispatcherApplication(create_backend_app), OUTBOX)
            self._server = make_server(self.host, self.port, app, threaded=True, request_handler=_QuietHandler)
        except BaseException:
            activation.release()
            raise
        self.port = self._server.server_port
        self.url = f"http://{self.host}:{self.port}"
        server = self._server
        # A short poll interval: stop() waits for the serving loop to notice (0.5 s by default).
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), name="scenario-local-server", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving; the last user of the local AWS in this process drops its data."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None
        activation.release()

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
