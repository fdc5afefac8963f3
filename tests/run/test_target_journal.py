"""The journal's writes are proportionate: only an intent waits for the target (or, when the target's copy
did not get it, for the disk), and carries the records written since; a run that makes nothing never
writes to the target. Against a real
``scenario serve`` (LocalServer) with boto3, counting the DynamoDB calls."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config

from engine.aws.clients import LOCAL_CREDENTIALS
from engine.cleanup import journal as journal_module
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


def _counting_fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The file descriptors the journal forces to disk, in order (each one still forced)."""
    forced: list[int] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        forced.append(fd)
        real(fd)

    monkeypatch.setattr(journal_module.os, "fsync", fsync)
    return forced


def test_an_intent_the_targets_copy_keeps_does_not_wait_for_the_disk(
    dynamodb: tuple[BaseClient, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = dynamodb
    journal = _journal(client, tmp_path, "run-d")
    forced = _counting_fsyncs(monkeypatch)
    journal.write({"op": "intent", "id": 1, "step": "s", "kind": "k", "params": {}, "description": "d"})
    assert forced == []  # the copy on the target is what survives a crash of this machine
    assert [r["op"] for r in _records(client, "run-d")] == ["run", "intent"]
    assert read(journal.path).entries[0].state == "pending"  # and the local file has it at once
    journal.close(remove=True)


def test_an_intent_the_targets_copy_did_not_get_is_forced_to_disk(
    dynamodb: tuple[BaseClient, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A target that cannot be reached (nothing listens on that port; no retries): every write to the copy fails.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gone = boto3.session.Session(**LOCAL_CREDENTIALS, region_name="us-east-1").client(
        "dynamodb", endpoint_url=f"http://127.0.0.1:{port}", config=Config(retries={"max_attempts": 1})
    )
    mirror = TargetJournal(gone, "run-e", heartbeat=False)
    journal = Journal.create({"run": "run-e", "scenario": "s.yaml"}, root=tmp_path, mirror=mirror)
    forced = _counting_fsyncs(monkeypatch)
    journal.write({"op": "intent", "id": 1, "step": "s", "kind": "k", "params": {}, "description": "d"})
    assert not mirror.ok and len(forced) == 1
    journal.write({"op": "needed", "id": 1, "step": "s"})
    assert len(forced) == 1  # only an intent waits for the disk
    journal.write({"op": "intent", "id": 2, "step": "s", "kind": "k", "params": {}, "description": "d"})
    assert len(forced) == 2
    assert [e.id for e in read(journal.path).entries] == [1, 2]
    journal.close(remove=True)
