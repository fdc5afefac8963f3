"""The hook point for the test suite's faults: inert unless a test names an injector.

Nothing here injects anything. A run is given a ``FaultInjector`` when it is built (its clients
through ``CallHooks``, its undo stack directly) and calls it at fixed moments: before every AWS
call (``before_call``, where a test adds latency), just before and just after the Nth AWS call
of the steps (``at("before", N)``, ``at("after", N)``) and just before the Nth undo
(``at("undo", N)``), where a test may signal the process.

The injector is ``NO_FAULTS``, which does nothing, unless the environment variable
``SCENARIO_RUN_TEST_FAULTS`` names a module: ``load_injector`` then imports it and calls its
``fault_injector()``. Only the test suite sets it (``tests/support_faults.py``); the module is
not part of the engine and is never imported otherwise.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from typing import Protocol

from engine.errors import InputError

FAULTS_ENV = "SCENARIO_RUN_TEST_FAULTS"


class FaultInjector(Protocol):
    """What a run calls at the moments a test may choose."""

    def before_call(self) -> None:
        """Just before every AWS call the run's clients make."""
        ...

    def at(self, moment: str, number: int) -> None:
        """``before``/``after`` the Nth AWS call of the steps, or ``undo`` before the Nth undo."""
        ...


class NoFaults:
    """The injector of every run that no test asked to disturb."""

    def before_call(self) -> None:
        pass

    def at(self, moment: str, number: int) -> None:
        pass


NO_FAULTS: FaultInjector = NoFaults()


def load_injector(environ: Mapping[str, str] = os.environ) -> FaultInjector:
    """``NO_FAULTS``, or the injector of the module ``SCENARIO_RUN_TEST_FAULTS`` names."""
    name = environ.get(FAULTS_ENV)
    if not name:
        return NO_FAULTS
    try:
        make: Callable[[], FaultInjector] = importlib.import_module(name).fault_injector
    except (ImportError, AttributeError) as exc:
        raise InputError(
            f"{FAULTS_ENV}={name}: no fault injector there ({exc})",
            hint=f"{FAULTS_ENV} is for the engine's test suite: unset it, "
            "or name an importable module that defines fault_injector()",
        ) from None
    return make()
