"""Amazon Cognito user-pool actions: the seed's CognitoActions, each undoable where it creates."""

from __future__ import annotations

from typing import Any

from engine.action import STRING, ActionContext, action, obj, plain
from engine.actions import cognito_support as cs

ATTRS = {
    "type": "object",
    "additionalProperties": {"type": "string"},
    "description": "User attributes by name, e.g. {email: a@example.com}",
}
META = {"type": "object", "additionalProperties": {"type": "string"}}
POOL = {**STRING, "description": "User pool id; found from the client id when omitted (needed for cleanup)."}


def _attributes(args: dict[str, Any]) -> list[dict[str, str]]:
    attrs = dict(args.get("attributes") or {})
    if args.get("email"):
        attrs.setdefault("email", args["email"])
    return [{"Name": k, "Value": str(v)} for k, v in attrs.items()]


def _optional(args: dict[str, Any], **mapping: str) -> dict[str, Any]:
    return {api: args[key] for key, api in mapping.items() if args.get(key) is not None}


def _idp(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple(("cognito-idp", name) for name in names)


# Finding a client's pool and whether a user exists: calls most user actions make first.
_LOOKUPS = _idp("ListUserPools", "ListUserPoolClients", "AdminGetUser")


@action(
    "list_user_pools",
    "List the user pools of the account (every page).",
    {
        "type": ["object", "null"],
        "properties": {"max_results": {"type": "integer", "minimum": 1, "maximum": 60}},
        "additionalProperties": False,
    },
    {"max_results": 10},
)
def list_user_pools(args: Any, ctx: ActionContext) -> Any:
    paginator = ctx.client("cognito-idp").get_paginator("list_user_pools")
    pools: list[dict[str, Any]] = []
    for page in paginator.paginate(MaxResults=(args or {}).get("max_results", 10)):
        pools.extend(plain(page["UserPools"]))
    return {"pools": pools, "count": len(pools)}


@action(
    "sign_up",
    "Sign up a user with a password (SignUp); the user is deleted at cleanup.",
    obj(
        {
            "client_id": STRING,
            "user_name": STRING,
            "password": STRING,
            "email": {"type": "string"},
            "attributes": ATTRS,
            "validation_data": META,
            "client_metadata": META,
            "user_pool_id": POOL,
        },
        ["client_id", "user_name", "password"],
    ),
    {
        "client_id": "{{ stack.UserPoolClientId }}",
        "user_name": "{{ answers.user }}",
        "password": "{{ answers.password }}",
        "email": "{{ vars.email }}",
    },
    operations=_idp("SignUp") + _LOOKUPS,
)
def sign_up(args: Any, ctx: ActionContext) -> Any:
    pool_id = cs.pool_for_client(ctx, args["client_id"], args.get("user_pool_id"))
    params = {
        "ClientId": args["client_id"],
        "Username": args["user_name"],
        "Password": args["password"],
        "UserAttributes": _attributes(args),
    }
    if args.get("validation_data"):
        params["ValidationData"] = [{"Name": k, "Value": v} for k, v in args["validation_data"].items()]
    params |= _optional(args, client_metadata="ClientMetadata")
    with cs.creating_user(ctx, pool_id, args["user_name"]):
        return plain(ctx.client("cognito-idp").sign_up(**params))


@action(
    "confirm_sign_up",
    "Confirm a signed-up user with the code that was sent (ConfirmSignUp).",
    obj(
        {"client_id": STRING, "user_name": STRING, "code": STRING, "client_metadata": META},
        ["client_id", "user_name", "code"],
    ),
    {"client_id": "{{ stack.UserPoolClientId }}", "user_name": "alice", "code": "{{ answers.code }}"},
    operations=_idp("ConfirmSignUp") + _LOOKUPS,
)
def confirm_sign_up(args: Any, ctx: ActionContext) -> Any:
    return plain(
        ctx.client("cognito-idp").confirm_sign_up(
            ClientId=args["client_id"],
            Username=args["user_name"],
            ConfirmationCode=str(args["code"]),
            **_optional(args, client_metadata="ClientMetadata"),
        )
    )


@action(
    "resend_confirmation_code",
    "Send the sign-up confirmation code again.",
    obj({"client_id": STRING, "user_name": STRING}, ["client_id", "user_name"]),
    {"client_id": "{{ stack.UserPoolClientId }}", "user_name": "alice"},
    operations=_idp("ResendConfirmationCode") + _LOOKUPS,
)
def resend_confirmation_code(args: Any, ctx: ActionContext) -> Any:
    return plain(
        ctx.client("cognito-idp").resend_confirmation_code(ClientId=args["client_id"], Username=args["user_name"])
    )


@action(
    "sign_in",
    "Sign in with USER_PASSWORD_AUTH (InitiateAuth). A user migrated by the sign-in is deleted at cleanup.",
    obj(
        {"client_id": STRING, "user_name": STRING, "password": STRING, "client_metadata": META, "user_pool_id": POOL},
        ["client_id", "user_name", "password"],
    ),
    {"client_id": "{{ stack.UserPoolClientId }}", "user_name": "alice", "password": "{{ answers.password }}"},
    operations=_idp("InitiateAuth") + _LOOKUPS,
)
def sign_in(args: Any, ctx: ActionContext) -> Any:
    pool_id = cs.pool_for_client(ctx, args["client_id"], args.get("user_pool_id"))
    with cs.maybe_creating_user(ctx, pool_id, args["user_name"]):
        response = ctx.client("cognito-idp").initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=args["client_id"],
            AuthParameters={"USERNAME": args["user_name"], "PASSWORD": args["password"]},
            **_optional(args, client_metadata="ClientMetadata"),
        )
    result = plain(response)
    # Flatten the tokens so a scenario can write result.AccessToken.
    result.update(result.pop("AuthenticationResult", {}) or {})
    return result


@action(
    "forgot_password",
    "Start the forgot-password flow; a code is sent (ForgotPassword). A user migrated by it is deleted at cleanup.",
    obj(
        {"client_id": STRING, "user_name": STRING, "client_metadata": META, "user_pool_id": POOL},
        ["client_id", "user_name"],
    ),
    {"client_id": "{{ stack.UserPoolClientId }}", "user_name": "alice"},
    operations=_idp("ForgotPassword") + _LOOKUPS,
)
def forgot_password(args: Any, ctx: ActionContext) -> Any:
    pool_id = cs.pool_for_client(ctx, args["client_id"], args.get("user_pool_id"))
    with cs.maybe_creating_user(ctx, pool_id, args["user_name"]):
        return plain(
            ctx.client("cognito-idp").forgot_password(
                ClientId=args["client_id"],
                Username=args["user_name"],
                **_optional(args, client_metadata="ClientMetadata"),
            )
        )


@action(
    "confirm_forgot_password",
    "Set a new password with the code from forgot_password.",
    obj(
        {"client_id": STRING, "user_name": STRING, "code": STRING, "password": STRING, "client_metadata": META},
        ["client_id", "user_name", "code", "password"],
    ),
    {
        "client_id": "{{ stack.UserPoolClientId }}",
        "user_name": "alice",
        "code": "{{ answers.code }}",
        "password": "{{ answers.new_password }}",
    },
    operations=_idp("ConfirmForgotPassword") + _LOOKUPS,
)
def confirm_forgot_password(args: Any, ctx: ActionContext) -> Any:
    return plain(
        ctx.client("cognito-idp").confirm_forgot_password(
            ClientId=args["client_id"],
            Username=args["user_name"],
            ConfirmationCode=str(args["code"]),
            Password=args["password"],
            **_optional(args, client_metadata="ClientMetadata"),
        )
    )


@action(
    "delete_user",
    "Delete the signed-in user with their access token (DeleteUser).",
    obj({"access_token": STRING}, ["access_token"]),
    {"access_token": "{{ steps.sign_in.result.AccessToken }}"},
    operations=_idp("DeleteUser") + _LOOKUPS,
)
def delete_user(args: Any, ctx: ActionContext) -> Any:
    result = plain(ctx.client("cognito-idp").delete_user(AccessToken=args["access_token"]))
    owner = cs.token_user(args["access_token"])
    if owner is not None:
        cs.user_deleted(ctx, *owner)
    return result


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
    operations=_idp("AdminCreateUser") + _LOOKUPS,
)
def admin_create_user(args: Any, ctx: ActionContext) -> Any:
    params = {"UserPoolId": args["user_pool_id"], "Username": args["user_name"], "UserAttributes": _attributes(args)}
    action_value = args.get("message_action", "SUPPRESS")
    if action_value != "SEND":
        params["MessageAction"] = action_value
    params |= _optional(args, temporary_password="TemporaryPassword", client_metadata="ClientMetadata")
    with cs.creating_user(ctx, args["user_pool_id"], args["user_name"]):
        return plain(ctx.client("cognito-idp").admin_create_user(**params))


@action(
    "admin_set_user_password",
    "Set a user's password as an administrator (permanent by default).",
    obj(
        {"user_pool_id": STRING, "user_name": STRING, "password": STRING, "permanent": {"type": "boolean"}},
        ["user_pool_id", "user_name", "password"],
    ),
    {"user_pool_id": "{{ stack.UserPoolId }}", "user_name": "alice", "password": "{{ answers.password }}"},
    operations=_idp("AdminSetUserPassword") + _LOOKUPS,
)
def admin_set_user_password(args: Any, ctx: ActionContext) -> Any:
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
    obj({"user_pool_id": STRING, "user_name": STRING}, ["user_pool_id", "user_name"]),
    {"user_pool_id": "{{ stack.UserPoolId }}", "user_name": "alice"},
    operations=_idp("AdminGetUser") + _LOOKUPS,
)
def admin_get_user(args: Any, ctx: ActionContext) -> Any:
    result = plain(
        ctx.client("cognito-idp").admin_get_user(UserPoolId=args["user_pool_id"], Username=args["user_name"])
    )
    result["attributes"] = {a["Name"]: a["Value"] for a in result.get("UserAttributes", [])}
    return result


@action(
    "admin_delete_user",
    "Delete a user as an administrator.",
    obj({"user_pool_id": STRING, "user_name": STRING}, ["user_pool_id", "user_name"]),
    {"user_pool_id": "{{ stack.UserPoolId }}", "user_name": "alice"},
    operations=_idp("AdminDeleteUser") + _LOOKUPS,
)
def admin_delete_user(args: Any, ctx: ActionContext) -> Any:
    return plain(
        ctx.client("cognito-idp").admin_delete_user(UserPoolId=args["user_pool_id"], Username=args["user_name"])
    )


@action(
    "read_outbox",
    "Local target: the latest message Cognito sent to a user (result.code, result.text, result.subject, "
    "result.recipient); on real AWS codes arrive by email instead.",
    obj(
        {
            "user_name": STRING,
            "kind": {
                **STRING,
                "description": "Why it was sent: SignUp, ForgotPassword, AdminCreateUser, ResendCode, ... "
                "(default: the latest of any kind)",
            },
            "user_pool_id": STRING,
        },
        ["user_name"],
    ),
    {"user_name": "{{ answers.username }}", "kind": "ForgotPassword"},
)
def read_outbox(args: Any, ctx: ActionContext) -> Any:
    from engine.errors import StepFailed

    if ctx.outbox is None:
        raise StepFailed(
            "there is no local outbox on this target; read the code from the email instead", code="NoOutbox"
        )
    message = ctx.outbox.latest(
        username=args["user_name"], kind=args.get("kind"), user_pool_id=args.get("user_pool_id")
    )
    if message is None:
        raise StepFailed(f"no message for user '{args['user_name']}' in the local outbox", code="NoMessage")
    return {
        "code": message.code,
        "text": message.text,
        "subject": message.subject,
        "recipient": message.recipient,
        "medium": message.medium,
        "kind": message.kind,
    }


ACTIONS = [
    read_outbox,
    list_user_pools,
    sign_up,
    confirm_sign_up,
    resend_confirmation_code,
    sign_in,
    forgot_password,
    confirm_forgot_password,
    delete_user,
    admin_create_user,
    admin_set_user_password,
    admin_get_user,
    admin_delete_user,
]
