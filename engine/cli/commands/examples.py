"""``scenario examples [NAME] [--to DIR]``: the shipped scenarios."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("examples")
@click.argument("name", required=False)
@click.option("--to", "directory", type=click.Path(file_okay=False, path_type=Path), help="Copy NAME here.")
def examples_command(name: str | None, directory: Path | None) -> None:
    """List the shipped scenarios, or copy NAME (with what it uses) into a directory (--to)."""
    from engine.cli.adoption import examples

    examples(name, directory)
