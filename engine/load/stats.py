"""What one iteration did, as Locust request statistics: one entry per step, named ``scenario:step``.

Only steps that call AWS are requests (a ``prompt`` or ``say`` is not, unless it fails); the cleanup
steps and ``after_cleanup`` checks count too, though the engine counts only the calls of the steps. The request
type is the step's action (``sign_up``, ``aws_call``), the response time the step's time with every
attempt, and a failure carries the AWS error code alone (not the
message, which names this iteration's user) so Locust's failure table groups alike failures. The
whole iteration is an entry too, named after the scenario with the type ``iteration``; a run that
failed before any step (the stack's outputs, say) fails it with its error code. The undos of the
cleanup are timed only as part of the iteration; one that fails is a failure of type ``undo`` under
its step's name. What a stop interrupted is neither a success nor a failure: it is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import Interrupted, StepFailed
from engine.run.records import RunResult, StepRecord

ITERATION = "iteration"
# How a step ends when Locust stops the user under it (engine.load.user turns the stop into an interrupt).
_STOPPED = frozenset({"KeyboardInterrupt", "GreenletExit", "Interrupted"})


class StepError(Exception):
    """A failed step as Locust shows it: the error code only."""


@dataclass(frozen=True)
class Sample:
    """One Locust request: what ``events.request.fire`` is given."""

    request_type: str
    name: str
    response_time: float  # milliseconds
    error: StepError | None = None


def samples(scenario: str, result: RunResult) -> list[Sample]:
    """The Locust requests of one iteration of ``scenario`` (its file's stem)."""
    plan = result.scenario
    quiet = {step.action_name for step in (*plan.cleanup_steps, *plan.after_cleanup) if step.action.quiet}
    out = [_sample(scenario, record) for record in result.records if _counts(record, quiet)]
    error = result.error
    if isinstance(error, Interrupted | KeyboardInterrupt):
        return out
    failed = None if error is None else StepError(_code(error))
    out.append(Sample(ITERATION, scenario, result.duration * 1000, failed))
    return out


def _counts(record: StepRecord, quiet: set[str]) -> bool:
    if record.status == "failed":
        return record.error is None or record.error["code"] not in _STOPPED
    if record.status == "skipped" or record.phase == "undo":
        return False
    return bool(record.calls) if record.phase == "steps" else record.action not in quiet


def _sample(scenario: str, record: StepRecord) -> Sample:
    error = None
    if record.status == "failed":
        error = StepError(record.error["code"] if record.error else "StepFailed")
    return Sample(record.action, f"{scenario}:{record.step_id}", record.duration * 1000, error)


def _code(error: BaseException) -> str:
    if isinstance(error, StepFailed) and error.code:
        return error.code
    return type(error).__name__
