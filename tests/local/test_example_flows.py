"""The example flows of issue 12 (custom authentication, TOTP MFA, attribute verification) replay
green with their answers files on a fresh local target, and undo everything they made."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_RUN = Path(sys.executable).with_name("scenario-run")


@pytest.mark.parametrize("name", ["custom_auth", "totp_mfa", "verify_attribute", "remembered_device"])
def test_example_flow_replays_and_cleans_up(name: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {"CI": "1", "NO_COLOR": "1"}
    result = subprocess.run(
        [
            str(SCENARIO_RUN),
            str(ROOT / "scenarios" / f"{name}.yaml"),
            "--answers",
            str(ROOT / "scenarios" / "answers" / f"{name}.yaml"),
            "--no-color",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"PASSED {name}.yaml" in result.stdout
    assert "[undo] create_user (undo)  delete user" in result.stdout
