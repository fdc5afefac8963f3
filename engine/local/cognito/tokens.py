"""Issuing tokens at the end of a sign-in: the PreTokenGeneration trigger, then moto's ID, access and
refresh tokens with the trigger's answer applied (re-signed)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from engine.local.cognito.common import event_attributes
from engine.local.cognito.exceptions import NotAuthorizedError
from engine.local.cognito.models import AppClient, Group, Pool, User
from engine.local.cognito.resign import resign
from engine.local.cognito.triggers import (
    TokenOverrides,
    has_trigger,
    invoke_trigger,
    make_event,
    token_overrides,
    with_metadata,
)

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


def _ranked_groups(user: User) -> list[Group]:
    # Lowest precedence first; groups without a precedence come last.
    return sorted(user.groups, key=lambda g: (g.precedence is None, g.precedence or 0, g.group_name))


def preferred_role(user: User) -> str | None:
    """The role of the user's highest-priority group (lowest Precedence) that has one, as Cognito's
    ``cognito:preferred_role``; groups without a precedence never give a preferred role."""
    for group in _ranked_groups(user):
        if group.role_arn and group.precedence is not None:
            return str(group.role_arn)
    return None


def pre_token_generation(
    pool: Pool,
    client: AppClient,
    user: User,
    source: str,
    status: str | None = None,
    client_metadata: dict[str, str] | None = None,
    scopes: list[str] | None = None,
) -> TokenOverrides | None:
    """Ask the PreTokenGeneration trigger (if any) how to change the tokens about to be issued."""
    if not has_trigger(pool, "PreTokenGeneration"):
        return None
    config = (pool.extended_config.get("LambdaConfig") or {}).get("PreTokenGenerationConfig") or {}
    version = "2" if config.get("LambdaVersion") in ("V2_0", "V3_0") else "1"
    groups = _ranked_groups(user)
    request: dict[str, Any] = {
        "userAttributes": event_attributes(user, status=status, pool=pool),
        "groupConfiguration": {
            "groupsToOverride": [g.group_name for g in groups],
            "iamRolesToOverride": [g.role_arn for g in groups if g.role_arn],
            "preferredRole": preferred_role(user),
        },
    }
    if version == "2":
        request["scopes"] = list(scopes) if scopes is not None else ["aws.cognito.signin.user.admin"]
        response = {"claimsAndScopeOverrideDetails": None}
    else:
        response = {"claimsOverrideDetails": None}
    with_metadata(request, client_metadata)
    answer = invoke_trigger(
        pool,
        "PreTokenGeneration",
        make_event(pool, source, user.username, client.id, request, response, version=version),
    )
    return token_overrides(answer, version)


def _override(claims: dict[str, Any], add: dict[str, Any], suppress: list[str]) -> None:
    claims.update({k: v for k, v in add.items() if k not in PROTECTED_CLAIMS})
    for name in suppress:
        if name not in PROTECTED_CLAIMS:
            claims.pop(name, None)


def _id_claims(
    pool: Pool, client: AppClient | None, user: User, overrides: TokenOverrides | None
) -> Callable[[dict[str, Any]], None]:
    def change(claims: dict[str, Any]) -> None:
        # An app client without ReadAttributes reads every attribute, so Cognito's ID token carries the
        # user's attributes (email, email_verified, phone_number...); moto adds only listed ones.
        if client is not None and not client.extended_config.get("ReadAttributes"):
            for name, value in user.attribute_lookup.items():
                if name != "sub" and not name.startswith("dev:"):
                    claims.setdefault(name, value)
        if "email" in claims and user.attribute_lookup.get("email"):
            # moto writes the name signed in with; Cognito's claim is the attribute, as the user gave it.
            claims["email"] = user.attribute_lookup["email"]
        if isinstance(claims.get("identities"), str):
            claims["identities"] = identities_claim(claims["identities"])
        for name in ("email_verified", "phone_number_verified"):
            if claims.get(name) in ("true", "false"):
                claims[name] = claims[name] == "true"  # booleans in Cognito's ID token
        roles = [g.role_arn for g in _ranked_groups(user) if g.role_arn]
        if roles:
            claims["cognito:roles"] = roles
            role = preferred_role(user)
            if role:
                claims["cognito:preferred_role"] = role
        if overrides is not None:
            _override(claims, overrides.id_add, overrides.id_suppress)
            if overrides.groups is not None:
                claims["cognito:groups"] = overrides.groups
            if overrides.roles is not None:
                claims["cognito:roles"] = overrides.roles
            if overrides.preferred_role is not None:
                claims["cognito:preferred_role"] = overrides.preferred_role

    return change


def _access_claims(overrides: TokenOverrides) -> Callable[[dict[str, Any]], None]:
    def change(claims: dict[str, Any]) -> None:
        _override(claims, overrides.access_add, overrides.access_suppress)
        if overrides.groups is not None:
            claims["cognito:groups"] = overrides.groups
        scopes = [s for s in str(claims.get("scope") or "").split() if s not in overrides.scopes_suppress]
        scopes += [s for s in overrides.scopes_add if s not in scopes and s not in overrides.scopes_suppress]
        claims["scope"] = " ".join(scopes)

    return change


def identities_claim(attribute: str) -> object:
    """The ``identities`` claim of a federated user's ID token, from the attribute: the same
    objects with ``primary`` and ``dateCreated`` as strings (``"true"``, ``"1700000000000"``)."""
    try:
        identities = json.loads(attribute)
    except ValueError:
        return attribute
    if not isinstance(identities, list):
        return identities
    return [
        {k: (json.dumps(v) if k in ("primary", "dateCreated") and v is not None else v) for k, v in entry.items()}
        if isinstance(entry, dict)
        else entry
        for entry in identities
    ]


def issue_tokens(
    pool: Pool,
    client: AppClient,
    username: str,
    overrides: TokenOverrides | None,
    user: User | None = None,
    *,
    scopes: list[str] | None = None,
    nonce: str | None = None,
) -> dict[str, Any]:
    """ID, access and refresh tokens (moto's), with a PreTokenGeneration answer applied; ``scopes``
    (the access token's ``scope``) and ``nonce`` (in the ID token) for a managed-login sign-in."""
    refresh_token, origin_jti = pool.create_refresh_token(client.id, username)
    access_token, expires_in = pool.create_access_token(client.id, username, origin_jti)
    id_token, _ = pool.create_id_token(client.id, username, origin_jti)
    if scopes is not None:
        access_token = resign(pool, access_token, pool.access_tokens, lambda c: c.update(scope=" ".join(scopes)))
    if nonce is not None:
        id_token = resign(pool, id_token, pool.id_tokens, lambda c: c.update(nonce=nonce))
    id_token, access_token = apply_overrides(pool, id_token, access_token, overrides, client, user)
    return {
        "IdToken": id_token,
        "AccessToken": access_token,
        "RefreshToken": refresh_token,
        "ExpiresIn": expires_in,
        "TokenType": "Bearer",
    }


def apply_overrides(
    pool: Pool,
    id_token: str,
    access_token: str,
    overrides: TokenOverrides | None,
    client: AppClient | None = None,
    user: User | None = None,
) -> tuple[str, str]:
    """The ID and access tokens as Cognito makes them, with a PreTokenGeneration answer applied (re-signed)."""
    if user is None:
        user = pool._get_user(pool.id_tokens[id_token][1])
        if user is None:  # deleted since moto issued the token
            raise NotAuthorizedError("User does not exist.")
    id_token = resign(pool, id_token, pool.id_tokens, _id_claims(pool, client, user, overrides))
    if overrides is not None and (
        overrides.access_add
        or overrides.access_suppress
        or overrides.groups is not None
        or overrides.scopes_add
        or overrides.scopes_suppress
    ):
        access_token = resign(pool, access_token, pool.access_tokens, _access_claims(overrides))
    return id_token, access_token
