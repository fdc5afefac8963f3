"""One process-wide lock around the local AWS backends, lendable to Lambda handler threads.

moto's backends are plain dicts and objects without locking, so every request (in-process
boto3 call or HTTP request to the local server) runs while holding ``BACKEND_LOCK``. A Cognito
request that fires a Lambda trigger holds the lock while the handler runs in a helper thread
(so a timeout can be enforced); the handler's own boto3 calls must reach the same backends
without waiting for the lock its caller holds. The caller therefore *lends* the lock to the
helper thread: while the lease is active, that thread's requests run under the caller's
hold. A lease is revoked when the invocation ends (or times out), after which a thread that
outlived its invocation queues for the lock like any other thread.

The lease is a thread-local flag checked before taking the lock, never extra state inside the
lock itself, so a timeout delivered into a handler thread can never leave the lock corrupted.

A function running in a process of its own calls back over HTTP, from threads of the local
server, not from a helper thread. Its invocation's lease is therefore also *named* by the access
key id in the function's environment (``name``): a request signed with that key id is served
under the lease (``adopted``), one at a time, since the lender's hold no longer serializes them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_RLOCK = threading.RLock()
_local = threading.local()
_named: dict[str, Lease | None] = {}  # access key id -> the lease of its invocation in progress


class Lease:
    """Permission for one helper thread to act under the lender's hold of the backend lock."""

    def __init__(self) -> None:
        self.active = True
        self.serial = threading.Lock()  # requests adopting the lease run one at a time

    def revoke(self) -> None:
        """End the lease: the helper thread's later requests take the lock themselves."""
        self.active = False


def _leased() -> bool:
    lease: Lease | None = getattr(_local, "lease", None)
    return lease is not None and lease.active


@contextmanager
def holding() -> Iterator[None]:
    """Hold the backend lock (re-entrant), unless this thread runs under an active lease."""
    if _leased():
        yield
        return
    with _RLOCK:
        yield


def lend() -> Lease:
    """A new lease for a helper thread; the caller must hold the lock for the lease's lifetime."""
    return Lease()


def adopt(lease: Lease) -> None:
    """Called in the helper thread: run this thread's requests under ``lease``."""
    _local.lease = lease


def name(key: str, lease: Lease | None) -> None:
    """Let requests signed with access key id ``key`` run under ``lease`` (``None``: the key is known,
    its function is between invocations)."""
    _named[key] = lease


def forget(key: str) -> None:
    """``key``'s function process is gone."""
    _named.pop(key, None)


def is_named(key: str) -> bool:
    """Whether ``key`` belongs to a function process of this local AWS."""
    return key in _named


@contextmanager
def adopted(key: str | None) -> Iterator[None]:
    """Run the block under the active lease ``key`` names, if any; else as any other request."""
    lease = _named.get(key) if key else None
    if lease is None or not lease.active:
        yield
        return
    with lease.serial:
        saved = getattr(_local, "lease", None)
        _local.lease = lease
        try:
            yield
        finally:
            _local.lease = saved
