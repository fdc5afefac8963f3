"""DynamoDB actions: the seed's known-users table helpers (populate, scan, add user)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from engine.actions.base import STRING, ActionContext, action, obj, plain

_SER = TypeSerializer()
_DES = TypeDeserializer()
SEED_USERS = [{"UserName": f"test_user_{i}", "UserEmail": f"test_email_{i}@example.com"} for i in range(1, 4)]
USER = obj({"UserName": STRING, "UserEmail": STRING}, ["UserName", "UserEmail"])


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _SER.serialize(v) for k, v in data.items()}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = plain({k: _DES.deserialize(v) for k, v in item.items()})
    return result


@dataclass
class _KeySchemas:
    """Per run: the key attribute names of each table used."""

    by_table: dict[str, list[str]] = field(default_factory=dict)


def _key_names(ctx: ActionContext, table: str) -> list[str]:
    cache = ctx.state(_KeySchemas).by_table
    if table not in cache:
        schema = ctx.client("dynamodb").describe_table(TableName=table)["Table"]["KeySchema"]
        cache[table] = [k["AttributeName"] for k in schema]
    return cache[table]


def put_items_undoably(ctx: ActionContext, table: str, items: list[dict[str, Any]]) -> None:
    """Put items; the undo deletes the ones that were new and puts back the ones replaced."""
    ddb = ctx.client("dynamodb")
    keys = _key_names(ctx, table)
    for data in items:
        item = to_item(data)
        key = {k: item[k] for k in keys}
        # ALL_OLD hands back the item this put replaced, so restoring it needs no extra read.
        previous = ddb.put_item(TableName=table, Item=item, ReturnValues="ALL_OLD").get("Attributes")
        label = ", ".join(f"{k}={data[k]}" for k in keys)
        if previous is None:
            ctx.undo.push(f"delete item {label} from table {table}", partial(ddb.delete_item, TableName=table, Key=key))
        else:
            ctx.undo.push(
                f"restore item {label} in table {table}",
                partial(ddb.put_item, TableName=table, Item=previous),
            )


@action(
    "populate_table",
    "Add users to the known-users table (default: the seed's test_user_1..3); removed at cleanup.",
    obj({"table": STRING, "users": {"type": ["array", "string"], "items": USER}}, ["table"]),
    {"table": "{{ stack.TableName }}"},
)
def populate_table(args: Any, ctx: ActionContext) -> Any:
    users = args.get("users") or SEED_USERS
    put_items_undoably(ctx, args["table"], users)
    return {"table": args["table"], "users": users}


@action(
    "scan_known_users",
    "Read every user in the known-users table (result.users, result.names).",
    obj({"table": STRING}, ["table"]),
    {"table": "{{ stack.TableName }}"},
)
def scan_known_users(args: Any, ctx: ActionContext) -> Any:
    users: list[dict[str, Any]] = []
    for page in ctx.client("dynamodb").get_paginator("scan").paginate(TableName=args["table"]):
        users.extend(from_item(item) for item in page["Items"])
    users.sort(key=lambda u: str(u.get("UserName", "")))
    return {"users": users, "names": [u.get("UserName") for u in users], "count": len(users)}


@action(
    "add_known_user",
    "Add one user to the known-users table; removed at cleanup.",
    obj({"table": STRING, "user_name": STRING, "user_email": STRING}, ["table", "user_name", "user_email"]),
    {"table": "{{ stack.TableName }}", "user_name": "{{ answers.username }}", "user_email": "{{ answers.email }}"},
)
def add_known_user(args: Any, ctx: ActionContext) -> Any:
    user = {"UserName": args["user_name"], "UserEmail": args["user_email"]}
    put_items_undoably(ctx, args["table"], [user])
    return user


@action(
    "get_item",
    "Read one item by key (result.item is null when absent).",
    obj({"table": STRING, "key": {"type": "object", "minProperties": 1}}, ["table", "key"]),
    {"table": "{{ stack.TableName }}", "key": {"UserEmail": "test_email_1@example.com"}},
)
def get_item(args: Any, ctx: ActionContext) -> Any:
    found = ctx.client("dynamodb").get_item(TableName=args["table"], Key=to_item(args["key"]), ConsistentRead=True)
    return {"item": from_item(found["Item"]) if "Item" in found else None}


ACTIONS = [populate_table, scan_known_users, add_known_user, get_item]
