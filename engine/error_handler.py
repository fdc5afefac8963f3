"""Where exit codes are decided and errors are shown: user errors plainly, bugs with a log file."""

from __future__ import annotations

import datetime
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from engine.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, ScenarioError


def write_crash_log(error: BaseException) -> Path:
    """Save the traceback of an internal bug and return the file's path."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(tempfile.gettempdir()) / f"scenario-run-crash-{stamp}.log"
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    path.write_text(f"scenario-run internal error\nargv: {sys.argv}\n\n{text}", encoding="utf-8")
    return path


def report_internal(error: BaseException) -> None:
    path = write_crash_log(error)
    click.echo(
        f"Error: internal error ({type(error).__name__}: {error}). This is a bug in scenario-run.\n"
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
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except (click.exceptions.Exit, click.ClickException, SystemExit):
        raise
    except Exception as exc:
        report_internal(exc)
        sys.exit(EXIT_INTERNAL)


class _HandlesErrors:
    """Every command invoked through this object ends in ``handle_errors``: one place for all commands."""

    def invoke(self, ctx: click.Context) -> Any:
        with handle_errors():
            return super().invoke(ctx)  # type: ignore[misc]


class HandledCommand(_HandlesErrors, click.Command):
    """A command whose errors become messages and exit codes."""


class HandledGroup(_HandlesErrors, click.Group):
    """A group whose commands' errors become messages and exit codes."""
