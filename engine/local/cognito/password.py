"""Password reset and self-service deletion: ForgotPassword, ConfirmForgotPassword, DeleteUser."""

from __future__ import annotations

from engine.local import outbox
from engine.local.cognito import token_tables
from engine.local.cognito.common import (
    UserStatus,
    check_secret_hash,
    client_call_user,
    find_by_access_token,
    pool_for_client,
    tentatively,
)
from engine.local.cognito.exceptions import (
    InvalidPasswordError,
    NotAuthorizedError,
    UserNotFoundError,
)
from engine.local.cognito.messages import check_code, clear_pending, draft_code, recovery_target, send_code
from engine.local.cognito.migration import migrate_user
from engine.local.cognito.models import Backend
from engine.local.cognito.signup_triggers import post_confirmation
from engine.local.cognito.triggers import has_trigger


def forgot_password(
    client_id: str, username: str, client_metadata: dict[str, str] | None, secret_hash: str | None
) -> dict[str, object]:
    """ForgotPassword: a reset code to the first verified recovery option (CustomMessage_ForgotPassword);
    an unknown user goes through the UserMigration trigger first."""
    _, pool, client = pool_for_client(client_id)
    check_secret_hash(client, username, secret_hash)
    user = pool._get_user(username)
    if user is None and has_trigger(pool, "UserMigration"):  # None again if the function knows no such user
        user = migrate_user(pool, client, username, None, client_metadata)
    if user is None:
        if client.extended_config.get("PreventUserExistenceErrors") == "ENABLED":
            # Cognito answers as if a code went out, so callers cannot probe for user names.
            return {
                "CodeDeliveryDetails": {
                    "Destination": f"{username[:1]}***@{username[:1]}***",
                    "DeliveryMedium": "EMAIL",
                    "AttributeName": "email",
                }
            }
        raise UserNotFoundError("Username/client id combination not found.")
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    target = recovery_target(pool, user.attribute_lookup)
    draft = draft_code(
        pool, user, target, outbox.FORGOT_PASSWORD, username, client_id=client_id, client_metadata=client_metadata
    )
    return {"CodeDeliveryDetails": send_code(pool, user, username, draft)}


def confirm_forgot_password(
    client_id: str,
    username: str,
    code: str,
    password: str,
    client_metadata: dict[str, str] | None,
    secret_hash: str | None,
) -> None:
    """ConfirmForgotPassword: the last reset code sent, a password the policy accepts, then
    PostConfirmation_ConfirmForgotPassword; the code works once."""
    backend, pool, user = client_call_user(client_id, username, secret_hash)
    check_code(user, outbox.FORGOT_PASSWORD, code)
    backend._validate_password(pool.id, password)
    with tentatively(pool, user):
        user.password = password
        if user.status != UserStatus.UNCONFIRMED:
            user.status = UserStatus.CONFIRMED
        post_confirmation(pool, user, "PostConfirmation_ConfirmForgotPassword", client_id, client_metadata)
    clear_pending(user, outbox.FORGOT_PASSWORD)


def delete_user(access_token: str) -> None:
    """DeleteUser: the signed-in user deletes themself; their tokens stop working."""
    pool, user, token_username = find_by_access_token(access_token)
    for group in list(user.groups):
        group.users.discard(user)
    pool.users.pop(user.username, None)
    token_tables.forget_user(pool, token_username)


# Cognito's special characters for RequireSymbols (a space counts when it is not leading or trailing).
SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-")


def validate_password(backend: Backend, user_pool_id: str, password: str) -> None:
    """The pool's password policy with Cognito's own messages (moto has one generic message).

    Cognito reports the first rule a password breaks, as
    ``Password did not conform with policy: Password must have uppercase characters``.
    """
    pool = backend.describe_user_pool(user_pool_id)
    policy = pool.extended_config.get("Policies", {}).get("PasswordPolicy", {})
    inner = password[1:-1]
    rules = [
        (len(password) >= int(policy.get("MinimumLength", 8)), "Password not long enough"),
        (len(password) <= int(policy.get("MaximumLength", 256)), "Password is too long"),
        (
            not policy.get("RequireUppercase", True) or any(c.isupper() for c in password),
            "Password must have uppercase characters",
        ),
        (
            not policy.get("RequireLowercase", True) or any(c.islower() for c in password),
            "Password must have lowercase characters",
        ),
        (
            not policy.get("RequireNumbers", True) or any(c.isdigit() for c in password),
            "Password must have numeric characters",
        ),
        (
            not policy.get("RequireSymbols", True) or any(c in SYMBOLS for c in password) or " " in inner,
            "Password must have symbol characters",
        ),
    ]
    for ok, why in rules:
        if not ok:
            raise InvalidPasswordError(f"Password did not conform with policy: {why}")
