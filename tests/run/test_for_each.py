"""for_each: one step run per item of a list, a template or a data file; each run recorded apart."""

from __future__ import annotations

import json

from support import POOL_STEPS


def test_a_step_runs_once_per_item_with_item_and_index(scenario_run, write):
    scenario = write(
        "loop.yaml",
        """\
        name: loop
        vars:
          users: [ann, bob, cy]
        steps:
          - id: greet
            say: "{{ index }}: hello {{ item }}"
            for_each: "{{ vars.users }}"
          - id: shout
            set_vars: {last: "{{ who | upper }}"}
            for_each: {items: [x, y], as: who}
          - check:
              - "steps.greet.result | map(attribute='text') | list == ['0: hello ann', '1: hello bob', '2: hello cy']"
              - "vars.last == 'Y'"
        """,
    )
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert "0: hello ann\n1: hello bob\n2: hello cy\n" in result.stdout


def test_rows_of_a_data_file_each_undone_apart(scenario_run, write, tmp_path):
    write("users.csv", "UserName,UserEmail\nann,ann@example.com\nbob,bob@example.com\n")
    table = """\
  - id: table
    aws_call:
      service: dynamodb
      operation: CreateTable
      params:
        TableName: known
        AttributeDefinitions: [{AttributeName: UserEmail, AttributeType: S}]
        KeySchema: [{AttributeName: UserEmail, KeyType: HASH}]
        BillingMode: PAY_PER_REQUEST
      undo: {operation: DeleteTable, params: {TableName: known}}
"""
    scenario = write(
        "rows.yaml",
        "name: rows\nsteps:\n"
        + table
        + """\
  - id: add
    add_known_user: {table: known, user_name: "{{ row.UserName }}", user_email: "{{ row.UserEmail }}"}
    for_each: {file: users.csv, as: row}
  - scan_known_users: {table: known}
    assert: "result.users | length == 2"
""",
    )
    log = tmp_path / "t.jsonl"
    result = scenario_run(scenario, "--transcript", log)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["id"] for r in records if r["phase"] == "steps"] == ["table", "add[0]", "add[1]", "scan_known_users"]
    undone = [r["id"] for r in records if r["phase"] == "undo"]
    assert undone == ["add[1]", "add[0]", "table"]


def test_for_each_that_is_not_a_list_fails_the_step(scenario_run, write):
    scenario = write("bad.yaml", "name: bad\nvars: {n: 3}\nsteps:\n  - say: hi\n    for_each: '{{ vars.n }}'\n")
    result = scenario_run(scenario)
    assert result.exit_code == 1
    assert f"{scenario}:5:15: step 'say': for_each needs a list, and its template gave int" in result.stderr


def test_the_item_name_is_unknown_outside_its_step(scenario_cli, write):
    scenario = write("names.yaml", "name: n\nsteps:\n  - say: '{{ item }}'\n    for_each: [1]\n  - say: '{{ item }}'\n")
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2
    assert f"{scenario}:5:10: step 'say_2': template refers to 'item', which is not defined" in result.stderr


def test_a_missing_data_file_is_bad_input(scenario_cli, write):
    scenario = write("f.yaml", "name: f\nsteps:\n  - say: hi\n    for_each: {file: nope.csv}\n")
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2
    assert f"{scenario}:4:22: step 'say': no such file: {scenario.parent / 'nope.csv'}" in result.stderr


def test_pool_steps_still_work_with_a_loop(scenario_run, write):
    scenario = write(
        "g.yaml",
        "name: g\nsteps:\n"
        + POOL_STEPS
        + """\
  - id: group
    aws_call:
      service: cognito-idp
      operation: CreateGroup
      params: {UserPoolId: "{{ steps.pool.result.UserPool.Id }}", GroupName: "{{ item }}"}
      undo:
        operation: DeleteGroup
        params: {UserPoolId: "{{ steps.pool.result.UserPool.Id }}", GroupName: "{{ item }}"}
    for_each: [admins, testers]
""",
    )
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert "[undo] group[1] (undo)" in result.stdout and "[undo] group[0] (undo)" in result.stdout
