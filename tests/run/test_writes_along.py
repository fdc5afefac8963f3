"""On a `scenario serve`, a run's lease and journal writes go with its next AWS call (``engine.aws.along``):
applied by the server before that call, or, when they cannot be (a lease another run holds), refused with
the call, written the usual way, and the call sent again. Against a real ``scenario serve`` (LocalServer)
with boto3, counting the requests the server gets."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from engine.aws import along
from engine.aws.clients import ACCESS_KEY_ENV, LOCAL_CREDENTIALS, Clients
from engine.cleanup import leases
from engine.cleanup.journal import Journal, read
from engine.cleanup.leases import Leases, LeaseTimeout
from engine.cleanup.target_journal import TargetJournal
from engine.cleanup.undo import UndoContext, UndoStack
from engine.local.server import LocalServer

TABLE = leases.DEFAULT_TABLE
ITEMS = "known-users"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[BaseClient, list[str]]]:
    """A DynamoDB client of a fresh ``scenario serve`` that takes writes along, the lease table and a table of
    items made, and every request that server got (by operation), in order, from then on."""
    monkeypatch.setattr(leases, "_READY_TABLES", set())
    monkeypatch.delenv(ACCESS_KEY_ENV, raising=False)
    with LocalServer(port=0) as server:
        clients = Clients.for_local("us-east-1", endpoint_url=server.url)
        client = clients.client("dynamodb")
        leases.ensure_table_once(client, TABLE)
        client.create_table(
            TableName=ITEMS,
            AttributeDefinitions=[{"AttributeName": "UserName", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "UserName", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        assert along.supported(client.meta.endpoint_url)  # it said so in its answers
        calls: list[str] = []
        client.meta.events.register("before-send.dynamodb", lambda request, **_: calls.append(_operation(request)))
        yield client, calls
        along.flush()
        clients.close()


def _operation(request: Any) -> str:
    """``PutItem known-users`` (``+along`` when it carries a write)."""
    target = request.headers.get("X-Amz-Target", "")
    target = target.decode() if isinstance(target, bytes) else str(target)
    body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "{}")
    table = json.loads(body or "{}").get("TableName", "")
    return f"{target.split('.')[-1]} {table}".strip() + ("+along" if along.HEADER in request.headers else "")


def _item(client: BaseClient, key: str) -> dict[str, object] | None:
    along.flush()  # (nothing may be waiting: the reads below are the test's own)
    return client.get_item(TableName=TABLE, Key={"LeaseKey": {"S": key}}).get("Item")


def _put(client: BaseClient, name: str) -> None:
    client.put_item(TableName=ITEMS, Item={"UserName": {"S": name}})


def _names(client: BaseClient) -> list[str]:
    return sorted(str(i["UserName"]["S"]) for i in client.scan(TableName=ITEMS)["Items"])


def test_a_lease_goes_with_the_next_call_and_is_the_runs_before_it(served) -> None:
    client, calls = served
    run = Leases(client, "run-1")
    calls.clear()
    assert run.hold("cognito:pool:PreSignUp", "cognito:pool") is False
    assert calls == []  # no request of its own
    # The call it goes with sees it done: the server applied it first.
    found = client.get_item(TableName=TABLE, Key={"LeaseKey": {"S": "cognito:pool"}})["Item"]
    assert calls == [f"GetItem {TABLE}+along"] and found["Owner"]["S"] == "run-1"
    assert _item(client, "cognito:pool:PreSignUp")["Owner"]["S"] == "run-1"  # type: ignore[index]
    run.release_all()
    assert _item(client, "cognito:pool") is None and _item(client, "cognito:pool:PreSignUp") is None


def test_an_intent_goes_with_the_call_it_announces(served, tmp_path: Path) -> None:
    client, calls = served
    journal = Journal.create(
        {"run": "run-2", "scenario": "s.yaml"}, root=tmp_path, mirror=TargetJournal(client, "run-2", heartbeat=False)
    )
    calls.clear()
    journal.write({"op": "intent", "id": 1, "step": "s", "kind": "k", "params": {}, "description": "d"})
    assert calls == [] and read(journal.path).entries[0].state == "pending"  # on the local file at once
    _put(client, "alice")
    assert calls == [f"PutItem {ITEMS}+along"]
    records = [json.loads(str(r["S"])) for r in _item(client, "journal:run-2")["Records"]["L"]]  # type: ignore[index]
    assert [r["op"] for r in records] == ["run", "intent"]
    journal.close(remove=True)


def test_a_lease_another_run_holds_refuses_the_call_which_waits_and_never_runs(served) -> None:
    client, calls = served
    Leases(client, "run-other").hold("dynamodb:known-users:alice")
    along.flush()
    run = Leases(client, "run-1", wait=0.4)
    run.hold("dynamodb:known-users:alice")
    calls.clear()
    with pytest.raises(LeaseTimeout, match="held by run run-other"):
        _put(client, "alice")  # the call the lease guards: refused with it, then the lease is waited for
    assert calls[0] == f"PutItem {ITEMS}+along" and f"PutItem {ITEMS}" not in calls[1:]  # never sent again
    assert _names(client) == []  # and never ran
    assert _item(client, "dynamodb:known-users:alice")["Owner"]["S"] == "run-other"  # type: ignore[index]


def test_a_refused_call_is_sent_again_once_the_lease_is_the_runs(served) -> None:
    client, calls = served
    other = Leases(client, "run-other")
    other.hold("dynamodb:known-users:bob")
    along.flush()
    run = Leases(client, "run-1", wait=10)
    run.hold("dynamodb:known-users:bob")
    # The other run gives it back a moment later, from a thread of its own (as another process would).
    threading.Timer(0.5, other.release_all).start()
    calls.clear()
    _put(client, "bob")
    assert calls[0] == f"PutItem {ITEMS}+along" and calls[-1] == f"PutItem {ITEMS}"
    assert f"PutItem {TABLE}" in calls  # the lease, taken the usual way meanwhile
    assert _names(client) == ["bob"]
    assert _item(client, "dynamodb:known-users:bob")["Owner"]["S"] == "run-1"  # type: ignore[index]


def test_an_intent_with_its_lease_is_recorded_only_once_the_lease_is_the_runs(served, tmp_path: Path) -> None:
    client, _ = served
    Leases(client, "run-other").hold("dynamodb:known-users:carol")
    along.flush()
    mirror = TargetJournal(client, "run-3", heartbeat=False)
    journal = Journal.create({"run": "run-3", "scenario": "s.yaml"}, root=tmp_path, mirror=mirror)
    run = Leases(client, "run-3", wait=0.4)
    undo = UndoStack(UndoContext(None, leases=run), journal)  # type: ignore[arg-type]
    undo.intend("kind", {"item": "carol"}, "delete carol", leases=["dynamodb:known-users:carol"])
    assert read(journal.path).entries == []  # not recorded anywhere while the lease may be another run's
    with pytest.raises(LeaseTimeout):
        _put(client, "carol")
    assert read(journal.path).entries == [] and _names(client) == []
    assert _item(client, "journal:run-3") is None
    journal.close(remove=True)


def test_a_write_too_big_to_go_along_goes_by_itself(served, tmp_path: Path) -> None:
    client, calls = served
    journal = Journal.create(
        {"run": "run-4", "scenario": "s.yaml"}, root=tmp_path, mirror=TargetJournal(client, "run-4", new=True)
    )
    calls.clear()
    big = "x" * along.MAX_ENCODED
    journal.write({"op": "intent", "id": 1, "step": "s", "kind": "k", "params": {"big": big}, "description": "d"})
    assert calls == [f"UpdateItem {TABLE}"]
    journal.close(remove=True)


def test_a_server_that_needs_its_key_takes_no_write_along_with_an_unsigned_call(monkeypatch) -> None:
    monkeypatch.setattr(leases, "_READY_TABLES", set())
    monkeypatch.setenv(ACCESS_KEY_ENV, "the-key")
    with LocalServer(port=0, access_key_id="the-key") as server:
        clients = Clients.for_local("us-east-1", endpoint_url=server.url)
        client = clients.client("dynamodb")
        leases.ensure_table_once(client, TABLE)
        client.list_tables()
        # An unsigned Cognito call (sign-up and sign-in may go unsigned) carrying a lease write: refused.
        items = [{"Put": {"TableName": TABLE, "Item": {"LeaseKey": {"S": "stolen"}, "Owner": {"S": "x"}}}}]
        idp = boto3.session.Session(**LOCAL_CREDENTIALS, region_name="us-east-1").client(
            "cognito-idp", endpoint_url=server.url, config=botocore_unsigned()
        )
        idp.meta.events.register(
            "before-send", lambda request, **_: request.headers.__setitem__(along.HEADER, along.encode(items))
        )
        with pytest.raises(ClientError) as refused:
            idp.sign_up(ClientId="nope", Username="u", Password="p")
        assert refused.value.response["ResponseMetadata"]["HTTPHeaders"].get("x-scenario-along-result") == "refused"
        assert client.get_item(TableName=TABLE, Key={"LeaseKey": {"S": "stolen"}}).get("Item") is None
        # The same write, signed with the server's key: applied.
        run = Leases(client, "run-5")
        run.hold("cognito:pool")
        client.list_tables()
        assert (
            client.get_item(TableName=TABLE, Key={"LeaseKey": {"S": "cognito:pool"}})["Item"]["Owner"]["S"] == "run-5"
        )
        clients.close()


def botocore_unsigned() -> object:
    from botocore import UNSIGNED
    from botocore.config import Config

    return Config(signature_version=UNSIGNED, retries={"max_attempts": 1})


def test_nothing_is_deferred_where_the_endpoint_does_not_say_so(dynamodb, tmp_path: Path) -> None:
    client, calls = dynamodb  # a server that takes no writes along, as AWS
    assert not along.supported(client.meta.endpoint_url)
    Leases(client, "run-6").hold("cognito:pool")
    assert calls[-1] in ("PutItem", "TransactWriteItems") and not along.pending()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("not base64!", "is not base64 of JSON"),
        (along.encode([{"Put": {"TableName": "no-such-table", "Item": {"LeaseKey": {"S": "x"}}}}]), "ResourceNotFound"),
        (along.encode([{"Put": {"TableName": TABLE}}]), "TransactionCanceledException"),  # no Item
        (along.encode([{"Launch": {"TableName": TABLE}}]), "TransactionCanceledException"),
        # The first item is written, then the second fails: the first is undone with it.
        (
            along.encode(
                [
                    {"Put": {"TableName": TABLE, "Item": {"LeaseKey": {"S": "written-then-undone"}}}},
                    {
                        "Put": {
                            "TableName": TABLE,
                            "Item": {"LeaseKey": {"S": "taken"}},
                            "ConditionExpression": "attribute_not_exists(LeaseKey)",
                        }
                    },
                ]
            ),
            "ConditionalCheckFailed",
        ),
    ],
)
def test_a_write_that_cannot_be_applied_refuses_the_call_and_writes_nothing(served, value: str, reason: str) -> None:
    client, _ = served
    client.put_item(TableName=TABLE, Item={"LeaseKey": {"S": "taken"}, "Owner": {"S": "run-other"}})

    def carry(request: Any, **_: object) -> None:
        request.headers[along.HEADER] = value

    client.meta.events.register("before-send.dynamodb.PutItem", carry)
    try:
        with pytest.raises(ClientError) as refused:
            _put(client, "alice")
    finally:
        client.meta.events.unregister("before-send.dynamodb.PutItem", carry)
    headers = refused.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert headers[along.RESULT_HEADER.lower()] == along.REFUSED
    assert reason in headers["x-scenario-along-reason"]
    assert _names(client) == []  # the call never ran
    assert _item(client, "written-then-undone") is None
    assert _item(client, "taken")["Owner"]["S"] == "run-other"  # type: ignore[index]


def test_a_journal_made_by_its_first_write_along_is_appended_to_after(served, tmp_path: Path) -> None:
    client, calls = served
    journal = Journal.create(
        {"run": "run-4", "scenario": "s.yaml"}, root=tmp_path, mirror=TargetJournal(client, "run-4", new=True)
    )
    for n, name in ((1, "alice"), (2, "bob")):
        journal.write({"op": "intent", "id": n, "step": "s", "kind": "k", "params": {}, "description": "d"})
        _put(client, name)
    assert calls[-2:] == [f"PutItem {ITEMS}+along"] * 2 and _names(client) == ["alice", "bob"]
    item = _item(client, "journal:run-4")
    assert item is not None and item["Owner"]["S"] == "run-4" and float(str(item["Expires"]["N"])) > 0
    assert [json.loads(str(r["S"]))["op"] for r in item["Records"]["L"]] == ["run", "intent", "intent"]
    journal.close(remove=True)


def test_a_first_write_that_finds_the_journal_made_appends_to_it(served, tmp_path: Path) -> None:
    client, calls = served
    earlier = {"S": json.dumps({"op": "lease", "key": "k"})}
    client.put_item(
        TableName=TABLE, Item={"LeaseKey": {"S": "journal:run-5"}, "Records": {"L": [earlier]}, "Owner": {"S": "run-5"}}
    )
    journal = Journal.create(
        {"run": "run-5", "scenario": "s.yaml"}, root=tmp_path, mirror=TargetJournal(client, "run-5", new=True)
    )
    calls.clear()
    journal.write({"op": "intent", "id": 1, "step": "s", "kind": "k", "params": {}, "description": "d"})
    _put(client, "alice")  # refused with the Put that would make the journal: appended, then sent again
    assert calls == [f"PutItem {ITEMS}+along", f"UpdateItem {TABLE}", f"PutItem {ITEMS}"]
    records = [json.loads(str(r["S"]))["op"] for r in _item(client, "journal:run-5")["Records"]["L"]]  # type: ignore[index]
    assert records == ["lease", "run", "intent"] and _names(client) == ["alice"]
    journal.close(remove=True)


def test_an_append_along_that_finds_the_journal_gone_makes_it_again(served, tmp_path: Path) -> None:
    client, calls = served
    journal = Journal.create(
        {"run": "run-6", "scenario": "s.yaml"}, root=tmp_path, mirror=TargetJournal(client, "run-6", new=True)
    )
    journal.write({"op": "intent", "id": 1, "step": "s", "kind": "k", "params": {}, "description": "d"})
    _put(client, "alice")
    client.delete_item(TableName=TABLE, Key={"LeaseKey": {"S": "journal:run-6"}})  # gone (a takeover, say)
    calls.clear()
    journal.write({"op": "intent", "id": 2, "step": "s", "kind": "k", "params": {}, "description": "d"})
    _put(client, "bob")  # the short append is refused on a missing item: the full one makes it, then the call
    assert calls == [f"PutItem {ITEMS}+along", f"UpdateItem {TABLE}", f"PutItem {ITEMS}"]
    item = _item(client, "journal:run-6")
    assert item is not None and item["Owner"]["S"] == "run-6" and _names(client) == ["alice", "bob"]
    assert [json.loads(str(r["S"]))["id"] for r in item["Records"]["L"]] == [2]
    journal.close(remove=True)


def test_a_dead_runs_journal_is_appended_to_from_the_first_write(served) -> None:
    """``scenario cleanup`` writes to a journal that exists: no Put to be refused first, and the full append."""
    client, calls = served
    earlier = {"S": json.dumps({"op": "intent", "id": 1})}
    client.put_item(
        TableName=TABLE,
        Item={"LeaseKey": {"S": "journal:run-7"}, "Records": {"L": [earlier]}, "Owner": {"S": "run-7"}},
    )
    remote = TargetJournal(client, "run-7", heartbeat=False)
    calls.clear()
    for _ in range(2):
        remote.write([{"op": "done", "id": 1}])
        _put(client, "alice")
    assert calls == [f"PutItem {ITEMS}+along"] * 2
    item = _item(client, "journal:run-7")
    assert [json.loads(str(r["S"]))["op"] for r in item["Records"]["L"]] == ["intent", "done", "done"]  # type: ignore[index]
    assert float(str(item["Expires"]["N"])) > 0  # type: ignore[index]  # each append keeps it from looking dead
    remote.close(remove=True)


def test_an_endpoint_that_stops_saying_it_takes_writes_along_gets_them_by_themselves(monkeypatch) -> None:
    """Another server on the same address (restarted without it, as AWS would answer): forgotten at its first
    answer, and a write deferred before that answer still reaches the target the usual way."""
    monkeypatch.setattr(leases, "_READY_TABLES", set())
    monkeypatch.delenv(ACCESS_KEY_ENV, raising=False)
    with LocalServer(port=0) as first:
        url, port = first.url, first.port
        clients = Clients.for_local("us-east-1", endpoint_url=url)
        clients.client("dynamodb").list_tables()
        assert along.supported(url)
        clients.close()
    with LocalServer(port=port, writes_along=False) as second:
        assert second.url == url
        clients = Clients.for_local("us-east-1", endpoint_url=url)
        client = clients.client("dynamodb")
        leases.ensure_table_once(client, TABLE)  # its answers say nothing of writes along: forgotten
        assert not along.supported(url)
        run = Leases(client, "run-7")
        run.hold("cognito:pool")
        assert not along.pending() and _item(client, "cognito:pool")["Owner"]["S"] == "run-7"  # type: ignore[index]
        run.release_all()
        assert _item(client, "cognito:pool") is None
        clients.close()
