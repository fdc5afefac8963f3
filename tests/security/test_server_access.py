"""scenario serve refuses browser requests, rebinding Host headers and wrong keys; slow clients block nobody."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from engine.local.server import LocalServer, exposure_warning


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def request(server: LocalServer, method: str, path: str, headers: dict[str, str]) -> tuple[int, str, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request(method, path, headers=headers)
    response = conn.getresponse()
    body = response.read().decode()
    result = response.status, body, {k.lower(): v for k, v in response.getheaders()}
    conn.close()
    return result


def test_browser_cross_origin_request_is_refused(server: LocalServer) -> None:
    status, body, headers = request(
        server, "GET", "/_scenario/outbox", {"Host": f"127.0.0.1:{server.port}", "Origin": "https://evil.example"}
    )
    assert status == 403
    assert body == (
        "scenario serve: refused: requests from a web page (https://evil.example) are refused; "
        "start the server with --cors-origin https://evil.example\n"
    )
    assert not any(name.startswith("access-control-") for name in headers)
    status, _, _ = request(server, "POST", "/moto-api/reset", {"Origin": "null"})
    assert status == 403


def test_rebinding_host_is_refused(server: LocalServer) -> None:
    status, body, _ = request(server, "POST", "/moto-api/reset", {"Host": f"attacker.example:{server.port}"})
    assert status == 403
    host = f"attacker.example:{server.port}"
    assert body == f"scenario serve: refused: Host {host} is not this server's address (DNS rebinding?)\n"
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}"):
        assert request(server, "GET", "/_scenario/outbox", {"Host": host})[0] == 200


def test_no_cors_headers_unless_asked_for() -> None:
    with LocalServer(cors_origin="http://localhost:3000") as served:
        status, _, headers = request(
            served, "GET", "/_scenario/outbox", {"Origin": "http://localhost:3000", "Sec-Fetch-Site": "same-site"}
        )
        assert status == 200 and headers["access-control-allow-origin"] == "http://localhost:3000"
        assert request(served, "GET", "/_scenario/outbox", {"Origin": "http://other:1"})[0] == 403


def test_access_key_id_is_required_when_configured() -> None:
    with LocalServer(access_key_id="AKIDSECRET1") as served:

        def client(key: str) -> object:
            return boto3.client(
                "lambda",
                endpoint_url=served.url,
                region_name="us-east-1",
                aws_access_key_id=key,
                aws_secret_access_key="x",
            )

        with pytest.raises(ClientError) as refused:
            client("testing").list_functions()  # type: ignore[attr-defined]
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert client("AKIDSECRET1").list_functions()["Functions"] == []  # type: ignore[attr-defined]
        assert request(served, "GET", "/_scenario/outbox", {})[0] == 403
        assert request(served, "POST", "/moto-api/reset", {})[0] == 403
        assert request(served, "GET", "/_scenario/outbox", {"X-Scenario-Access-Key-Id": "AKIDSECRET1"})[0] == 200


def test_a_client_whose_body_never_arrives_blocks_nobody(server: LocalServer) -> None:
    stalled = socket.create_connection(("127.0.0.1", server.port))
    stalled.sendall(
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: 1000\r\n"
        "X-Amz-Target: DynamoDB_20120810.ListTables\r\n\r\n{".encode()
    )
    try:
        time.sleep(0.2)
        started = time.monotonic()
        client = boto3.client(
            "dynamodb",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert client.list_tables()["TableNames"] == []
        assert time.monotonic() - started < 5  # a hang guard, not a benchmark
    finally:
        stalled.close()


def test_non_loopback_bind_warns() -> None:
    assert exposure_warning("127.0.0.1") is None and exposure_warning("localhost") is None
    assert exposure_warning("0.0.0.0") == (
        "WARNING: listening on 0.0.0.0, not on a loopback address: anyone who can reach this port can run code "
        "as you (Lambda functions run in this process) and read every code and temporary password in the "
        "outbox. Use --access-key-id, a firewall, or --host 127.0.0.1."
    )
