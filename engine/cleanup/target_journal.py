"""The run journal kept with the target, so that any machine can finish what a killed run left.

A run against a shared target (``--endpoint-url``, ``--target aws``) keeps a copy of its journal
in the target's lease table: one item per run (``journal:<run id>``) holding its records in
order. The item is made with the run's first intent, before the call it announces, and each later
intent appends, in the same request, the records written since (``Journal.write``); the local file
stays as a cache. A run that makes nothing never writes to the target. A
heartbeat keeps the item's ``Expires`` ahead of the clock while the run is alive; a run that ends
with something left sets it in the past (it is finished, not running), and a killed run's item
expires within the lease TTL. Either way its journal is then *dead*: ``scenario cleanup
--endpoint-url`` (or a new run on that target) may finish it. A run that completes its cleanup
deletes its item, in the same request as it gives back its leases.

On a `scenario serve` an intent's append goes with the call that follows it instead of a request of
its own (``engine.aws.along``): applied by the server before that call, so still before it.

The copy is best effort: if the target cannot be reached the creating call that follows cannot
reach it either, and the local file still has the record (forced to disk then: ``on_lost``).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from engine.aws import along
from engine.aws.errors import error_code
from engine.cleanup.heartbeat import Beat, every
from engine.cleanup.journal import RunJournal, parse
from engine.cleanup.leases import ensure_table_once, forget_table, lease_table, lease_ttl

PREFIX = "journal:"


class TargetJournal:
    """The target's copy of one run's journal (``Mirror`` of the local ``Journal``)."""

    def __init__(self, client: BaseClient, run_id: str, *, heartbeat: bool = True, new: bool = False) -> None:
        """``new``: the journal of a run starting now, which nobody else writes to before this process does
        (a ``scenario cleanup`` finishing a dead run's writes to one that exists)."""
        self.client = client
        self.run_id = run_id
        self.table = lease_table()
        self._ttl = lease_ttl()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._beat: Beat | None = None
        self._heartbeat = heartbeat
        self.ok = True  # every record reached the target so far
        self.on_lost: Callable[[], None] = lambda: None  # told when a record did not (``Journal``: to the disk)
        self._removal_handed_over = False
        self._new = new
        self._made = False  # a write reached the target (or may have): the item exists

    @property
    def key(self) -> dict[str, dict[str, str]]:
        return {"LeaseKey": {"S": PREFIX + self.run_id}}

    def open(self) -> None:
        """Make the lease table if need be (raises what the call raises: the run cannot start without it)."""
        ensure_table_once(self.client, self.table)

    def write(self, records: Sequence[Mapping[str, object]], *, now: bool = False) -> None:
        """Append ``records`` (in order) in one request: with the run's next call where the target takes writes
        along with one (``engine.aws.along``; before that call, always), else, or ``now``, by itself."""
        request = self.append_request(records)
        # A new journal's first write, sent along, makes the item with a Put: the same item as the append would
        # make, and the local DynamoDB's Put is a fraction of its UpdateItem (which validates the expression node
        # by node). Should the item exist after all, the Put is refused and the append goes instead.
        first = self._new and not self._made
        items = [{"Put": self._make_request(records)} if first else {"Update": self.along_request(records)}]
        if now or not along.defer(
            self.client.meta.endpoint_url, items, partial(self.send, request), unknown=self._lost
        ):
            along.flush()  # what waits for the next call goes first: the records stay in order
            self.send(request)
        self.written(records)

    def send(self, request: Mapping[str, object]) -> None:
        """Send one ``append_request`` by itself (``ok`` says whether it got there)."""
        with self._lock:
            self._send(dict(request))

    def written(self, records: Sequence[Mapping[str, object]]) -> None:
        """``records`` reached the target: the heartbeat keeps the item alive from now on."""
        self._made = True
        ended = _ends(records)
        if self._heartbeat and self._beat is None and not ended and not self._stop.is_set():
            self._beat = every(self._ttl / 3, self._beating)

    def append_request(self, records: Sequence[Mapping[str, object]]) -> dict[str, object]:
        """The UpdateItem parameters that append ``records``: sent by ``write``, or by a caller within a
        transaction of its own (``Leases.hold(along=...)``), which then says so with ``written``."""
        ended = _ends(records)
        expires = 0.0 if ended else time.time() + self._ttl
        return self._request(
            "SET #records = list_append(if_not_exists(#records, :empty), :record), Expires = :exp, #owner = :me",
            {
                ":empty": {"L": []},
                ":record": _as_list(records),
                ":exp": {"N": f"{expires:.3f}"},
                ":me": {"S": self.run_id},
            },
            {"#records": "Records", "#owner": "Owner"},
        )

    def along_request(self, records: Sequence[Mapping[str, object]]) -> dict[str, object]:
        """``append_request``, or once a new journal's item is made, the same append without making it or
        moving its ``Expires`` (its heartbeat does): for a request whose failure is followed by ``append_request``
        sent by itself (a write sent along that is refused, the leases' transaction), so a missing item still
        ends up made. Half the local DynamoDB's work of the full one."""
        ended = _ends(records)
        if not (self._new and self._heartbeat and self._made) or ended:
            return self.append_request(records)
        return self._request(
            "SET #records = list_append(#records, :record)",
            {":record": _as_list(records)},
            {"#records": "Records"},
        )

    def _make_request(self, records: Sequence[Mapping[str, object]]) -> dict[str, object]:
        """The Put that makes the item ``append_request`` would make from none, if there is none."""
        update = self.append_request(records)
        values: dict[str, dict[str, object]] = update["ExpressionAttributeValues"]  # type: ignore[assignment]
        return {
            "TableName": self.table,
            "Item": {**self.key, "Records": values[":record"], "Expires": values[":exp"], "Owner": values[":me"]},
            "ConditionExpression": "attribute_not_exists(LeaseKey)",
        }

    def hand_over_removal(self) -> Mapping[str, object]:
        """This item's key, for a caller that deletes it with the run's leases (``Leases.release_all``)."""
        self._stop_beating()  # no beat may recreate the item once it is deleted
        with self._lock:
            self._removal_handed_over = True
        return self.key

    def close(self, *, remove: bool) -> None:
        self._stop_beating()
        if remove and not self._removal_handed_over:
            with self._lock, contextlib.suppress(ClientError, BotoCoreError):
                self.client.delete_item(TableName=self.table, Key=self.key)

    def _stop_beating(self) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.cancel()

    def _beating(self) -> None:
        """Every third of the TTL (``engine.cleanup.heartbeat``): the item's ``Expires`` a TTL ahead."""
        with self._lock:
            if self._stop.is_set():
                return
            self._send(
                self._request(
                    "SET Expires = :exp",
                    {":exp": {"N": f"{time.time() + self._ttl:.3f}"}},
                    {},
                    condition="attribute_exists(LeaseKey)",
                )
            )

    def _request(
        self, expression: str, values: dict[str, object], names: dict[str, str], condition: str | None = None
    ) -> dict[str, object]:
        return {
            "TableName": self.table,
            "Key": self.key,
            "UpdateExpression": expression,
            "ExpressionAttributeValues": values,
            **({"ExpressionAttributeNames": names} if names else {}),
            **({"ConditionExpression": condition} if condition else {}),
        }

    def _send(self, request: dict[str, object]) -> None:
        try:
            try:
                self.client.update_item(**request)
            except ClientError as exc:
                if error_code(exc) != "ResourceNotFoundException" or "ConditionExpression" in request:
                    raise
                # The table this process made is gone (a restarted `scenario serve`): make it again.
                forget_table(self.client, self.table)
                ensure_table_once(self.client, self.table)
                self.client.update_item(**request)
        except (ClientError, BotoCoreError):
            self._lost()

    def _lost(self) -> None:
        """A record may not have reached the target."""
        self.ok = False
        self.on_lost()


def _ends(records: Sequence[Mapping[str, object]]) -> bool:
    """Whether ``records`` hold the run's end (its journal is finished, not running)."""
    return any(record.get("op") == "end" for record in records)


def _as_list(records: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """``records`` as the DynamoDB list the item's ``Records`` holds, one JSON string each."""
    return {"L": [{"S": json.dumps(record, default=str)} for record in records]}


@dataclass
class TargetRun:
    """A run's journal as the target keeps it, and whether the run still looks alive."""

    journal: RunJournal
    alive: bool


def runs_on_target(client: BaseClient) -> list[TargetRun]:
    """Every run journal the target keeps, oldest first (none when there is no lease table yet)."""
    table = lease_table()
    items: list[dict[str, dict[str, object]]] = []
    kwargs: dict[str, object] = {
        "TableName": table,
        "FilterExpression": "begins_with(LeaseKey, :prefix)",
        "ExpressionAttributeValues": {":prefix": {"S": PREFIX}},
    }
    try:
        while True:
            page = client.scan(**kwargs)
            items.extend(page.get("Items", []))
            if not page.get("LastEvaluatedKey"):
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return []
        raise
    now = time.time()
    runs = []
    for item in items:
        run_id = str(item["LeaseKey"].get("S", ""))[len(PREFIX) :]
        records = item.get("Records", {}).get("L")
        lines = [str(r.get("S", "")) for r in records if isinstance(r, dict)] if isinstance(records, list) else []
        expires = float(str(item.get("Expires", {}).get("N", "0")))
        runs.append(TargetRun(parse(Path(f"{run_id}.jsonl"), lines), alive=expires > now))
    return sorted(runs, key=lambda r: float(r.journal.header.get("started", 0)))
