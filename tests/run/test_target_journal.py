"""The journal's writes are proportionate: only an intent waits for the disk and the target, and carries
the records written since; a run that makes nothing never writes to the target. Against a real
``scenario serve`` (LocalServer) with boto3, counting the DynamoDB calls."""

from __future__ import annotations

import json
from pathlib import Path

from botocore.client import BaseClient

from engine.cleanup import leases
from engine.cleanup.journal import Journal, read
from engine.cleanup.target_journal import TargetJournal, runs_on_target


def _journal(client: BaseClient, tmp_path: Path, run_id: str) -> Journal:
    leases.ensure_table_once(client, leases.DEFAULT_TABLE)
    mirror = TargetJournal(client, run_id, heartbeat=False)
    return Journal.create({"run": run_id, "scenario": "s.yaml"}, root=tmp_path, mirror=mirror)


def _records(client: BaseClient, run_id: str) -> list[dict[str, object]]:
    item = client.get_item(TableName=leases.DEFAULT_TABLE, Key={"LeaseKey": {"S": f"journal:{run_id}"}}).get("Item")
    if item is None:
        return []
    return [json.loads(str(r["S"])) for r in item["Records"]["L"]]


def test_an_intent_carries_every_record_before_it_in_one_request(
    dynamodb: tuple[BaseClient, list[str]], tmp_path: Path
) -> None:
    client, calls = dynamodb
    journal = _journal(client, tmp_path, "run-a")
    calls.clear()
    journal.write({"op": "lease", "key": "cognito:pool"})
    assert calls == []  # neither the header nor a lease waits for the target
    journal.write({"op": "intent", "id": 1, "step": "s", "kind": "k", "params": {}, "description": "d"})
    assert calls == ["UpdateItem"]
    assert [r["op"] for r in _records(client, "run-a")] == ["run", "lease", "intent"]
    calls.clear()
    journal.write({"op": "needed", "id": 1, "step": "s"})
    journal.write({"op": "done", "id": 1, "step": "s"})
    assert calls == []
    # ...but the local file has every record at once: a killed process loses none of them
    assert read(journal.path).entries[0].state == "done"
    journal.close(remove=True)
    assert calls == ["DeleteItem"]
    assert _records(client, "run-a") == [] and not journal.path.exists()


def test_a_run_that_makes_nothing_never_writes_to_the_target(
    dynamodb: tuple[BaseClient, list[str]], tmp_path: Path
) -> None:
    client, calls = dynamodb
    journal = _journal(client, tmp_path, "run-b")
    calls.clear()
    journal.write({"op": "lease", "key": "cognito:pool"})
    journal.close(remove=True)
    assert calls == []


def test_a_journal_kept_sends_what_is_left_and_reads_back_as_finished(
    dynamodb: tuple[BaseClient, list[str]], tmp_path: Path
) -> None:
    client, calls = dynamodb
    journal = _journal(client, tmp_path, "run-c")
    journal.write({"op": "intent", "id": 1, "step": "s", "kind": "k", "params": {}, "description": "d"})
    journal.write({"op": "needed", "id": 1, "step": "s"})
    journal.write({"op": "end", "outcome": "failed"})
    calls.clear()
    journal.close(remove=False)
    assert calls == ["UpdateItem"]
    assert [r["op"] for r in _records(client, "run-c")] == ["run", "intent", "needed", "end"]
    (run,) = runs_on_target(client)
    assert (run.alive, run.journal.outcome, [e.state for e in run.journal.left]) == (False, "failed", ["needed"])
