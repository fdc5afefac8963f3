"""The local AWS over HTTP, for clients in other processes (``scenario serve``).

It serves moto's WSGI app with this package's hooks active, plus ``GET /_scenario/outbox``
(the outbox as JSON: ``{"messages": [...]}``, filtered by the optional query parameters
``username``, ``user_pool_id`` and ``kind``; ``latest=1`` sends only the newest that matches).
``mock_aws`` is active in this process too, so Lambda handlers running here reach the very backends
the HTTP clients see. Each request runs while holding the backend lock, which keeps concurrent clients
consistent; its body is read in full (with a timeout) before the lock is taken, so a slow client holds
up nobody else, and checked by ``request_guard`` before moto parses it: a malformed request gets AWS's 4xx
error for its protocol, a body over its service's documented size is refused from its ``Content-Length``,
and a request moto still fails on answers ``InternalFailure`` (500, AWS's shape, one log line) instead of a
traceback page.

Anyone who can send this server a request can run code as the user who started it (Lambda
CreateFunction + Invoke runs Python in this process, and other runtimes as its child processes), so
every request, the outbox and moto's
``/moto-api`` included, must pass ``_App.refusal``:

- a browser request is refused: one carrying an ``Origin`` (other than ``--cors-origin``) or a
  cross-site ``Sec-Fetch-Site``; no CORS header is sent unless ``--cors-origin`` is given;
- the ``Host`` must name the bound address (or localhost) and port, so DNS rebinding fails;
- with ``access_key_id`` set, a signed request must be signed with that key id (or with the key id
  of a Lambda function process this server started), and an unsigned one is accepted only for
  Cognito's public operations (sign-up, sign-in) and the managed-login paths, or when it carries
  the key id in ``X-Scenario-Access-Key-Id``.

A request may carry a run's lease and journal writes (``X-Scenario-Along``, ``engine.local.along``):
applied under the same hold of the lock, before the request's own call, or the call is refused (409); and a
run's end (``X-Scenario-Along-After``), applied right after its last call when that call succeeded.

A request that invokes a function lets go of the backend lock while the function runs
(``locking.released``), so the handler's own calls back, and every other client's requests, are served
meanwhile.

The managed-login paths of a federated sign-in (``managed_login``: ``/oauth2/authorize``,
``/oauth2/idpresponse``, ``/oauth2/token``) are what a browser is sent to, from the app's page and
back from the identity provider, so the first two accept a cross-site ``Sec-Fetch-Site`` on a
top-level navigation (a GET with ``Sec-Fetch-Mode: navigate`` and ``Sec-Fetch-Dest: document``, no
``Origin``) and nothing else cross-site; they run only triggers already deployed, like sign-up.
``/oauth2/token`` is a plain POST for the app's back end: any request with an ``Origin`` is refused
there, ``--cors-origin`` included, and no CORS header is ever sent on these paths. The ``Host`` check
holds for all three.
"""

from __future__ import annotations

import contextvars
import ipaddress
import json
import logging
import queue
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer, WSGIRequestHandler

from engine.aws import along as along_protocol
from engine.aws import endpoint_guard
from engine.local import activation, along, managed_login, request_guard, state
from engine.local.cognito.devices import CALLER_IP
from engine.local.locking import holding, is_named
from engine.local.outbox import OUTBOX, Outbox
from engine.local.state import Snapshots

OUTBOX_PATH = "/_scenario/outbox"
ACCESS_KEY_HEADER = "HTTP_X_SCENARIO_ACCESS_KEY_ID"
MAX_BODY_BYTES = 256 * 1024 * 1024
READ_TIMEOUT_SECONDS = 10
SWEEP_SECONDS = 60.0
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_PUBLIC_TARGET = "AWSCognitoIdentityProviderService."
_log = logging.getLogger("scenario.serve")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or name (only this machine can connect)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str) -> str | None:
    """The warning to print when the server listens on an address other machines can reach."""
    if is_loopback(host):
        return None
    return (
        f"WARNING: listening on {host}, not on a loopback address: anyone who can reach this port can run code "
        "as you (Lambda functions run in this process) and read every code and temporary password in the "
        "outbox. Use --access-key-id, a firewall, or --host 127.0.0.1."
    )


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request (scenario output stays readable); a silent client times out."""

    timeout = READ_TIMEOUT_SECONDS

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _Server(ThreadedWSGIServer):
    """Each connection on a thread of its own, as werkzeug's threaded server, but a thread done with one waits a
    while for the next instead of ending. A run sends its calls one after another, each on a new connection (the
    server answers ``Connection: close``), and starting a thread for each (the serving loop waits until it runs)
    costs more than handing the connection to a thread that waits. A connection finds a new thread whenever
    none waits, so one held by a long call (a function that calls back) never holds up another."""

    idle_seconds = 30.0  # how long a thread waits for a connection before it ends

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._jobs: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
        self._waiting = 0  # threads waiting on ``_jobs``
        self._workers: set[threading.Thread] = set()
        self._workers_lock = threading.Lock()
        self._closing = False
        self.threads_started = 0  # for the tests: how many threads the connections so far needed

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._workers_lock:
            if self._waiting:
                self._waiting -= 1
                self._jobs.put((request, client_address))
                return
            worker = threading.Thread(
                target=self._work,
                args=((request, client_address),),
                name=f"scenario-local-request:{self.server_port}",
                daemon=True,
            )
            self._workers.add(worker)
            self.threads_started += 1
        worker.start()

    def _work(self, job: tuple[Any, Any] | None) -> None:
        try:
            while job is not None:
                # In a context of its own, as on a thread of its own: a context variable a request set (the
                # caller's address, its SDK) is not what the next connection on this thread starts with.
                contextvars.Context().run(self.process_request_thread, *job)  # errors logged, connection closed
                job = self._next_job()
        finally:
            with self._workers_lock:
                self._workers.discard(threading.current_thread())

    def _next_job(self) -> tuple[Any, Any] | None:
        with self._workers_lock:
            if self._closing:
                return None
            self._waiting += 1
        try:
            return self._jobs.get(timeout=self.idle_seconds)
        except queue.Empty:
            with self._workers_lock:
                try:  # handed over just as the wait ran out: this thread was counted for it
                    return self._jobs.get_nowait()
                except queue.Empty:
                    self._waiting -= 1
                    return None

    def server_close(self) -> None:
        """Stop the waiting threads and wait for the busy ones to finish their connection."""
        super().server_close()
        with self._workers_lock:
            self._closing = True
            for _ in range(self._waiting):
                self._jobs.put(None)
            self._waiting = 0
            workers = list(self._workers)
        for worker in workers:
            worker.join()


class _App:
    """moto's dispatcher behind the access checks and the backend lock, and the outbox endpoint."""

    def __init__(
        self,
        moto_app: Callable[..., Iterable[bytes]],
        outbox: Outbox,
        *,
        cors_origin: str | None = None,
        access_key_id: str | None = None,
        region: str = "us-east-1",
        writes_along: bool = True,
    ) -> None:
        self.moto_app = moto_app
        self.region = region  # of a request that names none (an unsigned one)
        self.writes_along = writes_along  # applies (and says it applies) writes sent along (engine.aws.along)
        self.outbox = outbox
        self.cors_origin = cors_origin
        self.access_key_id = access_key_id
        self.hosts: set[str] | None = set()  # None: any Host (bound to a wildcard address)
        self.snapshots: Snapshots | None = None  # told of every request, with --state-dir

    def allow_hosts(self, host: str, port: int) -> None:
        """Accept ``Host`` headers naming the bound address (or this machine's loopback names) and port."""
        if host in {"0.0.0.0", "::", ""}:
            self.hosts = None
            return
        names = {host, f"[{host}]" if ":" in host else host}
        if is_loopback(host):
            names |= {"127.0.0.1", "localhost", "[::1]"}
        self.hosts = {f"{name}:{port}".lower() for name in names} | (
            {n.lower() for n in names} if port == 80 else set()
        )

    def refusal(self, environ: dict[str, Any]) -> str | None:
        """Why this request is refused (403), or None."""
        origin = environ.get("HTTP_ORIGIN")
        login_path = environ.get("PATH_INFO") in managed_login.PATHS
        if origin is not None and (login_path or origin != self.cors_origin):
            return f"requests from a web page ({origin}) are refused; start the server with --cors-origin {origin}"
        site = environ.get("HTTP_SEC_FETCH_SITE")
        cross_site = site not in (None, "none", "same-origin") and (origin is None or origin != self.cors_origin)
        if cross_site and not managed_login.is_navigation(environ):
            return "requests from a web page are refused"
        host = str(environ.get("HTTP_HOST", "")).lower()
        if self.hosts is not None and host not in self.hosts:
            return f"Host {host or '(none)'} is not this server's address (DNS rebinding?)"
        if self.access_key_id is None:
            return None
        given = environ.get(ACCESS_KEY_HEADER) or signing_key_id(environ)
        if given is not None and is_named(given):
            return None
        if given is None:
            target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
            public = login_path or (target.startswith(_PUBLIC_TARGET) and environ.get("PATH_INFO") != OUTBOX_PATH)
            return None if public else "this server needs the access key id it was started with"
        return None if given == self.access_key_id else "wrong access key id for this server"

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        reason = self.refusal(environ)
        if reason is not None:
            return _plain(start_response, "403 Forbidden", f"scenario serve: refused: {reason}\n")
        try:
            return self._serve(environ, start_response)
        finally:
            # Once the request is done: a snapshot taken while it ran may lack its change, and the next one has it.
            if self.snapshots is not None:
                self.snapshots.touch()

    def _serve(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and environ.get("REQUEST_METHOD") == "OPTIONS":
            start_response("204 No Content", [*_cors_headers(origin), ("Content-Length", "0")])
            return [b""]
        limit = request_guard.body_limit(environ)
        try:
            request_guard.buffer_body(environ, MAX_BODY_BYTES if limit is None else limit)
        except request_guard.TooLarge as exc:
            return request_guard.answer(start_response, request_guard.too_large(environ, exc.limit))
        except request_guard.BodyError as exc:
            return request_guard.answer(start_response, exc.refusal())
        refused = request_guard.refusal(environ, environ["wsgi.input"].getvalue())
        if refused is not None:
            return request_guard.answer(start_response, refused)

        if environ.get("PATH_INFO") in managed_login.PATHS:
            return managed_login.app(environ, start_response)  # takes the lock itself, step by step

        carried = along.carried(environ) if self.writes_along else None
        # Every answer says writes may go along with a call (``engine.aws.along``); this one's says what came of it.
        ours = [(along_protocol.FEATURE_HEADER, along_protocol.FEATURE)] if self.writes_along else []
        if carried is not None:
            ours.append((along_protocol.RESULT_HEADER, along_protocol.APPLIED))

        after = along.carried_after(environ) if self.writes_along else None

        def respond(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            ended = []
            if after is not None:  # the call is done (its status known), the lock still held: its write after it
                result = along.apply_after(
                    after, status, environ, allowed=lambda: self._may_write(environ), default_region=self.region
                )
                ended.append((along_protocol.AFTER_RESULT_HEADER, result))
            return start_response(status, kept + ours + ended + (_cors_headers(origin) if origin else []), *args)

        if environ.get("PATH_INFO") == OUTBOX_PATH:
            return self._outbox(environ, respond)
        caller = CALLER_IP.set(str(environ.get("REMOTE_ADDR") or ""))  # a device's last_ip_used
        try:
            with holding():
                if carried is not None:
                    try:
                        along.apply(
                            carried, environ, allowed=lambda: self._may_write(environ), default_region=self.region
                        )
                    except along.Refused as not_applied:
                        return along.refused_answer(start_response, not_applied.reason)
                result = self.moto_app(environ, respond)
                try:
                    body = b"".join(result)  # produce the whole response while still holding the lock
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()
        except Exception as error:  # a bug here or in moto: AWS's 500 shape, one log line, serving goes on
            _log.error(
                "scenario serve: %s %s failed: %s: %s",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                type(error).__name__,
                error,
            )
            failure = request_guard.Refusal(
                500, "InternalFailure", f"{type(error).__name__}: {error}", "application/json"
            )
            return request_guard.answer(start_response, failure)
        finally:
            CALLER_IP.reset(caller)
        return [body]

    def _may_write(self, environ: dict[str, Any]) -> bool:
        """Whether this request may write to DynamoDB: any request unless the server needs its key id, which
        then must be the one it carries (a request that may go unsigned is let in without one)."""
        if self.access_key_id is None:
            return True
        given = environ.get(ACCESS_KEY_HEADER) or signing_key_id(environ)
        return given is not None and (given == self.access_key_id or is_named(given))

    def _outbox(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "GET") != "GET":
            start_response("405 Method Not Allowed", [("Allow", "GET"), ("Content-Length", "0")])
            return [b""]
        query = parse_qs(environ.get("QUERY_STRING", ""))
        filters = {k: query[k][0] for k in ("username", "user_pool_id", "kind") if query.get(k)}
        if query.get("latest", [""])[0].lower() in ("1", "true"):  # the newest that matches, or none
            newest = self.outbox.latest(**filters)
            messages = [newest] if newest is not None else []
        else:
            messages = self.outbox.messages(**filters)
        body = json.dumps({"messages": [m.to_json() for m in messages]}).encode("utf-8")
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def signing_key_id(environ: dict[str, Any]) -> str | None:
    """The access key id a request is signed with (SigV4 header or presigned query), if any."""
    found = _CREDENTIAL.search(str(environ.get("HTTP_AUTHORIZATION", ""))) or _CREDENTIAL.search(
        "Credential=" + parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0]
    )
    return found.group(1) if found else None


def _cors_headers(origin: str) -> list[tuple[str, str]]:
    return [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, HEAD, OPTIONS"),
        ("Access-Control-Allow-Headers", "*"),
        ("Access-Control-Expose-Headers", "*"),
        ("Vary", "Origin"),
    ]


def _plain(start_response: Callable[..., Any], status: str, text: str) -> Iterable[bytes]:
    body = text.encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


_loopback_lock = threading.Lock()
_loopback: LocalServer | None = None


def loopback_url() -> str:
    """The endpoint function processes reach this process's local AWS at (``AWS_ENDPOINT_URL``).

    Started on first use and only then: in-process runs need no port otherwise. It shares the
    activation of whoever started the local AWS instead of holding one, so that the last user's
    stop still drops all data; ``stop_loopback`` ends it with the function processes.
    """
    global _loopback
    with _loopback_lock:
        if _loopback is None:
            server = LocalServer()
            server.start(hold_activation=False)
            _loopback = server
        return _loopback.url


def stop_loopback() -> None:
    global _loopback
    with _loopback_lock:
        server, _loopback = _loopback, None
    if server is not None:
        server.stop()


class LocalServer:
    """The local AWS served over HTTP on ``host``:``port`` (port 0: a free port).

    ``region`` is the default region of requests that carry none (unsigned Cognito calls
    find their pool by app client or token in any region anyway).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        *,
        cors_origin: str | None = None,
        access_key_id: str | None = None,
        state_dir: Path | None = None,
        writes_along: bool = True,
    ) -> None:
        self.host = host
        # False: neither says nor applies writes sent along with a call, as AWS (the tests of that path use it).
        self.writes_along = writes_along
        self.state_dir = state_dir
        self._snapshots: Snapshots | None = None
        self.cors_origin = cors_origin
        self.access_key_id = access_key_id
        self.port = port
        self.region = region
        self.url = ""
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._holds_activation = True
        self._stopping = threading.Event()
        self._sweeper = threading.Thread()

    @property
    def outbox(self) -> Outbox:
        """The process-wide outbox (the same one ``LocalAWS.outbox`` returns)."""
        return OUTBOX

    def start(self, *, hold_activation: bool = True) -> str:
        """Start serving in a background thread; returns the endpoint URL."""
        if self._server is not None:
            return self.url
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self._holds_activation = hold_activation
        if hold_activation:
            activation.acquire()
        try:
            app = _App(
                DomainDispatcherApplication(create_backend_app),
                OUTBOX,
                cors_origin=self.cors_origin,
                access_key_id=self.access_key_id,
                region=self.region,
                writes_along=self.writes_along,
            )
            self._server = _Server(self.host, self.port, app, _QuietHandler)
        except BaseException:
            if hold_activation:
                activation.release()
            raise
        if self.state_dir is not None:
            try:
                state.load(self.state_dir)
            except BaseException:
                self._server.server_close()
                self._server = None
                if hold_activation:
                    activation.release()
                raise
            self._snapshots = Snapshots(self.state_dir)
            app.snapshots = self._snapshots
            self._snapshots.start()
        endpoint_guard.install()  # Lambda handlers run here: they must not reach real AWS either
        self.port = self._server.server_port
        app.allow_hosts(self.host, self.port)
        self.url = f"http://{self.host}:{self.port}"
        server = self._server
        # A short poll interval: stop() waits for the serving loop to notice (0.5 s by default).
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), name="scenario-local-server", daemon=True
        )
        self._thread.start()
        self._stopping = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep, name="scenario-local-sweeper", daemon=True)
        self._sweeper.start()
        return self.url

    def _sweep(self) -> None:
        """Every ``SWEEP_SECONDS``, drop the tokens that expired (a long-lived server's memory stays flat)."""
        from engine.local.cognito import token_tables

        while not self._stopping.wait(SWEEP_SECONDS):
            with holding():
                token_tables.sweep()

    def stop(self) -> None:
        """Stop serving; the last user of the local AWS in this process drops its data."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None
        self._sweeper.join()
        if self._snapshots is not None:
            self._snapshots.stop()  # the last snapshot, now that no request is in flight
            self._snapshots = None
        endpoint_guard.uninstall()
        if self._holds_activation:
            activation.release()

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
