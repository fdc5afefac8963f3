"""create_function: a handler from a file, a folder or inline code, a trigger at once, gone at cleanup."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

STACK = """\
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties: {UserPoolName: pool}
  UserPoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref UserPool, ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]}
Outputs:
  UserPoolId: {Value: !Ref UserPool}
  UserPoolClientId: {Value: !Ref UserPoolClient}
"""


def test_a_handler_file_becomes_a_trigger_and_is_removed_with_its_role(write, scenario_run) -> None:
    write("pool.yaml", STACK)
    write(
        "block_list.py",
        """\
        def handler(event, context):
            if event["userName"] == "mallory":
                raise Exception("mallory is blocked")
            return event
        """,
    )
    scenario = write(
        "flow.yaml",
        """\
        name: Block list from a file
        stack: {name: pool, template: pool.yaml}
        steps:
          - id: fn
            create_function: {code: block_list.py}
          - set_trigger:
              user_pool_id: "{{ stack.UserPoolId }}"
              trigger: PreSignUp
              function_arn: "{{ steps.fn.result.FunctionArn }}"
          - sign_up: {client_id: "{{ stack.UserPoolClientId }}", user_name: mallory, password: Str0ng-Passw0rd!}
            expect_error: UserLambdaValidationException
          - id: inline
            create_function:
              name: inline-fn
              inline: "def handler(event, context):\\n    return event\\n"
          - check: "steps.fn.result.Handler == 'block_list.handler' and steps.inline.result.Handler == 'index.handler'"
          - id: logs_while_running
            aws_call:
              service: logs
              operation: DescribeLogGroups
              params: {logGroupNamePrefix: "/aws/lambda/{{ steps.fn.result.FunctionName }}"}
            assert: result.logGroups | length == 1
        cleanup: {ask: false}
        after_cleanup:
          - id: no_log_group_left
            aws_call:
              service: logs
              operation: DescribeLogGroups
              params: {logGroupNamePrefix: "/aws/lambda/{{ steps.fn.result.FunctionName }}"}
            assert: result.logGroups | length == 0
        """,
    )
    result = scenario_run(scenario, "--non-interactive")
    assert result.exit_code == 0, result.output
    assert "[undo] inline (undo)  delete Lambda function inline-fn" in result.output
    assert "[undo] inline (undo)  delete IAM role inline-fn-role" in result.output
    assert "[undo] fn (undo)  delete IAM role scenario-fn-" in result.output


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js (`node`) is not installed")
def test_node_handlers_inline_and_from_a_file_are_triggers_locally(write, scenario_run) -> None:
    write("pool.yaml", STACK)
    write(
        "confirm.mjs",
        """\
        export const handler = async (event) => {
          event.response.autoConfirmUser = true;
          return event;
        };
        """,
    )
    scenario = write(
        "flow.yaml",
        """\
        name: Node handlers
        stack: {name: pool, template: pool.yaml}
        steps:
          - id: confirm
            create_function: {code: confirm.mjs, runtime: nodejs20.x}
          - id: block
            create_function:
              runtime: nodejs20.x
              inline: "exports.handler = async (e) => { if (e.userName === 'mallory') throw Error('no'); return e; };"
          - check: "steps.confirm.result.Handler == 'confirm.handler' and steps.block.result.Runtime == 'nodejs20.x'"
          - set_trigger:
              user_pool_id: "{{ stack.UserPoolId }}"
              trigger: PreSignUp
              function_arn: "{{ steps.confirm.result.FunctionArn }}"
          - sign_up: {client_id: "{{ stack.UserPoolClientId }}", user_name: alice, password: Str0ng-Passw0rd!}
            assert: result.UserConfirmed
          - set_trigger:
              user_pool_id: "{{ stack.UserPoolId }}"
              trigger: PreSignUp
              function_arn: "{{ steps.block.result.FunctionArn }}"
          - sign_up: {client_id: "{{ stack.UserPoolClientId }}", user_name: mallory, password: Str0ng-Passw0rd!}
            expect_error: UserLambdaValidationException
        cleanup: {ask: false}
        """,
    )
    result = scenario_run(scenario, "--non-interactive")
    assert result.exit_code == 0, result.output
    assert "[undo] block (undo)  delete Lambda function scenario-block-" in result.output


def test_a_runtime_the_local_lambda_does_not_run_is_a_clear_error_locally(write, scenario_run) -> None:
    scenario = write(
        "flow.yaml",
        """\
        name: Java handler
        steps:
          - create_function: {name: java-fn, code: Handler.zip, runtime: java21}
        cleanup: {ask: false}
        """,
    )
    result = scenario_run(scenario, "--non-interactive")
    assert result.exit_code == 1
    assert (
        "step 'create_function': function java-fn uses runtime java21; the local Lambda runtime runs provided.al2, "
        "provided.al2023, nodejs18.x, nodejs20.x, nodejs22.x, python3.*\n"
        "  hint: use one of those runtimes, or run with --target aws" in result.output
    )
    assert "Traceback" not in result.output


def test_inline_code_for_a_provided_runtime_says_to_give_the_bootstrap(write, scenario_run) -> None:
    scenario = write(
        "flow.yaml",
        """\
        name: Bootstrap inline
        steps:
          - id: fn
            create_function: {name: go-fn, inline: "package main", runtime: provided.al2023}
        cleanup: {ask: false}
        """,
    )
    result = scenario_run(scenario, "--non-interactive")
    assert result.exit_code == 2, result.output
    assert (
        "step 'fn': inline code is a Python or Node.js handler's source, and runtime provided.al2023 runs a bootstrap"
        in result.output
    )


def test_a_missing_code_file_names_the_step(write, scenario_run, tmp_path: Path) -> None:
    scenario = write(
        "flow.yaml",
        """\
        name: Missing file
        steps:
          - id: fn
            create_function: {code: nope.py}
        cleanup: {ask: false}
        """,
    )
    result = scenario_run(scenario, "--non-interactive")
    assert result.exit_code == 2, result.output
    assert f"step 'fn': code nope.py does not exist (looked for {tmp_path / 'nope.py'})" in result.output
