"""For every AWS call a shipped scenario makes, a run in which that call fails.

Each such run must exit 1 with a message naming the step, and leave nothing behind: no users
in the pool, the pool's original LambdaConfig, no items in the known-users table. (The seed's
own tests inject an error at each call but only check that the program does not crash.)
"""

from __future__ import annotations

import json
import os

import pytest
from backend_state import NEW_FLOWS, SCENARIOS, groups, lambda_config, outputs, run_functions, table_items, users

# The seed's flows are swept at every call; the newer ones at every third call, unless asked for all.
FULL_SWEEP = os.environ.get("SCENARIO_RUN_FULL_SWEEP") == "1"
SEED_FLOWS = ["auto_confirm", "migrate_user", "activity_log", "sign_up_confirm"]


def count_calls(scenario_run, name: str, tmp_path) -> int:
    log = tmp_path / f"{name}.jsonl"
    result = scenario_run(
        SCENARIOS / f"{name}.yaml", "--answers", SCENARIOS / "answers" / f"{name}.yaml", "--transcript", log
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in log.read_text().splitlines()]
    return sum(len(r["aws_calls"]) for r in records if r["phase"] == "steps")


@pytest.mark.parametrize("name", [*SEED_FLOWS, *NEW_FLOWS])
def test_a_failure_at_any_call_leaves_nothing_behind(scenario_run, backend, tmp_path, name):
    calls = count_calls(scenario_run, name, tmp_path)
    assert calls >= 5
    out = outputs(backend)
    stride = 1 if FULL_SWEEP or name in SEED_FLOWS else 3
    # A warm run may make fewer calls than the first (per-process lookups are cached): go on until
    # a fault lands past the last call, and check that every call before it was faulted.
    for n in [*range(1, calls + 1, stride), calls + 1]:
        result = scenario_run(
            SCENARIOS / f"{name}.yaml", "--answers", SCENARIOS / "answers" / f"{name}.yaml", "--fault-at", n
        )
        context = f"fault at call {n} of {name}:\n{result.output}"
        if result.exit_code == 0:
            assert n > calls - 2, context  # only the cached lookups may be gone
            assert users(backend, out["UserPoolId"]) == {}, context
            break
        assert result.exit_code == 1, context
        assert "InjectedFault: fault injected at AWS call" in result.stderr, context
        assert f"{name}.yaml:" in result.stderr and ": step '" in result.stderr, context
        assert "Traceback" not in result.output, context
        assert users(backend, out["UserPoolId"]) == {}, context
        assert lambda_config(backend, out["UserPoolId"]) == {}, context
        assert table_items(backend, out["TableName"]) == [], context
        assert groups(backend, out["UserPoolId"]) == [], context
        assert run_functions(backend) == [], context
