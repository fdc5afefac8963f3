"""Multi-factor authentication: software tokens (AssociateSoftwareToken, VerifySoftwareToken, the
SOFTWARE_TOKEN_MFA challenge, RFC 6238 codes from ``engine.crypto.totp``), SMS codes (the SMS_MFA challenge; the
code goes to the outbox through CustomMessage_Authentication), and setting a method up during the sign-in
when the pool requires MFA (the MFA_SETUP challenge).

Which challenge a sign-in gets follows moto's flags, which SetUserMFAPreference and
AdminSetUserMFAPreference set: the preferred method first, else an enabled one. In a pool that requires
MFA (MfaConfiguration ON) a verified software token and, when the pool sends SMS codes, a phone number
count as set up; a user with neither gets MFA_SETUP. See
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa.html

A TOTP code signs in once: Cognito refuses a code of a time step it already accepted, the code that
verified the token included, with ExpiredCodeException "Your software token has already been used once."
The Developer Guide does not spell this out; AWS's Amplify Swift integration tests (MFASignInTests) sleep
30 seconds after VerifySoftwareToken to avoid exactly that error.
"""

from __future__ import annotations

import json
import time
from typing import Any

from engine.crypto import totp
from engine.local import outbox
from engine.local.cognito.common import find_by_access_token, pool_for_client
from engine.local.cognito.exceptions import (
    CodeMismatchException,
    EnableSoftwareTokenMFAException,
    ExpiredCodeException,
    InvalidParameterException,
    NotAuthorizedError,
)
from engine.local.cognito.messages import Target, clear_pending, draft_code, pending, send_code
from engine.local.cognito.models import AppClient, Backend, Pool, User
from engine.local.cognito.signin import (
    SESSION_SECONDS,
    SignInSession,
    close_session,
    complete,
    find_session,
    new_state,
    open_session,
)

# On moto's user object: the verified TOTP secret, one associated and awaiting VerifySoftwareToken (the
# verified one stays in use until then), and the time step of the last code accepted.
_SECRET_ATTR = "_scenario_totp_secret"
_NEW_SECRET_ATTR = "_scenario_totp_new_secret"
_LAST_STEP_ATTR = "_scenario_totp_last_step"
_SETUP = "mfa_setup"  # SignInSession.private: how far an MFA_SETUP sign-in got ("associated", "verified")
FAILED_CODES_ALLOWED = 5  # wrong MFA codes before the session stops accepting answers
_INVALID_SESSION = "Invalid session for the user."


def _methods(pool: Pool) -> list[str]:
    """The MFA methods the pool has turned on (SetUserPoolMfaConfig), in MFAS_CAN_SETUP's order."""
    methods = []
    if pool.sms_mfa_config:
        methods.append("SMS_MFA")
    if (pool.token_mfa_config or {}).get("Enabled"):
        methods.append("SOFTWARE_TOKEN_MFA")
    return methods


def _setup_session(backend: Backend, session: str) -> tuple[Pool, User, SignInSession]:
    """(pool, user, state) of a live MFA_SETUP sign-in session, else NotAuthorizedException."""
    pool, state = find_session(backend, session)
    user = pool._get_user(state.username)
    if state.challenge != "MFA_SETUP" or user is None:
        raise NotAuthorizedError(_INVALID_SESSION)
    return pool, user, state


def _advance(backend: Backend, pool: Pool, session: str, state: SignInSession, stage: str) -> str:
    """The session for the next step of an MFA_SETUP sign-in; the one given is used up."""
    close_session(backend, pool, session)
    state.private[_SETUP] = stage
    state.expires = time.time() + SESSION_SECONDS
    return open_session(backend, pool, state)


def associate_software_token(backend: Backend, access_token: str | None, session: str | None) -> dict[str, object]:
    """A new TOTP secret for the user, signed in (access token) or setting MFA up in a sign-in (session:
    a new session comes back for VerifySoftwareToken). A verified token stays in use until this one is
    verified, as AWS documents (API_AssociateSoftwareToken.html)."""
    if session:
        pool, user, state = _setup_session(backend, session)
    else:
        _, user, _ = find_by_access_token(access_token or "")
    secret = totp.new_secret()
    setattr(user, _NEW_SECRET_ATTR, secret)
    result: dict[str, object] = {"SecretCode": secret}
    if session:
        result["Session"] = _advance(backend, pool, session, state, "associated")
    return result


def verify_software_token(
    backend: Backend, access_token: str | None, session: str | None, user_code: str
) -> dict[str, object]:
    """Check a code from the associated secret: it replaces any earlier token, and
    Set(Admin)UserMFAPreference may enable it. With the session AssociateSoftwareToken returned, a new
    session comes back that answers MFA_SETUP (API_VerifySoftwareToken.html)."""
    if session:
        pool, user, state = _setup_session(backend, session)
        if state.private.get(_SETUP) != "associated":
            raise NotAuthorizedError(_INVALID_SESSION)
    else:
        _, user, _ = find_by_access_token(access_token or "")
    secret = getattr(user, _NEW_SECRET_ATTR, None)
    if secret is None:
        raise InvalidParameterException("User has not associated a software token.")
    step = totp.matching_step(secret, user_code)
    if step is None:
        raise EnableSoftwareTokenMFAException()
    setattr(user, _SECRET_ATTR, secret)
    setattr(user, _NEW_SECRET_ATTR, None)
    setattr(user, _LAST_STEP_ATTR, step)
    user.token_verified = True
    result: dict[str, object] = {"Status": "SUCCESS"}
    if session:
        result["Session"] = _advance(backend, pool, session, state, "verified")
    return result


def challenge_name(pool: Pool, user: User) -> str | None:
    """The MFA challenge ``user`` must answer at sign-in, if any (MFA_SETUP: set a method up first)."""
    if pool.mfa_config == "OFF":
        return None
    required = pool.mfa_config == "ON"
    has_token = getattr(user, _SECRET_ATTR, None) is not None
    totp_on = has_token and (user.software_token_mfa_enabled or required)
    # "To set up SMS ... MFA, collect a phone_number ... Then restart the authentication flow"
    # (MFA_SETUP in API_RespondToAuthChallenge.html): a phone number is SMS MFA set up in a pool requiring it.
    has_phone = bool(user.attribute_lookup.get("phone_number"))
    sms_on = has_phone and (user.sms_mfa_enabled or (required and bool(pool.sms_mfa_config)))
    if user.preferred_mfa_setting == "SOFTWARE_TOKEN_MFA" and totp_on:
        return "SOFTWARE_TOKEN_MFA"
    if user.preferred_mfa_setting == "SMS_MFA" and sms_on:
        return "SMS_MFA"
    if totp_on:
        return "SOFTWARE_TOKEN_MFA"
    if sms_on:
        return "SMS_MFA"
    if required and _methods(pool):
        return "MFA_SETUP"
    return None


def start_challenge(
    backend: Backend,
    pool: Pool,
    client: AppClient,
    user: User,
    username: str,
    name: str,
    token_source: str = "TokenGeneration_Authentication",
) -> dict[str, Any]:
    """The MFA challenge answer to a correct password (or new password: ``token_source``
    TokenGeneration_NewPasswordChallenge, used when the challenge ends the sign-in); an SMS code is sent now."""
    if name == "MFA_SETUP":
        # The methods the pool turned on, as the JSON list AWS sends ('["SMS_MFA","SOFTWARE_TOKEN_MFA"]').
        parameters = {"MFAS_CAN_SETUP": json.dumps(_methods(pool), separators=(",", ":"))}
    else:
        parameters = {"USER_ID_FOR_SRP": user.username}
    if name == "SMS_MFA":
        target = Target("SMS", "phone_number", user.attribute_lookup["phone_number"])
        draft = draft_code(
            pool, user, target, outbox.AUTHENTICATION, username, client_id=client.id, client_metadata=None
        )
        details = send_code(pool, user, username, draft)
        parameters["CODE_DELIVERY_DELIVERY_MEDIUM"] = details["DeliveryMedium"]
        parameters["CODE_DELIVERY_DESTINATION"] = details["Destination"]
    state = new_state(username, client, name)
    state.token_source = token_source
    session = open_session(backend, pool, state)
    return {"ChallengeName": name, "ChallengeParameters": parameters, "Session": session}


def respond_setup(
    client_id: str, session: str, responses: dict[str, str], client_metadata: dict[str, str] | None
) -> dict[str, Any]:
    """RespondToAuthChallenge MFA_SETUP with the session VerifySoftwareToken returned: the token is
    enabled and the sign-in ends (PostAuthentication, PreTokenGeneration with the call's ClientMetadata).
    Any other session is NotAuthorizedException; none at all, InvalidParameterException as Cognito answers
    (amazon-archives/amazon-cognito-identity-js issue 627)."""
    del responses  # USERNAME, which the session already names
    if not session:
        raise InvalidParameterException("Missing required parameter Session")
    backend, _, client = pool_for_client(client_id)
    pool, state = find_session(backend, session)
    if state.challenge != "MFA_SETUP" or state.client_id != client.id or state.private.get(_SETUP) != "verified":
        raise NotAuthorizedError(_INVALID_SESSION)
    user = pool._get_user(state.username)
    if user is None:
        raise NotAuthorizedError(_INVALID_SESSION)
    close_session(backend, pool, session)
    user.software_token_mfa_enabled = True
    return complete(
        pool, client, user, state.username, state.token_source, client_metadata, device_key=state.device_key
    )


def _totp_step(user: User, given: str) -> int | None:
    """The time step of ``given`` if it is a current code of the user's token; ExpiredCodeException when
    that step's code was already accepted."""
    secret = getattr(user, _SECRET_ATTR, None)
    step = totp.matching_step(secret, given) if secret else None
    if step is not None and step <= getattr(user, _LAST_STEP_ATTR, -1):
        raise ExpiredCodeException("Your software token has already been used once.")
    return step


def respond(
    client_id: str,
    name: str,
    session: str,
    responses: dict[str, str],
    client_metadata: dict[str, str] | None,
) -> dict[str, Any]:
    """RespondToAuthChallenge SOFTWARE_TOKEN_MFA / SMS_MFA: the right code ends the sign-in."""
    backend, _, client = pool_for_client(client_id)
    pool, state = find_session(backend, session)
    if state.challenge != name or state.client_id != client.id:
        raise NotAuthorizedError(_INVALID_SESSION)
    user = pool._get_user(state.username)
    if user is None:
        raise NotAuthorizedError(_INVALID_SESSION)
    key = "SOFTWARE_TOKEN_MFA_CODE" if name == "SOFTWARE_TOKEN_MFA" else "SMS_MFA_CODE"
    given = responses.get(key)
    if not given:
        raise InvalidParameterException(f"Missing required parameter {key}")
    step = None
    if name == "SOFTWARE_TOKEN_MFA":
        step = _totp_step(user, given)
        right = step is not None
    else:
        sent = pending(user, outbox.AUTHENTICATION)
        right = sent is not None and sent.code == given
    if not right:
        state.history.append({"wrong": True})
        if len(state.history) >= FAILED_CODES_ALLOWED:
            close_session(backend, pool, session)
            raise NotAuthorizedError("Invalid session for the user, session is expired.")
        raise CodeMismatchException("Invalid code received for user")
    close_session(backend, pool, session)
    clear_pending(user, outbox.AUTHENTICATION)
    if step is not None:
        setattr(user, _LAST_STEP_ATTR, step)
    return complete(
        pool, client, user, state.username, state.token_source, client_metadata, device_key=state.device_key
    )
