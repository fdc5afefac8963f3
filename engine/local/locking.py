"""One process-wide lock around the local AWS backends, let go of while a Lambda function runs.

moto's backends are plain dicts and objects without locking, so every request (in-process boto3
call or HTTP request to the local server) runs while holding the backend lock. A request that
invokes a function (Lambda Invoke, or a Cognito operation firing a trigger) leaves the backends
consistent before the function starts and then *lets go* of the lock for the invocation
(``released``): the function's own calls back (in-process, or over HTTP from its process) take the
lock like any other request, and so do the requests of every other client meanwhile. A slow or
stuck function therefore delays only the request that invoked it, as on AWS, where invocations run
in parallel. When the invocation ends (or its caller gives up on it), the lock is taken again and
the request goes on.

A function running in a process of its own is *named* by the access key id in its environment
(``name``), so the server accepts its calls even when it requires an access key id of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_RLOCK = threading.RLock()
_local = threading.local()  # .depth: how many times this thread holds _RLOCK
_named: set[str] = set()  # access key ids of this local AWS's function processes


def _depth() -> int:
    depth: int = getattr(_local, "depth", 0)
    return depth


@contextmanager
def holding() -> Iterator[None]:
    """Hold the backend lock (re-entrant)."""
    with _RLOCK:
        _local.depth = _depth() + 1
        try:
            yield
        finally:
            _local.depth = _depth() - 1


@contextmanager
def released() -> Iterator[None]:
    """Let go of this thread's hold of the backend lock, however deep, for the block; hold it again after.

    Call only where the backends are consistent: other requests run while the block does."""
    depth = _depth()
    for _ in range(depth):
        _RLOCK.release()
    _local.depth = 0
    try:
        yield
    finally:
        for _ in range(depth):
            _RLOCK.acquire()
        _local.depth = depth


def name(key: str) -> None:
    """Let requests signed with access key id ``key`` in: a function process of this local AWS."""
    _named.add(key)


def forget(key: str) -> None:
    """``key``'s function process is gone."""
    _named.discard(key)


def is_named(key: str) -> bool:
    """Whether ``key`` belongs to a function process of this local AWS."""
    return key in _named
