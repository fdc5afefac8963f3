"""``scenario-run FILE...``: validate every file, run each, report, decide the exit code."""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from engine.answers import Answers
from engine.code_notice import code_notice
from engine.console import Console
from engine.env_file import read_env_file, resolve_env
from engine.error_handler import report_internal
from engine.errors import InputError, Interrupted, ScenarioError, worst_exit_code
from engine.journal import abandoned
from engine.plan import Plan
from engine.planner import load_scenario
from engine.prompter import Prompter, stdin_is_interactive
from engine.records import RunResult
from engine.recovery import finish_abandoned
from engine.registry import load_registry
from engine.reports.junit import write_junit
from engine.reports.summary import write_summary
from engine.reports.transcript import Transcript
from engine.runner import Runner
from engine.secrets import SECRET_ENV_NAME, Secrets
from engine.targets import open_target


@dataclass(frozen=True)
class RunOptions:
    """How to run scenario files: the ``scenario-run`` options, with their defaults."""

    answers: tuple[Path, ...] = ()  # one for all files, or one per file
    answer: tuple[str, ...] = ()  # ID=VALUE overrides
    target: str = "local"  # local | aws
    endpoint_url: str | None = None
    stack_name: str | None = None
    region: str | None = None
    profile: str | None = None
    non_interactive: bool = False
    junit: Path | None = None
    transcript: Path | None = None
    json_report: Path | None = None
    no_color: bool = False
    fault_at: int | None = None  # testing: fail the Nth AWS call of the steps
    env_file: Path | None = None  # KEY=VALUE lines for the scenarios' `env:` (the environment wins)


def _answers_for(files: tuple[Path, ...], answers: tuple[Path, ...]) -> list[Path | None]:
    if not answers:
        return [None] * len(files)
    if len(answers) == 1:
        return [answers[0]] * len(files)
    if len(answers) == len(files):
        return list(answers)
    raise InputError(
        f"{len(answers)} answers files for {len(files)} scenario files",
        hint="give one --answers for all files, or one per file in the same order",
    )


def run_files(files: tuple[Path, ...], options: RunOptions) -> int:
    """Run every file in order; returns the process exit code."""
    registry = load_registry()
    # Everything is checked before anything runs: a typo in the third file must not surface after
    # the first two have created resources.
    plans: list[tuple[Plan, Answers]] = []
    for path, answers_path in zip(files, _answers_for(files, options.answers), strict=True):
        plan = load_scenario(path, registry)
        replies = Answers.load(answers_path, list(options.answer))
        replies.check_known(plan.prompt_ids)
        plans.append((plan, replies))

    interactive = not options.non_interactive and stdin_is_interactive()
    secrets = Secrets()
    console = Console(secrets, color=False if options.no_color else None)
    from_file = read_env_file(options.env_file) if options.env_file else None
    for plan, _ in plans:
        try:
            values = resolve_env(plan, from_file)
        except InputError:
            continue  # the run reports it at its start (a setup failure in the reports), before any call
        for name, value in values.items():
            if name in plan.env_secrets or SECRET_ENV_NAME.search(name):
                secrets.add(value)
    for entry in (e for _, r in plans for e in r.entries.values() if e.secret):
        for value in entry.values:
            secrets.add(value)
    for report, what in ((options.junit, "JUnit report"), (options.json_report, "JSON report")):
        if report:
            _check_writable(report, what)
    _notice_abandoned_runs(console, interactive)
    recorder = Transcript(options.transcript, secrets) if options.transcript else None
    results: list[RunResult] = []
    previous_handler = _sigterm_as_interrupt()
    try:
        for plan, replies in plans:
            prompter = Prompter(replies, secrets, interactive=interactive)
            result = _run_one(plan, prompter, options, console=console, recorder=recorder)
            results.append(result)
            _summarise(console, result)
            if isinstance(result.error, Interrupted):
                break
    finally:
        if recorder:
            recorder.close()
        if options.junit:
            write_junit(options.junit, results, secrets)
        if options.json_report:
            write_summary(options.json_report, results, _exit_code(results), secrets)
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
    return _exit_code(results)


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


def _check_writable(path: Path, what: str) -> None:
    """Report paths are checked before anything runs, not after the resources exist."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError(f"cannot write the {what} to {path}", hint="give a path in an existing, writable folder")


def _run_one(
    plan: Plan, prompter: Prompter, options: RunOptions, *, console: Console, recorder: Transcript | None
) -> RunResult:
    console.rule()
    console.say(f"{plan.name}  ({plan.path})")
    if plan.description:
        console.say(plan.description.strip())
    console.rule()
    if options.target == "local" and not options.endpoint_url and (notice := code_notice(plan)):
        console.warn(notice)
    try:
        opened = open_target(
            options.target, region=options.region, endpoint_url=options.endpoint_url, profile=options.profile
        )
    except ScenarioError as exc:
        return RunResult(plan, [], exc, [], 0.0)
    try:
        opened.clients.fault_at = options.fault_at
        runner = Runner(
            plan,
            opened,
            prompter=prompter,
            console=console,
            secrets=prompter.secrets,
            stack_name=options.stack_name,
            on_record=recorder.write if recorder else None,
            env_file=read_env_file(options.env_file) if options.env_file else None,
        )
        return runner.run()
    finally:
        opened.close()


def _summarise(console: Console, result: RunResult) -> None:
    steps = [r for r in result.records if r.phase == "steps"]
    undone = sum(1 for r in result.records if r.phase == "undo" and r.status == "ok")
    head = f"{result.scenario.path.name}: {len(steps)} steps, {undone} undone, {result.duration:.1f}s"
    error = result.error
    if error is None:
        console.say(click.style("PASSED", fg="green", bold=True) + f" {head}" if console.color else f"PASSED {head}")
        return
    console.say(f"FAILED {head}")
    if isinstance(error, ScenarioError):
        console.error(error.render())
    elif not isinstance(error, KeyboardInterrupt):
        report_internal(error)
    for failure in result.cleanup_failures:
        console.warn(f"left behind: {failure.entry.description}")


def _exit_code(results: list[RunResult]) -> int:
    return worst_exit_code(result.error for result in results)


def _sigterm_as_interrupt() -> Any:
    """A CI job cancelled with SIGTERM cleans up like Ctrl-C does; returns the previous handler."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not the main thread (e.g. inside a test runner thread)
        return signal.signal(signal.SIGTERM, handler)
    return None
