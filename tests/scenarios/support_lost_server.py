"""A fault injector that kills `scenario serve` (a process of its own) at a chosen AWS call of a run.

A run loads it with ``SCENARIO_RUN_TEST_FAULTS=support_lost_server``; ``SCENARIO_RUN_TEST_KILL_SERVER``
is ``PID:WHEN:N``: SIGKILL to PID just before (``before``) or after (``after``) the Nth AWS call of
the steps, as if the server or the network were lost at that moment.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

KILL_ENV = "SCENARIO_RUN_TEST_KILL_SERVER"


@dataclass
class ServerKiller:
    pid: int
    moment: str

    def before_call(self) -> None:
        pass

    def at(self, moment: str, number: int) -> None:
        if f"{moment}:{number}" == self.moment:
            os.kill(self.pid, signal.SIGKILL)
            time.sleep(0.2)  # until the port is closed: the next call must find nobody there


def fault_injector() -> ServerKiller:
    """What ``engine.aws.faults.load_injector`` calls."""
    pid, moment = os.environ[KILL_ENV].split(":", 1)
    return ServerKiller(int(pid), moment)


def kill_server_env(pid: int, moment: str) -> dict[str, str]:
    """The environment of a run that kills the server ``pid`` at ``moment`` (``after:5``)."""
    here = str(Path(__file__).resolve().parent)
    path = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH", "")]))
    return {"SCENARIO_RUN_TEST_FAULTS": "support_lost_server", "PYTHONPATH": path, KILL_ENV: f"{pid}:{moment}"}
