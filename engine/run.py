"""``scenario-run FILE...``: validate every file, run each, report, decide the exit code."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import Any

import click

from engine.answers import Answers
from engine.code_notice import code_notice
from engine.console import Console
from engine.error_handler import report_internal
from engine.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_STEP_FAILED,
    InputError,
    Interrupted,
    ScenarioError,
    exit_code_for,
)
from engine.prompter import Prompter, stdin_is_interactive
from engine.records import RunResult
from engine.registry import load_registry
from engine.reports.junit import write_junit
from engine.reports.summary import write_summary
from engine.reports.transcript import Transcript
from engine.runner import Runner
from engine.scenario import Scenario, load_scenario
from engine.secrets import Secrets
from engine.targets import open_target


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


def run_files(
    files: tuple[Path, ...],
    answers: tuple[Path, ...],
    answer: tuple[str, ...],
    target: str,
    endpoint_url: str | None,
    stack_name: str | None,
    region: str | None,
    profile: str | None,
    non_interactive: bool,
    junit: Path | None,
    transcript: Path | None,
    no_color: bool,
    fault_at: int | None,
    json_report: Path | None = None,
) -> int:
    """Run every file in order; returns the process exit code."""
    registry = load_registry()
    # Everything is checked before anything runs: a typo in the third file must not surface after
    # the first two have created resources.
    plans: list[tuple[Scenario, Answers]] = []
    for path, answers_path in zip(files, _answers_for(files, answers), strict=True):
        scenario = load_scenario(path, registry)
        replies = Answers.load(answers_path, list(answer))
        replies.check_known(scenario.prompt_ids)
        plans.append((scenario, replies))

    interactive = not non_interactive and stdin_is_interactive()
    secrets = Secrets()
    console = Console(secrets, color=False if no_color else None)
    for scenario, _ in plans:
        secrets.add_env(scenario.env)
    for entry in (e for _, r in plans for e in r.entries.values() if e.secret):
        for value in entry.values:
            secrets.add(value)
    if junit:
        _check_writable(junit, "JUnit report")
    if json_report:
        _check_writable(json_report, "JSON report")
    recorder = Transcript(transcript, secrets) if transcript else None
    results: list[RunResult] = []
    previous_handler = _sigterm_as_interrupt()
    try:
        for scenario, replies in plans:
            result = _run_one(
                scenario,
                replies,
                registry,
                target=target,
                endpoint_url=endpoint_url,
                stack_name=stack_name,
                region=region,
                profile=profile,
                interactive=interactive,
                secrets=secrets,
                console=console,
                recorder=recorder,
                fault_at=fault_at,
            )
            results.append(result)
            _summarise(console, result)
            if isinstance(result.error, Interrupted):
                break
    finally:
        if recorder:
            recorder.close()
        if junit:
            write_junit(junit, results, secrets)
        if json_report:
            write_summary(json_report, results, _exit_code(results), secrets)
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
    return _exit_code(results)


def _check_writable(path: Path, what: str) -> None:
    """Report paths are checked before anything runs, not after the resources exist."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError(f"cannot write the {what} to {path}", hint="give a path in an existing, writable folder")


def _run_one(
    scenario: Scenario,
    replies: Answers,
    registry: dict[str, Any],
    *,
    target: str,
    endpoint_url: str | None,
    stack_name: str | None,
    region: str | None,
    profile: str | None,
    interactive: bool,
    secrets: Secrets,
    console: Console,
    recorder: Transcript | None,
    fault_at: int | None,
) -> RunResult:
    console.rule()
    console.say(f"{scenario.name}  ({scenario.path})")
    if scenario.description:
        console.say(scenario.description.strip())
    console.rule()
    if target == "local" and not endpoint_url and (notice := code_notice(scenario.raw)):
        console.warn(notice)
    prompter = Prompter(replies, secrets, interactive=interactive)
    try:
        opened = open_target(target, region=region, endpoint_url=endpoint_url, profile=profile)
    except ScenarioError as exc:
        return RunResult(scenario, [], exc, [], 0.0)
    try:
        opened.clients.fault_at = fault_at
        runner = Runner(
            scenario,
            registry,
            opened,
            prompter=prompter,
            console=console,
            secrets=secrets,
            stack_name=stack_name,
            on_record=recorder.write if recorder else None,
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
    codes = [exit_code_for(result.error) for result in results]
    # The worst outcome among the files decides.
    for code in (EXIT_INTERRUPTED, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_STEP_FAILED):
        if code in codes:
            return code
    return EXIT_OK


def _sigterm_as_interrupt() -> Any:
    """A CI job cancelled with SIGTERM cleans up like Ctrl-C does; returns the previous handler."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not the main thread (e.g. inside a test runner thread)
        return signal.signal(signal.SIGTERM, handler)
    return None
