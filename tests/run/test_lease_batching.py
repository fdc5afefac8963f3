"""Leases taken and given back in as few requests as the guarantees allow: free keys are taken together
(TransactWriteItems), a key held by another run falls back to taking one at a time (waiting, or taking
over a dead run's lease), and the end of a run gives back its leases and deletes its journal's target
copy in one request; a free lease an intent needs goes in the intent's request. Against a real
``scenario serve`` (LocalServer) with boto3, counting the calls."""

from __future__ import annotations

import json
import threading
import time

from botocore.client import BaseClient

from engine.cleanup import leases
from engine.cleanup.journal import Journal
from engine.cleanup.leases import Leases, LeaseTimeout
from engine.cleanup.target_journal import TargetJournal
from engine.cleanup.undo import UndoContext, UndoStack

TABLE = leases.DEFAULT_TABLE


def _owner(client: BaseClient, key: str) -> str | None:
    item = client.get_item(TableName=TABLE, Key={"LeaseKey": {"S": key}}).get("Item")
    return None if item is None else str(item["Owner"]["S"])


def test_free_keys_are_taken_in_one_request_and_given_back_with_the_journal_in_one(dynamodb) -> None:
    client, calls = dynamodb
    taken: list[str] = []
    run = Leases(client, "run-1", on_take=taken.append)
    run.hold("cognito:pool")  # makes the table
    client.put_item(TableName=TABLE, Item={"LeaseKey": {"S": "journal:run-1"}, "Owner": {"S": "run-1"}})
    calls.clear()
    run.hold("cognito:pool:PreSignUp", "cognito:pool:PostAuthentication", "cognito:pool")
    assert calls == ["TransactWriteItems"]  # the pool's was held already: counted, not taken again
    assert taken == ["cognito:pool", "cognito:pool:PreSignUp", "cognito:pool:PostAuthentication"]
    assert _owner(client, "cognito:pool:PostAuthentication") == "run-1"
    run.release("cognito:pool")
    assert _owner(client, "cognito:pool") == "run-1"  # held twice: still held once
    calls.clear()
    run.release_all(also_delete={"LeaseKey": {"S": "journal:run-1"}})
    assert calls == ["TransactWriteItems"]
    for key in ("cognito:pool", "cognito:pool:PreSignUp", "cognito:pool:PostAuthentication", "journal:run-1"):
        assert _owner(client, key) is None


def test_a_key_another_live_run_holds_is_waited_for_and_none_is_taken_meanwhile(dynamodb) -> None:
    client, _ = dynamodb
    other = Leases(client, "run-other")
    other.hold("cognito:pool:PreSignUp")
    run = Leases(client, "run-1", wait=0.5)
    started = time.monotonic()
    try:
        run.hold("cognito:pool:PostAuthentication", "cognito:pool:PreSignUp")
    except LeaseTimeout as exc:
        assert "held by run run-other" in exc.message
    else:
        raise AssertionError("the lease another run holds was taken")
    assert time.monotonic() - started >= 0.5
    # one at a time, in order: the free one was taken before the wait, and stays this run's until its end
    assert _owner(client, "cognito:pool:PostAuthentication") == "run-1"
    assert _owner(client, "cognito:pool:PreSignUp") == "run-other"
    run.release_all()
    other.release_all()
    assert _owner(client, "cognito:pool:PostAuthentication") is None
    assert _owner(client, "cognito:pool:PreSignUp") is None


def test_a_dead_runs_lease_among_them_is_taken_over_one_at_a_time(dynamodb) -> None:
    client, calls = dynamodb
    dead = Leases(client, "run-dead", ttl=1.0)
    dead.hold("cognito:pool:PreSignUp")
    dead._stop.set()  # its heartbeat stops, as when the process is killed
    time.sleep(1.2)
    took_over: list[str] = []
    run = Leases(client, "run-1", on_takeover=took_over.append)
    calls.clear()
    run.hold("cognito:pool:PreSignUp", "cognito:pool")
    assert calls[0] == "TransactWriteItems" and "PutItem" in calls  # tried together, then one at a time
    assert took_over == ["run-dead"]
    assert _owner(client, "cognito:pool:PreSignUp") == "run-1" and _owner(client, "cognito:pool") == "run-1"


def test_a_lease_that_is_not_ours_any_more_does_not_stop_the_others_being_given_back(dynamodb) -> None:
    client, _ = dynamodb
    run = Leases(client, "run-1")
    run.hold("cognito:pool:PreSignUp", "cognito:pool")
    # Expired meanwhile and taken by another run: it is theirs now, and stays so.
    client.put_item(
        TableName=TABLE,
        Item={"LeaseKey": {"S": "cognito:pool"}, "Owner": {"S": "run-2"}, "Expires": {"N": str(time.time() + 60)}},
    )
    client.put_item(TableName=TABLE, Item={"LeaseKey": {"S": "journal:run-1"}, "Owner": {"S": "run-1"}})
    run.release_all(also_delete={"LeaseKey": {"S": "journal:run-1"}})
    assert _owner(client, "cognito:pool") == "run-2"
    assert _owner(client, "cognito:pool:PreSignUp") is None
    assert _owner(client, "journal:run-1") is None


def test_the_journals_a_target_keeps_are_read_once_per_lease_ttl_and_again_after_a_run_left_something(
    dynamodb, monkeypatch
) -> None:
    from engine.cleanup import recovery
    from engine.run.targets import open_target

    client, _ = dynamodb
    monkeypatch.setattr(recovery, "_CHECKED", {})
    target = open_target("local", region="us-east-1", endpoint_url=client.meta.endpoint_url, profile=None)
    calls: list[str] = []
    target.clients.uncounted().client("dynamodb").meta.events.register(
        "before-call.dynamodb.Scan", lambda model, **_: calls.append(model.name), unique_id="count-scans"
    )
    said: list[str] = []
    scans = lambda: [c for c in calls if c == "Scan"]  # noqa: E731
    recovery.finish_before_run(target, said.append, run_id="run-1")
    assert len(scans()) == 1
    recovery.finish_before_run(target, said.append, run_id="run-2")
    assert len(scans()) == 1  # within the TTL: not read again
    recovery.forget_checked(target)  # what a run of this process that left something does
    recovery.finish_before_run(target, said.append, run_id="run-3")
    assert len(scans()) == 2
    monkeypatch.setenv(leases.TTL_ENV, "1")
    time.sleep(1.05)
    recovery.finish_before_run(target, said.append, run_id="run-4")
    assert len(scans()) == 3  # the TTL has passed
    assert said == []
    target.clients.uncounted().client("dynamodb").meta.events.unregister(
        "before-call.dynamodb.Scan", unique_id="count-scans"
    )
    target.close()


def test_a_lease_given_back_goes_with_the_next_request_or_within_the_linger(dynamodb) -> None:
    client, calls = dynamodb
    run = Leases(client, "run-1")
    with run.lease("cognito:pool"):
        pass
    assert _owner(client, "cognito:pool") == "run-1"  # given back, still this run's for a moment
    calls.clear()
    run.hold("dynamodb:t:item")
    assert calls == ["TransactWriteItems"]  # the pool's deletion went with the item's lease
    assert _owner(client, "cognito:pool") is None and _owner(client, "dynamodb:t:item") == "run-1"

    with run.lease("cognito:pool"):
        pass
    time.sleep(leases.LINGER + 0.3)
    assert _owner(client, "cognito:pool") is None  # nobody asked: the timer gave it back

    with run.lease("cognito:pool"):
        pass
    calls.clear()
    with run.lease("cognito:pool"):  # taken again at once: still ours, no request
        assert calls == []
        assert _owner(client, "cognito:pool") == "run-1"
    run.release_all()
    assert _owner(client, "cognito:pool") is None and _owner(client, "dynamodb:t:item") is None


def test_a_run_that_must_wait_gives_back_what_lingers_first(dynamodb, monkeypatch) -> None:
    client, _ = dynamodb
    monkeypatch.setattr(leases, "LINGER", 30.0)  # so that only giving it back before the wait explains it
    other = Leases(client, "run-other")
    other.hold("dynamodb:t:item")
    run = Leases(client, "run-1", wait=0.5)
    with run.lease("cognito:pool"):
        pass
    try:
        run.hold("dynamodb:t:item")
    except LeaseTimeout:
        pass
    else:
        raise AssertionError("the lease another run holds was taken")
    assert _owner(client, "cognito:pool") is None  # not held while it waited
    run.release_all()
    other.release_all()


def _wired(client: BaseClient, tmp_path, run_id: str) -> tuple[Journal, Leases, UndoStack]:
    """A run's journal (local file + the target's copy), its leases (journalled as the runner does) and undo stack."""
    mirror = TargetJournal(client, run_id, heartbeat=False)
    mirror.open()
    journal = Journal.create({"run": run_id}, root=tmp_path, mirror=mirror)
    run = Leases(client, run_id, on_take=lambda key: journal.write({"op": "lease", "key": key}))
    return journal, run, UndoStack(UndoContext(None, run), journal)  # type: ignore[arg-type]


def _target_records(client: BaseClient, run_id: str) -> list[dict[str, object]]:
    item = client.get_item(TableName=TABLE, Key={"LeaseKey": {"S": f"journal:{run_id}"}}).get("Item") or {}
    return [json.loads(r["S"]) for r in item.get("Records", {}).get("L", [])]


def test_a_free_lease_goes_in_the_same_request_as_the_intent_that_needs_it(dynamodb, tmp_path, monkeypatch) -> None:
    client, calls = dynamodb
    monkeypatch.setattr(leases, "LINGER", 30.0)  # a busy machine may take longer than 0.1 s to the intent
    journal, run, stack = _wired(client, tmp_path, "run-1")
    run.hold("cognito:pool")
    run.release("cognito:pool")  # lingers: its deletion goes in the same request too
    calls.clear()
    stack.intend("restore_item", {"table": "t"}, "delete item k from table t", leases=["dynamodb:t:k"])
    assert calls == ["TransactWriteItems"]
    assert _owner(client, "dynamodb:t:k") == "run-1" and _owner(client, "cognito:pool") is None
    ops = [r["op"] for r in _target_records(client, "run-1")]
    assert ops == ["run", "lease", "intent"]  # the header, the pool's lease, then the intent: not the item's lease yet
    local = [json.loads(line)["op"] for line in journal.path.read_text().splitlines()]
    assert local == ["run", "lease", "lease", "intent"]  # on disk, the item's lease before its intent
    calls.clear()
    stack.intend("delete_user", {"user_name": "u"}, "delete user u")  # the next intent carries the item's lease
    assert calls == ["UpdateItem"]
    assert [r["op"] for r in _target_records(client, "run-1")] == ["run", "lease", "intent", "lease", "intent"]
    run.release_all()
    journal.close(remove=True)


def test_an_intent_whose_lease_another_run_holds_is_recorded_nowhere_until_the_lease_is_this_runs(
    dynamodb, tmp_path
) -> None:
    client, _ = dynamodb
    other = Leases(client, "run-other")
    other.hold("dynamodb:t:k")
    journal, run, stack = _wired(client, tmp_path, "run-1")
    done = threading.Event()
    worker = threading.Thread(
        target=lambda: (stack.intend("restore_item", {}, "delete item k", leases=["dynamodb:t:k"]), done.set())
    )
    worker.start()
    time.sleep(0.6)  # waiting for run-other's lease
    assert not done.is_set()
    assert "intent" not in journal.path.read_text() and _target_records(client, "run-1") == []
    other.release_all()
    worker.join(timeout=10)
    assert done.is_set()
    assert _owner(client, "dynamodb:t:k") == "run-1"
    assert [r["op"] for r in _target_records(client, "run-1")] == ["run", "lease", "intent"]
    run.release_all()
    journal.close(remove=True)
