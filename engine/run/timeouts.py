"""A step's ``timeout:``: the whole step, every attempt and retry delay, within a time budget.

In the main thread of a Unix process a timer interrupts a call that hangs (a slow endpoint, a
long poll); elsewhere the budget is checked between attempts only.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from engine.run import signals


class StepTimedOut(BaseException):
    """Raised into a step whose time is up; a BaseException so no library mistakes it for its own error."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[float | None]:
    """Yield the step's deadline (``time.monotonic()`` based), or None without a limit."""
    if seconds is None:
        yield None
        return
    deadline = time.monotonic() + seconds
    if not signals.alarm_available():
        yield deadline
        return

    def expire() -> None:
        raise StepTimedOut

    with signals.alarm(seconds, expire):
        yield deadline
