"""Password sign-in with its triggers: InitiateAuth USER_PASSWORD_AUTH and AdminInitiateAuth
ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH (other flows stay moto's), REFRESH_TOKEN_AUTH, and the
NEW_PASSWORD_REQUIRED challenge.

Order, as in Cognito: UserMigration for a user the pool does not know (``migration``),
PreAuthentication, the password and status checks, PostAuthentication, PreTokenGeneration, then the
tokens (``tokens``). Tokens are only made once every trigger succeeded.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from engine.local.cognito.common import (
    UserStatus,
    check_secret_hash,
    event_attributes,
    pool_for_client,
    tentatively,
    unknown_user,
)
from engine.local.cognito.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    PasswordResetRequiredException,
    ResourceNotFoundError,
    UserNotConfirmedException,
)
from engine.local.cognito.migration import migrate_user
from engine.local.cognito.tokens import apply_overrides, issue_tokens, pre_token_generation
from engine.local.cognito.triggers import has_trigger, invoke_trigger, make_event

REFRESH_FLOWS = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
_FLOWS = {
    "USER_PASSWORD_AUTH": ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"),
    "ADMIN_USER_PASSWORD_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "ADMIN_NO_SRP_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
}


def _check_flow_enabled(client: Any, flow: str) -> None:
    # Only enforced when the client lists its flows (moto's lenient default stays otherwise).
    allowed = client.extended_config.get("ExplicitAuthFlows")
    if allowed and not set(_FLOWS[flow]) & set(allowed):
        message = (
            "USER_PASSWORD_AUTH flow not enabled for this client"
            if flow == "USER_PASSWORD_AUTH"
            else "Auth flow not enabled for this client"
        )
        raise InvalidParameterException(message)


def initiate_auth(
    client_id: str, flow: str, parameters: dict[str, str], client_metadata: dict[str, str] | None
) -> dict[str, Any] | None:
    """InitiateAuth USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH; ``None`` for flows left to moto."""
    if flow in REFRESH_FLOWS:
        _, pool, client = pool_for_client(client_id)
        return refresh(pool, client, parameters)
    if flow != "USER_PASSWORD_AUTH":
        return None
    backend, pool, client = pool_for_client(client_id)
    _check_flow_enabled(client, flow)
    username = parameters.get("USERNAME") or ""
    check_secret_hash(client, username, parameters.get("SECRET_HASH"))
    return _sign_in(backend, pool, client, username, parameters.get("PASSWORD") or "", client_metadata)


def admin_initiate_auth(
    backend: Any,
    pool_id: str,
    client_id: str,
    flow: str,
    parameters: dict[str, str],
    client_metadata: dict[str, str] | None,
) -> dict[str, Any] | None:
    """AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH and REFRESH_TOKEN_AUTH;
    ``None`` for other flows."""
    if flow not in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", *REFRESH_FLOWS):
        return None
    pool = backend.describe_user_pool(pool_id)
    client = pool.clients.get(client_id)
    if client is None:
        raise ResourceNotFoundError(f"User pool client {client_id} does not exist.")
    if flow in REFRESH_FLOWS:
        return refresh(pool, client, parameters)
    _check_flow_enabled(client, flow)
    username = parameters.get("USERNAME") or ""
    check_secret_hash(client, username, parameters.get("SECRET_HASH"))
    return _sign_in(backend, pool, client, username, parameters.get("PASSWORD") or "", client_metadata)


def _sign_in(
    backend: Any, pool: Any, client: Any, username: str, password: str, client_metadata: dict[str, str] | None
) -> dict[str, Any]:
    user = pool._get_user(username)
    if user is None:
        if not has_trigger(pool, "UserMigration"):
            raise unknown_user(client)
        user = migrate_user(pool, client, username, password, client_metadata)
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    if has_trigger(pool, "PreAuthentication"):
        request: dict[str, Any] = {"userAttributes": event_attributes(user), "validationData": client_metadata or None}
        invoke_trigger(
            pool,
            "PreAuthentication",
            make_event(pool, "PreAuthentication_Authentication", user.username, client.id, request, {}),
        )
    if user.status == UserStatus.RESET_REQUIRED:
        raise PasswordResetRequiredException()
    if user.password != password:
        raise NotAuthorizedError("Incorrect username or password.")
    if user.status == UserStatus.UNCONFIRMED:
        raise UserNotConfirmedException("User is not confirmed.")
    challenge = _challenge(backend, pool, user, username)
    if challenge is not None:
        return challenge
    _post_authentication(pool, client, user)
    overrides = pre_token_generation(pool, client, user, "TokenGeneration_Authentication")
    return {"ChallengeParameters": {}, "AuthenticationResult": issue_tokens(pool, client, username, overrides)}


def _post_authentication(pool: Any, client: Any, user: Any) -> None:
    if has_trigger(pool, "PostAuthentication"):
        request = {"userAttributes": event_attributes(user), "newDeviceUsed": False}
        invoke_trigger(
            pool,
            "PostAuthentication",
            make_event(pool, "PostAuthentication_Authentication", user.username, client.id, request, {}),
        )


def _challenge(backend: Any, pool: Any, user: Any, username: str) -> dict[str, Any] | None:
    """A challenge the user must answer before getting tokens (moto's sessions and rules)."""
    name = None
    if user.status == UserStatus.FORCE_CHANGE_PASSWORD:
        name = "NEW_PASSWORD_REQUIRED"
    elif (user.software_token_mfa_enabled and user.preferred_mfa_setting == "SOFTWARE_TOKEN_MFA") or (
        pool.mfa_config == "ON" and user.token_verified
    ):
        name = "SOFTWARE_TOKEN_MFA"
    elif user.sms_mfa_enabled and user.preferred_mfa_setting == "SMS_MFA":
        name = "SMS_MFA"
    if name is None:
        return None
    session = str(uuid.uuid4())
    backend.sessions[session] = (username, pool)
    parameters = {"USER_ID_FOR_SRP": user.username}
    if name == "NEW_PASSWORD_REQUIRED":
        attributes = {k: v for k, v in user.attribute_lookup.items() if k != "sub"}
        parameters.update({"requiredAttributes": "[]", "userAttributes": json.dumps(attributes)})
    return {"ChallengeName": name, "ChallengeParameters": parameters, "Session": session}


def refresh(pool: Any, client: Any, parameters: dict[str, str]) -> dict[str, Any]:
    """REFRESH_TOKEN_AUTH: new ID and access tokens (TokenGeneration_RefreshTokens runs first)."""
    token = parameters.get("REFRESH_TOKEN") or ""
    if token not in pool.refresh_tokens:
        raise NotAuthorizedError("Invalid Refresh Token")
    found = pool.refresh_tokens[token]
    if found is None:
        raise NotAuthorizedError("Refresh Token has been revoked")
    token_client_id, username, _ = found
    if token_client_id != client.id:
        raise NotAuthorizedError("Invalid Refresh Token")
    check_secret_hash(client, username, parameters.get("SECRET_HASH"))
    user = pool._get_user(username)
    if user is None:
        raise NotAuthorizedError("User does not exist.")
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    overrides = pre_token_generation(pool, client, user, "TokenGeneration_RefreshTokens")
    access_token, id_token, expires_in = pool.create_tokens_from_refresh_token(token)
    id_token, access_token = apply_overrides(pool, id_token, access_token, overrides)
    return {
        "ChallengeParameters": {},
        "AuthenticationResult": {
            "IdToken": id_token,
            "AccessToken": access_token,
            "ExpiresIn": expires_in,
            "TokenType": "Bearer",
        },
    }


def respond_new_password(client_id: str, session: str, responses: dict[str, str]) -> dict[str, Any] | None:
    """RespondToAuthChallenge NEW_PASSWORD_REQUIRED: PostAuthentication and
    TokenGeneration_NewPasswordChallenge run before the new password is kept and tokens issued.
    ``None`` (moto answers) when the pool then requires MFA setup."""
    backend, pool, client = pool_for_client(client_id)
    if session not in backend.sessions:
        raise NotAuthorizedError("Invalid session for the user, session is expired.")
    session_user, _ = backend.sessions[session]
    username = responses.get("USERNAME") or session_user
    user = pool._get_user(username)
    if user is None:
        raise unknown_user(client)
    new_password = responses.get("NEW_PASSWORD")
    if not new_password:
        raise InvalidParameterException("Missing required parameter NEW_PASSWORD")
    backend._validate_password(pool.id, new_password)
    if pool.mfa_config == "ON":
        return None
    with tentatively(pool, user):
        user.password = new_password
        user.status = UserStatus.CONFIRMED
        _post_authentication(pool, client, user)
        overrides = pre_token_generation(pool, client, user, "TokenGeneration_NewPasswordChallenge")
    del backend.sessions[session]
    return {"ChallengeParameters": {}, "AuthenticationResult": issue_tokens(pool, client, username, overrides)}
