"""No connection to a real AWS endpoint during a local run, from the engine or a Lambda handler.

The local target answers every AWS call in-process (moto intercepts botocore before anything is
sent), so a connection to an AWS host means something escaped the mock: a dual-stack or FIPS
endpoint moto does not recognise, an endpoint override, a handler's own client. While a guard is
held, resolving or connecting to a host in an AWS partition's domain raises
``AwsEndpointRefused``; every other host (one a handler calls on purpose) stays reachable.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

AWS_DOMAINS = (
    "amazonaws.com",
    "amazonaws.com.cn",
    "api.aws",
    "aws",
    "c2s.ic.gov",
    "sc2s.sgov.gov",
    "cloud.adc-e.uk",
    "csp.hci.ic.gov",
    "amazonaws.eu",
    "on.aws",
)


class AwsEndpointRefused(ConnectionRefusedError):
    """A local run tried to reach a real AWS endpoint."""

    def __init__(self, host: str) -> None:
        super().__init__(
            f"scenario-run refused a connection to the real AWS endpoint {host} during a local run "
            "(use --target aws to reach AWS)"
        )
        self.host = host


def is_aws_host(host: object) -> bool:
    """Whether ``host`` is in an AWS partition's domain (``*.amazonaws.com``, ``*.api.aws``...)."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.rstrip(".").lower()
    return any(name == domain or name.endswith("." + domain) for domain in AWS_DOMAINS)


_lock = threading.Lock()
_holders = 0
_originals: dict[str, Any] = {}


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if is_aws_host(host):
        raise AwsEndpointRefused(str(host))
    return _originals["getaddrinfo"](host, *args, **kwargs)


def _guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(address, tuple) and address and is_aws_host(address[0]):
        raise AwsEndpointRefused(str(address[0]))
    return _originals["create_connection"](address, *args, **kwargs)


def install() -> None:
    """Start refusing AWS hosts in this process (counted: each ``install`` needs a ``uninstall``)."""
    global _holders
    with _lock:
        _holders += 1
        if _holders == 1:
            _originals.update(getaddrinfo=socket.getaddrinfo, create_connection=socket.create_connection)
            socket.getaddrinfo = _guarded_getaddrinfo
            socket.create_connection = _guarded_create_connection


def uninstall() -> None:
    global _holders
    with _lock:
        if _holders == 0:
            return
        _holders -= 1
        if _holders == 0:
            socket.getaddrinfo = _originals.pop("getaddrinfo")
            socket.create_connection = _originals.pop("create_connection")


@contextmanager
def guarded() -> Iterator[None]:
    """AWS hosts are refused inside this block."""
    install()
    try:
        yield
    finally:
        uninstall()
