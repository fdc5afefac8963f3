"""``scenario cleanup``: finish the cleanup of runs that were killed before they could.

Each journal left in the state directory by a run that is no longer alive is read back; what
it still lists is undone last-in-first-out on the target the run used, each undo recorded in
the journal as it completes, so running the command twice does nothing the second time. The
journal is removed once nothing is left, and the run's leases are released.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

from engine.aws.errors import describe
from engine.cleanup.journal import RunJournal, abandoned, finishing, journals_dir, read
from engine.cleanup.leases import Leases, NoLeases
from engine.cleanup.undo import UndoContext, known_kind, run_kind
from engine.errors import ScenarioError
from engine.plan.registry import load_registry
from engine.run.targets import open_target

COMMAND = "scenario cleanup"


def finish_abandoned(*, dry_run: bool, echo: Callable[[str], None], root: Path | None = None) -> int:
    """Undo what dead runs left; returns how many undos could not be done."""
    load_registry()  # the action plugins register the undo kinds
    found = abandoned(root)
    if not found:
        echo(f"Nothing to clean up: no journal of an unfinished run in {journals_dir(root)}.")
        return 0
    failed = 0
    for path in found:
        run = read(path)
        echo(_describe_run(run))
        for entry in run.left:
            unknown = " (outcome unknown: checked before anything is removed)" if entry.state == "pending" else ""
            echo(f"  - {entry.description}{unknown}")
        if dry_run:
            continue
        failed += _finish(run, echo)
    if dry_run:
        echo(f"Dry run: nothing was changed. Run `{COMMAND}` to undo the above.")
    return failed


def _finish(run: RunJournal, echo: Callable[[str], None]) -> int:
    target_spec = run.header.get("target") or {}
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
    failed = 0
    try:
        owner = str(run.header.get("run", run.path.stem))
        leases: NoLeases = (
            Leases(target.clients.uncounted().client("dynamodb"), owner) if target.name != "local" else NoLeases()
        )
        context = UndoContext(target.clients, leases)
        with finishing(run.path) as journal:
            for entry in run.left:
                if entry.kind is None or not known_kind(entry.kind):
                    echo(f"[failed] {entry.description}: cannot be undone automatically; remove it by hand")
                    failed += 1
                    continue
                try:
                    note = run_kind(
                        entry.kind, context, entry.params, certain=entry.state == "needed", since=entry.since
                    )
                except Exception as exc:
                    echo(f"[failed] {entry.description}: {describe(exc)}")
                    failed += 1
                    continue
                journal.write({"op": "done", "id": entry.id})
                echo(f"[undo] {entry.description}" + (f" ({note})" if note else ""))
            if isinstance(leases, Leases):
                leases.release_keys(run.leases)
        if not failed:
            run.path.unlink(missing_ok=True)
            echo(f"  done: {run.path.name} removed")
    finally:
        target.close()
    return failed


def _describe_run(run: RunJournal) -> str:
    header = run.header
    started = datetime.datetime.fromtimestamp(float(header.get("started", 0))).strftime("%Y-%m-%d %H:%M:%S")
    target = header.get("target") or {}
    where = target.get("endpoint_url") or f"{target.get('kind', '?')} {target.get('region') or ''}".strip()
    return (
        f"Run {header.get('run', run.path.stem)} of {header.get('scenario', '?')} on {where}, "
        f"started {started} (pid {header.get('pid', '?')}): {len(run.left)} to undo"
    )
