"""``scenario stack deploy|outputs|destroy``: the project's CloudFormation stack."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from engine.cli.commands import TARGETS
from engine.errors import InputError

if TYPE_CHECKING:
    from engine.aws.clients import Clients

F = TypeVar("F", bound=Callable[..., None])


@click.group("stack")
def stack_group() -> None:
    """Deploy, show or remove the project's CloudFormation stack (infra/template.yaml)."""


def _stack_options(func: F) -> F:
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


def _stack_clients(target: str, endpoint_url: str | None, region: str | None, profile: str | None) -> Clients:
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
