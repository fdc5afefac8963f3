"""A run without a stack never imports moto's CloudFormation (nor the EC2 and API Gateway it pulls in)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
from engine.entry import run_main
sys.argv = ["scenario-run", "scenarios/hello.yaml", "--non-interactive", "--no-color"]
try:
    run_main()
except SystemExit as exit:
    code = exit.code
heavy = sorted(m for m in ("moto.cloudformation", "moto.ec2", "moto.apigateway") if m in sys.modules)
sys.__stderr__.write(json.dumps({"code": code, "heavy": heavy}) + "\\n")
"""


def test_hello_imports_no_cloudformation_ec2_or_apigateway(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SCENARIO_RUN_STATE_DIR": str(tmp_path / "state")},
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report == {"code": 0, "heavy": []}, done.stdout + done.stderr
    assert "You don't have any user pools!" in done.stdout
