"""Fixtures for the load tests: a `scenario serve` of their own with the project's stack in it, and the
flow they load with its answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from load_support import FLOW, Served

from engine.aws.clients import Clients
from engine.local.server import LocalServer


@pytest.fixture
def served(scenario_cli) -> Iterator[Served]:
    with LocalServer(port=0) as running:
        deployed = scenario_cli("stack", "deploy", "--endpoint-url", running.url)
        assert deployed.exit_code == 0, deployed.output
        outputs = json.loads(deployed.stdout[deployed.stdout.index("{") :])
        clients = Clients.for_local("us-east-1", endpoint_url=running.url)
        yield Served(running.url, clients, outputs["UserPoolId"])
        clients.close()


@pytest.fixture
def flow(tmp_path: Path) -> Path:
    path = tmp_path / "flow.yaml"
    path.write_text(FLOW)
    (tmp_path / "answers.yaml").write_text("prefix: load\npassword: Str0ng-Passw0rd!\n")
    return path
