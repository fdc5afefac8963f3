"""The console scripts' entry points: signals are handled before anything heavy is imported.

A CI job may be cancelled (SIGTERM) or interrupted (Ctrl-C) at any moment, start-up included:
both become an interrupt from the first instant, and an interrupt always exits 130 (after
cleanup, once a run has started).
"""

from __future__ import annotations

import signal
import sys

from engine.run import interrupts

EXIT_INTERRUPTED = 130


def _interrupt(signum: int, frame: object) -> None:
    interrupts.note()  # in case Python swallows the exception below (see engine.run.interrupts)
    raise KeyboardInterrupt


def _start(command: str) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        # A signal the parent set to be ignored (a background job of a shell, nohup) stays ignored.
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _interrupt)
    try:
        from engine.cli import main as cli

        getattr(cli, command)()
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)


def run_main() -> None:
    """``scenario-run``."""
    _start("scenario_run_command")


def scenario_main() -> None:
    """``scenario``."""
    _start("main")
