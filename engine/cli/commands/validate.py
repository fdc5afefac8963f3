"""``scenario validate FILE...``: every problem in every file, without calling AWS."""

from __future__ import annotations

from pathlib import Path

import click

from engine.errors import InputError


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--answers",
    type=click.Path(path_type=Path),
    help="Also check an answers file against FILES (unknown and missing answers).",
)
@click.option(
    "--target",
    type=click.Choice(["local", "endpoint", "aws"]),
    default="local",
    show_default=True,
    help="Where the scenarios will run: local also checks what the embedded local AWS can run "
    "(Lambda runtimes, generic AWS calls).",
)
def validate_command(files: tuple[Path, ...], answers: Path | None, target: str) -> None:
    """Check scenario FILES (schema, actions, arguments, templates, references) without calling AWS.

    Every problem in every file is reported; the exit code is 2 if there is any.
    """
    from engine.errors import exit_process, worst_exit_code
    from engine.plan.code_notice import code_notice
    from engine.plan.local_support import unsupported_locally
    from engine.plan.planner import check_scenario
    from engine.plan.registry import load_registry
    from engine.plan.runtime_tools import runtime_problems
    from engine.prompts.answers import Answers
    from engine.reports import github_annotations

    registry = load_registry()
    replies = Answers.load(answers) if answers is not None else None
    found: list[InputError] = []
    bad_files = 0
    for path in files:
        scenario, errors = check_scenario(path, registry, answers=replies)
        if scenario is not None and target == "local":
            errors = [*errors, *runtime_problems(scenario), *unsupported_locally(scenario)]
        for error in errors:
            github_annotations.annotate(error, file=str(path))
            click.echo(f"Error: {error.render()}", err=True)
        found += errors
        bad_files += bool(errors)
        if scenario is None or errors:
            continue
        checks = f", {len(scenario.after_cleanup)} after_cleanup steps" if scenario.after_cleanup else ""
        click.echo(f"{path}: ok ({len(scenario.steps)} steps, {len(scenario.cleanup_steps)} cleanup steps{checks})")
        if notice := code_notice(scenario):
            click.echo(f"{path}: {notice}", err=True)
    if len(found) > 1:
        click.echo(f"{len(found)} errors in {bad_files} of {len(files)} files", err=True)
    if found:
        exit_process(worst_exit_code(found))
