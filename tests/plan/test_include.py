"""include: another file's steps with parameters, their own step ids, locations in that file."""

from __future__ import annotations

import json

COMMON = """\
# Reusable: a group in a pool, made and undone like any step of the including file.
params: [pool, group]
steps:
  - id: make
    aws_call:
      service: cognito-idp
      operation: CreateGroup
      params: {UserPoolId: "{{ params.pool }}", GroupName: "{{ params.group }}"}
      undo:
        operation: DeleteGroup
        params: {UserPoolId: "{{ params.pool }}", GroupName: "{{ params.group }}"}
  - check: "steps.make.result.Group.GroupName == params.group"
"""

POOL = """\
  - id: pool
    aws_call:
      service: cognito-idp
      operation: CreateUserPool
      params: {PoolName: include-test}
      undo: {operation: DeleteUserPool, params: {UserPoolId: "{{ result.UserPool.Id }}"}}
"""


def test_a_file_included_twice_with_parameters(scenario_run, write, tmp_path):
    write("common/group.yaml", COMMON)
    scenario = write(
        "main.yaml",
        "name: inc\nsteps:\n"
        + POOL
        + """\
  - id: admins
    include: {file: common/group.yaml, with: {pool: "{{ steps.pool.result.UserPool.Id }}", group: admins}}
  - id: testers
    include: {file: common/group.yaml, with: {pool: "{{ steps.pool.result.UserPool.Id }}", group: testers}}
  - check: "steps.testers.result.make.result.Group.GroupName == 'testers'"
""",
    )
    log = tmp_path / "t.jsonl"
    result = scenario_run(scenario, "--transcript", log)
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["id"] for line in log.read_text().splitlines()]
    assert ids[:7] == ["pool", "admins/make", "admins/check", "admins", "testers/make", "testers/check", "testers"]
    assert ids[-3:] == ["testers/make", "admins/make", "pool"]  # the undos, last in first out


def test_errors_in_an_included_file_point_into_it(scenario_cli, write):
    write("common/bad.yaml", "params: [x]\nsteps:\n  - say: '{{ params.x }} {{ nope }}'\n")
    scenario = write("main.yaml", "name: m\nsteps:\n  - include: {file: common/bad.yaml, with: {x: 1}}\n")
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2
    assert f"{scenario.parent / 'common' / 'bad.yaml'}:3:10: step 'say': template refers to 'nope'" in result.stderr


def test_include_cycles_and_parameter_mistakes_are_bad_input(scenario_cli, write):
    write("a.yaml", "steps:\n  - include: b.yaml\n")
    write("b.yaml", "steps:\n  - include: a.yaml\n")
    cyclic = write("main.yaml", "name: m\nsteps:\n  - include: a.yaml\n")
    result = scenario_cli("validate", cyclic)
    assert result.exit_code == 2
    assert "include cycle: a.yaml -> b.yaml -> a.yaml" in result.stderr

    write("p.yaml", "params: [user]\nsteps:\n  - say: '{{ params.user }}'\n")
    extra = write("extra.yaml", "name: m\nsteps:\n  - include: {file: p.yaml, with: {usr: a}}\n")
    result = scenario_cli("validate", extra)
    assert result.exit_code == 2
    assert f"{extra}:3:36: step 'include': include passes 'usr', which p.yaml does not declare in its params" in (
        result.stderr
    )
    assert "did you mean 'user'?" in result.stderr
    missing = write("missing.yaml", "name: m\nsteps:\n  - include: p.yaml\n")
    result = scenario_cli("validate", missing)
    assert result.exit_code == 2
    assert "include does not pass 'user', which p.yaml needs" in result.stderr


def test_references_in_a_file_included_by_an_included_file_are_checked(scenario_cli, write):
    write("common/inner.yaml", "steps:\n  - say: '{{ steps.nowhere.result }}'\n")
    write("common/outer.yaml", "steps:\n  - include: inner.yaml\n")
    scenario = write("main.yaml", "name: m\nsteps:\n  - include: common/outer.yaml\n")
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2
    inner = scenario.parent / "common" / "inner.yaml"
    assert f"{inner}:2:10: step 'say': template reads steps.nowhere, but no step has the id 'nowhere'" in result.stderr


def test_the_modifiers_of_an_included_step_are_checked_against_their_schema(scenario_cli, write):
    write("common/bad.yaml", "steps:\n  - say: hi\n    retry: 5\n")
    scenario = write("main.yaml", "name: m\nsteps:\n  - include: common/bad.yaml\n")
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2
    assert f"{scenario.parent / 'common' / 'bad.yaml'}:3:12: 'steps.0.retry' must be a mapping, not an integer" in (
        result.stderr
    )


def test_params_mix_required_names_and_names_with_defaults(scenario_run, write):
    write(
        "common/greet.yaml",
        'params: [user, {name: email, default: none}]\nsteps:\n  - say: "{{ params.user }} <{{ params.email }}>"\n',
    )
    scenario = write(
        "main.yaml",
        "name: m\nsteps:\n"
        "  - include: {file: common/greet.yaml, with: {user: ann}}\n"
        "  - include: {file: common/greet.yaml, with: {user: bob, email: b@example.com}}\n",
    )
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert "ann <none>\n" in result.stdout and "bob <b@example.com>\n" in result.stdout


def test_a_null_param_in_the_mapping_form_is_required_not_none(scenario_cli, write):
    write("common/map.yaml", 'params: {user: , email: ""}\nsteps:\n  - say: "{{ params.user }}"\n')
    scenario = write("main.yaml", "name: m\nsteps:\n  - include: {file: common/map.yaml, with: {email: x}}\n")
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2
    assert f"{scenario}:3:14: step 'include': include does not pass 'user', which map.yaml needs" in result.stderr


def test_a_wrong_params_item_is_reported_once_at_its_own_place(scenario_cli, write):
    fragment = write(
        "common/bad.yaml", 'params: [user, {name: email, defualt: ""}]\nsteps:\n  - say: "{{ params.user }}"\n'
    )
    scenario = write(
        "main.yaml",
        "name: m\nsteps:\n"
        "  - include: {file: common/bad.yaml, with: {user: a}}\n"
        "  - include: {file: common/bad.yaml, with: {user: b}}\n",
    )
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2
    assert result.stderr.count("unknown key 'defualt'") == 1, result.stderr
    assert (
        f"Error: {fragment}:1:30: unknown key 'defualt' in 'params.1'\n  hint: did you mean 'default'?" in result.stderr
    )
