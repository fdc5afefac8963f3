"""``scenario cleanup``: finish the cleanup of runs that were killed before they could.

Each journal left by a run that is no longer alive is read back: from the state directory (its
lock is free), and, given a shared target, from the target itself (its heartbeat stopped;
``engine.cleanup.target_journal``), so a run killed on another machine is found as well. What it
still lists is undone last-in-first-out on the target the run used, each undo recorded in the
journal (both copies) as it completes, so running the command twice does nothing the second
time. The journal is removed once nothing is left, and the run's leases are released. A live
run's journal is left alone.
"""

from __future__ import annotations

import contextlib
import datetime
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from engine.aws.errors import describe
from engine.cleanup.journal import Journal, RunJournal, abandoned, finishing, journals_dir, read
from engine.cleanup.leases import Leases, NoLeases, lease_table, lease_ttl
from engine.cleanup.target_journal import TargetJournal, runs_on_target
from engine.cleanup.undo import UndoContext, known_kind, run_kind
from engine.errors import ScenarioError, TargetError
from engine.plan.registry import load_registry
from engine.run.targets import Target, open_target

COMMAND = "scenario cleanup"
_OUTCOMES = {"killed": "killed?", "failed": "cleanup failed", "interrupted": "interrupted in cleanup", "kept": "kept"}


@dataclass
class DeadRun:
    """A dead run's journal, and where its copies are (the local file, the target's item, or both)."""

    journal: RunJournal
    local: Path | None = None
    on_target: bool = False
    alive_elsewhere: list[str] = field(default_factory=list)


def abandoned_notice(paths: list[Path]) -> str:
    """The warning a new run gives about journals left in the state directory, by how each run ended."""
    counts = Counter(_safe_outcome(path) for path in paths)
    parts = [f"{n} {_OUTCOMES.get(outcome, outcome)}" for outcome, n in sorted(counts.items())]
    return (
        f"{len(paths)} earlier run(s) ended before their cleanup was done ({', '.join(parts)}) and may have left "
        "resources: run `scenario cleanup` (add --dry-run to see what it would undo)"
    )


def _safe_outcome(path: Path) -> str:
    try:
        return read(path).outcome
    except OSError:
        return "killed"


def _matches(run: RunJournal, target: Target) -> bool:
    spec = run.header.get("target") or {}
    if target.clients.endpoint_url:
        return str(spec.get("endpoint_url") or "").rstrip("/") == target.clients.endpoint_url.rstrip("/")
    return spec.get("kind") == "aws" and spec.get("region") == target.clients.region


def dead_runs(
    target: Target | None, root: Path | None = None, *, exclude: str | None = None, on_target: bool = True
) -> list[DeadRun]:
    """The dead runs' journals: the state directory's, and (given ``target``, unless not ``on_target``) the
    target's."""
    found: dict[str, DeadRun] = {}
    for path in abandoned(root):
        try:
            run = read(path)
        except FileNotFoundError:
            continue  # finished meanwhile by its run, or by another cleanup
        if target is None or _matches(run, target):
            found[run.run_id] = DeadRun(run, local=path)
    if target is not None and target.name != "local" and on_target:
        for kept in runs_on_target(target.clients.uncounted().client("dynamodb")):
            run_id = kept.journal.run_id
            if run_id == exclude:
                continue
            if run_id in found:
                found[run_id].on_target = True  # the local lock is free: the run is dead, whatever its beat says
            elif not kept.alive:
                found[run_id] = DeadRun(kept.journal, on_target=True)
    found.pop(exclude or "", None)
    return sorted(found.values(), key=lambda d: float(d.journal.header.get("started", 0)))


def _live_on(target: Target | None, dead: set[str]) -> list[RunJournal]:
    if target is None or target.name == "local":
        return []
    kept = runs_on_target(target.clients.uncounted().client("dynamodb"))
    return [r.journal for r in kept if r.alive and r.journal.run_id not in dead]


def finish_abandoned(
    *,
    dry_run: bool,
    echo: Callable[[str], None],
    root: Path | None = None,
    target: Target | None = None,
) -> int:
    """Undo what dead runs left; returns how many undos could not be done."""
    load_registry()  # the action plugins register the undo kinds
    where = target.clients.endpoint_url or target.name if target is not None else None
    try:
        found = dead_runs(target, root)
        live = _live_on(target, {d.journal.run_id for d in found})
    except (ClientError, BotoCoreError) as exc:
        raise _unreachable(target, exc) from None
    for run in live:
        echo(f"Run {run.run_id} of {run.header.get('scenario', '?')} is alive (its heartbeat is recent): left alone")
    if not found:
        on = f" on {where} or" if where else ""
        echo(f"Nothing to clean up: no journal of an unfinished run{on} in {journals_dir(root)}.")
        return 0
    failed = 0
    for dead in found:
        echo(_describe_run(dead))
        for entry in dead.journal.left:
            unknown = " (outcome unknown: checked before anything is removed)" if entry.state == "pending" else ""
            echo(f"  - {entry.description}{unknown}")
        if dry_run:
            continue
        failed += _finish(dead, echo, target)
    if dry_run:
        command = COMMAND + (
            f" --endpoint-url {target.clients.endpoint_url}" if target and target.clients.endpoint_url else ""
        )
        echo(f"Dry run: nothing was changed. Run `{command}` to undo the above.")
    return failed


# When this process last read the run journals a target keeps, by (endpoint, region, lease table).
_CHECKED: dict[tuple[str | None, str | None, str], float] = {}


def _checked_key(target: Target) -> tuple[str | None, str | None, str]:
    return (target.clients.endpoint_url, target.clients.region, lease_table())


def forget_checked(target: Target) -> None:
    """A run of this process left something on ``target``: the next run reads the target's journals again."""
    _CHECKED.pop(_checked_key(target), None)


def finish_before_run(target: Target, echo: Callable[[str], None], *, run_id: str) -> None:
    """A new run on a shared target first finishes what dead runs left there, so that what it then
    records as "the value before" is the target's own, never a dead run's leftover.

    The journals in the state directory are read every time. Those the target keeps are read (one Scan)
    at most once per lease TTL per process: a run killed elsewhere since is found by the next check, or
    at once by any run that takes over one of its leases (``Leases`` finishes it first).
    """
    load_registry()
    key = _checked_key(target)
    now = time.monotonic()
    on_target = now - _CHECKED.get(key, -float("inf")) >= lease_ttl()
    try:
        found = dead_runs(target, exclude=run_id, on_target=on_target)
    except (ClientError, BotoCoreError) as exc:
        raise _unreachable(target, exc) from None
    if on_target:
        _CHECKED[key] = now
    for dead in found:
        echo(f"Finishing first the cleanup of a dead run: {_describe_run(dead)}")
        if _finish(dead, echo, target):
            echo(f"  some of it could not be undone: it stays for `{COMMAND}`")


def finish_taken_over(target: Target, echo: Callable[[str], None], *, owner: str) -> None:
    """This run took over a lease of ``owner``, a run that stopped beating: finish what that run left
    (once its journal's own beat has lapsed too; a run whose journal still beats is alive: left alone)."""
    load_registry()
    client = target.clients.uncounted().client("dynamodb")
    deadline = time.monotonic() + lease_ttl() + 1
    while True:
        kept = next((r for r in runs_on_target(client) if r.journal.run_id == owner), None)
        if kept is None:
            return
        if not kept.alive:
            break
        if time.monotonic() >= deadline:
            return
        time.sleep(0.25)
    local = next((p for p in abandoned() if p.stem == owner), None)
    dead = DeadRun(kept.journal, local=local, on_target=True)
    echo(f"Finishing first the cleanup of a dead run whose lease this run took: {_describe_run(dead)}")
    if _undo_all(dead, target, echo):
        echo(f"  some of it could not be undone: it stays for `{COMMAND}`")


def _unreachable(target: Target | None, exc: BaseException) -> TargetError:
    where = target.clients.endpoint_url or target.name if target is not None else "the target"
    return TargetError(
        f"cannot read the run journals kept on {where}: {describe(exc)}",
        hint="check that the endpoint is up and reachable, then run the command again",
    )


def _finish(dead: DeadRun, echo: Callable[[str], None], given: Target | None) -> int:
    run = dead.journal
    target_spec: Mapping[str, str | None] = run.header.get("target") or {}
    if given is not None:
        target = given
    else:
        try:
            target = open_target(
                "aws" if target_spec.get("kind") == "aws" else "local",
                region=target_spec.get("region"),
                endpoint_url=target_spec.get("endpoint_url"),
                profile=target_spec.get("profile"),
            )
        except ScenarioError as exc:
            echo(f"  cannot reach the run's target: {exc.message}")
            return 1
    try:
        return _undo_all(dead, target, echo)
    finally:
        if given is None:
            target.close()


def _undo_all(dead: DeadRun, target: Target, echo: Callable[[str], None]) -> int:
    try:
        return _undo_entries(dead, target, echo)
    except _Finished:
        return 0  # its journal went while this looked: another cleanup (or the run itself) finished it


class _Finished(Exception):
    """The dead run's local journal is gone: someone else finished it."""


def _undo_entries(dead: DeadRun, target: Target, echo: Callable[[str], None]) -> int:
    run = dead.journal
    failed = 0
    owner = run.run_id
    shared = target.name != "local"
    ddb = target.clients.uncounted().client("dynamodb") if shared else None
    leases: NoLeases = Leases(ddb, owner) if ddb is not None else NoLeases()
    remote = TargetJournal(ddb, owner, heartbeat=False) if ddb is not None else None
    context = UndoContext(target.clients, leases)
    with _local_copy(dead.local) as journal:
        for entry in run.left:
            if entry.kind is None or not known_kind(entry.kind):
                echo(f"[failed] {entry.description}: cannot be undone automatically; remove it by hand")
                failed += 1
                continue
            try:
                note = run_kind(entry.kind, context, entry.params, certain=entry.state == "needed", since=entry.since)
            except Exception as exc:
                echo(f"[failed] {entry.description}: {describe(exc)}")
                failed += 1
                continue
            record = {"op": "done", "id": entry.id}
            if journal is not None:
                journal.write(record)
            if remote is not None:
                remote.write([record])
            echo(f"[undo] {entry.description}" + (f" ({note})" if note else ""))
        if isinstance(leases, Leases):
            leases.release_keys(run.leases)
            leases.release_all()  # and stop its heartbeat: this process may go on with a run of its own
    if not failed:
        if dead.local is not None:
            dead.local.unlink(missing_ok=True)
        if remote is not None:
            remote.close(remove=True)
        echo(f"  done: {run.run_id} removed")
    return failed


def _local_copy(path: Path | None) -> contextlib.AbstractContextManager[Journal | None]:
    if path is None:
        return contextlib.nullcontext()
    try:
        return finishing(path)
    except FileNotFoundError:
        raise _Finished from None


def _describe_run(dead: DeadRun) -> str:
    run = dead.journal
    header = run.header
    started = datetime.datetime.fromtimestamp(float(header.get("started", 0))).strftime("%Y-%m-%d %H:%M:%S")
    target = header.get("target") or {}
    where = target.get("endpoint_url") or f"{target.get('kind', '?')} {target.get('region') or ''}".strip()
    host = f" on host {header['host']}" if header.get("host") else ""
    return (
        f"Run {run.run_id} of {header.get('scenario', '?')} on {where}, "
        f"started {started} (pid {header.get('pid', '?')}{host}, {_OUTCOMES.get(run.outcome, run.outcome)}): "
        f"{len(run.left)} to undo"
    )
