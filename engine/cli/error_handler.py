"""Where a command's errors are shown: user errors plainly, bugs with a log file.

Every command ends here (``HandledCommand``, ``HandledGroup``); the exit code of each way of
ending is ``engine.errors``'s to decide.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from engine.errors import ScenarioError, exit_code_for, exit_process


def write_crash_log(error: BaseException) -> Path:
    """Save the traceback of an internal bug (secret arguments masked) and return the file's path."""
    from engine.cli.crash_log import masked_argv, write_private  # bugs are rare: not at every start-up

    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return write_private(f"scenario-run internal error\nargv: {masked_argv(sys.argv)}\n\n{text}")


def report_internal(error: BaseException) -> None:
    from engine.secrets import mask_everywhere

    path = write_crash_log(error)
    summary = mask_everywhere(f"{type(error).__name__}: {error}")
    click.echo(
        f"Error: internal error ({summary}). This is a bug in scenario-run.\n"
        f"  The traceback is in {path}; please include it in a bug report.",
        err=True,
    )


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn every way a command can end into a message and an exit code."""
    try:
        yield
    except ScenarioError as exc:
        click.echo(f"Error: {exc.render()}", err=True)
        exit_process(exit_code_for(exc))
    except KeyboardInterrupt as exc:
        click.echo("Interrupted.", err=True)
        exit_process(exit_code_for(exc))
    except (click.exceptions.Exit, click.ClickException, SystemExit):
        raise
    except Exception as exc:
        report_internal(exc)
        exit_process(exit_code_for(exc))


class HandledCommand(click.Command):
    """A command whose errors become messages and exit codes."""

    def invoke(self, ctx: click.Context) -> object:
        with handle_errors():
            return super().invoke(ctx)


class HandledGroup(click.Group):
    """A group whose commands' errors become messages and exit codes (every subcommand runs inside it)."""

    def invoke(self, ctx: click.Context) -> object:
        with handle_errors():
            return super().invoke(ctx)
