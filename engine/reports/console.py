"""What a person sees: narrative, step lines, warnings; colour on a TTY, secrets always masked.

The narrative goes to stdout unless stdout carries data (``--json -``), then to stderr. ``quiet``
keeps only the verdict, warnings and errors; ``verbose`` adds each AWS request and response.
"""

from __future__ import annotations

import os
import sys
from typing import IO

import click

from engine.secrets import Secrets

RULE = "-" * 88


def color_wanted(stream: IO[str] | None = None, *, no_color: bool = False) -> bool:
    """Colour or not: --no-color and NO_COLOR win, then FORCE_COLOR (CI logs), then "is it a TTY"."""
    # https://no-color.org: any non-empty NO_COLOR turns colour off; https://force-color.org.
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0", "false"):
        return True
    out = stream or sys.stdout
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError):
        return False


class Console:
    """Writes to the terminal through the run's secret mask."""

    def __init__(
        self,
        secrets: Secrets,
        *,
        stream: IO[str] | None = None,
        color: bool | None = None,
        to_stderr: bool = False,
        quiet: bool = False,
        verbose: bool = False,
    ) -> None:
        self.secrets = secrets
        self.stream = stream
        self.to_stderr = to_stderr  # stdout carries data: the narrative must not mix into it
        self.quiet = quiet
        self.verbose = verbose
        # Every line written, unstyled and masked: the tail is shown when a pytest item fails.
        self.lines: list[str] = []
        if color is None:
            color = color_wanted(stream or (sys.stderr if to_stderr else None))
        self.color = color

    def _echo(
        self,
        text: str,
        *,
        err: bool = False,
        show: bool = True,
        fg: str | None = None,
        bold: bool | None = None,
        dim: bool | None = None,
    ) -> None:
        text = self.secrets.mask(text)
        self.lines.extend(text.splitlines() or [""])
        if not show:
            return
        if self.color and (fg, bold, dim) != (None, None, None):
            text = click.style(text, fg=fg, bold=bold, dim=dim)
        stream = self.stream if self.stream is not None else sys.stderr if err or self.to_stderr else sys.stdout
        if stream is not None and text.isascii() and (self.color or "\x1b" not in text):
            # What click.echo writes for such a line (no encoding to fix, no escape codes to strip), without
            # its stream lookups on every call: a run writes dozens of lines.
            stream.write(text + "\n")
            stream.flush()
            return
        if self.stream is not None:
            click.echo(text, file=self.stream, color=self.color)
        else:
            click.echo(text, err=err or self.to_stderr, color=self.color)

    def say(self, text: str) -> None:
        """Narrative text, as the seed's scenarios print it."""
        self._echo(text.rstrip("\n"), show=not self.quiet)

    def rule(self) -> None:
        self._echo(RULE, dim=True, show=not self.quiet)

    def step(self, status: str, step_id: str, action: str, detail: str = "") -> None:
        """One line per finished step: ``[ok] id (action) detail``."""
        colors = {"ok": "green", "failed": "red", "skipped": "yellow", "retry": "yellow", "undo": "cyan"}
        extra = f"  {detail}" if detail else ""
        self._echo(
            f"[{status}] {step_id} ({action}){extra}",
            fg=colors.get(status, "white"),
            dim=status == "ok",
            show=not self.quiet or status == "failed",
        )

    def verdict(self, passed: bool, text: str) -> None:
        """``PASSED …``/``FAILED …``: shown even with ``-q``."""
        word = "PASSED" if passed else "FAILED"
        self._echo(f"{word} {text}", fg="green" if passed else "red", bold=True)

    def warn(self, text: str) -> None:
        self._echo(f"warning: {text}", err=True, fg="yellow")

    def error(self, text: str) -> None:
        self._echo(f"Error: {text}", err=True, fg="red", bold=True)

    def message(self, text: str) -> None:
        """A message a person should notice (e.g. a code that would have been emailed)."""
        self._echo(text, fg="cyan", bold=True, show=not self.quiet)

    def trace(self, text: str) -> None:
        """``-v``: an AWS request or response (already masked by the caller's secrets)."""
        if self.verbose:
            self._echo(text, err=True, dim=True)
