"""``scenario schema``: the scenario JSON schema, made from the registry."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("schema")
@click.option("--output", type=click.Path(path_type=Path), help="Write to this file instead of printing.")
def schema_command(output: Path | None) -> None:
    """Print the scenario JSON schema (schema/scenario.schema.json is generated from it)."""
    from engine.plan.registry import load_registry
    from engine.plan.schema import schema_text

    text = schema_text(load_registry())
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
