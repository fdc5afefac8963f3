"""Reading a user pool as an administrator: its settings, its users (with a filter), a group."""

from __future__ import annotations

from typing import Any

from engine.action import STRING, ActionContext, action, obj, plain

_USERS_EXAMPLE = {
    "users": [{"Username": "alice", "UserStatus": "CONFIRMED", "Enabled": True, "attributes": {"email": "a@x.io"}}],
    "names": ["alice"],
    "count": 1,
}


@action(
    "describe_user_pool",
    "Read a user pool's settings (DescribeUserPool): result is the UserPool, e.g. result.LambdaConfig.",
    obj({"user_pool_id": STRING}, ["user_pool_id"]),
    {"user_pool_id": "{{ stack.UserPoolId }}"},
    operations=(("cognito-idp", "DescribeUserPool"),),
)
def describe_user_pool(args: Any, ctx: ActionContext) -> Any:
    return plain(ctx.client("cognito-idp").describe_user_pool(UserPoolId=args["user_pool_id"])["UserPool"])


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
def list_users(args: Any, ctx: ActionContext) -> Any:
    params: dict[str, Any] = {"UserPoolId": args["user_pool_id"]}
    if args.get("filter"):
        params["Filter"] = args["filter"]
    if args.get("attributes") is not None:
        params["AttributesToGet"] = list(args["attributes"])
    users = []
    for page in ctx.client("cognito-idp").get_paginator("list_users").paginate(**params):
        for user in plain(page).get("Users", []):
            user["attributes"] = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
            users.append(user)
    return {"users": users, "names": [u["Username"] for u in users], "count": len(users)}


@action(
    "get_group",
    "Read a group (GetGroup): result.GroupName, result.Precedence, result.RoleArn, result.Description.",
    obj({"user_pool_id": STRING, "group_name": STRING}, ["user_pool_id", "group_name"]),
    {"user_pool_id": "{{ stack.UserPoolId }}", "group_name": "editors"},
    operations=(("cognito-idp", "GetGroup"),),
)
def get_group(args: Any, ctx: ActionContext) -> Any:
    response = ctx.client("cognito-idp").get_group(UserPoolId=args["user_pool_id"], GroupName=args["group_name"])
    return plain(response["Group"])


ACTIONS = [describe_user_pool, list_users, get_group]
