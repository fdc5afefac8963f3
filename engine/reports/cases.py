"""The test cases of a scenario, as every report lists them: each planned step, then each undo.

A step that never ran (after a failure, an interrupt, ``--fail-fast``) is listed as skipped, so
a report has the same cases from one run to the next. Names hold no run-specific values: an
undo is named after the step that registered it, never after the pool id it deletes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import cast

from engine.run.records import RecordPhase, RunResult, StepRecord

NOT_REACHED = "not reached"


@dataclass(frozen=True)
class Case:
    """One test case: a planned step (with its record when it ran) or an undo."""

    phase: RecordPhase
    name: str
    step_id: str
    action: str
    status: str  # a StepStatus, or "skipped" for a step not reached
    location: str
    record: StepRecord | None
    reason: str | None = None  # why a skipped case was skipped


def cases(result: RunResult) -> list[Case]:
    """Every case of ``result`` in plan order; undos last, in the order they ran."""
    plan = result.scenario
    recorded: dict[tuple[str, str], StepRecord] = {(r.phase, r.step_id): r for r in result.records if r.phase != "undo"}
    out: list[Case] = []
    unreached = result.not_run or NOT_REACHED
    for phase_name, steps in (("steps", plan.steps), ("cleanup", plan.cleanup_steps)):
        phase = cast(RecordPhase, phase_name)
        for step in steps:
            record = recorded.pop((phase, step.id), None)
            name = f"{step.id} ({step.action_name})"
            iterations = _iterations(recorded, phase, step.id) if step.for_each is not None else []
            for it in iterations:  # a for_each step is its iterations, in the order they ran
                status, reason = it.status, _skip_reason(it)
                out.append(
                    Case(phase, f"{it.step_id} ({it.action})", it.step_id, it.action, status, it.location, it, reason)
                )
            if iterations:
                continue
            if record is None:
                out.append(Case(phase, name, step.id, step.action_name, "skipped", str(step.location), None, unreached))
            else:
                reason = _skip_reason(record)
                out.append(Case(phase, name, step.id, record.action, record.status, record.location, record, reason))
    for record in recorded.values():  # not in the plan: kept, never dropped
        out.append(
            Case(
                record.phase,
                f"{record.step_id} ({record.action})",
                record.step_id,
                record.action,
                record.status,
                record.location,
                record,
            )
        )
    seen: Counter[str] = Counter()
    for record in (r for r in result.records if r.phase == "undo"):
        seen[record.step_id] += 1
        count = seen[record.step_id]
        name = f"{record.step_id} (undo)" if count == 1 else f"{record.step_id} (undo {count})"
        out.append(Case("undo", name, record.step_id, "undo", record.status, record.location, record))
    return out


def _iterations(recorded: dict[tuple[str, str], StepRecord], phase: str, step_id: str) -> list[StepRecord]:
    """The records of ``step_id[0]``, ``step_id[1]``, ... taken out of ``recorded``, in run order."""
    keys = [
        key
        for key in recorded
        if key[0] == phase
        and key[1].startswith(f"{step_id}[")
        and key[1].endswith("]")
        and key[1][len(step_id) + 1 : -1].isdigit()
    ]
    return [recorded.pop(key) for key in keys]


def _skip_reason(record: StepRecord) -> str | None:
    return (record.reason or "condition was false") if record.status == "skipped" else None
