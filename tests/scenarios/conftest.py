"""Keep the embedded local AWS alive across CLI runs in a test, so its state can be read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.aws.clients import Clients
from engine.local import LocalAWS


@pytest.fixture
def backend() -> Iterator[Clients]:
    """Keeps the embedded local AWS alive across CLI runs in this test, so its state can be read."""
    with LocalAWS() as local:
        yield Clients.for_local(local.region)
