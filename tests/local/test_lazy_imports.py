"""A run without a stack never imports moto's CloudFormation (nor the EC2 and API Gateway it pulls in), and
one that invokes no function never imports moto's Lambda (nor the DynamoDB, Kinesis, SQS, KMS and
CloudWatch Logs it pulls in): their hooks are applied when the module is first imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# run_main leaves the process itself (``engine.startup.leave``), after the atexit handlers.
_PROBE = """
import atexit, json, sys
from engine.entry import run_main
HEAVY = ("moto.cloudformation", "moto.ec2", "moto.apigateway", "moto.awslambda", "moto.kms", "moto.logs", "moto.sqs")
def report():
    heavy = sorted(m for m in HEAVY if m in sys.modules)
    sys.__stderr__.write(json.dumps({"heavy": heavy}) + "\\n")
atexit.register(report)
sys.argv = ["scenario-run", "scenarios/hello.yaml", "--non-interactive", "--no-color"]
run_main()
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
    assert (done.returncode, report) == (0, {"heavy": []}), done.stdout + done.stderr
    assert "You don't have any user pools!" in done.stdout
