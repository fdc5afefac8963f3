"""What a person sees: narrative, step lines, warnings; colour on a TTY, secrets always masked."""

from __future__ import annotations

import os
import sys
from typing import IO

import click

from engine.secrets import Secrets

RULE = "-" * 88


class Console:
    """Writes to the terminal through the run's secret mask."""

    def __init__(self, secrets: Secrets, *, stream: IO[str] | None = None, color: bool | None = None) -> None:
        self.secrets = secrets
        self.stream = stream
        out = stream or sys.stdout
        if color is None:
            # https://no-color.org: any non-empty NO_COLOR turns colour off.
            color = not os.environ.get("NO_COLOR") and bool(getattr(out, "isatty", lambda: False)())
        self.color = color

    def _echo(self, text: str, *, err: bool = False, **style: object) -> None:
        text = self.secrets.mask(text)
        if self.color and style:
            text = click.style(text, **style)  # type: ignore[arg-type]
        click.echo(text, file=self.stream if not err else (self.stream or sys.stderr), color=self.color)

    def say(self, text: str) -> None:
        """Narrative text, as the seed's scenarios print it."""
        self._echo(text.rstrip("\n"))

    def rule(self) -> None:
        self._echo(RULE, dim=True)

    def step(self, status: str, step_id: str, action: str, detail: str = "") -> None:
        """One line per finished step: ``[ok] id (action) detail``."""
        colors = {"ok": "green", "failed": "red", "skipped": "yellow", "retry": "yellow", "undo": "cyan"}
        extra = f"  {detail}" if detail else ""
        self._echo(f"[{status}] {step_id} ({action}){extra}", fg=colors.get(status, "white"), dim=status == "ok")

    def warn(self, text: str) -> None:
        self._echo(f"warning: {text}", err=True, fg="yellow")

    def error(self, text: str) -> None:
        self._echo(f"Error: {text}", err=True, fg="red", bold=True)

    def message(self, text: str) -> None:
        """A message a person should notice (e.g. a code that would have been emailed)."""
        self._echo(text, fg="cyan", bold=True)
