"""Benchmark: a cold ``scenario-run`` vs a hand-written boto3 + ``moto.mock_aws`` script, each in a fresh process.

The floor is the smallest honest script doing what ``scenarios/hello.yaml`` does: start Python, import
boto3 and moto, activate ``mock_aws`` and call ListUserPools once. Against it, in alternating fresh
processes so that machine noise hits all alike:

* cold ``scenario-run scenarios/hello.yaml`` (target: at most 1.0x the floor);
* cold ``scenario-run scenarios/migrate_user.yaml`` with its answers, stack deploy included
  (target: at most 1.5x). With ``--deploy-cache`` the migrate_user runs share one snapshot cache
  directory (the first run fills it); without it each run deploys afresh.

Prints the median wall time of each and the ratios. Not a test: run it on demand with
``python benchmarks/cold_start.py [--rounds N] [--deploy-cache]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_RUN = Path(sys.executable).with_name("scenario-run")

FLOOR = """
import boto3
from moto import mock_aws

with mock_aws():
    pools = boto3.client("cognito-idp", region_name="us-east-1").list_user_pools(MaxResults=10)["UserPools"]
    print("You don't have any user pools!" if not pools else pools)
"""


def _timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--deploy-cache", action="store_true", help="let migrate_user runs share a deploy cache")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "XDG_CACHE_HOME": tmp}
        if not args.deploy_cache:
            env["SCENARIO_RUN_DEPLOY_CACHE"] = "off"
        commands = {
            "floor": [sys.executable, "-c", FLOOR],
            "hello": [str(SCENARIO_RUN), "scenarios/hello.yaml", "--non-interactive", "--no-color"],
            "migrate_user": [
                str(SCENARIO_RUN),
                "scenarios/migrate_user.yaml",
                "--answers",
                "scenarios/answers/migrate_user.yaml",
                "--non-interactive",
                "--no-color",
            ],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():  # warm the file-system cache (and the deploy cache) once
            _timed(command, env)
        for _ in range(args.rounds):
            for name, command in commands.items():
                times[name].append(_timed(command, env))

    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"rounds: {args.rounds}, deploy cache: {'on' if args.deploy_cache else 'off'}")
    print(f"hand-written boto3 + mock_aws (floor): median {medians['floor'] * 1000:.0f} ms")
    print(f"cold scenario-run hello.yaml:          median {medians['hello'] * 1000:.0f} ms")
    print(f"cold scenario-run migrate_user.yaml:   median {medians['migrate_user'] * 1000:.0f} ms")
    print(f"ratio hello / floor:                   {medians['hello'] / medians['floor']:.2f}x (target <= 1.0x)")
    print(f"ratio migrate_user / floor:            {medians['migrate_user'] / medians['floor']:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
