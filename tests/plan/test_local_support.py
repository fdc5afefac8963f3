"""A generic call the local target cannot answer is reported before the run, at its step."""

from __future__ import annotations

SCENARIO = """\
name: unsupported
steps:
  - aws_call:
      service: cognito-idp
      operation: GetUserAuthFactors
      params: {AccessToken: x}
  - id: elsewhere
    aws_call:
      service: cognito-idp
      operation: StartUserImportJob
      params: {UserPoolId: p, JobId: j}
    only_on: aws
  - aws_call: {service: cognito-idp, operation: RevokeToken, params: {ClientId: c, Token: t}}
    allow_error: ResourceNotFoundException
  - aws_call: {service: dynamodb, operation: ListTables, params: {}}
"""
MESSAGE = (
    "{path}:3:5: step 'aws_call': cognito-idp GetUserAuthFactors is not supported by the local target\n"
    "  hint: run the scenario with --target aws, or mark the step `only_on: aws` so that it runs there only\n"
)


def test_validate_reports_an_operation_the_local_target_does_not_answer(scenario_cli, write):
    path = write("s.yaml", SCENARIO)
    result = scenario_cli("validate", path)
    assert result.exit_code == 2
    assert result.stderr == "Error: " + MESSAGE.format(path=path)
    assert scenario_cli("validate", "--target", "aws", path).exit_code == 0


def test_a_local_run_stops_before_its_first_call(scenario_run, write):
    path = write("s.yaml", SCENARIO)
    result = scenario_run(path)
    assert result.exit_code == 2
    assert MESSAGE.format(path=path) in result.stderr
    assert "[ok]" not in result.stdout


def test_an_included_step_is_checked_too(scenario_cli, write):
    call = "{service: cognito-idp, operation: GetUserAuthFactors, params: {AccessToken: x}}"
    write("common/f.yaml", f"steps:\n  - aws_call: {call}\n")
    path = write("s.yaml", "name: s\nsteps:\n  - include: common/f.yaml\n")
    result = scenario_cli("validate", path)
    assert result.exit_code == 2
    assert "cognito-idp GetUserAuthFactors is not supported by the local target" in result.stderr
