"""Cognito user administration: create, read and delete a user, set their password or attributes,
disable/enable them, make them reset their password.

A user this run created is deleted at cleanup, which covers every change; a user who was there
before keeps the changes, except that one this run disabled is enabled again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NotRequired, TypedDict, cast

from botocore.exceptions import ClientError

from engine.action import STRING, ActionContext, JsonValue, action, obj, plain
from engine.actions import cognito_support as cs
from engine.actions.cognito import ATTRS, LOOKUPS, META, idp_operations, optional_params
from engine.cleanup.undo import UndoContext, already_gone, undo_kind

ENABLE_USER = "cognito.enable_user"
USER = obj({"user_pool_id": STRING, "user_name": STRING}, ["user_pool_id", "user_name"])
USER_EXAMPLE: dict[str, JsonValue] = {"user_pool_id": "{{ stack.UserPoolId }}", "user_name": "alice"}
_USER_RESULT: dict[str, JsonValue] = {
    "Username": "alice",
    "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}],
    "UserCreateDate": "2026-01-31T12:00:00+00:00",
    "Enabled": True,
    "UserStatus": "FORCE_CHANGE_PASSWORD",
}


class PoolUserArgs(TypedDict):
    user_pool_id: str
    user_name: str


class AdminCreateUserArgs(TypedDict):
    user_pool_id: str
    user_name: str
    email: NotRequired[str]
    attributes: NotRequired[Mapping[str, str]]
    temporary_password: NotRequired[str]
    message_action: NotRequired[Literal["SUPPRESS", "RESEND", "SEND"]]
    client_metadata: NotRequired[Mapping[str, str]]


@action(
    "admin_create_user",
    "Create a user as an administrator (AdminCreateUser); deleted at cleanup.",
    obj(
        {
            "user_pool_id": STRING,
            "user_name": STRING,
            "email": {"type": "string"},
            "attributes": ATTRS,
            "temporary_password": STRING,
            "message_action": {"enum": ["SUPPRESS", "RESEND", "SEND"]},
            "client_metadata": META,
        },
        ["user_pool_id", "user_name"],
    ),
    {"user_pool_id": "{{ stack.UserPoolId }}", "user_name": "alice", "email": "alice@example.com"},
    operations=idp_operations("AdminCreateUser") + LOOKUPS,
    result_example={
        "User": {
            "Username": "alice",
            "Attributes": [{"Name": "email", "Value": "alice@example.com"}],
            "UserCreateDate": "2026-01-31T12:00:00+00:00",
            "Enabled": True,
            "UserStatus": "FORCE_CHANGE_PASSWORD",
        }
    },
)
def admin_create_user(args: AdminCreateUserArgs, ctx: ActionContext) -> JsonValue:
    params: dict[str, object] = {
        "UserPoolId": args["user_pool_id"],
        "Username": args["user_name"],
        "UserAttributes": cs.user_attributes(args.get("attributes"), args.get("email")),
    }
    action_value = args.get("message_action", "SUPPRESS")
    if action_value != "SEND":
        params["MessageAction"] = action_value
    params |= optional_params(args, temporary_password="TemporaryPassword", client_metadata="ClientMetadata")
    with cs.creating_user(ctx, args["user_pool_id"], args["user_name"]):
        return plain(ctx.client("cognito-idp").admin_create_user(**params))


class AdminSetUserPasswordArgs(TypedDict):
    user_pool_id: str
    user_name: str
    password: str
    permanent: NotRequired[bool]


@action(
    "admin_set_user_password",
    "Set a user's password as an administrator (permanent by default).",
    obj(
        {"user_pool_id": STRING, "user_name": STRING, "password": STRING, "permanent": {"type": "boolean"}},
        ["user_pool_id", "user_name", "password"],
    ),
    {"user_pool_id": "{{ stack.UserPoolId }}", "user_name": "alice", "password": "{{ answers.password }}"},
    operations=idp_operations("AdminSetUserPassword") + LOOKUPS,
    result_example={},
)
def admin_set_user_password(args: AdminSetUserPasswordArgs, ctx: ActionContext) -> JsonValue:
    return plain(
        ctx.client("cognito-idp").admin_set_user_password(
            UserPoolId=args["user_pool_id"],
            Username=args["user_name"],
            Password=args["password"],
            Permanent=args.get("permanent", True),
        )
    )


@action(
    "admin_get_user",
    "Read a user: status and attributes (as a mapping in result.attributes).",
    USER,
    USER_EXAMPLE,
    operations=idp_operations("AdminGetUser") + LOOKUPS,
    result_example={**_USER_RESULT, "attributes": {"email": "alice@example.com"}},
)
def admin_get_user(args: PoolUserArgs, ctx: ActionContext) -> JsonValue:
    user: cs.UserView = ctx.client("cognito-idp").admin_get_user(
        UserPoolId=args["user_pool_id"], Username=args["user_name"]
    )
    return cs.with_attribute_map(user)


@action(
    "admin_delete_user",
    "Delete a user as an administrator.",
    USER,
    USER_EXAMPLE,
    operations=idp_operations("AdminDeleteUser") + LOOKUPS,
    result_example={},
)
def admin_delete_user(args: PoolUserArgs, ctx: ActionContext) -> JsonValue:
    return plain(
        ctx.client("cognito-idp").admin_delete_user(UserPoolId=args["user_pool_id"], Username=args["user_name"])
    )


def _made_by_this_run(ctx: ActionContext, pool_id: str, user_name: str) -> bool:
    """The run deletes this user at cleanup (it signed them up or created them)."""
    wanted = cs.UserKey(pool_id=pool_id, user_name=user_name)
    return any(entry.kind == cs.DELETE_USER and entry.params == wanted for entry in ctx.undo.pending())


class AdminUpdateUserAttributesArgs(TypedDict):
    user_pool_id: str
    user_name: str
    attributes: Mapping[str, str]
    client_metadata: NotRequired[Mapping[str, str]]


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
def admin_update_user_attributes(args: AdminUpdateUserAttributesArgs, ctx: ActionContext) -> JsonValue:
    call: dict[str, object] = {
        "UserPoolId": args["user_pool_id"],
        "Username": args["user_name"],
        "UserAttributes": cs.user_attributes(args["attributes"]),
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
def admin_disable_user(args: PoolUserArgs, ctx: ActionContext) -> JsonValue:
    pool_id, user_name = args["user_pool_id"], args["user_name"]
    idp = ctx.client("cognito-idp")
    if _made_by_this_run(ctx, pool_id, user_name):
        return plain(idp.admin_disable_user(UserPoolId=pool_id, Username=user_name))
    user: cs.UserView = idp.admin_get_user(UserPoolId=pool_id, Username=user_name)
    if not user["Enabled"]:
        return {}  # disabled already: nothing to put back
    with ctx.undo.intent(
        ENABLE_USER,
        cs.UserKey(pool_id=pool_id, user_name=user_name),
        f"enable user '{user_name}' of user pool {pool_id} again",
    ):
        return plain(idp.admin_disable_user(UserPoolId=pool_id, Username=user_name))


@undo_kind(ENABLE_USER)
def _enable_user(context: UndoContext, params: Mapping[str, object], certain: bool, since: float) -> str | None:
    key = cast(cs.UserKey, params)  # as admin_disable_user recorded it
    try:
        context.clients.client("cognito-idp").admin_enable_user(UserPoolId=key["pool_id"], Username=key["user_name"])
    except ClientError as exc:
        if already_gone(exc):  # the user, or its whole pool
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
def admin_enable_user(args: PoolUserArgs, ctx: ActionContext) -> JsonValue:
    pool_id, user_name = args["user_pool_id"], args["user_name"]
    result = plain(ctx.client("cognito-idp").admin_enable_user(UserPoolId=pool_id, Username=user_name))
    ctx.undo.settle(ENABLE_USER, cs.UserKey(pool_id=pool_id, user_name=user_name))
    return result


class AdminResetUserPasswordArgs(TypedDict):
    user_pool_id: str
    user_name: str
    client_metadata: NotRequired[Mapping[str, str]]


@action(
    "admin_reset_user_password",
    "Make a user reset their password (AdminResetUserPassword): a code goes to their verified email or phone, "
    "and signing in fails with PasswordResetRequiredException until confirm_forgot_password.",
    obj({"user_pool_id": STRING, "user_name": STRING, "client_metadata": META}, ["user_pool_id", "user_name"]),
    USER_EXAMPLE,
    result_example={},
)
def admin_reset_user_password(args: AdminResetUserPasswordArgs, ctx: ActionContext) -> JsonValue:
    call: dict[str, object] = {"UserPoolId": args["user_pool_id"], "Username": args["user_name"]}
    if args.get("client_metadata"):
        call["ClientMetadata"] = args["client_metadata"]
    return plain(ctx.client("cognito-idp").admin_reset_user_password(**call))


ACTIONS = [
    admin_create_user,
    admin_set_user_password,
    admin_get_user,
    admin_delete_user,
    admin_update_user_attributes,
    admin_disable_user,
    admin_enable_user,
    admin_reset_user_password,
]
