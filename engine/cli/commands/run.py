"""``scenario run FILE...`` and the ``scenario-run`` command: the same options, the same run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from engine.cli.commands import TARGETS
from engine.cli.error_handler import HandledCommand

F = TypeVar("F", bound=Callable[..., None])
EXIT_CODES_HELP = (
    "Exit codes: 0 every scenario passed and cleaned up; 1 a step failed; 2 bad input, nothing ran; "
    "3 internal error (a log file is written); 130 interrupted, after cleanup."
)


def run_options(func: F) -> F:
    """The options of ``scenario run`` and ``scenario-run``, which are the same."""
    options = [
        click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path)),
        click.option(
            "--answers",
            "answers",
            multiple=True,
            type=click.Path(path_type=Path),
            help="Answers file (YAML, keyed by prompt id). Once for all files, or once per file.",
        ),
        click.option(
            "--answer",
            "answer",
            multiple=True,
            metavar="ID=VALUE",
            help="Answer a prompt; overrides the answers file. Repeat for more.",
        ),
        click.option(
            "--target",
            type=TARGETS,
            default="local",
            show_default=True,
            help="local: embedded moto, no account needed. aws: your real account.",
        ),
        click.option("--endpoint-url", help="Any AWS-compatible endpoint (scenario serve, LocalStack)."),
        click.option("--stack", "stack_name", help="Read outputs of this existing stack instead of deploying."),
        click.option("--region", help="AWS region (default: us-east-1 locally, your configuration on aws)."),
        click.option("--profile", help="AWS profile for --target aws."),
        click.option("--non-interactive", is_flag=True, help="Never ask; a missing answer is an error (exit 2)."),
        click.option("--junit", type=click.Path(path_type=Path), help="Write a JUnit XML report here."),
        click.option("--transcript", type=click.Path(path_type=Path), help="Write a JSON-lines transcript here."),
        click.option(
            "--json",
            "json_report",
            type=click.Path(path_type=Path),
            help="Write a JSON summary of the run here (exit code, scenarios, steps).",
        ),
        click.option(
            "--env-file",
            type=click.Path(path_type=Path, dir_okay=False),
            help="KEY=VALUE lines giving the scenarios' env: variables (the environment wins over the file).",
        ),
        click.option("--no-color", is_flag=True, help="Plain output even on a terminal (also NO_COLOR=1)."),
        click.option("-q", "--quiet", is_flag=True, help="Only the verdict, warnings and errors."),
        click.option("-v", "--verbose", is_flag=True, help="Also each AWS request and response (secrets masked)."),
        click.option("--tag", multiple=True, help="Run only scenarios with this tag (repeat: any of them)."),
        click.option("--skip-tag", multiple=True, help="Leave out scenarios with this tag (repeat for more)."),
        click.option("--fail-fast", is_flag=True, help="Stop after the first scenario that fails."),
        click.option(
            "--shard",
            metavar="INDEX/COUNT",
            help="Run only this share of FILES (1-based), split deterministically, e.g. 2/4 in a CI matrix.",
        ),
        click.option(
            "--save-answers",
            type=click.Path(path_type=Path),
            help="Write the answers of this run to FILE, to replay it with --answers (secrets as env references).",
        ),
        click.option("--fault-at", type=int, hidden=True, help="Testing: fail the Nth AWS call of the steps."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command("run", epilog=EXIT_CODES_HELP)
@run_options
def run_command(files: tuple[Path, ...], **options: Any) -> None:
    """Run scenario FILES (the same as scenario-run)."""
    _run(files, options)


@click.command(
    "scenario-run", cls=HandledCommand, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP
)
@click.version_option(package_name="scenario-run", prog_name="scenario-run")
@run_options
def scenario_run(files: tuple[Path, ...], **options: Any) -> None:
    """Run scenario FILES (YAML) on the embedded local AWS, an endpoint, or real AWS."""
    _run(files, options)


def _run(files: tuple[Path, ...], options: dict[str, Any]) -> None:
    from engine.errors import exit_process
    from engine.run.files import RunOptions, run_files

    exit_process(run_files(files, RunOptions(**options)))
