"""``expect_gone``: the built-in "nothing left" check, for ``after_cleanup:`` and the end of a flow.

Each kind of thing is gone when AWS says so, whatever its container: a user whose pool is gone is
gone too, and so is an item whose table is gone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NotRequired, TypedDict

from botocore.exceptions import ClientError

from engine.action import STRING, ActionContext, JsonValue, Problem, action, obj
from engine.actions.dynamodb import to_item
from engine.aws.errors import error_code
from engine.errors import StepFailed

_GONE = {"UserNotFoundException", "ResourceNotFoundException"}


class _UserSpec(TypedDict):
    user_pool_id: str
    user_name: str


class _GroupSpec(TypedDict):
    user_pool_id: str
    group_name: str


class _ItemSpec(TypedDict):
    table: str
    key: Mapping[str, JsonValue]


class _TriggerSpec(TypedDict):
    user_pool_id: str
    trigger: str


class ExpectGoneArgs(TypedDict):
    user: NotRequired[_UserSpec]
    group: NotRequired[_GroupSpec]
    item: NotRequired[_ItemSpec]
    function: NotRequired[str]
    trigger: NotRequired[_TriggerSpec]
    log_group: NotRequired[str]


def _still_there(call: Callable[[], object]) -> bool:
    try:
        call()
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return False
        raise
    return True


def _user(ctx: ActionContext, spec: _UserSpec) -> str | None:
    idp = ctx.client("cognito-idp")
    there = _still_there(lambda: idp.admin_get_user(UserPoolId=spec["user_pool_id"], Username=spec["user_name"]))
    return f"user '{spec['user_name']}' is still in user pool {spec['user_pool_id']}" if there else None


def _group(ctx: ActionContext, spec: _GroupSpec) -> str | None:
    idp = ctx.client("cognito-idp")
    there = _still_there(lambda: idp.get_group(UserPoolId=spec["user_pool_id"], GroupName=spec["group_name"]))
    return f"group '{spec['group_name']}' is still in user pool {spec['user_pool_id']}" if there else None


def _item(ctx: ActionContext, spec: _ItemSpec) -> str | None:
    found: dict[str, object] = {}

    def get() -> None:
        found.update(ctx.client("dynamodb").get_item(TableName=spec["table"], Key=to_item(spec["key"])))

    if not _still_there(get) or "Item" not in found:
        return None
    key = ", ".join(f"{k}={v}" for k, v in spec["key"].items())
    return f"item {key} is still in table {spec['table']}"


def _function(ctx: ActionContext, name: str) -> str | None:
    there = _still_there(lambda: ctx.client("lambda").get_function(FunctionName=name))
    return f"Lambda function {name} still exists" if there else None


def _trigger(ctx: ActionContext, spec: _TriggerSpec) -> str | None:
    pool: dict[str, object] = {}

    def describe() -> None:
        pool.update(ctx.client("cognito-idp").describe_user_pool(UserPoolId=spec["user_pool_id"])["UserPool"])

    if (
        not _still_there(describe)
        or not isinstance(config := pool.get("LambdaConfig"), dict)
        or spec["trigger"] not in config
    ):
        return None
    return f"user pool {spec['user_pool_id']} still has a {spec['trigger']} trigger"


def _log_group(ctx: ActionContext, name: str) -> str | None:
    groups: list[dict[str, str]] = ctx.client("logs").describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
    return f"log group {name} still exists" if any(g.get("logGroupName") == name for g in groups) else None


_KINDS = ("user", "group", "item", "function", "trigger", "log_group")


def _left(ctx: ActionContext, args: ExpectGoneArgs) -> list[str]:
    """What is still there, in the order of ``_KINDS``."""
    found = [
        "user" in args and _user(ctx, args["user"]),
        "group" in args and _group(ctx, args["group"]),
        "item" in args and _item(ctx, args["item"]),
        "function" in args and _function(ctx, args["function"]),
        "trigger" in args and _trigger(ctx, args["trigger"]),
        "log_group" in args and _log_group(ctx, args["log_group"]),
    ]
    return [text for text in found if isinstance(text, str)]


def _check(args: JsonValue) -> list[Problem]:
    if isinstance(args, dict) and not any(kind in args for kind in _KINDS):
        return [([], f"expect_gone needs one of: {', '.join(_KINDS)}")]
    return []


@action(
    "expect_gone",
    "Fail unless each thing named is gone: a user, a group, a table item, a Lambda function, a pool's trigger "
    "or a log group (a user or item whose pool or table is gone is gone too). For after_cleanup: checks.",
    obj(
        {
            "user": obj({"user_pool_id": STRING, "user_name": STRING}, ["user_pool_id", "user_name"]),
            "group": obj({"user_pool_id": STRING, "group_name": STRING}, ["user_pool_id", "group_name"]),
            "item": obj({"table": STRING, "key": {"type": "object"}}, ["table", "key"]),
            "function": {**STRING, "description": "A Lambda function name or ARN."},
            "trigger": obj({"user_pool_id": STRING, "trigger": STRING}, ["user_pool_id", "trigger"]),
            "log_group": STRING,
        },
        [],
    ),
    {"user": {"user_pool_id": "{{ stack.UserPoolId }}", "user_name": "alice"}},
    operations=(
        ("cognito-idp", "AdminGetUser"),
        ("cognito-idp", "GetGroup"),
        ("cognito-idp", "DescribeUserPool"),
        ("dynamodb", "GetItem"),
        ("lambda", "GetFunction"),
        ("logs", "DescribeLogGroups"),
    ),
    check=_check,
)
def expect_gone(args: ExpectGoneArgs, ctx: ActionContext) -> JsonValue:
    left = _left(ctx, args)
    if left:
        raise StepFailed("; ".join(left), code="NotGone", hint="something the run made was not cleaned up")
    return {"gone": [kind for kind in _KINDS if kind in args]}


ACTIONS = [expect_gone]
