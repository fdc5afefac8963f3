"""The generic call: any operation by API or Python name, pagination, undo with the result."""

from __future__ import annotations


def test_paginate_snake_case_and_undo_with_result(scenario_run, write):
    steps = """\
  - aws_call:
      service: cognito-idp
      operation: create_user_pool
      params: {PoolName: one}
      undo: {operation: DeleteUserPool, params: {UserPoolId: "{{ result.UserPool.Id }}"}}
  - aws_call:
      service: cognito-idp
      operation: CreateUserPool
      params: {PoolName: two}
      undo: {operation: delete_user_pool, params: {UserPoolId: "{{ result.UserPool.Id }}"}}
  - id: listed
    aws_call: {service: cognito-idp, operation: ListUserPools, params: {MaxResults: 1}, paginate: true}
    assert: result.UserPools | map(attribute='Name') | sort | list == ['one', 'two']
  - id: not_paginated
    aws_call: {service: cognito-idp, operation: ListUserPools, params: {MaxResults: 1}}
    assert: result.UserPools | length == 1 and result.NextToken is defined
"""
    result = scenario_run(write("a.yaml", "name: a\nsteps:\n" + steps))
    assert result.exit_code == 0, result.output
    assert result.stdout.count("cognito-idp") >= 2 and "[undo] aws_call (undo)" in result.stdout


def test_unknown_service_is_caught_by_validate(scenario_cli, write):
    path = write("a.yaml", "name: a\nsteps:\n  - aws_call: {service: cognito, operation: ListUserPools}\n")
    result = scenario_cli("validate", path)
    assert result.exit_code == 2
    assert "unknown AWS service 'cognito'; did you mean cognito-identity, cognito-idp, cognito-sync?" in (result.stderr)
