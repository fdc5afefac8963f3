"""set_trigger with the settings some triggers carry: PreTokenGeneration's version, the custom senders' KMS key."""

from __future__ import annotations

import pytest
from support import POOL_STEPS

POOL = '"{{ steps.pool.result.UserPool.Id }}"'
ARN = "arn:aws:lambda:us-east-1:123456789012:function:sender"


def test_a_custom_sender_is_set_with_its_kms_key_and_both_are_restored(scenario_run, write):
    steps = f"""\
  - id: key
    aws_call:
      service: kms
      operation: CreateKey
      params: {{Description: cognito codes}}
      undo:
        operation: ScheduleKeyDeletion
        params: {{KeyId: "{{{{ result.KeyMetadata.KeyId }}}}", PendingWindowInDays: 7}}
  - set_trigger:
      user_pool_id: {POOL}
      trigger: CustomEmailSender
      function_arn: {ARN}
      kms_key_id: "{{{{ steps.key.result.KeyMetadata.Arn }}}}"
  - id: described
    aws_call:
      service: cognito-idp
      operation: DescribeUserPool
      params: {{UserPoolId: {POOL}}}
    assert:
      - "result.UserPool.LambdaConfig.CustomEmailSender == {{'LambdaVersion': 'V1_0', 'LambdaArn': '{ARN}'}}"
      - result.UserPool.LambdaConfig.KMSKeyID == steps.key.result.KeyMetadata.Arn
  - remove_trigger: {{user_pool_id: {POOL}, trigger: CustomEmailSender}}
    assert: "'CustomEmailSender' not in result.LambdaConfig"
  - set_trigger:
      user_pool_id: {POOL}
      trigger: CustomEmailSender
      function_arn: {ARN}
      kms_key_id: "{{{{ steps.key.result.KeyMetadata.Arn }}}}"
cleanup: {{ask: false}}
after_cleanup:
  - aws_call:
      service: cognito-idp
      operation: ListUserPools
      params: {{MaxResults: 10}}
    assert: result.UserPools | length == 0
"""
    scenario = write("senders.yaml", "name: senders\nsteps:\n" + POOL_STEPS + steps)
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert "restore the Lambda triggers (CustomEmailSender, KMSKeyID)" in result.stdout
    assert "changed since" not in result.stdout


def test_restoring_a_versioned_pre_token_trigger_restores_its_config_too(scenario_run, write):
    steps = f"""\
  - set_trigger:
      user_pool_id: {POOL}
      trigger: PreTokenGeneration
      function_arn: {ARN}
      lambda_version: V2_0
    assert: "result.LambdaConfig.PreTokenGenerationConfig == {{'LambdaVersion': 'V2_0', 'LambdaArn': '{ARN}'}}"
cleanup:
  ask: false
  steps:
    - id: before_undo
      aws_call: {{service: cognito-idp, operation: DescribeUserPool, params: {{UserPoolId: {POOL}}}}}
      assert: "'PreTokenGenerationConfig' in result.UserPool.LambdaConfig"
"""
    scenario = write("v2.yaml", "name: v2\nsteps:\n" + POOL_STEPS + steps)
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert "restore the Lambda triggers (PreTokenGeneration, PreTokenGenerationConfig)" in result.stdout
    assert "changed since" not in result.stdout


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("trigger: CustomSMSSender", "step 'set_trigger': CustomSMSSender needs kms_key_id: the KMS key that encrypts"),
        (
            "trigger: PreSignUp\n      lambda_version: V2_0",
            "bad.yaml:7:23: step 'set_trigger': PreSignUp has no lambda_version; only PreTokenGeneration and",
        ),
        (
            "trigger: CustomEmailSender\n      lambda_version: V2_0\n      kms_key_id: k",
            "CustomEmailSender takes lambda_version V1_0, not V2_0",
        ),
        (
            "trigger: PreTokenGeneration\n      lambda_version: V4_0",
            "PreTokenGeneration takes lambda_version V1_0 or V2_0 or V3_0, not V4_0",
        ),
        ("trigger: PreSignUp\n      kms_key_id: k", "kms_key_id is for the custom sender triggers, not PreSignUp"),
    ],
)
def test_trigger_settings_that_do_not_fit_are_bad_input(scenario_cli, write, settings, message):
    scenario = write(
        "bad.yaml",
        f"name: bad\nsteps:\n  - set_trigger:\n      user_pool_id: p\n      function_arn: {ARN}\n      {settings}\n",
    )
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
