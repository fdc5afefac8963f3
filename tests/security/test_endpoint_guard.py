"""A local run reaches no AWS endpoint, whatever the environment says; other hosts stay reachable."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.aws import endpoint_guard

ROOT = Path(__file__).resolve().parents[2]
_SEEN: list[str] = []
_RECORDING = [False]


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _RECORDING[0] and event in {"socket.getaddrinfo", "socket.connect"}:
        host = args[0] if event == "socket.getaddrinfo" else args[1]
        _SEEN.append(str(host[0] if isinstance(host, tuple) else host))


sys.addaudithook(_audit)


@pytest.fixture
def recording() -> Iterator[list[str]]:
    _SEEN.clear()
    _RECORDING[0] = True
    yield _SEEN
    _RECORDING[0] = False


def test_local_run_with_dualstack_and_fips_reaches_no_aws_endpoint(scenario_run, recording: list[str]) -> None:
    env = {
        "AWS_USE_DUALSTACK_ENDPOINT": "true",
        "AWS_USE_FIPS_ENDPOINT": "true",
        "AWS_ENDPOINT_URL": "https://example.amazonaws.com",
        "AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.us-east-1.api.aws",
        "AWS_CA_BUNDLE": "/nonexistent/ca.pem",
    }
    result = scenario_run(
        ROOT / "scenarios/activity_log.yaml", "--answers", ROOT / "scenarios/answers/activity_log.yaml", env=env
    )
    assert result.exit_code == 0, result.output
    assert [host for host in recording if endpoint_guard.is_aws_host(host)] == []


def test_guard_refuses_aws_hosts_and_allows_others() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        with endpoint_guard.guarded():
            for host in (
                "sts.amazonaws.com",
                "dynamodb.us-east-1.api.aws",
                "s3.cn-north-1.amazonaws.com.cn",
                "ec2.us-iso-east-1.c2s.ic.gov",
                "lambda.eusc-de-east-1.amazonaws.eu",
            ):
                with pytest.raises(endpoint_guard.AwsEndpointRefused) as refused:
                    socket.create_connection((host, 443), timeout=1)
                assert str(refused.value) == (
                    f"scenario-run refused a connection to the real AWS endpoint {host} during a local run "
                    "(use --target aws to reach AWS)"
                )
                with pytest.raises(endpoint_guard.AwsEndpointRefused):
                    socket.getaddrinfo(host, 443)
            socket.create_connection(listener.getsockname(), timeout=1).close()
        assert socket.getaddrinfo is not endpoint_guard._guarded_getaddrinfo
    finally:
        listener.close()
