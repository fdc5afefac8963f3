"""The command line: ``scenario run|validate|actions|schema|serve|stack`` and ``scenario-run``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from engine.cli.error_handler import HandledCommand, HandledGroup
from engine.errors import InputError

TARGETS = click.Choice(["local", "aws"])
EXIT_CODES_HELP = (
    "Exit codes: 0 every scenario passed and cleaned up; 1 a step failed; 2 bad input, nothing ran; "
    "3 internal error (a log file is written); 130 interrupted, after cleanup."
)


@click.group(cls=HandledGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="scenario-run")
def main() -> None:
    """Run Amazon Cognito scenarios written in YAML, on an embedded local AWS or real AWS."""
    from engine.reports.console import color_wanted

    # NO_COLOR and FORCE_COLOR for every subcommand (click.echo strips styles when this is False).
    click.get_current_context().color = color_wanted()


def _run_options(func: Any) -> Any:
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


@main.command("run", epilog=EXIT_CODES_HELP)
@_run_options
def run_command(files: tuple[Path, ...], **options: Any) -> None:
    """Run scenario FILES (the same as scenario-run)."""
    _run(files, options)


@main.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--answers",
    type=click.Path(path_type=Path),
    help="Also check an answers file against FILES (unknown and missing answers).",
)
def validate_command(files: tuple[Path, ...], answers: Path | None) -> None:
    """Check scenario FILES (schema, actions, arguments, templates, references) without calling AWS.

    Every problem in every file is reported; the exit code is 2 if there is any.
    """
    from engine.errors import EXIT_BAD_INPUT
    from engine.plan.code_notice import code_notice
    from engine.plan.planner import check_scenario
    from engine.plan.registry import load_registry
    from engine.plan.runtime_tools import runtime_problems
    from engine.prompts.answers import Answers
    from engine.reports import github_annotations

    registry = load_registry()
    replies = Answers.load(answers) if answers is not None else None
    found = 0
    bad_files = 0
    for path in files:
        scenario, errors = check_scenario(path, registry, answers=replies)
        if scenario is not None:
            errors = [*errors, *runtime_problems(scenario)]
        for error in errors:
            github_annotations.annotate(error, file=str(path))
            click.echo(f"Error: {error.render()}", err=True)
        found += len(errors)
        bad_files += bool(errors)
        if scenario is None or errors:
            continue
        checks = f", {len(scenario.after_cleanup)} after_cleanup steps" if scenario.after_cleanup else ""
        click.echo(f"{path}: ok ({len(scenario.steps)} steps, {len(scenario.cleanup_steps)} cleanup steps{checks})")
        if notice := code_notice(scenario):
            click.echo(f"{path}: {notice}", err=True)
    if found > 1:
        click.echo(f"{found} errors in {bad_files} of {len(files)} files", err=True)
    if found:
        sys.exit(EXIT_BAD_INPUT)


def _complete_action(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from engine.plan.registry import load_registry

    return [name for name in sorted(load_registry()) if name.startswith(incomplete)]


@main.command("actions")
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


@main.command("schema")
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


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=4566, show_default=True, type=int)
@click.option("--region", default="us-east-1", show_default=True)
@click.option("--cors-origin", help="Let web pages of this origin call the server (e.g. http://localhost:3000).")
@click.option("--access-key-id", envvar="SCENARIO_ACCESS_KEY_ID", help="Accept only requests with this access key id.")
def serve_command(host: str, port: int, region: str, cors_origin: str | None, access_key_id: str | None) -> None:
    """Serve the embedded local AWS over HTTP (triggers fire, codes go to /_scenario/outbox)."""
    import time

    from engine.local.server import LocalServer, exposure_warning

    server = LocalServer(host=host, port=port, region=region, cors_origin=cors_origin, access_key_id=access_key_id)
    if warning := exposure_warning(host):
        click.echo(click.style(warning, fg="red", bold=True), err=True)
    url = server.start()
    click.echo(f"Local AWS listening on {url} (outbox: {url}/_scenario/outbox). Ctrl-C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("Stopping.")
    finally:
        server.stop()


@main.command("cleanup")
@click.option("--dry-run", is_flag=True, help="Show what would be undone; change nothing.")
def cleanup_command(dry_run: bool) -> None:
    """Finish the cleanup of runs that were killed (kill -9, a CI timeout) before they could."""
    from engine.cleanup.recovery import finish_abandoned

    sys.exit(finish_abandoned(dry_run=dry_run, echo=click.echo))


@main.group("stack")
def stack_group() -> None:
    """Deploy, show or remove the project's CloudFormation stack (infra/template.yaml)."""


def _stack_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option("--target", type=TARGETS, default="local", show_default=True),
            click.option("--endpoint-url", help="Endpoint of a running `scenario serve` (local target)."),
            click.option("--stack", "stack_name", default=None, help="Stack name."),
            click.option("--region"),
            click.option("--profile"),
        ]
    ):
        func = option(func)
    return func


def _stack_clients(target: str, endpoint_url: str | None, region: str | None, profile: str | None) -> Any:
    from engine.run.targets import open_target

    if target == "local" and not endpoint_url:
        raise InputError(
            "the embedded local AWS lives only for the length of a run, so there is nothing to deploy into",
            hint="start `scenario serve` and pass --endpoint-url http://127.0.0.1:4566, or use --target aws",
        )
    return open_target(target, region=region, endpoint_url=endpoint_url, profile=profile).clients


def _progress(text: str) -> None:
    """Progress goes to stderr: stdout carries the outputs as JSON (`scenario stack deploy | jq`)."""
    click.echo(text, err=True)


@stack_group.command("deploy")
@_stack_options
@click.option("--template", type=click.Path(path_type=Path), help="Template (default: infra/template.yaml).")
@click.option("--parameter", "parameters", multiple=True, metavar="NAME=VALUE", help="A template parameter.")
def stack_deploy(
    target: str,
    endpoint_url: str | None,
    stack_name: str | None,
    region: str | None,
    profile: str | None,
    template: Path | None,
    parameters: tuple[str, ...],
) -> None:
    """Package the triggers, deploy the stack and print its outputs."""
    from engine import stack

    clients = _stack_clients(target, endpoint_url, region, profile)
    outputs = stack.deploy(
        clients,
        stack_name or stack.DEFAULT_STACK_NAME,
        template or stack.DEFAULT_TEMPLATE,
        log=_progress,
        parameters=dict(item.partition("=")[::2] for item in parameters),
    )
    click.echo(json.dumps(outputs, indent=2, sort_keys=True))


@stack_group.command("outputs")
@_stack_options
def stack_outputs(
    target: str, endpoint_url: str | None, stack_name: str | None, region: str | None, profile: str | None
) -> None:
    """Print the stack's outputs as JSON."""
    from engine import stack

    clients = _stack_clients(target, endpoint_url, region, profile)
    click.echo(json.dumps(stack.outputs(clients, stack_name or stack.DEFAULT_STACK_NAME), indent=2, sort_keys=True))


@stack_group.command("destroy")
@_stack_options
def stack_destroy(
    target: str, endpoint_url: str | None, stack_name: str | None, region: str | None, profile: str | None
) -> None:
    """Delete the stack and its artifact bucket."""
    from engine import stack

    clients = _stack_clients(target, endpoint_url, region, profile)
    stack.destroy(clients, stack_name or stack.DEFAULT_STACK_NAME, log=_progress)


@main.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
def init_command(directory: Path) -> None:
    """Start a project in DIRECTORY: a flow, its answers, a template, a Lambda handler, CI and hooks."""
    from engine.cli.adoption import init

    init(directory)


@main.command("examples")
@click.argument("name", required=False)
@click.option("--to", "directory", type=click.Path(file_okay=False, path_type=Path), help="Copy NAME here.")
def examples_command(name: str | None, directory: Path | None) -> None:
    """List the shipped scenarios, or copy NAME (with what it uses) into a directory (--to)."""
    from engine.cli.adoption import examples

    examples(name, directory)


@click.command(
    "scenario-run", cls=HandledCommand, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP
)
@click.version_option(package_name="scenario-run", prog_name="scenario-run")
@_run_options
def _scenario_run(files: tuple[Path, ...], **options: Any) -> None:
    """Run scenario FILES (YAML) on the embedded local AWS, an endpoint, or real AWS."""
    _run(files, options)


def _run(files: tuple[Path, ...], options: dict[str, Any]) -> None:
    from engine.run.files import RunOptions, run_files

    sys.exit(run_files(files, RunOptions(**options)))


def scenario_run_command() -> None:
    """The ``scenario-run`` command (``engine.entry.run_main`` is the script's entry point)."""
    _scenario_run()
