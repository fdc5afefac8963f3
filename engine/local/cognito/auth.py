"""Password sign-in with its triggers: InitiateAuth USER_PASSWORD_AUTH and AdminInitiateAuth
ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH, REFRESH_TOKEN_AUTH, CUSTOM_AUTH (``custom_auth``),
USER_SRP_AUTH (``srp_auth``) and the NEW_PASSWORD_REQUIRED challenge; an MFA challenge (or MFA_SETUP) comes
from ``mfa``, a remembered device's proof (AuthParameters DEVICE_KEY) from ``devices`` and ``device_auth``.

Order, as in Cognito: UserMigration for a user the pool does not know (``migration``),
PreAuthentication, the password and status checks, PostAuthentication, PreTokenGeneration, then the
tokens (``tokens``). Tokens are only made once every trigger succeeded.
"""

from __future__ import annotations

import json
from typing import Any

from engine.local.cognito import challenge_attributes, custom_auth, devices, srp_auth
from engine.local.cognito.common import (
    UserStatus,
    check_secret_hash,
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
from engine.local.cognito.mfa import challenge_name as mfa_challenge
from engine.local.cognito.mfa import start_challenge as start_mfa
from engine.local.cognito.migration import migrate_user
from engine.local.cognito.models import AppClient, Backend, Pool, User
from engine.local.cognito.resign import with_access_claims
from engine.local.cognito.signin import (
    check_password,
    close_session,
    complete,
    find_session,
    new_state,
    open_session,
    post_authentication,
    pre_authentication,
    prevents_existence_errors,
)
from engine.local.cognito.tokens import apply_overrides, issue_tokens, pre_token_generation
from engine.local.cognito.triggers import has_trigger

REFRESH_FLOWS = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
_FLOWS = {
    "USER_PASSWORD_AUTH": ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"),
    "ADMIN_USER_PASSWORD_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "ADMIN_NO_SRP_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
}


def _check_flow_enabled(client: AppClient, flow: str) -> None:
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
    """InitiateAuth USER_PASSWORD_AUTH, USER_SRP_AUTH, CUSTOM_AUTH and REFRESH_TOKEN_AUTH; ``None`` for
    flows left to moto."""
    if flow in REFRESH_FLOWS:
        _, pool, client = pool_for_client(client_id)
        return refresh(pool, client, parameters)
    if flow not in ("USER_PASSWORD_AUTH", "USER_SRP_AUTH", "CUSTOM_AUTH"):
        return None
    backend, pool, client = pool_for_client(client_id)
    return _start(backend, pool, client, flow, parameters, client_metadata)


def admin_initiate_auth(
    backend: Backend,
    pool_id: str,
    client_id: str,
    flow: str,
    parameters: dict[str, str],
    client_metadata: dict[str, str] | None,
) -> dict[str, Any] | None:
    """AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH, USER_SRP_AUTH (which the API
    reference lists for it too), CUSTOM_AUTH and REFRESH_TOKEN_AUTH; ``None`` for other flows."""
    if flow not in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "USER_SRP_AUTH", "CUSTOM_AUTH", *REFRESH_FLOWS):
        return None
    pool = backend.describe_user_pool(pool_id)
    client = pool.clients.get(client_id)
    if client is None:
        raise ResourceNotFoundError(f"User pool client {client_id} does not exist.")
    if flow in REFRESH_FLOWS:
        return refresh(pool, client, parameters)
    return _start(backend, pool, client, flow, parameters, client_metadata)


def _start(
    backend: Backend,
    pool: Pool,
    client: AppClient,
    flow: str,
    parameters: dict[str, str],
    client_metadata: dict[str, str] | None,
) -> dict[str, Any]:
    """The first answer of a password, SRP or custom-auth sign-in (InitiateAuth and AdminInitiateAuth alike)."""
    username = parameters.get("USERNAME") or ""
    if flow == "USER_SRP_AUTH":
        srp_auth.check_flow_enabled(client)
    elif flow != "CUSTOM_AUTH":
        _check_flow_enabled(client, flow)
    check_secret_hash(client, username, parameters.get("SECRET_HASH"))
    if flow == "CUSTOM_AUTH":
        return custom_auth.initiate(backend, pool, client, parameters, client_metadata)
    if flow == "USER_SRP_AUTH":
        return srp_auth.initiate(backend, pool, client, parameters, client_metadata)
    password, device_key = parameters.get("PASSWORD") or "", parameters.get("DEVICE_KEY")
    return _sign_in(backend, pool, client, username, password, client_metadata, device_key)


def _sign_in(
    backend: Backend,
    pool: Pool,
    client: AppClient,
    username: str,
    password: str,
    client_metadata: dict[str, str] | None,
    device_key: str | None = None,
) -> dict[str, Any]:
    user = pool._get_user(username)
    if user is None and has_trigger(pool, "UserMigration"):
        user = migrate_user(pool, client, username, password, client_metadata)
    if user is None:
        if prevents_existence_errors(client):
            pre_authentication(pool, client, None, username, client_metadata)
        raise unknown_user(client)
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    pre_authentication(pool, client, user, username, client_metadata)
    if user.status == UserStatus.RESET_REQUIRED:
        raise PasswordResetRequiredException()
    check_password(user, password)
    return after_password(backend, pool, client, user, username, device_key=device_key)


def after_password(
    backend: Backend,
    pool: Pool,
    client: AppClient,
    user: User,
    username: str,
    *,
    client_metadata: dict[str, str] | None = None,
    device_key: str | None = None,
) -> dict[str, Any]:
    """What follows a proven password in every flow that checks one (USER_PASSWORD_AUTH,
    ADMIN_USER_PASSWORD_AUTH, the SRP PASSWORD_VERIFIER): the status checks, then the next
    challenge (new password, MFA, a remembered device's proof) or the end of the sign-in.
    ``client_metadata``: a RespondToAuthChallenge's, for PostAuthentication and PreTokenGeneration;
    ``device_key``: the sign-in's DEVICE_KEY."""
    if user.status == UserStatus.UNCONFIRMED:
        raise UserNotConfirmedException("User is not confirmed.")
    if user.status == UserStatus.FORCE_CHANGE_PASSWORD:
        return _new_password_challenge(backend, pool, client, user, username)
    device = devices.for_sign_in(pool, user, device_key)
    mfa = mfa_challenge(pool, user)
    if mfa is not None and (mfa == "MFA_SETUP" or not devices.skips_mfa(pool, device)):
        challenge = start_mfa(backend, pool, client, user, username, mfa)
        find_session(backend, challenge["Session"])[1].device_key = device_key  # the device follows MFA
        return challenge
    return complete(pool, client, user, username, client_metadata=client_metadata, device_key=device_key)


def _new_password_challenge(
    backend: Backend, pool: Pool, client: AppClient, user: User, username: str
) -> dict[str, Any]:
    session = open_session(backend, pool, new_state(username, client, "NEW_PASSWORD_REQUIRED"))
    attributes = {k: v for k, v in user.attribute_lookup.items() if k != "sub"}
    parameters = {
        "USER_ID_FOR_SRP": user.username,
        "requiredAttributes": challenge_attributes.required_attributes(pool, user),
        "userAttributes": json.dumps(attributes),
    }
    return {"ChallengeName": "NEW_PASSWORD_REQUIRED", "ChallengeParameters": parameters, "Session": session}


def refresh(pool: Pool, client: AppClient, parameters: dict[str, str]) -> dict[str, Any]:
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
    device_key = devices.check_refresh(pool, user, token, parameters.get("DEVICE_KEY"))
    overrides = pre_token_generation(pool, client, user, "TokenGeneration_RefreshTokens")
    access_token, id_token, expires_in = pool.create_tokens_from_refresh_token(token)
    id_token, access_token = apply_overrides(pool, id_token, access_token, overrides, client, user)
    if device_key is not None:
        access_token = with_access_claims(pool, access_token, {"device_key": device_key})
    return {
        "ChallengeParameters": {},
        "AuthenticationResult": {
            "IdToken": id_token,
            "AccessToken": access_token,
            "ExpiresIn": expires_in,
            "TokenType": "Bearer",
        },
    }


def respond_new_password(
    client_id: str, session: str, responses: dict[str, str], client_metadata: dict[str, str] | None
) -> dict[str, Any]:
    """RespondToAuthChallenge NEW_PASSWORD_REQUIRED: PostAuthentication and
    TokenGeneration_NewPasswordChallenge (both given the call's ClientMetadata) run before the new
    password is kept and tokens issued. When an MFA challenge follows (MFA_SETUP in a pool that requires
    MFA), the new password is kept at once and those triggers run when that challenge ends the sign-in."""
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
    mfa = mfa_challenge(pool, user)
    if mfa is not None:
        challenge_attributes.apply_answers(pool, user, responses)
        user.password = new_password
        user.status = UserStatus.CONFIRMED
        close_session(backend, pool, session)
        # TokenGeneration_NewPasswordChallenge: the sign-in answered a new-password challenge ("Pre token
        # generation Lambda trigger", trigger sources, in the Amazon Cognito Developer Guide).
        return start_mfa(backend, pool, client, user, username, mfa, "TokenGeneration_NewPasswordChallenge")
    with tentatively(pool, user):
        challenge_attributes.apply_answers(pool, user, responses)
        user.password = new_password
        user.status = UserStatus.CONFIRMED
        post_authentication(pool, client, user, client_metadata, new_device=devices.tracking(pool))
        overrides = pre_token_generation(
            pool, client, user, "TokenGeneration_NewPasswordChallenge", client_metadata=client_metadata
        )
    close_session(backend, pool, session)
    tokens = issue_tokens(pool, client, username, overrides, user)
    return {"ChallengeParameters": {}, "AuthenticationResult": devices.with_device(pool, user, tokens, None)}
