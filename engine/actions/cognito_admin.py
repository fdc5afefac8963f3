"""Cognito user administration: attributes, disable/enable, password reset.

These change a user rather than create one. A user this run created is deleted at cleanup, which
covers every change; a user who was there before keeps the changes, except that one this run
disabled is enabled again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from engine.action import STRING, ActionContext, action, obj, plain
from engine.actions import cognito_support as cs
from engine.actions.cognito import ATTRS, META, _attributes
from engine.aws.errors import error_code
from engine.cleanup.undo import UndoContext, undo_kind

ENABLE_USER = "cognito.enable_user"
USER = obj({"user_pool_id": STRING, "user_name": STRING}, ["user_pool_id", "user_name"])
USER_EXAMPLE = {"user_pool_id": "{{ stack.UserPoolId }}", "user_name": "alice"}


def _made_by_this_run(ctx: ActionContext, pool_id: str, user_name: str) -> bool:
    """The run deletes this user at cleanup (it signed them up or created them)."""
    wanted = {"pool_id": pool_id, "user_name": user_name}
    return any(entry.kind == cs.DELETE_USER and entry.params == wanted for entry in ctx.undo.pending())


@action(
    "admin_update_user_attributes",
    "Change a user's attributes as an administrator (AdminUpdateUserAttributes); e.g. "
    "{email_verified: 'true'} marks an email verified.",
    obj(
        {"user_pool_id": STRING, "user_name": STRING, "attributes": ATTRS, "client_metadata": META},
        ["user_pool_id", "user_name", "attributes"],
    ),
    {**USER_EXAMPLE, "attributes": {"email": "alice@example.org", "email_verified": "true"}},
    result_example={},
)
def admin_update_user_attributes(args: Any, ctx: ActionContext) -> Any:
    call: dict[str, Any] = {
        "UserPoolId": args["user_pool_id"],
        "Username": args["user_name"],
        "UserAttributes": _attributes(args),
    }
    if args.get("client_metadata"):
        call["ClientMetadata"] = args["client_metadata"]
    return plain(ctx.client("cognito-idp").admin_update_user_attributes(**call))


@action(
    "admin_disable_user",
    "Disable a user (AdminDisableUser): they can no longer sign in. A user the run did not create is "
    "enabled again at cleanup.",
    USER,
    USER_EXAMPLE,
    result_example={},
)
def admin_disable_user(args: Any, ctx: ActionContext) -> Any:
    pool_id, user_name = args["user_pool_id"], args["user_name"]
    idp = ctx.client("cognito-idp")
    if _made_by_this_run(ctx, pool_id, user_name):
        return plain(idp.admin_disable_user(UserPoolId=pool_id, Username=user_name))
    if not idp.admin_get_user(UserPoolId=pool_id, Username=user_name)["Enabled"]:
        return {}  # disabled already: nothing to put back
    with ctx.undo.intent(
        ENABLE_USER,
        {"pool_id": pool_id, "user_name": user_name},
        f"enable user '{user_name}' of user pool {pool_id} again",
    ):
        return plain(idp.admin_disable_user(UserPoolId=pool_id, Username=user_name))


@undo_kind(ENABLE_USER)
def _enable_user(context: UndoContext, params: Mapping[str, Any], certain: bool, since: float) -> str | None:
    try:
        context.clients.client("cognito-idp").admin_enable_user(
            UserPoolId=params["pool_id"], Username=params["user_name"]
        )
    except ClientError as exc:
        if error_code(exc) == "UserNotFoundException":
            return "already gone"
        raise
    return None


@action(
    "admin_enable_user",
    "Enable a disabled user (AdminEnableUser).",
    USER,
    USER_EXAMPLE,
    result_example={},
)
def admin_enable_user(args: Any, ctx: ActionContext) -> Any:
    pool_id, user_name = args["user_pool_id"], args["user_name"]
    result = plain(ctx.client("cognito-idp").admin_enable_user(UserPoolId=pool_id, Username=user_name))
    ctx.undo.settle(ENABLE_USER, {"pool_id": pool_id, "user_name": user_name})
    return result


@action(
    "admin_reset_user_password",
    "Make a user reset their password (AdminResetUserPassword): a code goes to their verified email or phone, "
    "and signing in fails with PasswordResetRequiredException until confirm_forgot_password.",
    obj({"user_pool_id": STRING, "user_name": STRING, "client_metadata": META}, ["user_pool_id", "user_name"]),
    USER_EXAMPLE,
    result_example={},
)
def admin_reset_user_password(args: Any, ctx: ActionContext) -> Any:
    call: dict[str, Any] = {"UserPoolId": args["user_pool_id"], "Username": args["user_name"]}
    if args.get("client_metadata"):
        call["ClientMetadata"] = args["client_metadata"]
    return plain(ctx.client("cognito-idp").admin_reset_user_password(**call))


ACTIONS = [admin_update_user_attributes, admin_disable_user, admin_enable_user, admin_reset_user_password]
