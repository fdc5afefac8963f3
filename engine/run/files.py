"""``scenario-run FILE...``: select and validate the files, run each, report, decide the exit code.

Reports (``--junit``, ``--json``) are written however the run ends (exit 0, 1, 2, 3 or 130): an
error before any step is a failed ``setup`` case, so a CI report step always finds its file.
"""

from __future__ import annotations

import contextlib
import json
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from engine.cleanup.journal import abandoned
from engine.cleanup.recovery import finish_abandoned
from engine.cli.error_handler import report_internal
from engine.cli.examples import shipped
from engine.errors import (
    EXIT_OK,
    EXIT_STEP_FAILED,
    InputError,
    Interrupted,
    ScenarioError,
    exit_code_for,
)
from engine.plan.code_notice import code_notice
from engine.plan.model import Plan
from engine.plan.planner import load_scenario
from engine.plan.registry import load_registry
from engine.prompts.answers import Answers
from engine.prompts.prompter import Prompter, stdin_is_interactive
from engine.reports import github_annotations
from engine.reports.console import Console
from engine.reports.outputs import ReportPathError, Reports, check_outputs
from engine.reports.summary import STDOUT
from engine.reports.transcript import Transcript
from engine.run import interrupts
from engine.run.env_file import read_env_file, resolve_env
from engine.run.records import RunResult
from engine.run.runner import Runner
from engine.run.sharding import Shard
from engine.run.targets import Target, open_target
from engine.secrets import SECRET_ENV_NAME, Secrets


@dataclass(frozen=True)
class RunOptions:
    """How to run scenario files: the ``scenario-run`` options, with their defaults."""

    answers: tuple[Path, ...] = ()  # one for all files, or one per file; none: found by convention
    answer: tuple[str, ...] = ()  # ID=VALUE overrides
    target: str = "local"  # local | aws
    endpoint_url: str | None = None
    stack_name: str | None = None
    region: str | None = None
    profile: str | None = None
    non_interactive: bool = False
    junit: Path | None = None
    transcript: Path | None = None
    json_report: Path | None = None  # Path("-"): stdout, and the narrative goes to stderr
    no_color: bool = False
    fault_at: int | None = None  # testing: fail the Nth AWS call of the steps
    quiet: bool = False
    verbose: bool = False
    tag: tuple[str, ...] = ()  # run only scenarios with one of these tags
    skip_tag: tuple[str, ...] = ()  # never run scenarios with one of these tags
    fail_fast: bool = False
    shard: str | None = None  # INDEX/COUNT
    save_answers: Path | None = None
    env_file: Path | None = None  # KEY=VALUE lines for the scenarios' `env:` (the environment wins)


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


def run_files(files: tuple[Path, ...], options: RunOptions) -> int:
    """Run every selected file in order; returns the process exit code (reports are always written)."""
    secrets = Secrets()
    console = Console(
        secrets,
        color=False if options.no_color else None,
        to_stderr=options.json_report == STDOUT,
        quiet=options.quiet,
        verbose=options.verbose,
    )
    reports = Reports(options.junit, options.json_report, secrets)
    selected = [_shipped_or_path(path) for path in files]
    plans: list[Plan] = []
    try:
        if options.shard:
            shard = Shard.parse(options.shard)
            selected = shard.select(selected, key=lambda p: p.as_posix())
            console.say(f"shard {shard}: {len(selected)} of {len(files)} scenario files")
        if options.save_answers and len(selected) != 1:
            raise InputError(
                f"--save-answers records one scenario, and {len(selected)} were given",
                hint="run one scenario file interactively with --save-answers FILE",
            )
        interactive = not options.non_interactive and stdin_is_interactive()
        planned = _plan(selected, options, interactive=interactive, plans=plans)
        check_outputs(
            [
                (options.junit, "JUnit report"),
                (options.json_report, "JSON report"),
                (options.transcript, "transcript"),
                (options.save_answers, "saved answers"),
            ],
            [*selected, *options.answers, *([options.env_file] if options.env_file else [])],
        )
        from_file = read_env_file(options.env_file) if options.env_file else None
    except BaseException as exc:
        reports.fail_before_run(selected, plans, exc)
        if isinstance(exc, ScenarioError):
            github_annotations.annotate(exc, mask=secrets.mask, err=console.to_stderr)
        if not isinstance(exc, ReportPathError):  # a report path in error is not written to
            with contextlib.suppress(Exception):
                reports.write(exit_code_for(exc))
        raise
    planned = _filter_tags(planned, options, console)
    for plan, _ in planned:
        try:
            values = resolve_env(plan, from_file)
        except InputError:
            continue  # the run reports it at its start (a setup failure in the reports), before any call
        for name, value in values.items():
            if name in plan.env_secrets or SECRET_ENV_NAME.search(name):
                secrets.add(value)
    for entry in (e for _, r in planned for e in r.entries.values() if e.secret):
        for value in entry.values:
            secrets.add(value)
    _notice_abandoned_runs(console, interactive)
    recorder = Transcript(options.transcript, secrets) if options.transcript else None
    previous_handler = _sigterm_as_interrupt()
    try:
        for position, (plan, replies) in enumerate(planned):
            prompter = Prompter(replies, secrets, interactive=interactive)
            result = _run_one(plan, prompter, options, console=console, recorder=recorder, env_values=from_file)
            reports.results.append(result)
            _summarise(console, result)
            if options.save_answers:
                _save(options.save_answers, prompter, plan, console)
            stop = _stop_reason(result, options)
            if stop:
                for rest, _ in planned[position + 1 :]:
                    reports.results.append(RunResult(rest, [], None, [], 0.0, not_run=stop))
                break
    finally:
        if recorder:
            recorder.close()
        unwritten = reports.write()
        for message in unwritten:
            console.error(message)
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
    code = reports.exit_code()
    return max(code, EXIT_STEP_FAILED) if unwritten and code == EXIT_OK else code


def _plan(
    files: list[Path], options: RunOptions, *, interactive: bool, plans: list[Plan]
) -> list[tuple[Plan, Answers]]:
    """Everything is checked before anything runs: a typo in the third file must not surface after
    the first two have created resources. ``plans`` receives each plan as it is made."""
    registry = load_registry()
    # A person at a terminal answers the prompts; the convention is for replays.
    convention = not interactive and not options.save_answers
    out: list[tuple[Plan, Answers]] = []
    for path, answers_path in zip(files, _answers_for(files, options.answers, convention=convention), strict=True):
        plan = load_scenario(path, registry)
        plans.append(plan)
        replies = Answers.load(answers_path, list(options.answer))
        replies.check_known(plan.prompt_ids)
        if not interactive:
            replies.check_answered(plan.needs_answer)
        out.append((plan, replies))
    return out


def _filter_tags(
    planned: list[tuple[Plan, Answers]], options: RunOptions, console: Console
) -> list[tuple[Plan, Answers]]:
    if not options.tag and not options.skip_tag:
        return planned
    wanted, unwanted = set(options.tag), set(options.skip_tag)
    kept = [
        (plan, replies)
        for plan, replies in planned
        if (not wanted or wanted & set(plan.tags)) and not unwanted & set(plan.tags)
    ]
    if len(kept) < len(planned):
        console.say(f"{len(planned) - len(kept)} of {len(planned)} scenarios left out by --tag/--skip-tag")
    return kept


def _stop_reason(result: RunResult, options: RunOptions) -> str | None:
    if isinstance(result.error, Interrupted):
        return "not run (interrupted)"
    if options.fail_fast and result.error is not None:
        return "not run (--fail-fast)"
    return None


def _shipped_or_path(path: Path) -> Path:
    """A file given by the name of a shipped scenario (``scenario-run migrate_user``) when no such file exists."""
    if path.exists() or path.suffix or len(path.parts) != 1:
        return path
    return shipped().get(path.name, path)


def _notice_abandoned_runs(console: Console, interactive: bool) -> None:
    """Runs killed before their cleanup left journals: say so, and offer to finish them."""
    found = abandoned()
    if not found:
        return
    console.warn(
        f"{len(found)} earlier run(s) ended before their cleanup (killed?) and may have left resources: "
        "run `scenario cleanup` (add --dry-run to see what it would undo)"
    )
    if interactive and click.confirm("Run `scenario cleanup` now?", default=False):
        finish_abandoned(dry_run=False, echo=console.say)


def _save(path: Path, prompter: Prompter, plan: Plan, console: Console) -> None:
    from engine.prompts.save_answers import save_answers

    needed = save_answers(path, prompter.history, plan.path)
    console.say(f"Saved the answers to {path}; replay with: scenario-run {plan.path} --answers {path}")
    if needed:
        console.say(f"The secret answers are not in the file: export {', '.join(needed)} before replaying.")


def tracer(console: Console, secrets: Secrets) -> Callable[[str, str, Any], None]:
    """``-v``: each AWS request and response as one masked JSON line."""

    def trace(kind: str, operation: str, data: Any) -> None:
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k != "ResponseMetadata"}
        text = json.dumps(secrets.mask_data(data), default=str, sort_keys=True)
        console.trace(f"{'->' if kind == 'request' else '<-'} {operation} {text}")

    return trace


def run_plan(
    plan: Plan,
    prompter: Prompter,
    options: RunOptions,
    *,
    console: Console,
    recorder: Transcript | None = None,
    target: Target | None = None,
    env_values: Mapping[str, str] | None = None,
) -> RunResult:
    """Run one planned scenario on ``target`` (else one opened from ``options`` and closed after);
    ``env_values``: the --env-file already read (else it is read here)."""
    owned = target is None
    if target is None:
        try:
            target = open_target(
                options.target, region=options.region, endpoint_url=options.endpoint_url, profile=options.profile
            )
        except ScenarioError as exc:
            return RunResult(plan, [], exc, [], 0.0)
    try:
        target.clients.fault_at = options.fault_at
        if options.verbose:
            target.clients.trace = tracer(console, prompter.secrets)
        runner = Runner(
            plan,
            target,
            prompter=prompter,
            console=console,
            secrets=prompter.secrets,
            stack_name=options.stack_name,
            on_record=recorder.write if recorder else None,
            env_file=env_values if env_values is not None or not options.env_file else read_env_file(options.env_file),
        )
        return runner.run()
    finally:
        target.clients.trace = None
        target.clients.fault_at = None
        if owned:
            target.close()


def _run_one(
    plan: Plan,
    prompter: Prompter,
    options: RunOptions,
    *,
    console: Console,
    recorder: Transcript | None,
    env_values: Mapping[str, str] | None,
) -> RunResult:
    console.rule()
    console.say(f"{plan.name}  ({plan.path})")
    if plan.description:
        console.say(plan.description.strip())
    if prompter.answers.path is not None and not options.answers:
        console.say(f"answers: {prompter.answers.path}")
    if options.target == "local" and not options.endpoint_url and (notice := code_notice(plan)):
        console.say(notice)
    console.rule()
    return run_plan(plan, prompter, options, console=console, recorder=recorder, env_values=env_values)


def _summarise(console: Console, result: RunResult) -> None:
    steps = [r for r in result.records if r.phase == "steps"]
    undone = sum(1 for r in result.records if r.phase == "undo" and r.status == "ok")
    head = f"{result.scenario.path.name}: {len(steps)} steps, {undone} undone, {result.duration:.1f}s"
    error = result.error
    console.verdict(error is None, head)
    if error is None:
        return
    if isinstance(error, ScenarioError):
        console.error(error.render())
        github_annotations.annotate(
            error,
            file=str(result.scenario.path),
            title=result.scenario.name,
            mask=console.secrets.mask,
            err=console.to_stderr,
        )
    elif not isinstance(error, KeyboardInterrupt):
        report_internal(error)
    for failure in result.cleanup_failures:
        console.warn(f"left behind: {failure.entry.description}")


def _sigterm_as_interrupt() -> Any:
    """A CI job cancelled with SIGTERM cleans up like Ctrl-C does; returns the previous handler."""

    def handler(signum: int, frame: Any) -> None:
        interrupts.note()
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not the main thread (e.g. inside a test runner thread)
        return signal.signal(signal.SIGTERM, handler)
    return None
