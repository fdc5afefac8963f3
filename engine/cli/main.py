"""The command line: the ``scenario`` group of subcommands (one module each, in
``engine.cli.commands``) and the ``scenario-run`` command."""

from __future__ import annotations

import click

from engine.cli.commands import actions, cleanup, examples, init, load, run, schema, serve, stack, validate
from engine.cli.error_handler import HandledGroup


@click.group(cls=HandledGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="scenario-run")
def main() -> None:
    """Run Amazon Cognito scenarios written in YAML, on an embedded local AWS or real AWS."""
    from engine.reports.console import color_wanted

    # NO_COLOR and FORCE_COLOR for every subcommand (click.echo strips styles when this is False).
    click.get_current_context().color = color_wanted()


for _command in (
    run.run_command,
    validate.validate_command,
    actions.actions_command,
    schema.schema_command,
    serve.serve_command,
    cleanup.cleanup_command,
    stack.stack_group,
    init.init_command,
    examples.examples_command,
    load.load_command,
):
    main.add_command(_command)

_scenario_run = run.scenario_run  # the ``scenario-run`` command object (the tests drive it in-process)


def scenario_run_command() -> None:
    """The ``scenario-run`` command (``engine.entry.run_main`` is the script's entry point)."""
    run.scenario_run()
