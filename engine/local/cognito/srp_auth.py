"""SRP sign-in: USER_SRP_AUTH in (Admin)InitiateAuth and its PASSWORD_VERIFIER challenge in
(Admin)RespondToAuthChallenge, alone or inside a custom authentication flow (``custom_auth``); the
math is ``srp``'s. See "Built-in authentication flow and challenges" in
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow.html

InitiateAuth checks what the password flow checks before the password (``auth``): an unknown user,
a disabled one, PreAuthentication (InitiateAuth's ClientMetadata as ``validationData``), a required
reset; then it answers SALT, SRP_B and SECRET_BLOCK. The salt stays the same while the password does.
UserMigration does not run: it needs the password, which SRP never sends (cognito-user-pools-import-using-lambda.html),
so the user is unknown. A client that prevents user existence errors gets a simulated challenge for an
unknown user, with the same salt and a UUID user id for the same user name, and NotAuthorizedException
at the verifier (cognito-user-pool-managing-errors.html).

RespondToAuthChallenge PASSWORD_VERIFIER checks PASSWORD_CLAIM_SIGNATURE: a wrong one counts toward the
lockout as a wrong password does (``signin.password_attempt``); a right one goes on as after a password
(``auth.after_password``: status checks, NEW_PASSWORD_REQUIRED, MFA, tokens). Cognito answers
USER_SRP_AUTH without a Session: the SECRET_BLOCK the client echoes identifies the exchange, and a
Session is accepted too (a custom flow has one). Each exchange takes one answer.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from engine.local.cognito import srp
from engine.local.cognito.common import UserStatus, check_secret_hash, pool_for_client, unknown_user
from engine.local.cognito.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    PasswordResetRequiredException,
)
from engine.local.cognito.models import AppClient, Backend, Pool, User
from engine.local.cognito.signin import (
    SignInSession,
    close_session,
    find_session,
    new_state,
    open_session,
    password_attempt,
    pre_authentication,
    prevents_existence_errors,
)

CHALLENGE = "PASSWORD_VERIFIER"
_SALT_ATTR = "_scenario_srp_salt"  # (password, salt) on moto's user object
_UNKNOWN_ATTR = "_scenario_srp_unknown"  # on moto's pool: user name -> (user id, salt) shown for an unknown user
_BLOCKS_ATTR = "_scenario_srp_blocks"  # on moto's pool: SECRET_BLOCK -> session token
_HEX = re.compile(rf"[0-9a-fA-F]{{1,{len(srp.N_HEX) + 2}}}")  # A is below N: bounded, so no huge pow()
_INCORRECT = "Incorrect username or password."
_RESPONSES = ("USERNAME", "PASSWORD_CLAIM_SIGNATURE", "PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP")


class AfterPassword(Protocol):
    """``auth.after_password``: what follows a proven password."""

    def __call__(
        self,
        backend: Backend,
        pool: Pool,
        client: AppClient,
        user: User,
        username: str,
        *,
        client_metadata: dict[str, str] | None = None,
        device_key: str | None = None,
    ) -> dict[str, Any]: ...


# ``custom_auth.password_verified``: a custom flow's next round, told whether the password was right.
CustomRound = Callable[
    [Backend, Pool, AppClient, "User | None", SignInSession, bool, "dict[str, str] | None"], dict[str, Any]
]


@dataclass(frozen=True)
class Exchange:
    """The server's half of one PASSWORD_VERIFIER exchange (kept in the sign-in state)."""

    srp_a: str
    issued: srp.Challenge
    user_id: str  # USER_ID_FOR_SRP, which the client signs
    custom: bool  # inside CUSTOM_AUTH: the result goes back to DefineAuthChallenge


def srp_a_of(parameters: dict[str, str]) -> str:
    """The client's SRP_A, else InvalidParameterException as Cognito answers."""
    value = parameters.get("SRP_A")
    if not value:
        raise InvalidParameterException("Missing required parameter SRP_A")
    if not _HEX.fullmatch(value) or not srp.valid_a(value):
        raise InvalidParameterException("Invalid SRP_A: it must be a hexadecimal number that is not 0 modulo N.")
    return value


def check_flow_enabled(client: AppClient) -> None:
    """USER_SRP_AUTH needs ALLOW_USER_SRP_AUTH when the client lists ALLOW_ flows; with only the legacy
    flags (or none, moto's lenient default) SRP is on unless CUSTOM_AUTH_FLOW_ONLY."""
    allowed = client.extended_config.get("ExplicitAuthFlows") or []
    modern = [flow for flow in allowed if flow.startswith("ALLOW_")]
    if ("ALLOW_USER_SRP_AUTH" not in modern) if modern else ("CUSTOM_AUTH_FLOW_ONLY" in allowed):
        raise InvalidParameterException("Auth flow not enabled for this client")


def _blocks(pool: Pool) -> dict[str, str]:
    found: dict[str, str] | None = getattr(pool, _BLOCKS_ATTR, None)
    if found is None:
        found = {}
        setattr(pool, _BLOCKS_ATTR, found)
    return found


def _salt(user: User) -> str:
    kept = getattr(user, _SALT_ATTR, None)
    if kept is None or kept[0] != user.password:
        kept = (user.password, srp.new_salt())
        setattr(user, _SALT_ATTR, kept)
    return str(kept[1])


def _unknown(pool: Pool, username: str) -> tuple[str, str]:
    known: dict[str, tuple[str, str]] | None = getattr(pool, _UNKNOWN_ATTR, None)
    if known is None:
        known = {}
        setattr(pool, _UNKNOWN_ATTR, known)
    return known.setdefault(username, (str(uuid.uuid4()), srp.new_salt()))


def _prefix(pool: Pool) -> str:
    return str(pool.id).split("_", 1)[1]


def issue(
    backend: Backend,
    pool: Pool,
    client: AppClient,
    state: SignInSession,
    user: User | None,
    srp_a: str,
    *,
    custom: bool,
) -> dict[str, Any]:
    """The PASSWORD_VERIFIER challenge for ``state`` (``user`` ``None``: simulated for an unknown user)."""
    if user is not None:
        user_id, salt, name = user.username, _salt(user), user.username
        password = user.password or secrets.token_hex(16)  # no password: nothing may verify
    else:
        (user_id, salt), name = _unknown(pool, state.username), state.username
        password = secrets.token_hex(16)
    issued = srp.challenge(srp.verifier(_prefix(pool), user_id, password, salt), salt)
    state.srp = Exchange(srp_a, issued, user_id, custom)
    state.challenge = CHALLENGE
    token = open_session(backend, pool, state)
    _blocks(pool)[issued.secret_block] = token
    parameters = {
        "SALT": salt,
        "SRP_B": issued.srp_b,
        "SECRET_BLOCK": issued.secret_block,
        "USERNAME": name,
        "USER_ID_FOR_SRP": user_id,
    }
    return {"ChallengeName": CHALLENGE, "ChallengeParameters": parameters, "Session": token}


def initiate(
    backend: Backend, pool: Pool, client: AppClient, parameters: dict[str, str], client_metadata: dict[str, str] | None
) -> dict[str, Any]:
    """(Admin)InitiateAuth USER_SRP_AUTH, once the flow and SECRET_HASH are checked (``auth``)."""
    username = parameters.get("USERNAME") or ""
    srp_a = srp_a_of(parameters)
    user = pool._get_user(username)
    if user is None:
        if not prevents_existence_errors(client):
            raise unknown_user(client)
    elif not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    pre_authentication(pool, client, user, username, client_metadata)
    if user is not None and user.status == UserStatus.RESET_REQUIRED:
        raise PasswordResetRequiredException()
    state = new_state(username, client, CHALLENGE, user_found=user is not None)
    state.device_key = parameters.get("DEVICE_KEY") or None
    answer = issue(backend, pool, client, state, user, srp_a, custom=False)
    del answer["Session"]  # as Cognito answers USER_SRP_AUTH; the SECRET_BLOCK finds the exchange
    return answer


def _exchange(
    backend: Backend, client_pool: Pool, client: AppClient, session: str, block: str
) -> tuple[Pool, SignInSession, Exchange, str]:
    """(pool, state, exchange, session token) of the exchange a PASSWORD_VERIFIER answer is for."""
    token = session or _blocks(client_pool).get(block)
    if not token:
        raise NotAuthorizedError(_INCORRECT)
    pool, state = find_session(backend, token)
    exchange = state.srp
    if state.challenge != CHALLENGE or state.client_id != client.id or not isinstance(exchange, Exchange):
        raise NotAuthorizedError("Invalid session for the user.")
    return pool, state, exchange, token


def respond(
    client_id: str,
    session: str,
    responses: dict[str, str],
    client_metadata: dict[str, str] | None,
    *,
    after_password: AfterPassword,
    custom_round: CustomRound,
) -> dict[str, Any]:
    """(Admin)RespondToAuthChallenge PASSWORD_VERIFIER. What follows a verified (or, in a custom flow,
    failed) proof is ``after_password`` (``auth``) or ``custom_round`` (``custom_auth``)."""
    backend, client_pool, client = pool_for_client(client_id)
    for name in _RESPONSES:
        if not responses.get(name):
            raise InvalidParameterException(f"Missing required parameter {name}")
    block = responses["PASSWORD_CLAIM_SECRET_BLOCK"]
    pool, state, exchange, token = _exchange(backend, client_pool, client, session, block)
    check_secret_hash(client, responses["USERNAME"], responses.get("SECRET_HASH"))
    close_session(backend, pool, token)  # one answer per exchange
    _blocks(pool).pop(exchange.issued.secret_block, None)
    state.device_key = responses.get("DEVICE_KEY") or state.device_key
    user = pool._get_user(state.username) if state.user_found else None
    named = pool._get_user(responses["USERNAME"])
    right = (
        user is not None
        and named is user
        and srp.signature_matches(
            exchange.srp_a,
            exchange.issued,
            _prefix(pool),
            exchange.user_id,
            responses["TIMESTAMP"],
            block,
            responses["PASSWORD_CLAIM_SIGNATURE"],
        )
    )
    if user is not None:
        right = password_attempt(user, right)
    if exchange.custom:
        return custom_round(backend, pool, client, user, state, right, client_metadata)
    if user is None or not right:
        raise NotAuthorizedError(_INCORRECT)
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    return after_password(
        backend, pool, client, user, state.username, client_metadata=client_metadata, device_key=state.device_key
    )
