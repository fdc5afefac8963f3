"""``scenario cleanup``: finish the cleanup of runs that were killed before they could."""

from __future__ import annotations

import click


@click.command("cleanup")
@click.option("--dry-run", is_flag=True, help="Show what would be undone; change nothing.")
def cleanup_command(dry_run: bool) -> None:
    """Finish the cleanup of runs that were killed (kill -9, a CI timeout) before they could."""
    from engine.cleanup.recovery import finish_abandoned
    from engine.errors import cleanup_exit_code, exit_process

    exit_process(cleanup_exit_code(finish_abandoned(dry_run=dry_run, echo=click.echo)))
