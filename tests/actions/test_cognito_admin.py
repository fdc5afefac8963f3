"""User administration actions through the CLI on the embedded backend."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from engine.aws.clients import Clients
from engine.local import LocalAWS

PASSWORD = "Str0ng-Passw0rd!"


@pytest.fixture
def pool() -> Iterator[tuple[Clients, dict[str, str]]]:
    """A pool and an admin-auth app client made before the run, with a confirmed user 'old'."""
    with LocalAWS() as local:
        clients = Clients.for_local(local.region)
        idp = clients.client("cognito-idp")
        pool_id = idp.create_user_pool(PoolName="admin")["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="admin",
            ExplicitAuthFlows=[
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        )["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool_id, Username="old", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username="old", Password=PASSWORD, Permanent=True)
        yield clients, {"POOL_ID": pool_id, "CLIENT_ID": client_id}


def test_a_user_from_before_that_the_run_disabled_is_enabled_again(scenario_run, write, pool):
    clients, env = pool
    scenario = write(
        "admin.yaml",
        f"""\
        name: admin
        env: [POOL_ID, CLIENT_ID]
        steps:
          - admin_disable_user: {{user_pool_id: "{{{{ env.POOL_ID }}}}", user_name: old}}
          - admin_initiate_auth:
              user_pool_id: "{{{{ env.POOL_ID }}}}"
              client_id: "{{{{ env.CLIENT_ID }}}}"
              user_name: old
              password: {PASSWORD}
            expect_error: NotAuthorizedException
          - admin_update_user_attributes:
              user_pool_id: "{{{{ env.POOL_ID }}}}"
              user_name: old
              attributes: {{given_name: Olga}}
          - admin_get_user: {{user_pool_id: "{{{{ env.POOL_ID }}}}", user_name: old}}
            assert: [not result.Enabled, result.attributes.given_name == 'Olga']
        after_cleanup:
          - admin_get_user: {{user_pool_id: "{{{{ env.POOL_ID }}}}", user_name: old}}
            id: enabled_again
            assert: result.Enabled
        """,
    )
    result = scenario_run(scenario, env=env)
    assert result.exit_code == 0, result.output
    assert f"[undo] admin_disable_user (undo)  enable user 'old' of user pool {env['POOL_ID']} again" in result.stdout
    user = clients.client("cognito-idp").admin_get_user(UserPoolId=env["POOL_ID"], Username="old")
    assert user["Enabled"] is True


def test_a_user_the_run_created_is_just_deleted(scenario_run, write, pool):
    clients, env = pool
    scenario = write(
        "admin.yaml",
        """\
        name: admin
        env: [POOL_ID]
        steps:
          - admin_create_user: {user_pool_id: "{{ env.POOL_ID }}", user_name: "new-{{ run_id }}"}
          - admin_disable_user: {user_pool_id: "{{ env.POOL_ID }}", user_name: "new-{{ run_id }}"}
          - admin_enable_user: {user_pool_id: "{{ env.POOL_ID }}", user_name: "new-{{ run_id }}"}
          - admin_disable_user: {user_pool_id: "{{ env.POOL_ID }}", user_name: old}
          - admin_enable_user: {user_pool_id: "{{ env.POOL_ID }}", user_name: old}
        """,
    )
    result = scenario_run(scenario, env=env)
    assert result.exit_code == 0, result.output
    undo_lines = [line for line in result.stdout.splitlines() if line.startswith("[undo]")]
    assert len(undo_lines) == 1 and "delete user 'new-" in undo_lines[0]  # the flow enabled 'old' itself
    users = clients.client("cognito-idp").list_users(UserPoolId=env["POOL_ID"])["Users"]
    assert [(u["Username"], u["Enabled"]) for u in users] == [("old", True)]


MIGRATE = (
    "def handler(event, context):\\n"
    "    if event['userName'].startswith('mig'):\\n"
    "        event['response'] = {'userAttributes': {'email': event['userName'] + '@example.com',"
    " 'email_verified': 'true'}, 'finalUserStatus': 'CONFIRMED', 'messageAction': 'SUPPRESS'}\\n"
    "    return event\\n"
)


def test_a_migrating_sign_in_reads_nothing_first_and_its_cleanup_keeps_who_was_there(
    scenario_run, write, pool, tmp_path
):
    """No AdminGetUser before a sign-in that a UserMigration trigger may answer: the user it migrates is
    deleted at cleanup (made after the run's intent), one who existed before the run is kept."""
    clients, env = pool
    scenario = write(
        "migrate.yaml",
        f"""\
        name: migrate
        env: [POOL_ID, CLIENT_ID]
        steps:
          - id: fn
            create_function: {{name: migrate-fn, inline: "{MIGRATE}"}}
          - set_trigger:
              user_pool_id: "{{{{ env.POOL_ID }}}}"
              trigger: UserMigration
              function_arn: "{{{{ steps.fn.result.FunctionArn }}}}"
          - id: old_sign_in
            sign_in: {{client_id: "{{{{ env.CLIENT_ID }}}}", user_pool_id: "{{{{ env.POOL_ID }}}}", user_name: old,
                      password: {PASSWORD}}}
          - id: migrating_sign_in
            sign_in: {{client_id: "{{{{ env.CLIENT_ID }}}}", user_pool_id: "{{{{ env.POOL_ID }}}}", user_name: mig1,
                      password: {PASSWORD}}}
          - id: unknown_sign_in
            sign_in: {{client_id: "{{{{ env.CLIENT_ID }}}}", user_pool_id: "{{{{ env.POOL_ID }}}}", user_name: nobody,
                      password: {PASSWORD}}}
            expect_error: UserNotFoundException
          - admin_get_user: {{user_pool_id: "{{{{ env.POOL_ID }}}}", user_name: mig1}}
        cleanup: {{ask: false}}
        after_cleanup:
          - admin_get_user: {{user_pool_id: "{{{{ env.POOL_ID }}}}", user_name: old}}
          - admin_get_user: {{user_pool_id: "{{{{ env.POOL_ID }}}}", user_name: mig1}}
            expect_error: UserNotFoundException
        """,
    )
    report = tmp_path / "report.json"
    result = scenario_run(scenario, "--json", report, env=env)
    assert result.exit_code == 0, result.output
    recorded = json.loads(report.read_text())["scenarios"][0]["steps"]
    steps = {step["id"]: step for step in recorded if step["phase"] == "steps"}
    for name in ("old_sign_in", "migrating_sign_in", "unknown_sign_in"):
        assert steps[name]["aws_calls"] == ["cognito-idp.InitiateAuth"], steps[name]
    assert "[undo] old_sign_in (undo)  delete user 'old'" in result.stdout
    assert "(existed before this run: kept)" in result.stdout
    assert "delete user 'nobody'" not in result.stdout  # the sign-in said it made nothing
    idp = clients.client("cognito-idp")
    assert idp.admin_get_user(UserPoolId=env["POOL_ID"], Username="old")["UserStatus"] == "CONFIRMED"
