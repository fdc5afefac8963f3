"""Where the engine installs signal handlers, and the only place it does.

SIGTERM (a cancelled CI job) and SIGINT (Ctrl-C) become a ``KeyboardInterrupt`` wherever the
main thread is, so a run stops, cleans up and ends as interrupted (``engine.errors`` decides that
this is exit 130); a signal the parent set to be ignored (a background job, nohup) stays ignored.
SIGALRM carries a step's ``timeout:`` (``engine.run.timeouts``).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from engine.run import interrupts

_INTERRUPTING = (signal.SIGTERM, signal.SIGINT)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    interrupts.note()  # in case Python swallows the exception below (see engine.run.interrupts)
    raise KeyboardInterrupt


def install_interrupts() -> None:
    """For the whole process (the console scripts, before anything heavy is imported)."""
    for signum in _INTERRUPTING:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _interrupt)


@contextmanager
def interrupting() -> Iterator[None]:
    """While a run lasts, when it was started without the console scripts (in-process, from a test
    runner): SIGTERM interrupts it as Ctrl-C does. Off the main thread nothing can be installed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous in (signal.SIG_IGN, _interrupt):
        yield
        return
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def alarm_available() -> bool:
    """A timer can interrupt a call only in the main thread of a Unix process."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def alarm(seconds: float, expire: Callable[[], None]) -> Iterator[None]:
    """``expire()`` is called in the main thread after ``seconds`` unless the block ended first."""

    def handler(signum: int, frame: FrameType | None) -> None:
        expire()

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
