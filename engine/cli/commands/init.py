"""``scenario init [DIR]``: a new project."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
def init_command(directory: Path) -> None:
    """Start a project in DIRECTORY: a flow, its answers, a template, a Lambda handler, CI and hooks."""
    from engine.cli.adoption import init

    init(directory)
