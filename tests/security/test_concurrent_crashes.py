"""Crashes at the same moment each get a crash log of their own (the folder is made by whichever is first)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def test_three_crashes_at_once_write_three_crash_logs(tmp_path: Path, write) -> None:
    scenario = write("s.yaml", "name: s\nsteps:\n  - say: hi\n")
    here = str(Path(__file__).resolve().parent)
    env = {
        **os.environ,
        "CI": "true",
        "XDG_STATE_HOME": str(tmp_path / "state"),  # not there yet: all three make it at once
        "SCENARIO_RUN_TEST_FAULTS": "support_crash",
        "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH", "")])),
    }
    procs = [
        subprocess.Popen(
            [str(BIN / "scenario-run"), str(scenario)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [3, 3, 3], outputs
    logs = sorted((tmp_path / "state" / "scenario-run" / "crashes").glob("crash-*.log"))
    assert len(logs) == 3, outputs
    for (_, stderr), log in zip(outputs, logs, strict=True):
        assert "This is a bug in scenario-run" in stderr
        assert "a bug on purpose" in log.read_text()
    assert sorted(stderr.split("The traceback is in ")[1].split(";")[0] for _, stderr in outputs) == list(
        map(str, logs)
    )
