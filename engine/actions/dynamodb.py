"""DynamoDB actions: the seed's known-users table helpers (populate, scan, add user)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict, cast

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from engine.action import STRING, ActionContext, JsonValue, action, obj, plain, plain_dict
from engine.aws.errors import error_code
from engine.cleanup.undo import UndoContext, undo_kind
from engine.errors import ActionArgumentError

_SER = TypeSerializer()
_DES = TypeDeserializer()
# An attribute value as DynamoDB's low-level API writes it: {"S": "text"}, {"N": "12"}, {"M": {...}}, ...
AttributeValue = Mapping[str, object]
Item = dict[str, AttributeValue]
USER = obj({"UserName": STRING, "UserEmail": STRING}, ["UserName", "UserEmail"])


class KnownUser(TypedDict):
    UserName: str
    UserEmail: str


SEED_USERS: list[KnownUser] = [
    {"UserName": f"test_user_{i}", "UserEmail": f"test_email_{i}@example.com"} for i in range(1, 4)
]


def to_item(data: Mapping[str, object]) -> Item:
    item: Item = {k: _SER.serialize(v) for k, v in data.items()}
    return item


def from_item(item: Mapping[str, AttributeValue]) -> dict[str, JsonValue]:
    return plain_dict({k: _DES.deserialize(v) for k, v in item.items()})


RESTORE_ITEM = "dynamodb.restore_item"
# Key attribute names per (endpoint, region, table): a table's key schema is fixed for its life.
_KEY_NAMES: dict[tuple[str | None, str, str], list[str]] = {}


class _KeyElement(TypedDict):
    AttributeName: str


def _key_names(ctx: ActionContext, table: str) -> list[str]:
    cache_key = (ctx.clients.endpoint_url, ctx.clients.region, table)
    if cache_key not in _KEY_NAMES:
        schema: list[_KeyElement] = ctx.client("dynamodb").describe_table(TableName=table)["Table"]["KeySchema"]
        _KEY_NAMES[cache_key] = [k["AttributeName"] for k in schema]
    return _KEY_NAMES[cache_key]


class _RestoreItem(TypedDict):
    table: str
    key: Item
    put: Item
    previous: NotRequired[Item | None]  # the item the put replaced, once the put is done


def put_items_undoably(ctx: ActionContext, table: str, items: Sequence[Mapping[str, object]]) -> None:
    """Put items; the undo deletes the ones that were new and puts back the ones replaced."""
    ddb = ctx.client("dynamodb")
    keys = _key_names(ctx, table)
    for data in items:
        item = to_item(data)
        key = {k: item[k] for k in keys}
        label = ", ".join(f"{k}={data[k]}" for k in keys)
        # Runs that put the same item take turns: an identical item put by another run is not ours to remove.
        # The lease goes in the same request as the intent when it is free.
        with ctx.undo.intent(
            RESTORE_ITEM,
            _RestoreItem(table=table, key=key, put=item),
            f"delete item {label} from table {table}",
            leases=[f"dynamodb:{table}:{json.dumps(key, sort_keys=True)}"],
        ) as entry:
            # ALL_OLD hands back the item this put replaced, so restoring it needs no extra read.
            previous: Item | None = ddb.put_item(TableName=table, Item=item, ReturnValues="ALL_OLD").get("Attributes")
            if previous is not None:
                entry.description = f"restore item {label} in table {table}"
            ctx.undo.resolve(entry, needed=True, params={"previous": previous})


@undo_kind(RESTORE_ITEM)
def _restore_item(context: UndoContext, params: Mapping[str, object], certain: bool, since: float) -> str | None:
    """Delete the item this run put (or put back the one it replaced), only while it is still this run's."""
    ddb = context.clients.client("dynamodb")
    recorded = cast(_RestoreItem, params)  # as put_items_undoably recorded it
    put = recorded["put"]
    condition: dict[str, object] = {}
    if context.shared or not certain:
        # Only while the item is still the one this run put: another run may have put its own since.
        condition = {
            "ConditionExpression": " AND ".join(f"#a{i} = :v{i}" for i in range(len(put))),
            "ExpressionAttributeNames": {f"#a{i}": name for i, name in enumerate(put)},
            "ExpressionAttributeValues": {f":v{i}": value for i, value in enumerate(put.values())},
        }
    previous = recorded.get("previous") if certain else None
    try:
        with context.last_call():
            if previous:
                ddb.put_item(TableName=recorded["table"], Item=previous, **condition)
            else:
                ddb.delete_item(TableName=recorded["table"], Key=recorded["key"], **condition)
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return "already gone or changed since by another run: kept"
        if error_code(exc) == "ResourceNotFoundException":
            return "the table is gone"
        raise
    return None


class PopulateTableArgs(TypedDict):
    table: str
    users: NotRequired[list[KnownUser] | str]


@action(
    "populate_table",
    "Add users to the known-users table (default: the seed's test_user_1..3); removed at cleanup.",
    obj({"table": STRING, "users": {"type": ["array", "string"], "items": USER}}, ["table"]),
    {"table": "{{ stack.TableName }}"},
)
def populate_table(args: PopulateTableArgs, ctx: ActionContext) -> JsonValue:
    users = args.get("users") or SEED_USERS
    if isinstance(users, str):  # the schema takes text for a template, which has to render to a list
        raise ActionArgumentError(
            f"users is the text {users!r}, not a list of users", step=ctx.step_id, hint="give a list of users"
        )
    put_items_undoably(ctx, args["table"], users)
    return {"table": args["table"], "users": plain(users)}


class TableArgs(TypedDict):
    table: str


@action(
    "scan_known_users",
    "Read every user in the known-users table (result.users, result.names).",
    obj({"table": STRING}, ["table"]),
    {"table": "{{ stack.TableName }}"},
)
def scan_known_users(args: TableArgs, ctx: ActionContext) -> JsonValue:
    users: list[dict[str, JsonValue]] = []
    for page in ctx.client("dynamodb").get_paginator("scan").paginate(TableName=args["table"]):
        users.extend(from_item(item) for item in page["Items"])
    users.sort(key=lambda u: str(u.get("UserName", "")))
    return {"users": users, "names": [u.get("UserName") for u in users], "count": len(users)}


class AddKnownUserArgs(TypedDict):
    table: str
    user_name: str
    user_email: str


@action(
    "add_known_user",
    "Add one user to the known-users table; removed at cleanup.",
    obj({"table": STRING, "user_name": STRING, "user_email": STRING}, ["table", "user_name", "user_email"]),
    {"table": "{{ stack.TableName }}", "user_name": "{{ answers.username }}", "user_email": "{{ answers.email }}"},
)
def add_known_user(args: AddKnownUserArgs, ctx: ActionContext) -> JsonValue:
    user: dict[str, JsonValue] = {"UserName": args["user_name"], "UserEmail": args["user_email"]}
    put_items_undoably(ctx, args["table"], [user])
    return user


class GetItemArgs(TypedDict):
    table: str
    key: Mapping[str, JsonValue]


class _GetItemView(TypedDict):
    Item: NotRequired[Item]


@action(
    "get_item",
    "Read one item by key (result.item is null when absent).",
    obj({"table": STRING, "key": {"type": "object", "minProperties": 1}}, ["table", "key"]),
    {"table": "{{ stack.TableName }}", "key": {"UserEmail": "test_email_1@example.com"}},
)
def get_item(args: GetItemArgs, ctx: ActionContext) -> JsonValue:
    found: _GetItemView = ctx.client("dynamodb").get_item(
        TableName=args["table"], Key=to_item(args["key"]), ConsistentRead=True
    )
    return {"item": from_item(found["Item"]) if "Item" in found else None}


ACTIONS = [populate_table, scan_known_users, add_known_user, get_item]
