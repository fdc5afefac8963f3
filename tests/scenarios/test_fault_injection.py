"""For every AWS call a shipped scenario makes, a run in which that call fails.

Each such run must exit 1 with a message naming the step, and leave nothing behind: no users
in the pool, the pool's original LambdaConfig, no items in the known-users table. (The seed's
own tests inject an error at each call but only check that the program does not crash.)
"""

from __future__ import annotations

import json

import pytest
from backend_state import SCENARIOS, groups, lambda_config, outputs, table_items, users


def count_calls(scenario_run, name: str, tmp_path) -> int:
    log = tmp_path / f"{name}.jsonl"
    result = scenario_run(
        SCENARIOS / f"{name}.yaml", "--answers", SCENARIOS / "answers" / f"{name}.yaml", "--transcript", log
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in log.read_text().splitlines()]
    return sum(len(r["aws_calls"]) for r in records if r["phase"] == "steps")


@pytest.mark.parametrize("name", ["auto_confirm", "migrate_user", "activity_log", "sign_up_confirm"])
def test_a_failure_at_any_call_leaves_nothing_behind(scenario_run, backend, tmp_path, name):
    calls = count_calls(scenario_run, name, tmp_path)
    assert calls >= 5
    out = outputs(backend)
    # A warm run may make fewer calls than the first (per-process lookups are cached): go on until
    # a fault lands past the last call, and check that every call before it was faulted.
    for n in range(1, calls + 2):
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
