"""Leases: runs that share a user pool take turns on what they change.

A lease is an item in a DynamoDB table of the target (``scenario-run-leases``, made on first
use; ``SCENARIO_RUN_LEASE_TABLE`` names another) with an owner and an expiry, taken with a
conditional write, so it works across processes and machines, and on `scenario serve` the same
way as on AWS. The process's heartbeat clock (``engine.cleanup.heartbeat``) extends the leases a
run holds; a killed run's leases expire (or `scenario cleanup` releases them). Waiting is shown
and bounded.

The embedded local AWS lives in one process that runs one scenario at a time: it needs none
(``NoLeases``).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from engine.aws import along as writes_along
from engine.aws.errors import error_code
from engine.cleanup import heartbeat
from engine.errors import StepFailed

TABLE_ENV = "SCENARIO_RUN_LEASE_TABLE"
DEFAULT_TABLE = "scenario-run-leases"
TTL_ENV = "SCENARIO_RUN_LEASE_TTL"
TTL = 60.0
DEFAULT_WAIT = 600.0
# How long a lease given back stays this run's, so that giving it back goes with the run's next lease
# request (or its end) instead of a request of its own; a run waiting for it waits this much longer at most.
LINGER = 0.1
# Lease tables known to exist, by (endpoint, region, name): each run of a process would otherwise pay a
# CreateTable and a DescribeTable before its first lease.
_READY_TABLES: set[tuple[str | None, str | None, str]] = set()


def lease_ttl() -> float:
    """How long a killed run's leases and target journal stay "alive" (``SCENARIO_RUN_LEASE_TTL`` seconds)."""
    try:
        return max(1.0, float(os.environ.get(TTL_ENV) or TTL))
    except ValueError:
        return TTL


def lease_table() -> str:
    return os.environ.get(TABLE_ENV) or DEFAULT_TABLE


def ensure_table_once(client: BaseClient, table: str) -> None:
    """``ensure_table``, once per process and endpoint (a table found gone later is made again by its user)."""
    key = (client.meta.endpoint_url, client.meta.region_name, table)
    if key not in _READY_TABLES:
        ensure_table(client, table)
        _READY_TABLES.add(key)


def forget_table(client: BaseClient, table: str) -> None:
    """The table is gone (a restarted `scenario serve`): the next ``ensure_table_once`` makes it again."""
    _READY_TABLES.discard((client.meta.endpoint_url, client.meta.region_name, table))


def ensure_table(client: BaseClient, table: str) -> None:
    """Make the lease table on first use (several runs may race to make it: all of them win)."""
    with contextlib.suppress(ClientError):  # one call when it is there, as it is but for the first run
        status = client.describe_table(TableName=table)["Table"].get("TableStatus")
        if status == "ACTIVE":
            return
    try:
        client.create_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": "LeaseKey", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "LeaseKey", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    except ClientError as exc:
        if error_code(exc) not in ("ResourceInUseException", "TableAlreadyExistsException"):
            raise
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60})


class LeaseTimeout(StepFailed):
    """A lease could not be had in time: another run holds it."""


class NoLeases:
    """Leases where nothing else can run at the same time."""

    shared = False  # can another run change the same resources meanwhile?

    @contextlib.contextmanager
    def lease(self, key: str) -> Iterator[None]:
        yield

    def hold(
        self,
        *keys: str,
        along: Mapping[str, object] | None = None,
        on_held: Callable[[bool], None] | None = None,
    ) -> bool:
        if on_held is not None:
            on_held(False)
        return False

    def release(self, key: str) -> None:
        pass

    def release_all(self, *, also_delete: Mapping[str, object] | None = None) -> None:
        pass


class Leases(NoLeases):
    """Leases in the target's lease table, owned by ``owner`` (a run id)."""

    shared = True

    def __init__(
        self,
        client: BaseClient,
        owner: str,
        *,
        on_wait: Callable[[str], None] = lambda text: None,
        on_take: Callable[[str], None] = lambda key: None,
        on_takeover: Callable[[str], None] = lambda owner: None,
        wait: float = DEFAULT_WAIT,
        ttl: float | None = None,
    ) -> None:
        self.client = client
        self.owner = owner
        self.table = lease_table()
        self._on_wait = on_wait
        self._on_take = on_take
        self._on_takeover = on_takeover
        self._wait = wait
        self._ttl = lease_ttl() if ttl is None else ttl
        self._held: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat: heartbeat.Beat | None = None
        self._table_ready = False
        # Given back, not deleted yet (``LINGER``): deleted with the next lease request, by the clock
        # (``heartbeat.once``), or at the end.
        self._lingering: set[str] = set()
        self._linger_timer: heartbeat.Beat | None = None  # the clock's one-off call that deletes them

    @contextlib.contextmanager
    def lease(self, key: str) -> Iterator[None]:
        """Hold ``key`` for the ``with`` block (re-entrant)."""
        self.hold(key)
        try:
            yield
        finally:
            self.release(key)

    def hold(
        self,
        *keys: str,
        along: Mapping[str, object] | None = None,
        on_held: Callable[[bool], None] | None = None,
    ) -> bool:
        """Take ``keys`` until ``release``/``release_all`` (waits, bounded, while another owner holds one).

        Keys not held yet are taken in one request (TransactWriteItems) when none of them has an owner,
        together with the deletion of the leases given back meanwhile and the ``along`` write (an ``Update``
        of that request: the intent that follows the lease, ``UndoStack.intend``); otherwise those are deleted
        first and the keys taken one at a time, in the order given, as ``_hold_one`` takes them. True when
        ``along`` was written with them; else the caller writes it itself. ``on_held(sent)`` is told the same
        once the keys are the run's.

        On a target that takes writes along with a call (``engine.aws.along``) that request goes with the run's
        next call instead, applied before it: the keys count as held from now on, and ``on_held`` is told when
        the server applied it, or, when it refused it (a key has an owner), once they were taken as above.
        """
        with self._lock:
            new: list[str] = []
            for key in keys:
                if key in new:
                    continue  # named twice: taken once
                if key in self._lingering:  # given back a moment ago and still ours: kept, no request
                    self._lingering.discard(key)
                    self._held[key] = 1
                elif self._held[key]:
                    self._held[key] += 1
                else:
                    new.append(key)
        if not new:
            if on_held is not None:
                on_held(False)
            return False
        self._ensure_table()
        if self._take_with_next_call(new, along, on_held):
            for key in new:
                self._taken(key)
            return along is not None
        sent = self._take(new, along, record=True)
        if on_held is not None:
            on_held(sent)
        return sent

    def _take(self, new: list[str], along: Mapping[str, object] | None, *, record: bool) -> bool:
        """Take ``new`` (none held yet), in one request with the lingering deletions and ``along`` when they
        are free (True), else one at a time (False: ``along`` is left to the caller); ``record`` each as taken
        (``_taken``) unless that was done already."""
        if (len(new) > 1 or self._lingering or along is not None) and self._take_free(new, along):
            if record:
                for key in new:
                    self._taken(key)
            return along is not None
        self._flush_lingering()  # never wait for a lease while holding one given back
        for key in new:
            self._hold_one(key, record=record)
        return False

    def _take_with_next_call(
        self, new: list[str], along: Mapping[str, object] | None, on_held: Callable[[bool], None] | None
    ) -> bool:
        """``hold``'s request, deferred to the run's next call where the target allows it (True)."""
        endpoint = self.client.meta.endpoint_url
        if not writes_along.supported(endpoint):
            return False
        with self._lock:
            gone = sorted(self._lingering)
        items = [
            *({"Delete": self._delete_request(key)} for key in gone),
            *({"Put": self._free_put(key)} for key in new),
            *([{"Update": dict(along)}] if along is not None else []),
        ]

        def applied() -> None:
            with self._lock:
                self._lingering.difference_update(gone)
            if on_held is not None:
                on_held(along is not None)

        def refused() -> None:  # a key has an owner (or the table is gone): taken the usual way
            sent = self._take(new, along, record=False)  # recorded when deferred
            if on_held is not None:
                on_held(sent)

        return writes_along.defer(endpoint, items, refused, applied=applied)

    def _take_free(self, keys: list[str], along: Mapping[str, object] | None = None) -> bool:
        """Take every one of ``keys`` at once if none has an owner, deleting the lingering leases and writing
        ``along`` in the same request (else do none of it): True when done."""
        puts = [{"Put": self._free_put(key)} for key in keys]
        with self._lock:
            gone = sorted(self._lingering)
        deletes = [{"Delete": self._delete_request(key)} for key in gone]
        try:
            self.client.transact_write_items(
                TransactItems=[*deletes, *puts, *([{"Update": dict(along)}] if along is not None else [])]
            )
        except ClientError:
            return False  # one is held (maybe by a dead run), or the table is gone: one at a time sorts it out
        with self._lock:
            self._lingering.difference_update(gone)
        return True

    def _free_put(self, key: str) -> dict[str, object]:
        """The Put that takes ``key`` if it has no owner (within a transaction)."""
        return {
            "TableName": self.table,
            "Item": {
                "LeaseKey": {"S": key},
                "Owner": {"S": self.owner},
                "Expires": {"N": f"{time.time() + self._ttl:.3f}"},
            },
            "ConditionExpression": "attribute_not_exists(LeaseKey)",
        }

    def _hold_one(self, key: str, *, record: bool = True) -> None:
        deadline = time.monotonic() + self._wait
        announced = False
        while True:
            taken = self._try_take(key)
            if taken is not None and taken in ("", self.owner):
                break
            if taken is not None:
                # The lease of a run that stopped beating (killed): what it made is undone before this
                # run reads the values it will restore, or it would keep the dead run's as its own. The
                # lease is given back meanwhile, so that undo can take it as the dead run.
                self._delete(key)
                self._on_takeover(taken)
                continue
            holder = self._holder(key)
            if time.monotonic() >= deadline:
                raise LeaseTimeout(
                    f"waited {self._wait:g}s for the lease on {key}, held by run {holder}",
                    code="LeaseTimeout",
                    hint="another run is using this pool; wait for it, or if it was killed run `scenario cleanup`",
                )
            if not announced:
                self._on_wait(f"waiting for the lease on {key}, held by run {holder}")
                announced = True
            time.sleep(0.2)
        if record:
            self._taken(key)

    def _taken(self, key: str) -> None:
        self._on_take(key)
        with self._lock:
            self._held[key] += 1
            if self._beat is None and not self._stop.is_set():
                self._beat = heartbeat.every(self._ttl / 3, self._heartbeat)

    def release_all(self, *, also_delete: Mapping[str, object] | None = None) -> None:
        """Give back every lease held, and delete the item keyed ``also_delete`` (the run's journal on the
        target) in the same request; a lease that cannot be given back (the target is unreachable) expires."""
        writes_along.flush()  # a write still waiting for a call that never came goes first, by itself
        self._stop.set()
        if self._beat is not None:
            self._beat.cancel()
        keys = self._forget_all()
        deletes = self._release_items(keys, also_delete)
        if len(deletes) > 1:
            with contextlib.suppress(ClientError, BotoCoreError):
                self.client.transact_write_items(TransactItems=deletes)
                return
        # One at a time (one of them is not ours any more, or there is only one): each as far as it goes.
        for key in keys:
            self._delete(key)
        if also_delete is not None:
            with contextlib.suppress(ClientError, BotoCoreError):
                self.client.delete_item(TableName=self.table, Key=dict(also_delete))

    def release_items(self, *, also_delete: Mapping[str, object] | None = None) -> list[dict[str, object]]:
        """What ``release_all`` would write now, as TransactWriteItems items: for a caller that sends it with the
        run's last call (``engine.aws.along.offer_end``), then says so with ``released``."""
        with self._lock:
            keys = [*self._held, *sorted(self._lingering)]
        return self._release_items(keys, also_delete)

    def released(self) -> None:
        """What ``release_items`` gave was written: every lease the run held is given back (a later ``release``
        of one of them does nothing; one taken after this is the run's again until ``release_all``)."""
        self._forget_all()

    def _forget_all(self) -> list[str]:
        """Every lease held or lingering, counted as the run's no more (the linger timer stopped)."""
        with self._lock:
            keys = [*self._held, *sorted(self._lingering)]  # disjoint: a lease taken again leaves the lingering
            self._held.clear()
            self._lingering.clear()
            timer, self._linger_timer = self._linger_timer, None
        if timer is not None:
            timer.cancel()
        return keys

    def _release_items(self, keys: list[str], also_delete: Mapping[str, object] | None) -> list[dict[str, object]]:
        deletes: list[dict[str, object]] = [{"Delete": self._delete_request(key)} for key in keys]
        if also_delete is not None:
            deletes.append({"Delete": {"TableName": self.table, "Key": dict(also_delete)}})
        return deletes

    def release_keys(self, keys: list[str]) -> None:
        """Release ``keys`` if this owner still holds them (`scenario cleanup` for a dead run)."""
        for key in keys:
            self._delete(key)

    def release(self, key: str) -> None:
        """Give back one ``hold`` of ``key``; once the last is given back the lease is deleted with this run's
        next lease request, or within ``LINGER`` seconds, whichever comes first."""
        # Taken with a call that never came (``engine.aws.along``)? Taken now, so that giving it back holds.
        writes_along.flush()
        with self._lock:
            if key not in self._held:
                return  # given back already, with the rest of the run's leases (``released``)
            self._held[key] -= 1
            if self._held[key] > 0:
                return
            del self._held[key]
            self._lingering.add(key)
            if self._linger_timer is None:
                self._linger_timer = heartbeat.once(LINGER, self._flush_lingering)

    def _flush_lingering(self) -> None:
        """Delete the leases given back and not yet deleted (under the lock: a ``hold`` of the same key decides
        only once its deletion is done, so the deletion can never remove the lease taken again)."""
        with self._lock:
            timer, self._linger_timer = self._linger_timer, None
            if timer is not None:
                timer.cancel()  # done now (if it is the one calling, cancelling it changes nothing)
            for key in sorted(self._lingering):
                self._delete(key)
            self._lingering.clear()

    def _try_take(self, key: str) -> str | None:
        """None when another owner holds ``key``; else the owner of the lease it replaced ("" if none)."""
        try:
            return self._put_lease(key)
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
        # The table an earlier run made is gone (a restarted `scenario serve`): make it again, then take.
        forget_table(self.client, self.table)
        self._table_ready = False
        self._ensure_table()
        return self._put_lease(key)

    def _put_lease(self, key: str) -> str | None:
        now = time.time()
        try:
            replaced = (
                self.client.put_item(
                    TableName=self.table,
                    Item={
                        "LeaseKey": {"S": key},
                        "Owner": {"S": self.owner},
                        "Expires": {"N": f"{now + self._ttl:.3f}"},
                    },
                    ConditionExpression="attribute_not_exists(LeaseKey) OR Expires < :now OR #owner = :me",
                    ExpressionAttributeNames={"#owner": "Owner"},
                    ExpressionAttributeValues={":now": {"N": f"{now:.3f}"}, ":me": {"S": self.owner}},
                    ReturnValues="ALL_OLD",
                ).get("Attributes")
                or {}
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise
        return str(replaced.get("Owner", {}).get("S", ""))

    def _holder(self, key: str) -> str:
        item = self.client.get_item(TableName=self.table, Key={"LeaseKey": {"S": key}}).get("Item") or {}
        return str(item.get("Owner", {}).get("S", "?"))

    def _delete_request(self, key: str) -> dict[str, object]:
        return {
            "TableName": self.table,
            "Key": {"LeaseKey": {"S": key}},
            "ConditionExpression": "#owner = :me",
            "ExpressionAttributeNames": {"#owner": "Owner"},
            "ExpressionAttributeValues": {":me": {"S": self.owner}},
        }

    def _delete(self, key: str) -> None:
        # Not ours any more (expired and taken), or the target is unreachable: either way the lease
        # expires by itself within its TTL, and a release is never worth failing a run's end for.
        with contextlib.suppress(ClientError, BotoCoreError):
            self.client.delete_item(**self._delete_request(key))

    def _heartbeat(self) -> None:
        """Every third of the TTL (``engine.cleanup.heartbeat``): the leases held are the run's for a TTL more."""
        with self._lock:
            keys = [] if self._stop.is_set() else list(self._held)
        for key in keys:
            with contextlib.suppress(Exception):  # a missed beat is retried; the lease has TTL to spare
                self.client.update_item(
                    TableName=self.table,
                    Key={"LeaseKey": {"S": key}},
                    UpdateExpression="SET Expires = :exp",
                    ConditionExpression="#owner = :me",
                    ExpressionAttributeNames={"#owner": "Owner"},
                    ExpressionAttributeValues={
                        ":exp": {"N": f"{time.time() + self._ttl:.3f}"},
                        ":me": {"S": self.owner},
                    },
                )

    def _ensure_table(self) -> None:
        if self._table_ready:
            return
        # Made (or found) once per process and endpoint; if it is gone since, _try_take makes it again.
        ensure_table_once(self.client, self.table)
        self._table_ready = True
