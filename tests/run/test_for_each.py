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


def test_templates_inside_a_written_out_list_are_rendered(scenario_run, write):
    scenario = write(
        "literal.yaml",
        """\
        name: literal
        vars:
          a: ann
        steps:
          - id: greet
            say: "hello {{ who }}"
            for_each: {items: ["{{ vars.a }}", "{{ run_id | length }}", plain], as: who}
          - check: "steps.greet.result | map(attribute='text') | list == ['hello ann', 'hello 8', 'hello plain']"
        """,
    )
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert "{{" not in result.stdout


def test_rows_of_a_data_file_are_data_not_templates(scenario_run, write):
    write("rows.csv", "name\n{{ run_id }}\n")
    scenario = write(
        "rows.yaml",
        """\
        name: rows
        steps:
          - id: echo
            say: "row {{ row.name }}"
            for_each: {file: rows.csv, as: row}
        """,
    )
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert "row {{ run_id }}\n" in result.stdout


def test_a_passing_for_each_step_is_reported_as_its_iterations_in_run_order(scenario_run, write, tmp_path):
    scenario = write(
        "order.yaml",
        """\
        name: order
        steps:
          - id: first
            say: one
          - id: loop
            say: "item {{ item }}"
            for_each: [a, b]
          - id: last
            say: done
        """,
    )
    junit, report = tmp_path / "r.xml", tmp_path / "r.json"
    result = scenario_run(scenario, "--junit", junit, "--json", report)
    assert result.exit_code == 0, result.output
    names = [step["name"] for step in json.loads(report.read_text())["scenarios"][0]["steps"]]
    assert names == ["first (say)", "loop[0] (say)", "loop[1] (say)", "last (say)"]
    xml = junit.read_text()
    assert 'skipped="0"' in xml and "<skipped" not in xml
    assert xml.index('name="loop[1] (say)"') < xml.index('name="last (say)"')
