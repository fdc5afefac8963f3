"""The console scripts' entry points: signals are handled before anything heavy is imported.

A CI job may be cancelled (SIGTERM) or interrupted (Ctrl-C) at any moment, start-up included:
both become an interrupt from the first instant (``engine.run.signals``), and an interrupt always
exits 130 (after cleanup, once a run has started; ``engine.errors`` decides the code). For
``scenario-run`` the garbage collector is held off through start-up, and both commands leave without the
interpreter's teardown once they are done (``engine.startup``).
"""

from __future__ import annotations

import sys

from engine import startup
from engine.errors import EXIT_INTERRUPTED, exit_process
from engine.run import signals


def _start(command: str) -> None:
    signals.install_interrupts()
    try:
        try:
            from engine.cli import main as cli

            getattr(cli, command)()
        except KeyboardInterrupt:
            print("Interrupted.", file=sys.stderr)
            exit_process(EXIT_INTERRUPTED)
    except SystemExit as exiting:
        startup.leave(exiting.code)
    startup.leave(0)


def run_main() -> None:
    """``scenario-run``."""
    # Until the first run's stack is ready (``engine.run.targets``); not for ``scenario``, whose ``serve``
    # outlives any start-up.
    startup.hold()
    _start("scenario_run_command")


def scenario_main() -> None:
    """``scenario``."""
    _start("main")
