"""Sign-up and user creation with their triggers: SignUp, ConfirmSignUp, AdminConfirmSignUp,
ResendConfirmationCode and AdminCreateUser.

Each operation first checks its input, then runs every trigger and composes every message,
and only then changes the pool: a failing trigger leaves no user behind and sends nothing.
"""

from __future__ import annotations

from typing import Any

from engine.local import outbox
from engine.local.cognito import constraints
from engine.local.cognito.common import (
    NO_CLIENT,
    UserStatus,
    check_secret_hash,
    client_call_user,
    pool_for_client,
    resolve_new_username,
    tentatively,
)
from engine.local.cognito.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    UnsupportedUserStateException,
    UsernameExistsException,
    UserNotFoundError,
)
from engine.local.cognito.messages import (
    Draft,
    check_code,
    clear_pending,
    draft_code,
    draft_invitations,
    send,
    send_code,
    temporary_password,
    verification_target,
)
from engine.local.cognito.models import Backend, Pool, User, new_user
from engine.local.cognito.signup_triggers import post_confirmation, pre_sign_up


def sign_up(
    client_id: str,
    username: str,
    password: str,
    attributes: list[dict[str, str]],
    validation_data: list[dict[str, str]] | None,
    client_metadata: dict[str, str] | None,
    secret_hash: str | None,
) -> dict[str, Any]:
    """SignUp: PreSignUp (auto-confirm / auto-verify), PostConfirmation if auto-confirmed,
    else a confirmation code (CustomMessage_SignUp) to an auto-verified attribute."""
    backend, pool, client = pool_for_client(client_id)
    check_secret_hash(client, username, secret_hash)
    if pool._get_user(username) is not None or (pool.id, username) in _SIGNING_UP:
        raise UsernameExistsException("User already exists")
    _SIGNING_UP.add((pool.id, username))
    try:
        return _sign_up(backend, pool, client_id, username, password, attributes, validation_data, client_metadata)
    finally:
        _SIGNING_UP.discard((pool.id, username))


# (pool id, user name) of the sign-ups in progress: the backend lock is let go of while their triggers run,
# and a second sign-up of the same name meanwhile must fail as if the first had finished.
_SIGNING_UP: set[tuple[str, str]] = set()


def _sign_up(
    backend: Backend,
    pool: Pool,
    client_id: str,
    username: str,
    password: str,
    attributes: list[dict[str, str]],
    validation_data: list[dict[str, str]] | None,
    client_metadata: dict[str, str] | None,
) -> dict[str, Any]:
    constraints.check_attributes(pool, attributes)
    internal_name, attributes = resolve_new_username(pool, username, attributes)
    backend._validate_password(pool.id, password)
    user = new_user(pool.id, internal_name, password, UserStatus.UNCONFIRMED, attributes)

    confirm, verify_email, verify_phone = pre_sign_up(
        pool, user, "PreSignUp_SignUp", client_id, attributes, validation_data, client_metadata
    )
    verified = {}
    if verify_email:
        if not user.attribute_lookup.get("email"):
            raise InvalidParameterException("Cannot auto-verify email: the user has no email attribute.")
        verified["email_verified"] = "true"
    if verify_phone:
        if not user.attribute_lookup.get("phone_number"):
            raise InvalidParameterException("Cannot auto-verify phone_number: the user has no phone_number.")
        verified["phone_number_verified"] = "true"
    if verified:
        user.update_attributes([{"Name": k, "Value": v} for k, v in verified.items()])

    draft: Draft | None = None
    if confirm:
        user.status = UserStatus.CONFIRMED
        with tentatively(pool, user, insert=True):
            post_confirmation(pool, user, "PostConfirmation_ConfirmSignUp", client_id, client_metadata)
    else:
        target = verification_target(pool, user.attribute_lookup)
        if target is not None:
            draft = draft_code(
                pool, user, target, outbox.SIGN_UP, username, client_id=client_id, client_metadata=client_metadata
            )

    if pool._get_user(username) not in (None, user):  # made while the triggers ran (AdminCreateUser)
        raise UsernameExistsException("User already exists")
    pool.users[user.username] = user
    result: dict[str, object] = {"UserConfirmed": confirm, "UserSub": user.id}
    if draft is not None:
        result["CodeDeliveryDetails"] = send_code(pool, user, username, draft)
    return result


def _confirm_now(
    pool: Pool,
    user: User,
    client_id: str | None,
    client_metadata: dict[str, str] | None,
    verified_attribute: str | None,
) -> None:
    if user.status == UserStatus.CONFIRMED:
        raise NotAuthorizedError("User cannot be confirmed. Current status is CONFIRMED")
    with tentatively(pool, user):
        user.status = UserStatus.CONFIRMED
        if verified_attribute:
            user.update_attributes([{"Name": f"{verified_attribute}_verified", "Value": "true"}])
        post_confirmation(pool, user, "PostConfirmation_ConfirmSignUp", client_id, client_metadata)
    clear_pending(user, outbox.SIGN_UP)


def confirm_sign_up(
    client_id: str, username: str, code: str, client_metadata: dict[str, str] | None, secret_hash: str | None
) -> None:
    """ConfirmSignUp: the code must be the last one sent; confirming verifies its attribute."""
    _, pool, user = client_call_user(client_id, username, secret_hash)
    if user.status == UserStatus.CONFIRMED:
        raise NotAuthorizedError("User cannot be confirmed. Current status is CONFIRMED")
    sent = check_code(user, outbox.SIGN_UP, code)
    _confirm_now(pool, user, client_id, client_metadata, sent.attribute)


def admin_confirm_sign_up(
    backend: Backend, pool_id: str, username: str, client_metadata: dict[str, str] | None
) -> None:
    """AdminConfirmSignUp: confirms without a code (PostConfirmation_ConfirmSignUp still runs)."""
    pool = backend.describe_user_pool(pool_id)
    user = pool._get_user(username)
    if user is None:
        raise UserNotFoundError("User does not exist.")
    _confirm_now(pool, user, NO_CLIENT, client_metadata, None)


def resend_confirmation_code(
    client_id: str, username: str, client_metadata: dict[str, str] | None, secret_hash: str | None
) -> dict[str, object]:
    """ResendConfirmationCode: a new code (the old one stops working), CustomMessage_ResendCode."""
    _, pool, user = client_call_user(client_id, username, secret_hash)
    if user.status == UserStatus.CONFIRMED:
        raise InvalidParameterException("User is already confirmed.")
    target = verification_target(pool, user.attribute_lookup)
    if target is None:
        raise InvalidParameterException("Auto verification not turned on.")
    draft = draft_code(
        pool, user, target, outbox.RESEND_CODE, username, client_id=client_id, client_metadata=client_metadata
    )
    return {"CodeDeliveryDetails": send_code(pool, user, username, draft)}


def _invitations(
    pool: Pool, user: User, username: str, password: str, mediums: list[str] | None, metadata: dict[str, str] | None
) -> list[Draft]:
    return draft_invitations(
        pool, user, username, mediums, kind=outbox.ADMIN_CREATE_USER, password=password, client_metadata=metadata
    )


def admin_create_user(
    backend: Backend,
    pool_id: str,
    username: str,
    attributes: list[dict[str, str]],
    validation_data: list[dict[str, str]] | None,
    temporary: str | None,
    message_action: str | None,
    mediums: list[str] | None,
    client_metadata: dict[str, str] | None,
) -> User:
    """AdminCreateUser: PreSignUp_AdminCreateUser (its auto flags do not apply), then the
    invitation with the temporary password (CustomMessage_AdminCreateUser) unless SUPPRESS."""
    pool = backend.describe_user_pool(pool_id)
    if temporary:
        backend._validate_password(pool.id, temporary)
    password = temporary or temporary_password(pool)
    if message_action == "RESEND":
        user = pool._get_user(username)
        if user is None:
            raise UserNotFoundError("User does not exist.")
        if user.status != UserStatus.FORCE_CHANGE_PASSWORD:
            raise UnsupportedUserStateException(f"Resend not possible. {username} status is not FORCE_CHANGE_PASSWORD.")
        drafts = _invitations(pool, user, username, password, mediums, client_metadata)
        user.password = password
        send(pool, username, *drafts)
        return user
    if pool._get_user(username) is not None:
        raise UsernameExistsException("User account already exists")
    constraints.check_attributes(pool, attributes)
    internal_name, attributes = resolve_new_username(pool, username, attributes)
    user = new_user(pool.id, internal_name, password, UserStatus.FORCE_CHANGE_PASSWORD, attributes)
    pre_sign_up(pool, user, "PreSignUp_AdminCreateUser", NO_CLIENT, attributes, validation_data, client_metadata)
    drafts = (
        [] if message_action == "SUPPRESS" else _invitations(pool, user, username, password, mediums, client_metadata)
    )
    pool.users[user.username] = user
    send(pool, username, *drafts)
    return user
