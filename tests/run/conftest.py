"""Fixtures of the run tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.client import BaseClient

from engine.api import close
from engine.aws.clients import Clients
from engine.cleanup import leases
from engine.local.server import LocalServer


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[BaseClient, list[str]]]:
    """A DynamoDB client of a fresh ``scenario serve`` and the operations called on it, in order (this
    process knows no lease table yet). The server takes no writes along with a call (``engine.aws.along``),
    as AWS: every write is a request of its own."""
    monkeypatch.setattr(leases, "_READY_TABLES", set())
    with LocalServer(port=0, writes_along=False) as server:
        clients = Clients.for_local("us-east-1", endpoint_url=server.url)
        client = clients.client("dynamodb")
        calls: list[str] = []
        client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
        yield client, calls
        clients.close()


@pytest.fixture
def own_backend() -> Iterator[None]:
    """run_scenario keeps its local AWS for the process: stop it, so later tests start afresh."""
    yield
    close()
