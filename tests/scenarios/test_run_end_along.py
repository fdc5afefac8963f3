"""On a `scenario serve`, a run's end (its leases given back, its journal's copy deleted) goes with its last
call, applied by the server right after that call succeeded (``engine.aws.along.offer_end``); when that call
fails, nothing of it is applied and the run ends with a request of its own. Through the real CLI against a
real ``scenario serve`` (LocalServer) with the shipped stack, counting the requests the server gets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from backend_state import SCENARIOS, STACK, lambda_config, table_items, users
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from engine.aws import along
from engine.aws.clients import Clients
from engine.cleanup import leases
from engine.local.server import LocalServer

TABLE = leases.DEFAULT_TABLE
SERVICES = ("cognito-idp", "dynamodb", "logs", "cloudformation", "lambda")


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[str, Clients, dict[str, str]]]:
    """A `scenario serve` with the shipped stack deployed: its URL, clients of it and the stack's outputs."""
    from engine import stack

    with LocalServer(port=0) as server:
        clients = Clients.for_local("us-east-1", endpoint_url=server.url)
        outputs = stack.deploy(clients, log=lambda _: None)
        yield server.url, clients, outputs
        clients.close()


@pytest.fixture
def sent(deployed: tuple[str, Clients, dict[str, str]]) -> Iterator[list[str]]:
    """Every request the run's clients send to the server, in order (``Operation``, ``+after`` when it carries
    the run's end)."""
    url = deployed[0]
    requests: list[str] = []

    def note(request: Any, **_: object) -> None:
        if str(request.url).startswith(url):
            target = request.headers.get("X-Amz-Target", b"")
            name = (target.decode() if isinstance(target, bytes) else str(target)).split(".")[-1]
            requests.append(name + ("+after" if along.AFTER_HEADER in request.headers else ""))

    # A run's clients are the process's shared ones for this endpoint: its steps' and its bookkeeping's.
    clients = Clients.for_local("us-east-1", endpoint_url=url)
    shared = [of.client(service) for of in (clients, clients.uncounted()) for service in SERVICES]
    for client in shared:
        client.meta.events.register("before-send", note, unique_id="test-run-end-along")
    yield requests
    for client in shared:
        client.meta.events.unregister("before-send", unique_id="test-run-end-along")


def _bookkeeping(clients: Clients) -> list[str]:
    """The lease table's items: leases held and run journals (none once every run ended)."""
    client: BaseClient = clients.client("dynamodb")
    try:
        items = client.scan(TableName=TABLE)["Items"]
    except ClientError:
        return []
    return sorted(str(item["LeaseKey"]["S"]) for item in items)


def test_a_runs_end_goes_with_its_last_call(scenario_run, deployed, sent) -> None:
    url, clients, out = deployed
    result = scenario_run(
        SCENARIOS / "migrate_user.yaml",
        "--answers",
        SCENARIOS / "answers" / "migrate_user.yaml",
        "--endpoint-url",
        url,
        "--stack",
        STACK,
    )
    assert result.exit_code == 0, result.output
    # The last undo's call (the trigger put back) carried the end: no request after it, none for the end.
    assert sent[-1] == "UpdateUserPool+after", sent
    assert "TransactWriteItems" not in sent
    assert [name for name in sent if name.endswith("+after")] == ["UpdateUserPool+after"]
    assert _bookkeeping(clients) == []  # every lease given back, the journal's copy deleted
    assert users(clients, out["UserPoolId"]) == {}
    assert lambda_config(clients, out["UserPoolId"]) == {}
    assert table_items(clients, out["TableName"]) == []


def test_a_last_call_that_fails_leaves_the_end_to_a_request_of_its_own(scenario_run, deployed, sent, write) -> None:
    url, clients, out = deployed
    # The item is changed after the run put it, so its undo (the last: nothing else was made) is a conditional
    # delete that fails, keeping the item as changed: the end is not applied with it, and goes by itself.
    scenario = write(
        "changed_item.yaml",
        """\
        name: changed item
        steps:
          - id: add
            add_known_user:
              table: "{{ stack.TableName }}"
              user_name: someone
              user_email: someone@example.com
          - id: change
            aws_call:
              service: dynamodb
              operation: PutItem
              params:
                TableName: "{{ stack.TableName }}"
                Item: {UserEmail: {S: someone@example.com}, UserName: {S: someone-else}}
        """,
    )
    try:
        result = scenario_run(scenario, "--endpoint-url", url, "--stack", STACK, "--non-interactive")
        assert result.exit_code == 0, result.output
        assert "changed since by another run: kept" in result.output
        assert sent[-2:] == ["DeleteItem+after", "TransactWriteItems"], sent
        assert _bookkeeping(clients) == []
    finally:
        ddb = clients.client("dynamodb")
        ddb.delete_item(TableName=out["TableName"], Key={"UserEmail": {"S": "someone@example.com"}})


def test_the_server_applies_the_end_only_after_a_call_that_succeeded(deployed) -> None:
    _, clients, _ = deployed
    client: BaseClient = clients.client("dynamodb")
    leases.ensure_table(client, TABLE)
    client.put_item(TableName=TABLE, Item={"LeaseKey": {"S": "end-test"}, "Owner": {"S": "run-9"}})
    end = along.encode([{"Delete": {"TableName": TABLE, "Key": {"LeaseKey": {"S": "end-test"}}}}])
    results: list[str | None] = []

    def carry(request: Any, **_: object) -> None:
        request.headers[along.AFTER_HEADER] = end

    def answer(http_response: Any, **_: object) -> None:
        results.append(http_response.headers.get(along.AFTER_RESULT_HEADER))

    client.meta.events.register("before-send.dynamodb.GetItem", carry)
    client.meta.events.register("after-call.dynamodb.GetItem", answer)
    try:
        with pytest.raises(ClientError):  # the call fails: nothing after it
            client.get_item(TableName="no-such-table", Key={"LeaseKey": {"S": "end-test"}})
        assert results == [along.SKIPPED] and _bookkeeping(clients) == ["end-test"]
        # The call succeeds, and sees the item still there: the write comes after it.
        found = client.get_item(TableName=TABLE, Key={"LeaseKey": {"S": "end-test"}})
        assert found["Item"]["Owner"]["S"] == "run-9"
        assert results[-1] == along.APPLIED and _bookkeeping(clients) == []
        # A write that cannot be applied does not fail the call it went after: it is refused, nothing written.
        client.put_item(TableName=TABLE, Item={"LeaseKey": {"S": "kept"}, "Owner": {"S": "run-9"}})
        end = along.encode(
            [
                {"Delete": {"TableName": TABLE, "Key": {"LeaseKey": {"S": "kept"}}}},
                {
                    "Delete": {
                        "TableName": TABLE,
                        "Key": {"LeaseKey": {"S": "gone"}},
                        "ConditionExpression": "attribute_exists(LeaseKey)",
                    }
                },
            ]
        )
        assert client.get_item(TableName=TABLE, Key={"LeaseKey": {"S": "kept"}})["Item"]
        assert results[-1] == along.REFUSED and _bookkeeping(clients) == ["kept"]
    finally:
        client.meta.events.unregister("before-send.dynamodb.GetItem", carry)
        client.meta.events.unregister("after-call.dynamodb.GetItem", answer)
        client.delete_item(TableName=TABLE, Key={"LeaseKey": {"S": "kept"}})
