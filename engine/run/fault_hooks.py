"""Testing aids for the cleanup guarantees: a signal to this process at a chosen moment.

``SCENARIO_RUN_TEST_SIGNAL=WHEN:N[:SIGNAL]`` sends SIGNAL (KILL, TERM or INT; default KILL) to
the running process just before (``before``) or just after (``after``) the Nth AWS call of the
steps, or just before the Nth undo (``undo``). ``SCENARIO_RUN_TEST_LATENCY=SECONDS`` adds
AWS-like latency before every call. Both are for the test suite; nothing sets them otherwise.
"""

from __future__ import annotations

import os
import signal
import time

_SPEC = os.environ.get("SCENARIO_RUN_TEST_SIGNAL", "")
LATENCY = float(os.environ.get("SCENARIO_RUN_TEST_LATENCY") or 0)


def _parse(spec: str) -> tuple[str, int, signal.Signals] | None:
    if not spec:
        return None
    when, number, *rest = spec.split(":")
    return when, int(number), signal.Signals[f"SIG{(rest or ['KILL'])[0].upper()}"]


_PARSED = _parse(_SPEC)
_FIRED: list[bool] = []


def at(when: str, number: int) -> None:
    """Called at each moment a test may choose: signal this process (once) if it is the chosen one."""
    if _PARSED is not None and not _FIRED and _PARSED[0] == when and _PARSED[1] == number:
        _FIRED.append(True)
        os.kill(os.getpid(), _PARSED[2])
        time.sleep(0.05)  # let a handled signal arrive here, not a few instructions later


def latency() -> None:
    if LATENCY:
        time.sleep(LATENCY)
