"""The one path from scenario files to run results: plan every file, then run each plan.

``scenario-run`` (``engine.run.files``) and the Python API (``engine.api.run_scenario``) both
go through here: ``plan_files`` loads each scenario with its answers and checks them before
anything runs, ``mask_inputs`` marks secret inputs, ``run_planned`` runs one plan. What the
callers add is only how they report (files and an exit code, or a ``ScenarioResult``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.aws.clients import CallHooks
from engine.aws.faults import load_injector
from engine.errors import InputError, InputErrors, Interrupted, ScenarioError
from engine.plan.code_notice import code_notice
from engine.plan.local_support import unsupported_locally
from engine.plan.model import Plan
from engine.plan.planner import load_scenario
from engine.plan.registry import load_registry
from engine.plan.runtime_tools import runtime_problems
from engine.prompts.answers import Answers
from engine.prompts.prompter import Prompter
from engine.reports.console import Console
from engine.reports.transcript import Transcript
from engine.run import interrupts
from engine.run.env_file import read_env_file, resolve_env
from engine.run.options import RunOptions
from engine.run.records import RunResult
from engine.run.runner import Runner
from engine.run.targets import Target, open_target
from engine.secrets import SECRET_ENV_NAME, Secrets


@dataclass(frozen=True)
class Planned:
    """A scenario checked and ready to run, with the answers it will be given."""

    plan: Plan
    answers: Answers


def convention_answers(path: Path) -> Path | None:
    """By convention the answers of ``dir/name.yaml`` are ``dir/answers/name.yaml``, else ``dir/name.answers.yaml``."""
    for candidate in (path.parent / "answers" / f"{path.stem}.yaml", path.parent / f"{path.stem}.answers.yaml"):
        if candidate.is_file():
            return candidate
    return None


def _answers_for(files: list[Path], answers: tuple[Path, ...], *, convention: bool) -> list[Path | None]:
    if not answers:
        return [convention_answers(path) if convention else None for path in files]
    if len(answers) == 1:
        return [answers[0]] * len(files)
    if len(answers) == len(files):
        return list(answers)
    raise InputError(
        f"{len(answers)} answers files for {len(files)} scenario files",
        hint="give one --answers for all files, or one per file in the same order",
    )


def plan_files(
    files: list[Path],
    options: RunOptions,
    *,
    interactive: bool,
    plans: list[Plan],
    answers: Answers | None = None,
) -> list[Planned]:
    """Everything is checked before anything runs: a typo in the third file must not surface after
    the first two have created resources. ``plans`` receives each plan as it is made; ``answers``,
    when given, replies to every file instead of the answers files of ``options``."""
    registry = load_registry()
    # A person at a terminal answers the prompts; the convention is for replays.
    convention = not interactive and not options.save_answers
    paths = [None] * len(files) if answers is not None else _answers_for(files, options.answers, convention=convention)
    out: list[Planned] = []
    for path, answers_path in zip(files, paths, strict=True):
        plan = load_scenario(path, registry)
        plans.append(plan)
        # Functions the embedded backend runs here need their runtime's tool (node, an x86_64 bootstrap), and a
        # generic call must be one it answers; with --stack nothing is deployed, so no runtime is checked.
        if options.target == "local" and not options.endpoint_url:
            missing = [*([] if options.stack_name else runtime_problems(plan)), *unsupported_locally(plan)]
            if missing:
                raise missing[0] if len(missing) == 1 else InputErrors(missing)
        replies = answers if answers is not None else Answers.load(answers_path, list(options.answer))
        replies.check_known(plan.prompt_ids)
        if not interactive:
            replies.check_answered(plan.needs_answer)
        out.append(Planned(plan, replies))
    return out


def mask_inputs(planned: list[Planned], env_values: Mapping[str, str] | None, secrets: Secrets) -> None:
    """Secret answers and secret ``env:`` values are masked from the first line of output."""
    for item in planned:
        try:
            values = resolve_env(item.plan, env_values)
        except InputError:
            continue  # the run reports it at its start (a setup failure in the reports), before any call
        for name, value in values.items():
            if name in item.plan.env_secrets or SECRET_ENV_NAME.search(name):
                secrets.add(value)
        for answer in item.answers.secret_values():
            secrets.add(answer)


def tracer(console: Console, secrets: Secrets) -> Callable[[str, str, object], None]:
    """``-v``: each AWS request and response as one masked JSON line."""

    def trace(kind: str, operation: str, data: object) -> None:
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k != "ResponseMetadata"}
        text = json.dumps(secrets.mask_data(data), default=str, sort_keys=True)
        console.trace(f"{'->' if kind == 'request' else '<-'} {operation} {text}")

    return trace


def run_planned(
    planned: Planned,
    options: RunOptions,
    *,
    console: Console,
    secrets: Secrets,
    interactive: bool,
    recorder: Transcript | None = None,
    target: Target | None = None,
    env_values: Mapping[str, str] | None = None,
) -> tuple[RunResult, Prompter]:
    """Announce and run one planned scenario on ``target`` (else one opened from ``options`` and
    closed after); ``env_values``: the --env-file already read (else it is read here)."""
    plan = planned.plan
    prompter = Prompter(planned.answers, secrets, interactive=interactive)
    console.rule()
    console.say(f"{plan.name}  ({plan.path})")
    if plan.description:
        console.say(plan.description.strip())
    if planned.answers.path is not None and not options.answers:
        console.say(f"answers: {planned.answers.path}")
    if options.target == "local" and not options.endpoint_url and (notice := code_notice(plan)):
        console.say(notice)
    console.rule()
    if env_values is None and options.env_file:
        env_values = read_env_file(options.env_file)
    return _run_plan(
        plan, prompter, options, console=console, recorder=recorder, target=target, env=env_values
    ), prompter


def _run_plan(
    plan: Plan,
    prompter: Prompter,
    options: RunOptions,
    *,
    console: Console,
    recorder: Transcript | None,
    target: Target | None,
    env: Mapping[str, str] | None,
) -> RunResult:
    owned = target is None
    try:
        faults = load_injector()
    except ScenarioError as exc:
        return RunResult(plan, [], exc, [], 0.0)
    if target is None:
        trace = tracer(console, prompter.secrets) if options.verbose else None
        hooks = CallHooks(fault_at=options.fault_at, trace=trace, faults=faults)
        try:
            target = open_target(
                options.target,
                region=options.region,
                endpoint_url=options.endpoint_url,
                profile=options.profile,
                hooks=hooks,
            )
        except ScenarioError as exc:
            return RunResult(plan, [], exc, [], 0.0)
    try:
        try:
            runner = Runner(
                plan,
                target,
                prompter=prompter,
                console=console,
                secrets=prompter.secrets,
                stack_name=options.stack_name,
                on_record=recorder.write if recorder else None,
                env_file=env,
                faults=faults,
            )
        except KeyboardInterrupt:
            interrupts.clear()
            return RunResult(plan, [], Interrupted("interrupted by Ctrl-C"), [], 0.0)
        except Exception as exc:  # the run's journal could not be opened: nothing ran
            return RunResult(plan, [], exc, [], 0.0)
        return runner.run()
    finally:
        if owned:
            target.close()
