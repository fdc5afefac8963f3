"""Sign-in challenges, admin auth and a user's own attributes through the CLI on the embedded backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.aws.clients import Clients
from engine.local import LocalAWS

PASSWORD = "Str0ng-Passw0rd!"


@pytest.fixture
def pool() -> Iterator[tuple[Clients, dict[str, str]]]:
    with LocalAWS() as local:
        clients = Clients.for_local(local.region)
        idp = clients.client("cognito-idp")
        pool_id = idp.create_user_pool(PoolName="auth")["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="auth",
            ExplicitAuthFlows=[
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        )["UserPoolClient"]["ClientId"]
        yield clients, {"POOL_ID": pool_id, "CLIENT_ID": client_id}


def test_admin_auth_answers_the_new_password_challenge_as_an_administrator(scenario_run, write, pool):
    clients, env = pool
    scenario = write(
        "auth.yaml",
        f"""\
        name: auth
        env: [POOL_ID, CLIENT_ID]
        steps:
          - admin_create_user:
              user_pool_id: "{{{{ env.POOL_ID }}}}"
              user_name: ada
              temporary_password: Temp-Passw0rd!
              attributes: {{given_name: Ada}}
          - id: first
            admin_initiate_auth:
              user_pool_id: "{{{{ env.POOL_ID }}}}"
              client_id: "{{{{ env.CLIENT_ID }}}}"
              user_name: ada
              password: Temp-Passw0rd!
            assert: result.ChallengeName == 'NEW_PASSWORD_REQUIRED' and result.Session is defined
          - id: answer
            respond_to_auth_challenge:
              user_pool_id: "{{{{ env.POOL_ID }}}}"
              client_id: "{{{{ env.CLIENT_ID }}}}"
              challenge: NEW_PASSWORD_REQUIRED
              session: "{{{{ steps.first.result.Session }}}}"
              user_name: ada
              new_password: {PASSWORD}
            assert: jwt_claims(result.IdToken)['cognito:username'] == 'ada'
          - id: me
            get_user: {{access_token: "{{{{ steps.answer.result.AccessToken }}}}"}}
            assert: result.attributes.given_name == 'Ada'
          - admin_user_global_sign_out: {{user_pool_id: "{{{{ env.POOL_ID }}}}", user_name: ada}}
          - get_user: {{access_token: "{{{{ steps.answer.result.AccessToken }}}}"}}
            expect_error: NotAuthorizedException
        """,
    )
    result = scenario_run(scenario, env=env)
    assert result.exit_code == 0, result.output
    assert "[undo] admin_create_user (undo)  delete user 'ada'" in result.stdout
    assert clients.client("cognito-idp").list_users(UserPoolId=env["POOL_ID"])["Users"] == []


@pytest.mark.parametrize(
    ("challenge", "argument"),
    [
        ("NEW_PASSWORD_REQUIRED", "new_password"),
        ("SMS_MFA", "code"),
        ("SOFTWARE_TOKEN_MFA", "code"),
        ("SELECT_MFA_TYPE", "mfa_type"),
        ("CUSTOM_CHALLENGE", "answer"),
    ],
)
def test_a_challenge_without_its_answer_is_bad_input(scenario_cli, write, challenge, argument):
    scenario = write(
        "c.yaml",
        f"""\
        name: c
        steps:
          - respond_to_auth_challenge: {{client_id: c, challenge: {challenge}, session: s, user_name: u}}
        """,
    )
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2
    assert f"step 'respond_to_auth_challenge': challenge {challenge} is answered with '{argument}'" in result.stderr


def test_the_answer_may_be_given_as_the_api_names_it(scenario_cli, write):
    scenario = write(
        "c.yaml",
        """\
        name: c
        steps:
          - respond_to_auth_challenge:
              client_id: c
              challenge: SMS_MFA
              session: s
              user_name: u
              responses: {SMS_MFA_CODE: "123456"}
          - admin_initiate_auth: {user_pool_id: p, client_id: c, flow: REFRESH_TOKEN_AUTH, refresh_token: r}
        """,
    )
    assert scenario_cli("validate", scenario).exit_code == 0


def test_admin_initiate_auth_names_what_its_flow_needs(scenario_cli, write):
    scenario = write(
        "c.yaml", "name: c\nsteps:\n  - admin_initiate_auth: {user_pool_id: p, client_id: c, user_name: u}\n"
    )
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2
    assert "flow ADMIN_USER_PASSWORD_AUTH needs 'password'" in result.stderr


def test_every_new_action_shows_its_result(scenario_cli):
    from engine.actions import cognito_admin, cognito_auth, cognito_groups

    for module in (cognito_auth, cognito_admin, cognito_groups):
        for act in module.ACTIONS:
            assert act.result_example is not None, act.name
    result = scenario_cli("actions", "create_group")
    assert result.exit_code == 0
    assert "  result (steps.<id>.result), for example:\n    GroupName: testers\n" in result.stdout
    result = scenario_cli("actions", "read_outbox")
    assert "result.subject" in result.stdout
