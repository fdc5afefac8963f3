"""Cognito actions through the CLI on the embedded backend (the shipped scenarios cover the rest)."""

from __future__ import annotations

from support import POOL_STEPS

PASSWORD = "Str0ng-Passw0rd!"
CLIENT = '"{{ steps.app.result.UserPoolClient.ClientId }}"'
POOL = '"{{ steps.pool.result.UserPool.Id }}"'


def test_sign_up_confirm_resend_triggers_and_admin_actions(scenario_run, write):
    steps = f"""\
  - aws_call:
      service: cognito-idp
      operation: UpdateUserPool
      params: {{UserPoolId: {POOL}, AutoVerifiedAttributes: [email]}}
  - id: sign_up
    sign_up: {{client_id: {CLIENT}, user_name: bob, password: {PASSWORD}, email: bob@example.com,
              attributes: {{name: Bob}}, validation_data: {{source: test}}}}
  - resend_confirmation_code: {{client_id: {CLIENT}, user_name: bob}}
  - id: code
    read_outbox: {{user_name: bob, kind: ResendCode}}
    assert: result.code | length == 6
  - confirm_sign_up: {{client_id: {CLIENT}, user_name: bob, code: "{{{{ steps.code.result.code }}}}"}}
  - admin_get_user: {{user_pool_id: {POOL}, user_name: bob}}
    assert: [result.UserStatus == 'CONFIRMED', result.attributes.name == 'Bob']
  - set_trigger:
      user_pool_id: {POOL}
      trigger: PreSignUp
      function_arn: "arn:aws:lambda:us-east-1:123456789012:function:x"
  - remove_trigger: {{user_pool_id: {POOL}, trigger: PreSignUp}}
    assert: "'PreSignUp' not in result.LambdaConfig and result.PreviousLambdaConfig.PreSignUp is defined"
  - admin_delete_user: {{user_pool_id: {POOL}, user_name: bob}}
  - admin_get_user: {{user_pool_id: {POOL}, user_name: bob}}
    expect_error: UserNotFoundException
  - list_user_pools:
    assert: result.count == 1 and result.pools[0].Name == 'engine-test'
"""
    scenario = write("cognito.yaml", "name: cognito\nsteps:\n" + POOL_STEPS + steps)
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert "[outbox] ResendCode message to bob@example.com" in result.stdout
    assert "restore the Lambda triggers (PreSignUp)" in result.stdout


def test_read_outbox_without_a_message_fails_the_step(scenario_run, write):
    steps = "  - read_outbox: {user_name: nobody}\n"
    result = scenario_run(write("o.yaml", "name: o\nsteps:\n" + steps))
    assert result.exit_code == 1
    assert "step 'read_outbox': no message for user 'nobody' in the local outbox" in result.stderr


def test_setting_a_trigger_keeps_every_other_pool_setting(scenario_run, write):
    steps = """\
  - id: pool
    aws_call:
      service: cognito-idp
      operation: CreateUserPool
      params:
        PoolName: keep
        Policies: {PasswordPolicy: {MinimumLength: 12, TemporaryPasswordValidityDays: 3}}
        AutoVerifiedAttributes: [email]
        AdminCreateUserConfig: {AllowAdminCreateUserOnly: true}
        VerificationMessageTemplate:
          EmailMessage: "Your code is {####}"
          DefaultEmailOption: CONFIRM_WITH_CODE
        AccountRecoverySetting: {RecoveryMechanisms: [{Name: verified_email, Priority: 1}]}
      undo: {operation: DeleteUserPool, params: {UserPoolId: "{{ result.UserPool.Id }}"}}
  - set_trigger:
      user_pool_id: "{{ steps.pool.result.UserPool.Id }}"
      trigger: PostAuthentication
      function_arn: arn:aws:lambda:us-east-1:123456789012:function:x
  - id: after
    aws_call:
      service: cognito-idp
      operation: DescribeUserPool
      params: {UserPoolId: "{{ steps.pool.result.UserPool.Id }}"}
    assert:
      - result.UserPool.Policies.PasswordPolicy.MinimumLength == 12
      - result.UserPool.AutoVerifiedAttributes == ['email']
      - result.UserPool.AdminCreateUserConfig.AllowAdminCreateUserOnly
      - result.UserPool.VerificationMessageTemplate.EmailMessage == 'Your code is {####}'
      - result.UserPool.AccountRecoverySetting.RecoveryMechanisms[0].Name == 'verified_email'
      - result.UserPool.LambdaConfig.PostAuthentication.endswith(':x')
"""
    result = scenario_run(write("keep.yaml", "name: keep\nsteps:\n" + steps))
    assert result.exit_code == 0, result.output
