"""What every sign-in flow shares: the PreAuthentication and PostAuthentication triggers, the
sign-in sessions between challenges, wrong-password lockout, and the end of a sign-in (tokens, or
first the proof of a remembered device, see ``devices``).

ClientMetadata follows the API reference: InitiateAuth's reaches PreAuthentication (as
``validationData``) and UserMigration only; RespondToAuthChallenge's reaches PostAuthentication,
PreTokenGeneration, CustomMessage and the custom-auth triggers (as ``clientMetadata``).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.local.cognito import devices
from engine.local.cognito.common import event_attributes
from engine.local.cognito.exceptions import NotAuthorizedError
from engine.local.cognito.models import AppClient, Backend, Pool, User
from engine.local.cognito.tokens import issue_tokens, pre_token_generation
from engine.local.cognito.triggers import has_trigger, invoke_trigger, make_event, with_metadata

if TYPE_CHECKING:
    from engine.local.cognito.srp_auth import Exchange

SESSION_SECONDS = 180  # AuthSessionValidity defaults to 3 minutes
FREE_PASSWORD_ATTEMPTS = 5  # then Cognito locks the user out for 1 s, 2 s, 4 s... (at most 15 minutes)
_SESSIONS_ATTR = "_scenario_sign_in_sessions"  # kept on moto's pool object: reset with the backend
_FAILURES_ATTR = "_scenario_password_failures"


def prevents_existence_errors(client: AppClient) -> bool:
    return bool(client is not None and client.extended_config.get("PreventUserExistenceErrors") == "ENABLED")


def pre_authentication(
    pool: Pool, client: AppClient, user: User | None, username: str, client_metadata: dict[str, str] | None
) -> None:
    """PreAuthentication_Authentication; ``user`` is ``None`` for an unknown user, which only a client
    that prevents user existence errors sends through (``userNotFound: true``)."""
    if not has_trigger(pool, "PreAuthentication"):
        return
    request: dict[str, Any] = {"userAttributes": event_attributes(user, pool=pool) if user is not None else {}}
    if prevents_existence_errors(client):
        request["userNotFound"] = user is None
    request["validationData"] = client_metadata or None
    name = user.username if user is not None else username
    invoke_trigger(
        pool, "PreAuthentication", make_event(pool, "PreAuthentication_Authentication", name, client.id, request, {})
    )


def post_authentication(
    pool: Pool, client: AppClient, user: User, client_metadata: dict[str, str] | None = None, new_device: bool = False
) -> None:
    """PostAuthentication_Authentication; ``newDeviceUsed`` is only ever true in a pool that tracks devices."""
    if has_trigger(pool, "PostAuthentication"):
        request = with_metadata(
            {"userAttributes": event_attributes(user, pool=pool), "newDeviceUsed": new_device}, client_metadata
        )
        invoke_trigger(
            pool,
            "PostAuthentication",
            make_event(pool, "PostAuthentication_Authentication", user.username, client.id, request, {}),
        )


def complete(
    pool: Pool,
    client: AppClient,
    user: User,
    username: str,
    source: str = "TokenGeneration_Authentication",
    client_metadata: dict[str, str] | None = None,
    device_key: str | None = None,
) -> dict[str, Any]:
    """The end of a successful sign-in: PostAuthentication, PreTokenGeneration, then the tokens (with the
    device's metadata when the pool tracks devices). A remembered ``device_key`` (AuthParameters
    DEVICE_KEY) first proves its secret (DEVICE_SRP_AUTH), which ends here again with the source
    TokenGeneration_AuthenticateDevice."""
    device = devices.for_sign_in(pool, user, device_key)
    if device is not None and devices.needs_proof(device) and source != devices.AUTHENTICATE_DEVICE:
        return devices.start_proof(pool, client, user, device)
    post_authentication(pool, client, user, client_metadata, new_device=devices.tracking(pool) and device is None)
    overrides = pre_token_generation(pool, client, user, source, client_metadata=client_metadata)
    tokens = issue_tokens(pool, client, username, overrides, user)
    return {"ChallengeParameters": {}, "AuthenticationResult": devices.with_device(pool, user, tokens, device)}


@dataclass
class SignInSession:
    """A sign-in between challenges: who, through which client, and what happened so far."""

    username: str
    client_id: str
    challenge: str
    expires: float
    history: list[dict[str, Any]] = field(default_factory=list)  # custom auth: the ``session`` of the events
    private: dict[str, Any] = field(default_factory=dict)  # custom auth: privateChallengeParameters
    metadata: str | None = None  # custom auth: the last challengeMetadata
    user_found: bool = True
    srp_a: str | None = None  # custom auth started with SRP: the client's SRP_A
    srp: Exchange | None = None  # SRP: the server's half of the exchange
    device_key: str | None = None  # the DEVICE_KEY the client sent, if any
    # The PreTokenGeneration source at the end: TokenGeneration_NewPasswordChallenge once the sign-in
    # answered NEW_PASSWORD_REQUIRED (an MFA challenge may still follow).
    token_source: str = "TokenGeneration_Authentication"


def _sessions(pool: Pool) -> dict[str, SignInSession]:
    found: dict[str, SignInSession] | None = getattr(pool, _SESSIONS_ATTR, None)
    if found is None:
        found = {}
        setattr(pool, _SESSIONS_ATTR, found)
    return found


def open_session(backend: Backend, pool: Pool, state: SignInSession) -> str:
    """A new opaque session token for ``state`` (also in moto's table, for the operations moto answers)."""
    token = secrets.token_urlsafe(96)
    _sessions(pool)[token] = state
    backend.sessions[token] = (state.username, pool)
    return token


def find_session(backend: Backend, token: str) -> tuple[Pool, SignInSession]:
    """(pool, state) of a live session token, else NotAuthorizedException as Cognito answers."""
    found = backend.sessions.get(token)
    state = _sessions(found[1]).get(token) if found else None
    if found is None or state is None or state.expires < time.time():
        raise NotAuthorizedError("Invalid session for the user, session is expired.")
    return found[1], state


def close_session(backend: Backend, pool: Pool, token: str) -> None:
    backend.sessions.pop(token, None)
    _sessions(pool).pop(token, None)


def new_state(username: str, client: AppClient, challenge: str, user_found: bool = True) -> SignInSession:
    return SignInSession(username, client.id, challenge, time.time() + SESSION_SECONDS, user_found=user_found)


def password_attempt(user: User, right: bool) -> bool:
    """Count one proof of ``user``'s password (the password itself, or an SRP signature): after five
    wrong ones in a row the user is locked out for a time that doubles with each further failure
    ("Password attempts exceeded", raised before the proof counts); a right one resets the count.
    See the note on lockouts in
    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow.html
    """
    failures, last = getattr(user, _FAILURES_ATTR, (0, 0.0))
    if failures >= FREE_PASSWORD_ATTEMPTS:
        wait = min(2 ** (failures - FREE_PASSWORD_ATTEMPTS), 900)
        if time.time() < last + wait:
            raise NotAuthorizedError("Password attempts exceeded")
    setattr(user, _FAILURES_ATTR, (0, 0.0) if right else (failures + 1, time.time()))
    return right


def check_password(user: User, password: str) -> None:
    """A wrong password is NotAuthorizedException, and counts toward the lockout (``password_attempt``)."""
    if not password_attempt(user, user.password == password):
        raise NotAuthorizedError("Incorrect username or password.")
