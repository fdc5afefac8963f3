"""Every shipped scenario replayed non-interactively on the local target, outcomes read back."""

from __future__ import annotations

import pytest
from backend_state import SCENARIOS, groups, lambda_config, outputs, table_items, transcript, users


def replay(scenario_run, name: str, *extra: object):
    return scenario_run(SCENARIOS / f"{name}.yaml", "--answers", SCENARIOS / "answers" / f"{name}.yaml", *extra)


def test_migrate_user_goes_from_reset_required_to_confirmed(scenario_run, backend, tmp_path):
    log = tmp_path / "t.jsonl"
    result = replay(scenario_run, "migrate_user", "--answer", "remove_resources=no", "--transcript", log)
    assert result.exit_code == 0, result.output
    out = outputs(backend)
    steps = transcript(log)
    assert steps["first_sign_in"]["status"] == "expected_error"
    assert steps["first_sign_in"]["error"]["code"] == "PasswordResetRequiredException"
    assert steps["migrated_status"]["result"]["UserStatus"] == "RESET_REQUIRED"
    assert steps["confirm_forgot_password"]["attempts"] == 2  # the weak password was refused, then re-asked
    assert any(
        "Received migrate trigger from UserMigration_Authentication" in m for m in steps["logs"]["result"]["messages"]
    )
    migrated = users(backend, out["UserPoolId"])["migrated_user"]
    assert migrated["status"] == "CONFIRMED"
    assert migrated["email"] == "migrated_user@example.com" and migrated["email_verified"] == "true"
    auth = backend.client("cognito-idp").initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=out["UserPoolClientId"],
        AuthParameters={"USERNAME": "migrated_user", "PASSWORD": "Str0ng-Passw0rd!"},
    )
    assert auth["AuthenticationResult"]["AccessToken"]
    assert lambda_config(backend, out["UserPoolId"]) == {"UserMigration": out["MigrateUserFunctionArn"]}


def test_auto_confirm_confirms_a_known_user(scenario_run, backend, tmp_path):
    log = tmp_path / "t.jsonl"
    result = replay(scenario_run, "auto_confirm", "--answer", "remove_resources=no", "--transcript", log)
    assert result.exit_code == 0, result.output
    out = outputs(backend)
    user = users(backend, out["UserPoolId"])["test_user_1"]
    assert user["status"] == "CONFIRMED" and user["email_verified"] == "true"
    steps = transcript(log)
    assert steps["sign_up"]["result"]["UserConfirmed"] is True
    assert steps["sign_up"]["attempts"] == 2
    assert any(
        "found with matching UserName test_user_1. User is confirmed." in m for m in steps["logs"]["result"]["messages"]
    )


def test_activity_log_writes_last_login(scenario_run, backend, tmp_path):
    log = tmp_path / "t.jsonl"
    result = replay(scenario_run, "activity_log", "--answer", "remove_resources=no", "--transcript", log)
    assert result.exit_code == 0, result.output
    out = outputs(backend)
    items = {i["UserEmail"]["S"]: i for i in table_items(backend, out["TableName"])}
    last_login = items["test_email_1@example.com"]["LastLogin"]["M"]
    assert last_login["UserPoolId"]["S"] == out["UserPoolId"]
    assert last_login["ClientId"]["S"] == out["UserPoolClientId"]
    steps = transcript(log)
    assert any("Wrote user info to DynamoDB table" in m for m in steps["logs"]["result"]["messages"])
    assert "The last login info for the user in the known users table is:" in result.stdout


def test_hello_lists_the_pools(scenario_run, backend):
    result = replay(scenario_run, "hello")
    assert result.exit_code == 0, result.output
    assert "You don't have any user pools!" in result.stdout
    backend.client("cognito-idp").create_user_pool(PoolName="mine")
    result = replay(scenario_run, "hello")
    assert result.exit_code == 0, result.output
    assert "\tmine: us-east-1_" in result.stdout


@pytest.mark.parametrize("name", ["auto_confirm", "migrate_user", "activity_log", "sign_up_confirm"])
def test_replay_leaves_nothing_behind(scenario_run, backend, name):
    result = replay(scenario_run, name)
    assert result.exit_code == 0, result.output
    assert f"PASSED {name}.yaml" in result.stdout
    out = outputs(backend)
    assert users(backend, out["UserPoolId"]) == {}
    assert lambda_config(backend, out["UserPoolId"]) == {}
    assert table_items(backend, out["TableName"]) == []
    assert groups(backend, out["UserPoolId"]) == []


def test_a_new_flow_written_without_python(scenario_run, backend, tmp_path):
    log = tmp_path / "t.jsonl"
    result = replay(scenario_run, "sign_up_confirm", "--answer", "remove_resources=no", "--transcript", log)
    assert result.exit_code == 0, result.output
    steps = transcript(log)
    assert steps["confirm"]["attempts"] == 2  # the wrong code from the answers file, then the outbox's
    out = outputs(backend)
    assert users(backend, out["UserPoolId"])["new_user"]["status"] == "CONFIRMED"
    assert groups(backend, out["UserPoolId"]) == ["scenario-testers"]
