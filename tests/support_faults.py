"""The test suite's fault injector: a signal to the running process at chosen moments, and latency.

A run loads it when ``SCENARIO_RUN_TEST_FAULTS=support_faults`` (see ``engine.aws.faults``);
``faults_env`` gives a subprocess that variable, this folder on its ``PYTHONPATH``, and:

``SCENARIO_RUN_TEST_SIGNAL=WHEN:N[:SIGNAL[:every]],...`` sends SIGNAL (KILL, TERM or INT; default
KILL) to the process just before (``before``) or just after (``after``) the Nth AWS call of the
steps, or just before the Nth undo (``undo``); once, or every time that moment comes (``every``).
``SCENARIO_RUN_TEST_LATENCY=SECONDS`` adds AWS-like latency before every call.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

SIGNAL_ENV = "SCENARIO_RUN_TEST_SIGNAL"
LATENCY_ENV = "SCENARIO_RUN_TEST_LATENCY"


@dataclass
class _Moment:
    when: str
    number: int
    signum: signal.Signals
    every: bool
    fired: bool = False


def _parse(spec: str) -> list[_Moment]:
    moments = []
    for item in filter(None, spec.split(",")):
        when, number, *rest = item.split(":")
        name = (rest or ["KILL"])[0].upper()
        moments.append(_Moment(when, int(number), signal.Signals[f"SIG{name}"], rest[1:] == ["every"]))
    return moments


@dataclass
class SignalInjector:
    """Signals this process at the moments of ``SCENARIO_RUN_TEST_SIGNAL``; sleeps before each call."""

    moments: list[_Moment] = field(default_factory=list)
    latency: float = 0.0

    def before_call(self) -> None:
        if self.latency:
            time.sleep(self.latency)

    def at(self, moment: str, number: int) -> None:
        for chosen in self.moments:
            if chosen.when == moment and chosen.number == number and (chosen.every or not chosen.fired):
                chosen.fired = True
                os.kill(os.getpid(), chosen.signum)
                time.sleep(0.05)  # let a handled signal arrive here, not a few instructions later


def fault_injector() -> SignalInjector:
    """What ``engine.aws.faults.load_injector`` calls."""
    return SignalInjector(_parse(os.environ.get(SIGNAL_ENV, "")), float(os.environ.get(LATENCY_ENV) or 0))


def faults_env(signal_spec: str = "", latency: str = "") -> dict[str, str]:
    """The environment of a subprocess run that loads this injector."""
    here = str(Path(__file__).resolve().parent)
    path = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH", "")]))
    return {
        "SCENARIO_RUN_TEST_FAULTS": "support_faults",
        "PYTHONPATH": path,
        SIGNAL_ENV: signal_spec,
        LATENCY_ENV: latency,
    }
