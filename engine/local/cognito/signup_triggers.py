"""PreSignUp and PostConfirmation, which every way into a pool runs: SignUp and AdminCreateUser
(``signup``), a federated user's first sign-in (``federation``), ConfirmForgotPassword of a migrated
user (``password``)."""

from __future__ import annotations

from engine.local.cognito.common import event_attributes, flatten_attrs
from engine.local.cognito.models import Pool, User
from engine.local.cognito.triggers import has_trigger, invoke_trigger, make_event, pre_sign_up_flags, with_metadata

PRE_SIGN_UP_DEFAULTS = {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


def post_confirmation(
    pool: Pool,
    user: User,
    trigger_source: str,
    client_id: str | None,
    client_metadata: dict[str, str] | None,
    status: str = "CONFIRMED",
) -> None:
    """Run the PostConfirmation trigger (if any) for ``user``, already confirmed (``tentatively``);
    a federated user's first sign-in runs it with ``status`` EXTERNAL_PROVIDER."""
    if not has_trigger(pool, "PostConfirmation"):
        return
    request = with_metadata({"userAttributes": event_attributes(user, status=status)}, client_metadata)
    invoke_trigger(pool, "PostConfirmation", make_event(pool, trigger_source, user.username, client_id, request, {}))


def pre_sign_up(
    pool: Pool,
    user: User,
    source: str,
    client_id: str | None,
    attributes: list[dict[str, str]],
    validation_data: list[dict[str, str]] | None,
    client_metadata: dict[str, str] | None,
) -> tuple[bool, bool, bool]:
    if not has_trigger(pool, "PreSignUp"):
        return False, False, False
    request = with_metadata(
        {
            "userAttributes": flatten_attrs(attributes),
            "validationData": flatten_attrs(validation_data) if validation_data else None,
        },
        client_metadata,
    )
    response = invoke_trigger(
        pool, "PreSignUp", make_event(pool, source, user.username, client_id, request, dict(PRE_SIGN_UP_DEFAULTS))
    )
    return pre_sign_up_flags(response)
