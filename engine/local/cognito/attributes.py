"""Verifying email addresses and phone numbers after sign-up, and the admin password reset:
UpdateUserAttributes / AdminUpdateUserAttributes (a changed, auto-verified email or phone number
gets a code: CustomMessage_UpdateUserAttribute), GetUserAttributeVerificationCode
(CustomMessage_VerifyUserAttribute), VerifyUserAttribute, and AdminResetUserPassword (a reset code:
CustomMessage_ForgotPassword). See
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-email-phone-verification.html

In a pool whose UserAttributeUpdateSettings list an attribute in AttributesRequireVerificationBeforeUpdate,
a new value for a verified email or phone number is held aside: the original stays the attribute's value
(verified: the user signs in and gets messages with it) until VerifyUserAttribute confirms the new one
with the code sent to it. An AdminUpdateUserAttributes call that also sets ``*_verified`` true applies the
new value at once. The API shows nothing of the held value (GetUser and AdminGetUser have no field for it).
See UserAttributeUpdateSettingsType, UpdateUserAttributes and AdminUpdateUserAttributes in the API Reference.
"""

from __future__ import annotations

from engine.local import outbox
from engine.local.cognito import constraints
from engine.local.cognito.common import NO_CLIENT, UserStatus, find_by_access_token, flatten_attrs
from engine.local.cognito.exceptions import InvalidParameterException, NotAuthorizedError, UserNotFoundError
from engine.local.cognito.messages import (
    Draft,
    Target,
    check_code,
    clear_pending,
    draft_code,
    recovery_target,
    send_code,
    verify_purpose,
)
from engine.local.cognito.migration import claim_aliases
from engine.local.cognito.models import Backend, Pool, User

_MEDIUMS = {"email": "EMAIL", "phone_number": "SMS"}
_HELD_ATTR = "_scenario_unverified_values"  # on moto's user: {attribute: new value awaiting verification}


def _held(user: User) -> dict[str, str]:
    found: dict[str, str] | None = getattr(user, _HELD_ATTR, None)
    if found is None:
        found = {}
        setattr(user, _HELD_ATTR, found)
    return found


def _to_hold(pool: Pool, current: dict[str, str], given: dict[str, str], changed: list[str]) -> dict[str, str]:
    """The changed values kept aside until verified: a verified, auto-verified attribute the pool lists in
    AttributesRequireVerificationBeforeUpdate, unless the call itself sets it verified."""
    settings = pool.extended_config.get("UserAttributeUpdateSettings") or {}
    listed = settings.get("AttributesRequireVerificationBeforeUpdate") or []
    auto = pool.extended_config.get("AutoVerifiedAttributes") or []
    return {
        name: given[name]
        for name in changed
        if name in listed
        and name in auto
        and current.get(f"{name}_verified") == "true"
        and given.get(f"{name}_verified") != "true"
    }


def _token_client(pool: Pool, access_token: str) -> str:
    return str(pool.access_tokens[access_token][0])


def _update(
    backend: Backend,
    pool: Pool,
    user: User,
    username: str,
    attributes: list[dict[str, str]],
    client_id: str,
    client_metadata: dict[str, str] | None,
) -> list[dict[str, str]]:
    """Change ``user``'s attributes; a changed email or phone number is unverified again and, when the
    pool auto-verifies it, gets a code. Returns the CodeDeliveryDetailsList."""
    constraints.check_attributes(pool, attributes)
    given = flatten_attrs(attributes)
    current = user.attribute_lookup
    changed = [name for name in _MEDIUMS if name in given and given[name] != current.get(name)]
    held = _to_hold(pool, current, given, changed)
    kept = set(held) | {f"{name}_verified" for name in held}
    updates = [attribute for attribute in attributes if attribute.get("Name") not in kept]
    for name in changed:
        if f"{name}_verified" not in given and name not in held:
            updates.append({"Name": f"{name}_verified", "Value": "false"})
    if "email" in given and "email" in (pool.extended_config.get("UsernameAttributes") or []):
        backend._verify_email_is_not_used(pool.id, given["email"])
    claim_aliases(pool, {**current, **flatten_attrs(updates)}, False, exclude=user)
    auto = pool.extended_config.get("AutoVerifiedAttributes") or []
    to_verify = [name for name in changed if name in auto and given.get(f"{name}_verified") != "true"]
    saved = list(user.attributes)
    user.update_attributes(updates)
    drafts: list[Draft] = []
    try:  # the new value is in place for the CustomMessage trigger; a failing one changes nothing
        for name in to_verify:
            target = Target(_MEDIUMS[name], name, given[name])
            drafts.append(
                draft_code(
                    pool,
                    user,
                    target,
                    outbox.UPDATE_USER_ATTRIBUTE,
                    username,
                    client_id=client_id,
                    client_metadata=client_metadata,
                )
            )
    except BaseException:
        user.attributes = saved
        user.attribute_lookup = flatten_attrs(saved)
        raise
    waiting = _held(user)
    for name in _MEDIUMS:  # a value set now replaces one still waiting for verification
        if name in given:
            waiting.pop(name, None)
    waiting.update(held)
    return [send_code(pool, user, username, draft) for draft in drafts]


def update_user_attributes(
    backend: Backend, access_token: str, attributes: list[dict[str, str]], client_metadata: dict[str, str] | None
) -> dict[str, object]:
    """UpdateUserAttributes (the signed-in user)."""
    pool, user, username = find_by_access_token(access_token)
    sent = _update(backend, pool, user, username, attributes, _token_client(pool, access_token), client_metadata)
    return {"CodeDeliveryDetailsList": sent} if sent else {}


def admin_update_user_attributes(
    backend: Backend,
    pool_id: str,
    username: str,
    attributes: list[dict[str, str]],
    client_metadata: dict[str, str] | None,
) -> None:
    """AdminUpdateUserAttributes: as UpdateUserAttributes; setting ``*_verified`` true in the same call
    sends no code."""
    pool = backend.describe_user_pool(pool_id)
    user = pool._get_user(username)
    if user is None:
        raise UserNotFoundError("User does not exist.")
    _update(backend, pool, user, username, attributes, NO_CLIENT, client_metadata)


def get_user_attribute_verification_code(
    access_token: str, attribute: str, client_metadata: dict[str, str] | None
) -> dict[str, object]:
    """GetUserAttributeVerificationCode: a code to the user's email or phone number."""
    pool, user, username = find_by_access_token(access_token)
    if attribute not in _MEDIUMS:
        raise InvalidParameterException(f"Invalid attribute name: {attribute} cannot be verified.")
    address = _held(user).get(attribute) or user.attribute_lookup.get(attribute)
    if not address:
        raise InvalidParameterException(f"User does not have a {attribute} attribute.")
    draft = draft_code(
        pool,
        user,
        Target(_MEDIUMS[attribute], attribute, address),
        outbox.VERIFY_USER_ATTRIBUTE,
        username,
        client_id=_token_client(pool, access_token),
        client_metadata=client_metadata,
    )
    return {"CodeDeliveryDetails": send_code(pool, user, username, draft)}


def verify_user_attribute(access_token: str, attribute: str, code: str) -> None:
    """VerifyUserAttribute: the last code sent for ``attribute`` marks it verified, and makes a new value
    held aside until verified the attribute's value ("updates the affected attribute to its pending
    value", API_VerifyUserAttribute.html)."""
    pool, user, _ = find_by_access_token(access_token)
    if attribute not in _MEDIUMS:
        raise InvalidParameterException(f"Invalid attribute name: {attribute} cannot be verified.")
    purpose = verify_purpose(attribute)
    check_code(user, purpose, code)
    updates = [{"Name": f"{attribute}_verified", "Value": "true"}]
    new_value = _held(user).get(attribute)
    if new_value is not None:
        updates.insert(0, {"Name": attribute, "Value": new_value})
    claim_aliases(pool, {**user.attribute_lookup, **flatten_attrs(updates)}, False, exclude=user)
    user.update_attributes(updates)
    _held(user).pop(attribute, None)
    clear_pending(user, purpose)


def admin_reset_user_password(
    backend: Backend, pool_id: str, username: str, client_metadata: dict[str, str] | None
) -> None:
    """AdminResetUserPassword: the user must reset their password (RESET_REQUIRED) with the code sent to
    their recovery option (CustomMessage_ForgotPassword); ConfirmForgotPassword takes it."""
    pool = backend.describe_user_pool(pool_id)
    user = pool._get_user(username)
    if user is None:
        raise UserNotFoundError("User does not exist.")
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    target = recovery_target(pool, user.attribute_lookup)
    draft = draft_code(
        pool, user, target, outbox.FORGOT_PASSWORD, username, client_id=NO_CLIENT, client_metadata=client_metadata
    )
    if user.status == UserStatus.CONFIRMED:
        user.status = UserStatus.RESET_REQUIRED
    send_code(pool, user, username, draft)


def get_user(access_token: str) -> dict[str, object]:
    """GetUser: the signed-in user's attributes. moto answers only for CONFIRMED users; Cognito answers for
    any user holding a live access token with the admin scope (``find_by_access_token``), a federated one
    (EXTERNAL_PROVIDER) included, and refuses a disabled one."""
    _, user, _ = find_by_access_token(access_token)
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    result: dict[str, object] = user.to_json(extended=True, attributes_key="UserAttributes")
    return result
