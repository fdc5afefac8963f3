"""Every shipped scenario replayed non-interactively on the local target, outcomes read back."""

from __future__ import annotations

import pytest
from backend_state import (
    NEW_FLOWS,
    ROUND_THREE_FLOWS,
    SCENARIOS,
    groups,
    lambda_config,
    outputs,
    run_functions,
    table_items,
    transcript,
    users,
)


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


@pytest.mark.parametrize(
    "name",
    ["auto_confirm", "migrate_user", "activity_log", "sign_up_confirm", *NEW_FLOWS]
    + [name for name in ROUND_THREE_FLOWS if name != "email_username"],  # that one makes its own pool
)
def test_replay_leaves_nothing_behind(scenario_run, backend, name):
    result = replay(scenario_run, name)
    assert result.exit_code == 0, result.output
    assert f"PASSED {name}.yaml" in result.stdout
    out = outputs(backend)
    assert users(backend, out["UserPoolId"]) == {}
    assert lambda_config(backend, out["UserPoolId"]) == {}
    assert table_items(backend, out["TableName"]) == []
    assert groups(backend, out["UserPoolId"]) == []
    assert run_functions(backend) == []


@pytest.mark.parametrize("name", [*NEW_FLOWS, *ROUND_THREE_FLOWS])
def test_new_flows_validate_clean_and_check_their_own_cleanup(scenario_cli, name):
    result = scenario_cli("validate", SCENARIOS / f"{name}.yaml", "--answers", SCENARIOS / "answers" / f"{name}.yaml")
    assert result.exit_code == 0, result.output
    assert "after_cleanup:" in (SCENARIOS / f"{name}.yaml").read_text()


def test_custom_claims_reads_the_claims_the_trigger_added(scenario_run, backend, tmp_path):
    log = tmp_path / "t.jsonl"
    result = replay(scenario_run, "custom_claims", "--transcript", log)
    assert result.exit_code == 0, result.output
    claims = transcript(log)["set_vars"]["result"]["claims"]
    assert claims["plan"] == "premium" and "email" not in claims
    assert '"plan":"premium"' in result.stdout
    # after_cleanup ran after every undo and saw the pool without the trigger.
    lines = result.stdout.splitlines()
    last_undo = max(i for i, line in enumerate(lines) if line.startswith("[undo]"))
    assert lines.index(next(line for line in lines if "no_trigger_left" in line)) > last_undo


def test_custom_message_subject_comes_from_the_trigger(scenario_run, backend, tmp_path):
    log = tmp_path / "t.jsonl"
    result = replay(scenario_run, "custom_message", "--transcript", log)
    assert result.exit_code == 0, result.output
    message = transcript(log)["message"]["result"]
    assert message["subject"] == "Welcome to Example Books"
    assert message["text"] == f"Hello reader, your Example Books code is {message['code']}."


def test_groups_in_token_names_each_group_it_removes(scenario_run, backend):
    result = replay(scenario_run, "groups_in_token")
    assert result.exit_code == 0, result.output
    assert "Groups in the ID token: ['editors-" in result.stdout
    assert "remove user 'editor-" in result.stdout and "delete group 'editors-" in result.stdout


def test_runs_sharing_a_pool_get_names_of_their_own(scenario_run, backend, tmp_path):
    names = []
    for n in range(2):
        log = tmp_path / f"t{n}.jsonl"
        result = replay(scenario_run, "new_password_challenge", "--answer", "remove_resources=no", "--transcript", log)
        assert result.exit_code == 0, result.output
        names.append(transcript(log)["create"]["result"]["User"]["Username"])
    assert names[0] != names[1]
    assert set(users(backend, outputs(backend)["UserPoolId"])) == set(names)


def test_a_new_flow_written_without_python(scenario_run, backend, tmp_path):
    log = tmp_path / "t.jsonl"
    result = replay(scenario_run, "sign_up_confirm", "--answer", "remove_resources=no", "--transcript", log)
    assert result.exit_code == 0, result.output
    steps = transcript(log)
    assert steps["confirm"]["attempts"] == 2  # the wrong code from the answers file, then the outbox's
    out = outputs(backend)
    assert users(backend, out["UserPoolId"])["new_user"]["status"] == "CONFIRMED"
    assert groups(backend, out["UserPoolId"]) == ["scenario-testers"]


def test_pre_token_v2_puts_a_scope_in_the_access_token(scenario_run, backend, tmp_path):
    log = tmp_path / "t.jsonl"
    result = replay(scenario_run, "pre_token_v2", "--transcript", log)
    assert result.exit_code == 0, result.output
    access = transcript(log)["set_vars"]["result"]["access"]
    assert "reports/read" in access["scope"].split() and access["tenant"] == "acme"


def test_email_username_signs_in_whatever_the_case_and_removes_its_pool(scenario_run, backend, tmp_path):
    log = tmp_path / "t.jsonl"
    result = replay(scenario_run, "email_username", "--transcript", log)
    assert result.exit_code == 0, result.output
    steps = transcript(log)
    assert steps["other_capitals"]["error"]["code"] == "UsernameExistsException"
    pools = backend.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    assert not [p for p in pools if p["Name"].startswith("email-users-")]
