"""Issuing tokens at the end of a sign-in: the PreTokenGeneration trigger, then moto's ID, access and
refresh tokens with the trigger's answer applied (re-signed)."""

from __future__ import annotations

from typing import Any

from joserfc import jwt

from engine.local.cognito.common import event_attributes
from engine.local.cognito.triggers import TokenOverrides, has_trigger, invoke_trigger, make_event, token_overrides

# Claims a PreTokenGeneration trigger cannot change (Cognito keeps its own values).
PROTECTED_CLAIMS = frozenset(
    {
        "acr",
        "amr",
        "aud",
        "at_hash",
        "auth_time",
        "azp",
        "c_hash",
        "client_id",
        "cognito:username",
        "exp",
        "iat",
        "identities",
        "iss",
        "jti",
        "nbf",
        "nonce",
        "origin_jti",
        "scope",
        "sub",
        "token_use",
        "username",
    }
)


def pre_token_generation(
    pool: Any, client: Any, user: Any, source: str, status: str | None = None
) -> TokenOverrides | None:
    """Ask the PreTokenGeneration trigger (if any) how to change the tokens about to be issued."""
    if not has_trigger(pool, "PreTokenGeneration"):
        return None
    config = (pool.extended_config.get("LambdaConfig") or {}).get("PreTokenGenerationConfig") or {}
    version = "2" if config.get("LambdaVersion") in ("V2_0", "V3_0") else "1"
    groups = sorted(user.groups, key=lambda g: g.precedence if g.precedence is not None else 1 << 31)
    request: dict[str, Any] = {
        "userAttributes": event_attributes(user, status=status),
        "groupConfiguration": {
            "groupsToOverride": [g.group_name for g in groups],
            "iamRolesToOverride": [g.role_arn for g in groups if g.role_arn],
            "preferredRole": None,
        },
    }
    if version == "2":
        request["scopes"] = ["aws.cognito.signin.user.admin"]
        response = {"claimsAndScopeOverrideDetails": None}
    else:
        response = {"claimsOverrideDetails": None}
    answer = invoke_trigger(
        pool,
        "PreTokenGeneration",
        make_event(pool, source, user.username, client.id, request, response, version=version),
    )
    return token_overrides(answer, version)


def _rewrite(
    pool: Any,
    token: str,
    table: dict[str, Any],
    add: dict[str, str],
    suppress: list[str],
    groups: list[str] | None,
    roles: list[str] | None,
    preferred: str | None,
) -> str:
    """Re-sign ``token`` with claims changed, keeping moto's token table in step."""
    decoded = jwt.decode(token, pool.json_web_key)
    claims = dict(decoded.claims)
    claims.update({k: v for k, v in add.items() if k not in PROTECTED_CLAIMS})
    for name in suppress:
        if name not in PROTECTED_CLAIMS:
            claims.pop(name, None)
    if groups is not None:
        claims["cognito:groups"] = groups
    if roles is not None:
        claims["cognito:roles"] = roles
    if preferred is not None:
        claims["cognito:preferred_role"] = preferred
    new = jwt.encode(dict(decoded.header), claims, pool.json_web_key)
    table[new] = table.pop(token)
    return new


def issue_tokens(pool: Any, client: Any, username: str, overrides: TokenOverrides | None) -> dict[str, Any]:
    """ID, access and refresh tokens (moto's), with a PreTokenGeneration answer applied."""
    refresh_token, origin_jti = pool.create_refresh_token(client.id, username)
    access_token, expires_in = pool.create_access_token(client.id, username, origin_jti)
    id_token, _ = pool.create_id_token(client.id, username, origin_jti)
    id_token, access_token = apply_overrides(pool, id_token, access_token, overrides)
    return {
        "IdToken": id_token,
        "AccessToken": access_token,
        "RefreshToken": refresh_token,
        "ExpiresIn": expires_in,
        "TokenType": "Bearer",
    }


def apply_overrides(pool: Any, id_token: str, access_token: str, overrides: TokenOverrides | None) -> tuple[str, str]:
    """The ID and access tokens with a PreTokenGeneration answer applied (re-signed)."""
    if overrides is not None:
        id_token = _rewrite(
            pool,
            id_token,
            pool.id_tokens,
            overrides.id_add,
            overrides.id_suppress,
            overrides.groups,
            overrides.roles,
            overrides.preferred_role,
        )
        if overrides.access_add or overrides.access_suppress or overrides.groups is not None:
            access_token = _rewrite(
                pool,
                access_token,
                pool.access_tokens,
                overrides.access_add,
                overrides.access_suppress,
                overrides.groups,
                None,
                None,
            )
    return id_token, access_token
