"""Memory follows the data that exists: deleted users' tokens go, expired tokens are dropped."""

from __future__ import annotations

from localaws import PASSWORD, Env

from engine.local.cognito import token_tables
from engine.local.cognito.common import every_pool
from engine.local.cognito.models import Pool


def _pool(pool_id: str) -> Pool:
    return next(pool for _, pool in every_pool() if pool.id == pool_id)


def _sizes(pool: Pool) -> tuple[int, int, int, int]:
    return len(pool.users), len(pool.access_tokens), len(pool.id_tokens), len(pool.refresh_tokens)


def _round(aws: Env, pool_id: str, client_id: str, name: str, *, self_delete: bool) -> None:
    aws.idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
    aws.idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
    tokens = aws.sign_in(client_id, name)["AuthenticationResult"]
    aws.sign_in(client_id, name)  # a second session
    aws.idp.initiate_auth(
        ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]}
    )
    if self_delete:
        aws.idp.delete_user(AccessToken=tokens["AccessToken"])
    else:
        aws.idp.admin_delete_user(UserPoolId=pool_id, Username=name)


def test_rounds_that_delete_their_users_leave_the_token_tables_as_they_were(aws: Env) -> None:
    pool_id, client_id = aws.pool()
    aws.idp.admin_create_user(UserPoolId=pool_id, Username="stays", MessageAction="SUPPRESS")
    aws.idp.admin_set_user_password(UserPoolId=pool_id, Username="stays", Password=PASSWORD, Permanent=True)
    aws.sign_in(client_id, "stays")
    pool = _pool(pool_id)
    baseline = _sizes(pool)
    for index in range(12):
        _round(aws, pool_id, client_id, f"user{index}", self_delete=index % 2 == 0)
        assert _sizes(pool) == baseline
    assert baseline == (1, 1, 1, 1)


def test_expired_tokens_are_dropped_and_live_ones_kept(aws: Env) -> None:
    pool_id, client_id = aws.pool()
    aws.idp.admin_create_user(UserPoolId=pool_id, Username="ann", MessageAction="SUPPRESS")
    aws.idp.admin_set_user_password(UserPoolId=pool_id, Username="ann", Password=PASSWORD, Permanent=True)
    live = aws.sign_in(client_id, "ann")["AuthenticationResult"]["AccessToken"]
    pool = _pool(pool_id)
    assert token_tables.drop_expired(pool) == 0
    assert aws.idp.get_user(AccessToken=live)["Username"] == "ann"
    far = 10**10  # long after every access and ID token has expired; the refresh token stays
    assert token_tables.drop_expired(pool, now=far) == 2
    assert _sizes(pool) == (1, 0, 0, 1)
