"""Fixtures for the stack tests: a `scenario serve` of their own, and real AWS stood in by a local server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from engine.aws.clients import Clients
from engine.local.server import LocalServer


@dataclass
class Served:
    url: str
    clients: Clients

    def client(self, service: str) -> Any:
        return self.clients.client(service)


@pytest.fixture
def served() -> Iterator[Served]:
    """A local server on a free port, with local clients on it."""
    with LocalServer(port=0) as running:
        clients = Clients.for_local("us-east-1", endpoint_url=running.url)
        yield Served(running.url, clients)
        clients.close()


@pytest.fixture
def aws_like(served: Served) -> Clients:
    """Clients that take the ``--target aws`` paths (nothing is expanded or bootstrapped for them) but reach
    the local server, so what a deploy sends to CloudFormation can be read off the real client."""
    session = boto3.session.Session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    return Clients(session, endpoint_url=served.url)


@pytest.fixture
def clients_on_server(served: Served) -> Clients:
    return served.clients
