"""The public Python API: run a scenario from Python and get a typed result back.

``run_scenario(path, answers=…)`` never asks and never raises for a scenario problem: bad input
(exit 2), a failed step (exit 1), an interrupt or a bug all come back in ``ScenarioResult``. On the
embedded local AWS the backend stays open for the whole process and each stack template is deployed
once per process, so a second scenario costs only its own steps (the pytest plugin relies on this;
under pytest-xdist each worker is its own process with its own backend).
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ScenarioError, StepFailed, exit_code_for

if TYPE_CHECKING:
    from engine.local import LocalAWS
    from engine.plan.model import Plan
    from engine.run.records import StepRecord
    from engine.run.targets import Target

__all__ = ["ScenarioFailure", "ScenarioResult", "close", "run_scenario"]

AnswersArg = Path | str | Mapping[str, object] | None


@dataclass(frozen=True)
class ScenarioFailure:
    """Why a scenario failed: the message, where (file:line:col), the step, the AWS error code, a hint."""

    message: str
    location: str | None = None
    step: str | None = None
    code: str | None = None  # the AWS error code (or StepTimeout, AssertionFailed…) when there is one
    hint: str | None = None
    kind: str = "ScenarioError"  # the error's class name

    def render(self) -> str:
        """The same paragraph the command line prints after ``Error:``."""
        head = f"{self.location}: " if self.location else ""
        step = f"step '{self.step}': " if self.step else ""
        return f"{head}{step}{self.message}" + (f"\n  hint: {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class ScenarioResult:
    """How one scenario run ended; ``exit_code`` is what ``scenario-run`` would have exited with."""

    path: Path
    name: str
    exit_code: int
    error: ScenarioFailure | None
    records: tuple[StepRecord, ...]  # one per step, cleanup step and undo, in the order they ran
    transcript: tuple[str, ...]  # what the console showed, secrets masked
    duration: float

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    @property
    def failed_step(self) -> StepRecord | None:
        """The first step (not undo) that failed, if any."""
        return next((r for r in self.records if r.status == "failed" and r.phase != "undo"), None)

    def report(self, last_lines: int = 15) -> str:
        """A failure as a person reads it: the step, file:line, the AWS error, the last console lines."""
        if self.passed:
            return f"{self.path}: scenario '{self.name}' passed"
        lines = [f"scenario '{self.name}' failed (exit {self.exit_code})"]
        step, error = self.failed_step, self.error
        if error is not None:
            where = error.location or (step.location if step else None)
            if where:
                lines.append(f"  at:    {where}")
            if error.step or step:
                action = f" ({step.action})" if step is not None else ""
                lines.append(f"  step:  {error.step or (step.step_id if step else '')}{action}")
            lines.append(f"  error: {error.code + ': ' if error.code else ''}{error.message}")
            if error.hint:
                lines.append(f"  hint:  {error.hint}")
        if self.transcript:
            tail = self.transcript[-last_lines:]
            lines.append(f"  last {len(tail)} lines of the transcript:")
            lines.extend(f"    | {line}" for line in tail)
        return "\n".join(lines)


def _failure(error: BaseException | None) -> ScenarioFailure | None:
    if error is None:
        return None
    if isinstance(error, ScenarioError):
        return ScenarioFailure(
            message=error.message,
            location=str(error.location) if error.location else None,
            step=error.step,
            code=error.code if isinstance(error, StepFailed) else None,
            hint=error.hint,
            kind=type(error).__name__,
        )
    if isinstance(error, KeyboardInterrupt):
        return ScenarioFailure("interrupted", kind="Interrupted")
    return ScenarioFailure(f"internal error: {type(error).__name__}: {error}", kind=type(error).__name__)


# -- one local backend and one deployment per stack, for the whole process --------------------------

_lock = threading.Lock()
_locals: dict[str, LocalAWS] = {}  # region -> started LocalAWS, never stopped before the process ends
# (region, stack name, template) deployed in this process -> the stack's outputs
_deployed: dict[tuple[str, str, str], dict[str, str]] = {}


def close() -> None:
    """Stop the local backends ``run_scenario`` kept open in this process; the next run starts afresh."""
    with _lock:
        for local in _locals.values():
            local.stop()
        _locals.clear()
        _deployed.clear()


def _local_target(region: str) -> Target:
    from engine.aws.clients import Clients
    from engine.local import LocalAWS
    from engine.run.targets import Target

    with _lock:
        local = _locals.get(region)
        if local is None:
            local = LocalAWS(region)
            local.start()
            _locals[region] = local
    # local=None: closing this target must not stop the shared backend.
    return Target("local", Clients.for_local(region), outbox=local.outbox)


def _deploy_once(target: Target, plan: Plan, region: str) -> str | None:
    """Deploy the plan's stack unless this process already did; the stack name to read outputs from.

    The outputs of the deploy are given to ``target`` (``Target.known_outputs``): a later run reads them
    without a DescribeStacks, which would load moto's CloudFormation (about a second) into a process that
    restored the stack from the deploy cache without it.
    """
    from engine import stack as stacks

    if plan.stack is None:
        return None
    name = str(plan.stack.get("name") or stacks.DEFAULT_STACK_NAME)
    template = Path(plan.stack["template"]) if plan.stack.get("template") else stacks.DEFAULT_TEMPLATE
    if not template.is_absolute():
        template = (plan.path.parent / template).resolve()
    key = (region, name, str(template))
    with _lock:
        if key not in _deployed:
            _deployed[key] = target.stack_outputs(plan.stack, plan.path.parent, None, lambda _: None)
        target.known_outputs[name] = _deployed[key]
    return name


def run_scenario(
    path: Path | str,
    *,
    answers: AnswersArg = None,
    answer: Mapping[str, object] | None = None,
    target: str = "local",
    endpoint_url: str | None = None,
    stack_name: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    echo: bool = False,
) -> ScenarioResult:
    """Run one scenario file non-interactively and return how it ended.

    ``answers`` is an answers file, or a mapping in the answers-file format (``{"password": [...]}``);
    when omitted, ``answers/<stem>.yaml`` next to the scenario (or ``<stem>.answers.yaml``) is used if
    it exists. ``answer`` overrides single prompts. ``target``, ``endpoint_url``, ``stack_name``,
    ``region`` and ``profile`` mean what the ``scenario-run`` options of the same names mean.
    ``echo`` also prints the console output (it is always kept in ``ScenarioResult.transcript``).
    """
    from engine.prompts.answers import Answers
    from engine.reports.console import Console
    from engine.run.options import RunOptions
    from engine.run.pipeline import mask_inputs, plan_files, run_planned
    from engine.run.targets import DEFAULT_REGION
    from engine.secrets import Secrets

    path = Path(path)
    secrets = Secrets()
    console = Console(secrets, stream=None if echo else io.StringIO(), color=False)
    started = time.monotonic()
    plans: list[Plan] = []
    error: BaseException | None
    try:
        given: Answers | None = None
        if answers is not None and not isinstance(answers, str | Path):
            given = Answers.from_mapping({**answers, **(answer or {})})
        options = RunOptions(
            answers=(Path(answers),) if isinstance(answers, str | Path) else (),
            answer=tuple(f"{k}={v}" for k, v in (answer or {}).items()) if given is None else (),
            target=target,
            endpoint_url=endpoint_url,
            stack_name=stack_name,
            region=region,
            profile=profile,
            non_interactive=True,
        )
        (planned,) = plan_files([path], options, interactive=False, plans=plans, answers=given)
        mask_inputs([planned], None, secrets)
        opened: Target | None = None
        if target == "local" and endpoint_url is None:
            local_region = region or DEFAULT_REGION
            opened = _local_target(local_region)
            if stack_name is None:
                options = replace(options, stack_name=_deploy_once(opened, planned.plan, local_region))
        try:
            outcome, _ = run_planned(
                planned, options, console=console, secrets=secrets, interactive=False, target=opened
            )
        finally:
            if opened is not None:
                opened.close()
        error, records = outcome.error, tuple(outcome.records)
    except Exception as exc:  # bad input or a bug before the steps: a result, not an exception
        error, records = exc, ()
    if isinstance(error, ScenarioError):
        console.error(error.render())
    return ScenarioResult(
        path=path,
        name=plans[0].name if plans else path.stem,
        exit_code=exit_code_for(error),
        error=_failure(error),
        records=records,
        transcript=tuple(console.lines),
        duration=time.monotonic() - started,
    )
