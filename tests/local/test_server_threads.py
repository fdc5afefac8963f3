"""`scenario serve`'s threads: a connection is handed to a thread that waits for one, a new thread is started
only when none waits, a waiting thread ends after a while, and stopping the server ends them all."""

from __future__ import annotations

import contextvars
import socket
import threading
import time
import urllib.request
from typing import Any

import pytest
from botocore.config import Config
from localaws import session

from engine.local import server as server_module
from engine.local.server import LocalServer


def _client(url: str) -> Any:
    return session().client("cognito-idp", endpoint_url=url, config=Config(retries={"max_attempts": 1}))


def _request_threads(server: LocalServer) -> list[threading.Thread]:
    """The threads of ``server``'s connections (a loopback server for function processes may run too)."""
    return [thread for thread in threading.enumerate() if thread.name == f"scenario-local-request:{server.port}"]


def _until(condition: Any, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return bool(condition())


def test_calls_sent_one_after_another_are_served_by_the_thread_that_waits() -> None:
    with LocalServer() as server:
        client = _client(server.url)
        for _ in range(20):
            assert client.list_user_pools(MaxResults=1)["UserPools"] == []
        assert server._server is not None
        # One thread, or at most a couple when a call came in before the last one's thread was back waiting:
        # a thread per connection would have been twenty.
        assert server._server.threads_started <= 3  # type: ignore[attr-defined]


def test_a_connection_held_open_does_not_hold_up_the_next_one() -> None:
    """The one waiting thread is busy with a client that sends half a request: the next call gets a thread of
    its own at once, not after that client's read times out."""
    with LocalServer() as server:
        client = _client(server.url)
        client.list_user_pools(MaxResults=1)  # a thread now waits
        with socket.create_connection((server.host, server.port)) as slow:
            slow.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the rest
            started = time.monotonic()
            assert client.list_user_pools(MaxResults=1)["UserPools"] == []
            assert time.monotonic() - started < server_module.READ_TIMEOUT_SECONDS / 2
        assert server._server is not None
        assert server._server.threads_started == 2  # type: ignore[attr-defined]


def test_a_waiting_thread_ends_after_a_while_and_a_later_call_starts_another(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module._Server, "idle_seconds", 0.2)
    with LocalServer() as server:
        client = _client(server.url)
        client.list_user_pools(MaxResults=1)
        assert _until(lambda: not _request_threads(server)), "the waiting thread did not end"
        assert client.list_user_pools(MaxResults=1)["UserPools"] == []
        assert server._server is not None
        assert server._server.threads_started == 2  # type: ignore[attr-defined]


def test_stopping_the_server_ends_every_request_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The waiting threads are told to end: stopping does not wait out their wait (an hour here)."""
    monkeypatch.setattr(server_module._Server, "idle_seconds", 3600.0)
    server = LocalServer()
    server.start()
    try:
        client = _client(server.url)
        calls = [threading.Thread(target=client.list_user_pools, kwargs={"MaxResults": 1}) for _ in range(4)]
        for call in calls:
            call.start()
        for call in calls:
            call.join()
        assert _request_threads(server)
    finally:
        stopping = threading.Thread(target=server.stop, daemon=True)
        stopping.start()
        stopping.join(60)
    assert not stopping.is_alive(), "stop() waited for the request threads' idle wait"
    assert _request_threads(server) == []


def test_each_connection_starts_with_the_context_a_new_thread_has() -> None:
    """A context variable one request set (the local Cognito's caller address and SDK are such) is not what
    the next connection on the same thread sees."""
    seen: list[str] = []
    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(marker.get())
        marker.set(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = server_module._Server("127.0.0.1", 0, app, server_module._QuietHandler)
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    serving.start()
    try:
        for path in ("/first", "/second", "/third"):
            with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}", timeout=10) as answer:
                assert answer.read() == b"ok"
        assert server.threads_started <= 2
    finally:
        server.shutdown()
        server.server_close()
    assert seen == ["unset", "unset", "unset"]
