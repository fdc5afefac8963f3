"""match: (a partial match of the result) and only_on: (steps for some targets only)."""

from __future__ import annotations

import json

import pytest


def test_match_passes_on_a_partial_result_and_names_the_first_difference(scenario_run, write):
    scenario = write(
        "match.yaml",
        """\
        name: match
        vars:
          user: {name: ann, groups: [{name: a, n: 1}, {name: b, n: 2}], enabled: true, extra: x}
        steps:
          - id: ok
            set_vars: {person: "{{ vars.user }}"}
            match: {person: {name: ann, groups: [{name: b}], enabled: true}}
          - id: templated
            set_vars: {n: 2}
            match: {n: "{{ result.n }}"}
          - id: wrong
            set_vars: {person: "{{ vars.user }}"}
            match: {person: {groups: [{name: c}]}}
        """,
    )
    result = scenario_run(scenario)
    assert result.exit_code == 1
    assert "step 'ok'" not in result.stderr and "step 'templated'" not in result.stderr
    assert (
        f"Error: {scenario}:13:12: step 'wrong': the result does not match: result.person.groups has no item matching "
        "result.person.groups[0] = {'name': 'c'}\n"
    ) in result.stderr


@pytest.mark.parametrize(
    ("expected", "message"),
    [
        ("{enabled: 1}", "result.v.enabled is True, expected 1"),
        ("{missing: 1}", "result.v has no key 'missing' (its keys: enabled)"),
        ("[1]", "result.v is a dict, not a list"),
    ],
)
def test_match_differences(scenario_run, write, expected, message):
    scenario = write(
        "m.yaml",
        f"name: m\nsteps:\n  - set_vars: {{v: {{enabled: true}}}}\n    match: {{v: {expected}}}\n",
    )
    result = scenario_run(scenario)
    assert result.exit_code == 1
    assert message in result.stderr


def test_only_on_skips_a_step_elsewhere_and_says_why(scenario_run, write, tmp_path):
    scenario = write(
        "only.yaml",
        """\
        name: only
        steps:
          - id: real_aws
            say: only on AWS
            only_on: aws
          - id: here
            say: "running on {{ target }}"
            only_on: [local, endpoint]
        """,
    )
    report = tmp_path / "r.json"
    result = scenario_run(scenario, "--json", report)
    assert result.exit_code == 0, result.output
    assert "[skipped] real_aws (say)  only on aws" in result.stdout
    assert "only on AWS" not in result.stdout.replace("[skipped] real_aws (say)  only on aws", "")
    assert "running on local" in result.stdout
    steps = {s["id"]: s for s in json.loads(report.read_text())["scenarios"][0]["steps"]}
    assert steps["real_aws"]["status"] == "skipped" and steps["real_aws"]["reason"] == "only on aws"


def test_only_on_names_known_targets(scenario_cli, write):
    scenario = write("bad.yaml", "name: b\nsteps:\n  - say: x\n    only_on: lokal\n")
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2
    assert f"{scenario}:4:14:" in result.stderr
