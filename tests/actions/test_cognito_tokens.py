"""refresh_tokens, revoke_token, change_password and the read actions, through the CLI on the embedded backend."""

from __future__ import annotations

from support import POOL_STEPS

PASSWORD = "Str0ng-Passw0rd!"
CLIENT = '"{{ steps.app.result.UserPoolClient.ClientId }}"'
POOL = '"{{ steps.pool.result.UserPool.Id }}"'
USER = f"""\
  - admin_create_user: {{user_pool_id: {POOL}, user_name: ann, email: ann@example.com}}
  - admin_set_user_password: {{user_pool_id: {POOL}, user_name: ann, password: {PASSWORD}}}
  - id: sign_in
    sign_in: {{client_id: {CLIENT}, user_name: ann, password: {PASSWORD}}}
"""


def run(scenario_run, write, steps: str):
    scenario = write("flow.yaml", "name: tokens\nsteps:\n" + POOL_STEPS + USER + steps + "cleanup: {ask: false}\n")
    return scenario_run(scenario)


def test_refresh_revoke_and_the_errors_revocation_gives(scenario_run, write):
    result = run(
        scenario_run,
        write,
        f"""\
  - id: refreshed
    refresh_tokens: {{client_id: {CLIENT}, refresh_token: "{{{{ steps.sign_in.result.RefreshToken }}}}"}}
    assert: ["result.AccessToken != steps.sign_in.result.AccessToken", "result.RefreshToken is not defined"]
  - id: access_token_given
    revoke_token: {{client_id: {CLIENT}, refresh_token: "{{{{ steps.sign_in.result.AccessToken }}}}"}}
    expect_error: UnsupportedTokenTypeException
  - revoke_token: {{client_id: {CLIENT}, refresh_token: "{{{{ steps.sign_in.result.RefreshToken }}}}"}}
  - revoke_token: {{client_id: {CLIENT}, refresh_token: "{{{{ steps.sign_in.result.RefreshToken }}}}"}}
  - revoke_token: {{client_id: {CLIENT}, refresh_token: not-a-token}}
  - refresh_tokens: {{client_id: {CLIENT}, refresh_token: "{{{{ steps.sign_in.result.RefreshToken }}}}"}}
    expect_error: {{code: NotAuthorizedException, message: Refresh Token has been revoked}}
  - get_user: {{access_token: "{{{{ steps.sign_in.result.AccessToken }}}}"}}
    expect_error: {{code: NotAuthorizedException, message: Access Token has been revoked}}
  - get_user: {{access_token: "{{{{ steps.refreshed.result.AccessToken }}}}"}}
    expect_error: {{code: NotAuthorizedException, message: Access Token has been revoked}}
  - aws_call:
      service: cognito-idp
      operation: UpdateUserPoolClient
      params: {{UserPoolId: {POOL}, ClientId: {CLIENT}, EnableTokenRevocation: false,
               ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]}}
  - id: again
    sign_in: {{client_id: {CLIENT}, user_name: ann, password: {PASSWORD}}}
  - revoke_token: {{client_id: {CLIENT}, refresh_token: "{{{{ steps.again.result.RefreshToken }}}}"}}
    expect_error: UnsupportedOperationException
""",
    )
    assert result.exit_code == 0, result.output


def test_change_password_then_sign_in_with_the_new_one(scenario_run, write):
    result = run(
        scenario_run,
        write,
        f"""\
  - change_password:
      access_token: "{{{{ steps.sign_in.result.AccessToken }}}}"
      previous_password: {PASSWORD}
      proposed_password: N3w-Passw0rd!
  - sign_in: {{client_id: {CLIENT}, user_name: ann, password: {PASSWORD}}}
    expect_error: NotAuthorizedException
  - sign_in: {{client_id: {CLIENT}, user_name: ann, password: N3w-Passw0rd!}}
""",
    )
    assert result.exit_code == 0, result.output


def test_list_users_with_a_filter_get_group_and_describe_user_pool(scenario_run, write):
    result = run(
        scenario_run,
        write,
        f"""\
  - admin_create_user: {{user_pool_id: {POOL}, user_name: bob, email: bob@example.com}}
  - list_users: {{user_pool_id: {POOL}}}
    assert: result.names | sort == ['ann', 'bob'] and result.count == 2
  - list_users: {{user_pool_id: {POOL}, filter: 'email ^= "bo"'}}
    assert: result.names == ['bob'] and result.users[0].attributes.email == 'bob@example.com'
  - create_group: {{user_pool_id: {POOL}, group_name: editors, precedence: 3}}
  - get_group: {{user_pool_id: {POOL}, group_name: editors}}
    assert: result.GroupName == 'editors' and result.Precedence == 3
  - describe_user_pool: {{user_pool_id: {POOL}}}
    assert: result.Name == 'engine-test'
""",
    )
    assert result.exit_code == 0, result.output
