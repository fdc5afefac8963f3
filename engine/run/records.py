"""What a run produced: one record per step and undo, and how the scenario ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from engine.cleanup.undo import UndoFailure
from engine.plan.model import Plan

RecordPhase = Literal["steps", "cleanup", "undo", "after_cleanup"]
StepStatus = Literal["ok", "expected_error", "allowed_error", "skipped", "failed"]


@dataclass
class StepRecord:
    """What happened in one step, for the console, the transcript and the JUnit report.

    ``args`` and ``result`` are as the step gave and got them, secrets included: whatever writes them out
    masks them then (``engine.reports.transcript``), with every secret the run knows by that time.
    """

    scenario: str
    step_id: str
    action: str
    title: str
    phase: RecordPhase
    status: StepStatus
    location: str
    args: Any = None
    result: Any = None
    error: dict[str, str] | None = None
    duration: float = 0.0
    attempts: int = 0
    calls: list[str] = field(default_factory=list)
    reason: str | None = None  # why a skipped step was skipped


@dataclass
class RunResult:
    """How a scenario run ended."""

    scenario: Plan
    records: list[StepRecord]
    error: BaseException | None
    cleanup_failures: list[UndoFailure]
    duration: float
    not_run: str | None = None  # why the scenario did not run at all (--fail-fast, an interrupt)
