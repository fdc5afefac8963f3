"""``scenario-run FILE...``: select and validate the files, run each (``engine.run.pipeline``), report.

The exit code returned is ``engine.errors.run_exit_code`` of the runs.

Reports (``--junit``, ``--json``) are written however the run ends (exit 0, 1, 2, 3 or 130): an
error before any step is a failed ``setup`` case, so a CI report step always finds its file.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from engine.cleanup.journal import abandoned
from engine.cleanup.recovery import abandoned_notice, finish_abandoned
from engine.cli.error_handler import report_internal
from engine.cli.examples import shipped
from engine.errors import InputError, Interrupted, ScenarioError, exit_code_for, run_exit_code
from engine.plan.model import Plan
from engine.prompts.prompter import Prompter, stdin_is_interactive
from engine.reports import github_annotations
from engine.reports.console import Console
from engine.reports.outputs import ReportPathError, Reports, check_outputs
from engine.reports.summary import STDOUT
from engine.reports.transcript import Transcript
from engine.run import deploy_memory, signals
from engine.run.env_file import read_env_file
from engine.run.options import RunOptions
from engine.run.pipeline import Planned, convention_answers, mask_inputs, plan_files, run_planned
from engine.run.records import RunResult
from engine.run.sharding import Shard
from engine.secrets import Secrets

__all__ = ["RunOptions", "convention_answers", "run_files"]


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
        planned = plan_files(selected, options, interactive=interactive, plans=plans)
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
    mask_inputs(planned, from_file, secrets)
    _notice_abandoned_runs(console, interactive)
    recorder = Transcript(options.transcript, secrets) if options.transcript else None
    # Each file gets a fresh local backend, but its stack is deployed once: later files restore it.
    with signals.interrupting(), deploy_memory.remembering(), _local_backend_kept(options):
        try:
            for position, item in enumerate(planned):
                result, prompter = run_planned(
                    item,
                    options,
                    console=console,
                    secrets=secrets,
                    interactive=interactive,
                    recorder=recorder,
                    env_values=from_file,
                )
                reports.results.append(result)
                _summarise(console, result)
                if options.save_answers:
                    _save(options.save_answers, prompter, item.plan, console)
                stop = _stop_reason(result, options)
                if stop:
                    for rest in planned[position + 1 :]:
                        reports.results.append(RunResult(rest.plan, [], None, [], 0.0, not_run=stop))
                    break
        finally:
            if recorder:
                recorder.close()
            unwritten = reports.write()
            for message in unwritten:
                console.error(message)
    return run_exit_code((result.error for result in reports.results), reports_written=not unwritten)


def _local_backend_kept(options: RunOptions) -> contextlib.AbstractContextManager[None]:
    """On the embedded local AWS, the files' fresh backends are one backend emptied between them
    (``engine.local.activation.kept``); nothing for an endpoint or real AWS, which must not import moto."""
    if options.target != "local" or options.endpoint_url:
        return contextlib.nullcontext()
    from engine.local import activation

    return activation.kept()


def _filter_tags(planned: list[Planned], options: RunOptions, console: Console) -> list[Planned]:
    if not options.tag and not options.skip_tag:
        return planned
    wanted, unwanted = set(options.tag), set(options.skip_tag)
    kept = [
        item for item in planned if (not wanted or wanted & set(item.plan.tags)) and not unwanted & set(item.plan.tags)
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
    console.warn(abandoned_notice(found))
    if interactive and click.confirm("Run `scenario cleanup` now?", default=False):
        finish_abandoned(dry_run=False, echo=console.say)


def _save(path: Path, prompter: Prompter, plan: Plan, console: Console) -> None:
    from engine.prompts.save_answers import save_answers

    needed = save_answers(path, prompter.history, plan.path)
    console.say(f"Saved the answers to {path}; replay with: scenario-run {plan.path} --answers {path}")
    if needed:
        console.say(f"The secret answers are not in the file: export {', '.join(needed)} before replaying.")


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
