"""Messages the local Cognito sends: codes, where they go, their text, and the outbox.

Codes are 6 digits as in Cognito; the last code sent for a purpose replaces earlier ones and
expires (sign-up codes after 24 hours, password reset codes after 1 hour). The text comes from
the pool's message templates unless a CustomMessage trigger returns its own. A message on a medium
the pool gives to a custom sender trigger (``senders``) is handed to that function instead: no
CustomMessage trigger, nothing in the outbox.
"""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from engine.local import outbox
from engine.local.cognito.common import event_attributes
from engine.local.cognito.exceptions import (
    InvalidParameterException,
    LimitExceededError,
    NotAuthorizedError,
    code_mismatch,
    expired_code,
)
from engine.local.cognito.models import Pool, User
from engine.local.cognito.senders import deliver, sender_for
from engine.local.cognito.triggers import custom_message, has_trigger, invoke_trigger, make_event, with_metadata

CODE_PARAMETER = "{####}"
LINK_PARAMETER = "{##Click Here##}"
USERNAME_PARAMETER = "{username}"
SIGN_UP_CODE_TTL = 24 * 3600
RESET_CODE_TTL = 3600
MFA_CODE_TTL = 3 * 60  # SMS MFA codes expire after 3 minutes
_PENDING_ATTR = "_scenario_pending_codes"  # kept on moto's user object: reset with the backend

# The CustomMessage trigger source of each kind of message (None: Cognito runs no trigger for it).
_TRIGGER_SOURCES: dict[str, str | None] = {
    outbox.SIGN_UP: "CustomMessage_SignUp",
    outbox.RESEND_CODE: "CustomMessage_ResendCode",
    outbox.FORGOT_PASSWORD: "CustomMessage_ForgotPassword",
    outbox.ADMIN_CREATE_USER: "CustomMessage_AdminCreateUser",
    outbox.USER_MIGRATION: None,
    outbox.UPDATE_USER_ATTRIBUTE: "CustomMessage_UpdateUserAttribute",
    outbox.VERIFY_USER_ATTRIBUTE: "CustomMessage_VerifyUserAttribute",
    outbox.AUTHENTICATION: "CustomMessage_Authentication",
}
# What a code sent with a message of each kind is for (the code a confirmation must match), and its lifetime.
_CODE_PURPOSES = {
    outbox.SIGN_UP: (outbox.SIGN_UP, SIGN_UP_CODE_TTL),
    outbox.RESEND_CODE: (outbox.SIGN_UP, SIGN_UP_CODE_TTL),
    outbox.FORGOT_PASSWORD: (outbox.FORGOT_PASSWORD, RESET_CODE_TTL),
    outbox.UPDATE_USER_ATTRIBUTE: ("verify", SIGN_UP_CODE_TTL),
    outbox.VERIFY_USER_ATTRIBUTE: ("verify", SIGN_UP_CODE_TTL),
    outbox.AUTHENTICATION: (outbox.AUTHENTICATION, MFA_CODE_TTL),
}


def verify_purpose(attribute: str) -> str:
    """The pending-code purpose of verifying ``attribute`` (one live code per attribute)."""
    return f"verify:{attribute}"


@dataclass(frozen=True)
class Target:
    """Where a message goes: DeliveryMedium, AttributeName and the address itself."""

    medium: str
    attribute: str
    address: str

    def details(self) -> dict[str, str]:
        """The ``CodeDeliveryDetails`` Cognito returns (destination masked)."""
        return {
            "Destination": mask(self.address, self.medium),
            "DeliveryMedium": self.medium,
            "AttributeName": self.attribute,
        }


@dataclass
class PendingCode:
    code: str
    attribute: str
    expires: float
    wrong: int = 0  # wrong codes given since this one was sent


WRONG_CODES_ALLOWED = 5  # then LimitExceededException until a new code is sent


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def mask(address: str, medium: str) -> str:
    """``t***@e***`` for an email, ``+*******1234`` for a phone number, as Cognito shows them."""
    if medium == "SMS":
        keep, out = 4, []
        for ch in reversed(address):
            if ch.isdigit():
                out.append(ch if keep > 0 else "*")
                keep -= 1
            else:
                out.append(ch)
        return "".join(reversed(out))
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def set_pending(user: User, purpose: str, code: str, attribute: str, ttl: float) -> None:
    codes: dict[str, PendingCode] = getattr(user, _PENDING_ATTR, None) or {}
    codes[purpose] = PendingCode(code, attribute, time.time() + ttl)
    setattr(user, _PENDING_ATTR, codes)


def pending(user: User, purpose: str) -> PendingCode | None:
    """The live code for ``purpose``, or ``None`` when none was sent or it expired."""
    codes: dict[str, PendingCode] = getattr(user, _PENDING_ATTR, None) or {}
    found = codes.get(purpose)
    if found is None or found.expires < time.time():
        return None
    return found


def check_code(user: User, purpose: str, given: str) -> PendingCode:
    """The live code for ``purpose`` if ``given`` is it; else ExpiredCodeException (none live),
    CodeMismatchException, or LimitExceededException once too many wrong codes were tried."""
    found = pending(user, purpose)
    if found is None:
        raise expired_code()
    if found.wrong >= WRONG_CODES_ALLOWED:
        raise LimitExceededError()
    if found.code != str(given).strip():
        found.wrong += 1
        raise code_mismatch()
    return found


def clear_pending(user: User, purpose: str) -> None:
    codes: dict[str, PendingCode] = getattr(user, _PENDING_ATTR, None) or {}
    codes.pop(purpose, None)


def verification_target(pool: Pool, attributes: dict[str, str]) -> Target | None:
    """Where a sign-up code goes: an auto-verified attribute the user has and has not verified.

    Cognito prefers the phone number when both email and phone number are auto-verified.
    """
    auto = pool.extended_config.get("AutoVerifiedAttributes") or []
    if "phone_number" in auto and attributes.get("phone_number") and attributes.get("phone_number_verified") != "true":
        return Target("SMS", "phone_number", attributes["phone_number"])
    if "email" in auto and attributes.get("email") and attributes.get("email_verified") != "true":
        return Target("EMAIL", "email", attributes["email"])
    return None


def recovery_target(pool: Pool, attributes: dict[str, str]) -> Target:
    """Where a password reset code goes, following the pool's AccountRecoverySetting."""
    setting = pool.extended_config.get("AccountRecoverySetting") or {}
    mechanisms = sorted(
        setting.get("RecoveryMechanisms")
        or [{"Name": "verified_email", "Priority": 1}, {"Name": "verified_phone_number", "Priority": 2}],
        key=lambda m: m.get("Priority", 0),
    )
    for mechanism in mechanisms:
        name = mechanism.get("Name")
        if name == "admin_only":
            raise NotAuthorizedError("Contact administrator to reset password.")
        if name == "verified_email" and attributes.get("email") and attributes.get("email_verified") == "true":
            return Target("EMAIL", "email", attributes["email"])
        if (
            name == "verified_phone_number"
            and attributes.get("phone_number")
            and attributes.get("phone_number_verified") == "true"
        ):
            return Target("SMS", "phone_number", attributes["phone_number"])
    raise InvalidParameterException(
        "Cannot reset password for the user as there is no registered/verified email or phone_number"
    )


def invitation_targets(attributes: dict[str, str], mediums: list[str] | None) -> list[Target]:
    """Where an AdminCreateUser invitation (or migration welcome) goes; SMS is Cognito's default."""
    available = {}
    if attributes.get("email"):
        available["EMAIL"] = Target("EMAIL", "email", attributes["email"])
    if attributes.get("phone_number"):
        available["SMS"] = Target("SMS", "phone_number", attributes["phone_number"])
    chosen = [available[m] for m in (mediums or ["SMS"]) if m in available]
    if not chosen and available:  # nothing to reach on the asked medium: use what the user has
        chosen = [available.get("EMAIL") or available["SMS"]]
    return chosen


def _templates(pool: Pool, kind: str) -> tuple[str, str, str]:
    """(email body, email subject, SMS body) Cognito would use for ``kind``."""
    config = pool.extended_config
    if kind in (outbox.ADMIN_CREATE_USER, outbox.USER_MIGRATION):
        invite = (config.get("AdminCreateUserConfig") or {}).get("InviteMessageTemplate") or {}
        default = f"Your username is {USERNAME_PARAMETER} and temporary password is {CODE_PARAMETER}. "
        return (
            invite.get("EmailMessage") or default,
            invite.get("EmailSubject") or "Your temporary password",
            invite.get("SMSMessage") or default,
        )
    template = config.get("VerificationMessageTemplate") or {}
    default = f"Your verification code is {CODE_PARAMETER}. "
    if kind == outbox.AUTHENTICATION:
        sms = config.get("SmsAuthenticationMessage") or f"Your authentication code is {CODE_PARAMETER}. "
        return sms, "Your authentication code", sms
    return (
        config.get("EmailVerificationMessage") or template.get("EmailMessage") or default,
        config.get("EmailVerificationSubject") or template.get("EmailSubject") or "Your verification code",
        config.get("SmsVerificationMessage") or template.get("SmsMessage") or default,
    )


@dataclass(frozen=True)
class Draft:
    """A message composed (CustomMessage trigger already run) but not yet recorded; ``sender`` names
    the custom sender trigger that delivers it instead of Cognito (see ``senders``)."""

    target: Target
    kind: str
    code: str | None
    text: str
    subject: str | None
    user: User
    sender: str | None = None
    client_id: str | None = None
    client_metadata: dict[str, str] | None = None


def compose(
    pool: Pool,
    user: User,
    target: Target,
    *,
    kind: str,
    code: str | None,
    username: str,
    client_id: str | None,
    client_metadata: dict[str, str] | None,
) -> Draft:
    """The message for ``kind``; runs the pool's CustomMessage trigger when there is one.

    ``username`` fills ``{username}`` in invitations. Call before changing any state: a
    failing trigger must fail the API call with nothing changed.
    """
    email, subject, sms = _templates(pool, kind)
    trigger_source = _TRIGGER_SOURCES[kind]
    sender = sender_for(pool, target.medium, kind)
    if sender is None and trigger_source is not None and has_trigger(pool, "CustomMessage"):
        invitation = kind == outbox.ADMIN_CREATE_USER
        request = with_metadata(
            {
                "userAttributes": event_attributes(user),
                "codeParameter": CODE_PARAMETER,
                "linkParameter": LINK_PARAMETER,
                "usernameParameter": USERNAME_PARAMETER if invitation else None,
            },
            client_metadata,
        )
        response = invoke_trigger(
            pool,
            "CustomMessage",
            make_event(
                pool,
                trigger_source,
                user.username,
                client_id,
                request,
                {"smsMessage": None, "emailMessage": None, "emailSubject": None},
            ),
        )
        custom_sms, custom_email, custom_subject = custom_message(response)
        # A custom message without the code placeholder (and, for an invitation, the user name
        # placeholder) is not used: Cognito sends its default message instead. See "Custom message
        # Lambda trigger" in the Amazon Cognito Developer Guide.
        needed = (CODE_PARAMETER, USERNAME_PARAMETER) if invitation else (CODE_PARAMETER,)
        if custom_sms and all(p in custom_sms for p in needed):
            sms = custom_sms
        if custom_email and all(p in custom_email for p in needed):
            email, subject = custom_email, custom_subject or subject
    body = sms if target.medium == "SMS" else email
    text = body.replace(CODE_PARAMETER, code or "").replace(USERNAME_PARAMETER, username)
    return Draft(
        target,
        kind,
        code,
        text,
        subject if target.medium == "EMAIL" else None,
        user,
        sender,
        client_id,
        client_metadata,
    )


def send(pool: Pool, username: str, *drafts: Draft) -> None:
    """Deliver ``drafts``: record them in the outbox, or hand them to their custom sender trigger."""
    for draft in drafts:
        if draft.sender is not None:
            deliver(
                pool,
                draft.user,
                draft.sender,
                draft.kind,
                draft.code or "",
                client_id=draft.client_id,
                client_metadata=draft.client_metadata,
            )
            continue
        outbox.OUTBOX.record(
            outbox.Message(
                user_pool_id=pool.id,
                username=username,
                recipient=draft.target.address,
                kind=draft.kind,
                code=draft.code,
                text=draft.text,
                time=datetime.now(UTC),
                medium=draft.target.medium,
                subject=draft.subject,
            )
        )


def draft_code(
    pool: Pool,
    user: User,
    target: Target,
    kind: str,
    username: str,
    *,
    client_id: str | None,
    client_metadata: dict[str, str] | None,
) -> Draft:
    """A new code (SignUp, ResendCode or ForgotPassword ``kind``) in its message to ``target``, not yet sent.

    Runs the CustomMessage trigger: call before changing any state, then ``send_code``.
    """
    return compose(
        pool,
        user,
        target,
        kind=kind,
        code=new_code(),
        username=username,
        client_id=client_id,
        client_metadata=client_metadata,
    )


def send_code(pool: Pool, user: User, username: str, draft: Draft) -> dict[str, str]:
    """Send a ``draft_code`` message: its code replaces the user's earlier one for the same purpose and
    expires as Cognito's does. Returns the ``CodeDeliveryDetails``."""
    purpose, ttl = _CODE_PURPOSES[draft.kind]
    if purpose == "verify":
        purpose = verify_purpose(draft.target.attribute)
    if draft.code is None:
        raise ValueError(f"a {draft.kind} message without a code")
    set_pending(user, purpose, draft.code, draft.target.attribute, ttl)
    send(pool, username, draft)
    return draft.target.details()


def draft_invitations(
    pool: Pool,
    user: User,
    username: str,
    mediums: list[str] | None,
    *,
    kind: str,
    password: str | None = None,
    client_metadata: dict[str, str] | None = None,
) -> list[Draft]:
    """The AdminCreateUser invitation (with the temporary ``password``) or the UserMigration welcome to each
    of the user's addresses on ``mediums`` (``invitation_targets``), not yet sent (see ``compose``)."""
    return [
        compose(
            pool,
            user,
            target,
            kind=kind,
            code=password,
            username=username,
            client_id=None,
            client_metadata=client_metadata,
        )
        for target in invitation_targets(user.attribute_lookup, mediums)
    ]


def temporary_password(pool: Pool) -> str:
    """A temporary password that satisfies the pool's password policy, as Cognito generates."""
    policy = (pool.extended_config.get("Policies") or {}).get("PasswordPolicy") or {}
    length = max(12, int(policy.get("MinimumLength") or 8))
    rng = secrets.SystemRandom()
    symbols = "!@#%^&*"
    chars = [
        rng.choice(string.ascii_uppercase),
        rng.choice(string.ascii_lowercase),
        rng.choice(string.digits),
        rng.choice(symbols),
    ]
    alphabet = string.ascii_letters + string.digits + symbols
    chars += [rng.choice(alphabet) for _ in range(length - len(chars))]
    rng.shuffle(chars)
    return "".join(chars)
