"""Multi-factor authentication: software tokens (AssociateSoftwareToken, VerifySoftwareToken, the
SOFTWARE_TOKEN_MFA challenge, RFC 6238 codes from ``engine.totp``) and SMS codes (the SMS_MFA
challenge; the code goes to the outbox through CustomMessage_Authentication).

Which challenge a sign-in gets follows moto's flags, which SetUserMFAPreference and
AdminSetUserMFAPreference set: the preferred method first, else an enabled one. See
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa.html
"""

from __future__ import annotations

from typing import Any

from engine import totp
from engine.local import outbox
from engine.local.cognito.common import find_by_access_token, pool_for_client
from engine.local.cognito.exceptions import (
    CodeMismatchException,
    EnableSoftwareTokenMFAException,
    InvalidParameterException,
    NotAuthorizedError,
)
from engine.local.cognito.messages import Target, clear_pending, draft_code, pending, send_code
from engine.local.cognito.signin import close_session, complete, find_session, new_state, open_session

_SECRET_ATTR = "_scenario_totp_secret"  # (secret, verified) on moto's user object
FAILED_CODES_ALLOWED = 5  # wrong MFA codes before the session stops accepting answers


def _user_of(backend: Any, access_token: str | None, session: str | None) -> tuple[Any, Any, str | None]:
    """(pool, user, session) from an access token or a sign-in session (MFA_SETUP)."""
    if session:
        pool, state = find_session(backend, session)
        user = pool._get_user(state.username)
        if user is None:
            raise NotAuthorizedError("Invalid session for the user.")
        return pool, user, session
    pool, user, _ = find_by_access_token(access_token or "")
    return pool, user, None


def associate_software_token(backend: Any, access_token: str | None, session: str | None) -> dict[str, Any]:
    """A new TOTP secret for the user (replacing any earlier one); VerifySoftwareToken turns it on."""
    _, user, session = _user_of(backend, access_token, session)
    secret = totp.new_secret()
    setattr(user, _SECRET_ATTR, (secret, False))
    result: dict[str, Any] = {"SecretCode": secret}
    if session:
        result["Session"] = session
    return result


def verify_software_token(
    backend: Any, access_token: str | None, session: str | None, user_code: str
) -> dict[str, Any]:
    """Check a code from the associated secret: the user's software token is then verified, and
    Set(Admin)UserMFAPreference may enable it."""
    _, user, session = _user_of(backend, access_token, session)
    secret, _ = getattr(user, _SECRET_ATTR, (None, False))
    if secret is None:
        raise InvalidParameterException("User has not associated a software token.")
    if not totp.matches(secret, user_code):
        raise EnableSoftwareTokenMFAException()
    setattr(user, _SECRET_ATTR, (secret, True))
    user.token_verified = True
    result: dict[str, Any] = {"Status": "SUCCESS"}
    if session:
        result["Session"] = session
    return result


def challenge_name(pool: Any, user: Any) -> str | None:
    """The MFA challenge ``user`` must answer at sign-in, if any."""
    if pool.mfa_config == "OFF":
        return None
    totp_on = user.software_token_mfa_enabled and getattr(user, _SECRET_ATTR, (None, False))[1]
    sms_on = user.sms_mfa_enabled and bool(user.attribute_lookup.get("phone_number"))
    if user.preferred_mfa_setting == "SOFTWARE_TOKEN_MFA" and totp_on:
        return "SOFTWARE_TOKEN_MFA"
    if user.preferred_mfa_setting == "SMS_MFA" and sms_on:
        return "SMS_MFA"
    if totp_on:
        return "SOFTWARE_TOKEN_MFA"
    if sms_on:
        return "SMS_MFA"
    return None


def start_challenge(backend: Any, pool: Any, client: Any, user: Any, username: str, name: str) -> dict[str, Any]:
    """The MFA challenge answer to a correct password; an SMS code is sent now."""
    parameters = {"USER_ID_FOR_SRP": user.username}
    if name == "SMS_MFA":
        target = Target("SMS", "phone_number", user.attribute_lookup["phone_number"])
        draft = draft_code(
            pool, user, target, outbox.AUTHENTICATION, username, client_id=client.id, client_metadata=None
        )
        details = send_code(pool, user, username, draft)
        parameters["CODE_DELIVERY_DELIVERY_MEDIUM"] = details["DeliveryMedium"]
        parameters["CODE_DELIVERY_DESTINATION"] = details["Destination"]
    session = open_session(backend, pool, new_state(username, client, name))
    return {"ChallengeName": name, "ChallengeParameters": parameters, "Session": session}


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
        raise NotAuthorizedError("Invalid session for the user.")
    user = pool._get_user(state.username)
    if user is None:
        raise NotAuthorizedError("Invalid session for the user.")
    key = "SOFTWARE_TOKEN_MFA_CODE" if name == "SOFTWARE_TOKEN_MFA" else "SMS_MFA_CODE"
    given = responses.get(key)
    if not given:
        raise InvalidParameterException(f"Missing required parameter {key}")
    if name == "SOFTWARE_TOKEN_MFA":
        secret, _ = getattr(user, _SECRET_ATTR, ("", False))
        right = totp.matches(secret, given)
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
    return complete(pool, client, user, state.username, client_metadata=client_metadata, device_key=state.device_key)
