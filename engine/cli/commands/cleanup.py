"""``scenario cleanup``: finish the cleanup of runs that were killed before they could."""

from __future__ import annotations

import click

from engine.cli.commands import TARGETS


@click.command("cleanup")
@click.option("--dry-run", is_flag=True, help="Show what would be undone; change nothing.")
@click.option(
    "--endpoint-url", help="Also finish the dead runs whose journal `scenario serve` at this URL keeps (any machine's)."
)
@click.option(
    "--target",
    type=TARGETS,
    default="local",
    show_default=True,
    help="aws: also finish the dead runs whose journal your account keeps (any machine's).",
)
@click.option("--region", help="AWS region of --target aws (default: your configuration).")
@click.option("--profile", help="AWS profile for --target aws.")
def cleanup_command(
    dry_run: bool, endpoint_url: str | None, target: str, region: str | None, profile: str | None
) -> None:
    """Finish the cleanup of runs that were killed (kill -9, a CI timeout) before they could.

    Without a target, the journals in this machine's state directory; with --endpoint-url or
    --target aws, those the target keeps too, whichever machine ran them. A live run is left alone.
    """
    from engine.cleanup.recovery import finish_abandoned
    from engine.errors import cleanup_exit_code, exit_process
    from engine.run.targets import open_target

    if not endpoint_url and target == "local":
        exit_process(cleanup_exit_code(finish_abandoned(dry_run=dry_run, echo=click.echo)))
    opened = open_target(target, region=region, endpoint_url=endpoint_url, profile=profile)
    try:
        left = finish_abandoned(dry_run=dry_run, echo=click.echo, target=opened)
    finally:
        opened.close()
    exit_process(cleanup_exit_code(left))
