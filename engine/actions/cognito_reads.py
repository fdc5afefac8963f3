"""Reading a user pool as an administrator: its settings, its users (with a filter), a group."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from engine.action import STRING, ActionContext, JsonValue, action, obj, plain, plain_dict

_USERS_EXAMPLE: dict[str, JsonValue] = {
    "users": [{"Username": "alice", "UserStatus": "CONFIRMED", "Enabled": True, "attributes": {"email": "a@x.io"}}],
    "names": ["alice"],
    "count": 1,
}


class UserPoolArgs(TypedDict):
    user_pool_id: str


@action(
    "describe_user_pool",
    "Read a user pool's settings (DescribeUserPool): result is the UserPool, e.g. result.LambdaConfig.",
    obj({"user_pool_id": STRING}, ["user_pool_id"]),
    {"user_pool_id": "{{ stack.UserPoolId }}"},
    operations=(("cognito-idp", "DescribeUserPool"),),
)
def describe_user_pool(args: UserPoolArgs, ctx: ActionContext) -> JsonValue:
    return plain(ctx.client("cognito-idp").describe_user_pool(UserPoolId=args["user_pool_id"])["UserPool"])


class ListUsersArgs(TypedDict):
    user_pool_id: str
    filter: NotRequired[str]
    attributes: NotRequired[list[str]]


class _UserView(TypedDict):
    """What list_users reads of a ListUsers user."""

    Username: str
    Attributes: NotRequired[list[dict[str, str]]]


@action(
    "list_users",
    "List a pool's users, every page (ListUsers), optionally filtered: result.users (each with its attributes "
    "as a mapping in .attributes), result.names and result.count.",
    obj(
        {
            "user_pool_id": STRING,
            "filter": {**STRING, "description": 'Cognito\'s filter syntax, e.g. email ^= "ann" or status = "Enabled".'},
            "attributes": {"type": "array", "items": STRING, "description": "Only these attributes (AttributesToGet)."},
        },
        ["user_pool_id"],
    ),
    {"user_pool_id": "{{ stack.UserPoolId }}", "filter": 'email = "alice@example.com"'},
    operations=(("cognito-idp", "ListUsers"),),
    result_example=_USERS_EXAMPLE,
)
def list_users(args: ListUsersArgs, ctx: ActionContext) -> JsonValue:
    params: dict[str, object] = {"UserPoolId": args["user_pool_id"]}
    if args.get("filter"):
        params["Filter"] = args["filter"]
    if "attributes" in args:
        params["AttributesToGet"] = list(args["attributes"])
    users: list[JsonValue] = []
    names: list[JsonValue] = []
    for page in ctx.client("cognito-idp").get_paginator("list_users").paginate(**params):
        found: list[_UserView] = page.get("Users", [])
        for user in found:
            entry = plain_dict(user)
            entry["attributes"] = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
            users.append(entry)
            names.append(user["Username"])
    return {"users": users, "names": names, "count": len(users)}


class GetGroupArgs(TypedDict):
    user_pool_id: str
    group_name: str


@action(
    "get_group",
    "Read a group (GetGroup): result.GroupName, result.Precedence, result.RoleArn, result.Description.",
    obj({"user_pool_id": STRING, "group_name": STRING}, ["user_pool_id", "group_name"]),
    {"user_pool_id": "{{ stack.UserPoolId }}", "group_name": "editors"},
    operations=(("cognito-idp", "GetGroup"),),
)
def get_group(args: GetGroupArgs, ctx: ActionContext) -> JsonValue:
    response = ctx.client("cognito-idp").get_group(UserPoolId=args["user_pool_id"], GroupName=args["group_name"])
    return plain(response["Group"])


ACTIONS = [describe_user_pool, list_users, get_group]
