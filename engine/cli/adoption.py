"""What ``scenario init`` and ``scenario examples`` print: the command logic behind engine.cli.main."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from engine.cli import examples as shipped_examples
from engine.cli.scaffold import ANSWERS, FLOW, scaffold


def init(directory: Path) -> None:
    """Scaffold a project in ``directory`` and print the command that runs it."""
    from engine.plan.registry import load_registry
    from engine.plan.schema import schema_text

    for path in scaffold(directory, schema_text(load_registry())):
        click.echo(f"created {path}")
    where = "" if directory == Path() else f"cd {shlex.quote(str(directory))} && "
    click.echo(f"\nRun it on the embedded local AWS:\n  {where}scenario run {FLOW} --answers {ANSWERS}")


def examples(name: str | None, directory: Path | None) -> None:
    """List the shipped scenarios, print one's path, or copy it into ``directory``."""
    if name is None:
        for stem, path in shipped_examples.shipped().items():
            click.echo(f"{stem:<16} {shipped_examples.summary(path)}")
        click.echo("\nCopy one out with `scenario examples NAME --to DIR`.")
        return
    if directory is None:
        click.echo(str(shipped_examples.find(name)))
        return
    for path in shipped_examples.copy_example(name, directory):
        click.echo(f"created {path}")
    answers = directory / "scenarios" / "answers" / f"{name.removesuffix('.yaml')}.yaml"
    command = f"scenario run {directory / 'scenarios' / (name.removesuffix('.yaml') + '.yaml')}"
    if answers.is_file():
        command += f" --answers {answers}"
    click.echo(f"\nRun it:\n  {command}")
