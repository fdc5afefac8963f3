"""Amazon Cognito user-pool actions: the seed's CognitoActions, each undoable where it creates.

Users administered as an administrator (AdminCreateUser, AdminGetUser, ...) are in ``cognito_admin``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NotRequired, TypedDict

from engine.action import STRING, ActionContext, JsonSchema, JsonValue, action, obj, plain
from engine.actions import cognito_support as cs

ATTRS: JsonSchema = {
    "type": "object",
    "additionalProperties": {"type": "string"},
    "description": "User attributes by name, e.g. {email: a@example.com}",
}
META: JsonSchema = {"type": "object", "additionalProperties": {"type": "string"}}
POOL = {**STRING, "description": "User pool id; found from the client id when omitted (needed for cleanup)."}


def optional_params(args: Mapping[str, object], **mapping: str) -> dict[str, object]:
    """The API parameters (``mapping``: argument -> API name) of the optional arguments that are given."""
    return {api: args[key] for key, api in mapping.items() if args.get(key) is not None}


def idp_operations(*names: str) -> tuple[tuple[str, str], ...]:
    """``operations`` of a Cognito action: the user-pool API calls it makes."""
    return tuple(("cognito-idp", name) for name in names)


# Finding a client's pool and whether a user exists: calls most user actions make first.
LOOKUPS = idp_operations("ListUserPools", "ListUserPoolClients", "AdminGetUser")


class ListUserPoolsArgs(TypedDict):
    max_results: NotRequired[int]


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
def list_user_pools(args: ListUserPoolsArgs | None, ctx: ActionContext) -> JsonValue:
    paginator = ctx.client("cognito-idp").get_paginator("list_user_pools")
    pools: list[JsonValue] = []
    for page in paginator.paginate(MaxResults=(args or {}).get("max_results", 10)):
        pools.extend(plain(pool) for pool in page["UserPools"])
    return {"pools": pools, "count": len(pools)}


class SignUpArgs(TypedDict):
    client_id: str
    user_name: str
    password: str
    email: NotRequired[str]
    attributes: NotRequired[Mapping[str, str]]
    validation_data: NotRequired[Mapping[str, str]]
    client_metadata: NotRequired[Mapping[str, str]]
    user_pool_id: NotRequired[str]


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
    operations=idp_operations("SignUp") + LOOKUPS,
)
def sign_up(args: SignUpArgs, ctx: ActionContext) -> JsonValue:
    pool_id = cs.pool_for_client(ctx, args["client_id"], args.get("user_pool_id"))
    params: dict[str, object] = {
        "ClientId": args["client_id"],
        "Username": args["user_name"],
        "Password": args["password"],
        "UserAttributes": cs.user_attributes(args.get("attributes"), args.get("email")),
    }
    validation_data = args.get("validation_data")
    if validation_data:
        params["ValidationData"] = [{"Name": k, "Value": v} for k, v in validation_data.items()]
    params |= optional_params(args, client_metadata="ClientMetadata")
    with cs.creating_user(ctx, pool_id, args["user_name"]):
        return plain(ctx.client("cognito-idp").sign_up(**params))


class ConfirmSignUpArgs(TypedDict):
    client_id: str
    user_name: str
    code: str
    client_metadata: NotRequired[Mapping[str, str]]


@action(
    "confirm_sign_up",
    "Confirm a signed-up user with the code that was sent (ConfirmSignUp).",
    obj(
        {"client_id": STRING, "user_name": STRING, "code": STRING, "client_metadata": META},
        ["client_id", "user_name", "code"],
    ),
    {"client_id": "{{ stack.UserPoolClientId }}", "user_name": "alice", "code": "{{ answers.code }}"},
    operations=idp_operations("ConfirmSignUp") + LOOKUPS,
)
def confirm_sign_up(args: ConfirmSignUpArgs, ctx: ActionContext) -> JsonValue:
    return plain(
        ctx.client("cognito-idp").confirm_sign_up(
            ClientId=args["client_id"],
            Username=args["user_name"],
            ConfirmationCode=str(args["code"]),
            **optional_params(args, client_metadata="ClientMetadata"),
        )
    )


class ClientUserArgs(TypedDict):
    client_id: str
    user_name: str


@action(
    "resend_confirmation_code",
    "Send the sign-up confirmation code again.",
    obj({"client_id": STRING, "user_name": STRING}, ["client_id", "user_name"]),
    {"client_id": "{{ stack.UserPoolClientId }}", "user_name": "alice"},
    operations=idp_operations("ResendConfirmationCode") + LOOKUPS,
)
def resend_confirmation_code(args: ClientUserArgs, ctx: ActionContext) -> JsonValue:
    return plain(
        ctx.client("cognito-idp").resend_confirmation_code(ClientId=args["client_id"], Username=args["user_name"])
    )


class SignInArgs(TypedDict):
    client_id: str
    user_name: str
    password: str
    client_metadata: NotRequired[Mapping[str, str]]
    user_pool_id: NotRequired[str]


@action(
    "sign_in",
    "Sign in with USER_PASSWORD_AUTH (InitiateAuth). A user migrated by the sign-in is deleted at cleanup.",
    obj(
        {"client_id": STRING, "user_name": STRING, "password": STRING, "client_metadata": META, "user_pool_id": POOL},
        ["client_id", "user_name", "password"],
    ),
    {"client_id": "{{ stack.UserPoolClientId }}", "user_name": "alice", "password": "{{ answers.password }}"},
    operations=idp_operations("InitiateAuth") + LOOKUPS,
)
def sign_in(args: SignInArgs, ctx: ActionContext) -> JsonValue:
    pool_id = cs.pool_for_client(ctx, args["client_id"], args.get("user_pool_id"))
    with cs.maybe_creating_user(ctx, pool_id, args["user_name"]):
        response = ctx.client("cognito-idp").initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=args["client_id"],
            AuthParameters={"USERNAME": args["user_name"], "PASSWORD": args["password"]},
            **optional_params(args, client_metadata="ClientMetadata"),
        )
    # Flatten the tokens so a scenario can write result.AccessToken.
    return cs.flatten_tokens(response)


class ForgotPasswordArgs(TypedDict):
    client_id: str
    user_name: str
    client_metadata: NotRequired[Mapping[str, str]]
    user_pool_id: NotRequired[str]


@action(
    "forgot_password",
    "Start the forgot-password flow; a code is sent (ForgotPassword). A user migrated by it is deleted at cleanup.",
    obj(
        {"client_id": STRING, "user_name": STRING, "client_metadata": META, "user_pool_id": POOL},
        ["client_id", "user_name"],
    ),
    {"client_id": "{{ stack.UserPoolClientId }}", "user_name": "alice"},
    operations=idp_operations("ForgotPassword") + LOOKUPS,
)
def forgot_password(args: ForgotPasswordArgs, ctx: ActionContext) -> JsonValue:
    pool_id = cs.pool_for_client(ctx, args["client_id"], args.get("user_pool_id"))
    with cs.maybe_creating_user(ctx, pool_id, args["user_name"]):
        return plain(
            ctx.client("cognito-idp").forgot_password(
                ClientId=args["client_id"],
                Username=args["user_name"],
                **optional_params(args, client_metadata="ClientMetadata"),
            )
        )


class ConfirmForgotPasswordArgs(TypedDict):
    client_id: str
    user_name: str
    code: str
    password: str
    client_metadata: NotRequired[Mapping[str, str]]


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
    operations=idp_operations("ConfirmForgotPassword") + LOOKUPS,
)
def confirm_forgot_password(args: ConfirmForgotPasswordArgs, ctx: ActionContext) -> JsonValue:
    return plain(
        ctx.client("cognito-idp").confirm_forgot_password(
            ClientId=args["client_id"],
            Username=args["user_name"],
            ConfirmationCode=str(args["code"]),
            Password=args["password"],
            **optional_params(args, client_metadata="ClientMetadata"),
        )
    )


class AccessTokenArgs(TypedDict):
    access_token: str


@action(
    "delete_user",
    "Delete the signed-in user with their access token (DeleteUser).",
    obj({"access_token": STRING}, ["access_token"]),
    {"access_token": "{{ steps.sign_in.result.AccessToken }}"},
    operations=idp_operations("DeleteUser") + LOOKUPS,
)
def delete_user(args: AccessTokenArgs, ctx: ActionContext) -> JsonValue:
    result = plain(ctx.client("cognito-idp").delete_user(AccessToken=args["access_token"]))
    owner = cs.token_user(args["access_token"])
    if owner is not None:
        cs.user_deleted(ctx, *owner)
    return result


class ReadOutboxArgs(TypedDict):
    user_name: str
    kind: NotRequired[str]
    user_pool_id: NotRequired[str]


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
def read_outbox(args: ReadOutboxArgs, ctx: ActionContext) -> JsonValue:
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
]
