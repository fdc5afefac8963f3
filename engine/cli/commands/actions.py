"""``scenario actions [NAME]``: every action with its arguments, description and an example."""

from __future__ import annotations

import click

from engine.errors import InputError


def _complete_action(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from engine.plan.registry import load_registry

    return [name for name in sorted(load_registry()) if name.startswith(incomplete)]


@click.command("actions")
@click.argument("name", required=False, shell_complete=_complete_action)
def actions_command(name: str | None) -> None:
    """List every action with its arguments, description and an example."""
    import yaml

    from engine.plan.registry import load_registry

    registry = load_registry()
    if name is not None and name not in registry:
        import difflib

        close = difflib.get_close_matches(name, list(registry), n=3)
        raise InputError(
            f"unknown action '{name}'",
            hint=(f"did you mean {', '.join(close)}? " if close else "") + "run `scenario actions` to list them",
        )
    for action_name in [name] if name else sorted(registry):
        action = registry[action_name]
        click.echo(click.style(action_name, bold=True) + f": {action.description}")
        if name:
            props = action.schema.get("properties", {})
            required = set(action.schema.get("required", []))
            for arg, spec in props.items():
                mark = " (required)" if arg in required else ""
                desc = spec.get("description", "")
                click.echo(f"    {arg}{mark}: {desc}".rstrip(": ").rstrip())
            example = yaml.safe_dump([{action_name: action.example}], sort_keys=False).rstrip()
            click.echo("  example:\n" + "\n".join("    " + line for line in example.splitlines()))
            if action.result_example is not None:
                shape = yaml.safe_dump(action.result_example, sort_keys=False).rstrip()
                click.echo(
                    "  result (steps.<id>.result), for example:\n"
                    + "\n".join("    " + line for line in shape.splitlines())
                )
