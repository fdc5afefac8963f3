"""Fixtures for the embedded local AWS (helpers live in ``localaws.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from localaws import REGION, Env

from engine.local import LocalAWS
from engine.local.server import LocalServer


@pytest.fixture
def local() -> Iterator[Env]:
    """The local AWS in this process."""
    with LocalAWS(REGION) as aws:
        env = Env(None, aws.outbox)
        yield env
        env.close()


@pytest.fixture
def served() -> Iterator[Env]:
    """The local AWS behind a LocalServer, with clients talking HTTP to it."""
    with LocalServer(region=REGION) as server:
        env = Env(server.url, server.outbox)
        yield env
        env.close()


@pytest.fixture(params=["in-process", "server"])
def aws(request: pytest.FixtureRequest) -> Iterator[Env]:
    """Each test using it runs twice: against the in-process local AWS and over HTTP."""
    if request.param == "in-process":
        with LocalAWS(REGION) as local_aws:
            env = Env(None, local_aws.outbox)
            yield env
    else:
        with LocalServer(region=REGION) as server:
            env = Env(server.url, server.outbox)
            yield env
    env.close()
