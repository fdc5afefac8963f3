"""TransactWriteItems on the local DynamoDB, all or nothing at the items it touches.

moto's ``DynamoDBBackend.transact_write_items`` keeps a deep copy of every table an item names, once per
item, to put back if the transaction is cancelled: a cost that grows with the table (a user table of ten
thousand items is copied whole for a one-item write), paid by every transaction, cancelled or not. This one
does what moto's does, check for check and error for error (``TransactionCanceledException`` with one
reason per item, ``ReturnValuesOnConditionCheckFailure``, two operations on one item, a hundred at most),
but keeps only what the transaction changes: each item as it was before it is written. A transaction that
is cancelled puts those back, in reverse order, so the tables are as before it began; one that is not costs
a few small copies. Unlike moto's, a transaction refused as malformed part way through (an item with two
operations) is undone too, as AWS refuses it before writing anything. A condition is parsed once per text,
names and values (``_condition``): moto parses it again for every item, and most transactions repeat a few
(a lease's ``attribute_not_exists(LeaseKey)``).

The caller holds the backend lock (``engine.local.locking``), so nothing comes between the items.
Installed by ``engine.local.hooks`` (``dynamodb-transactions``) when moto's DynamoDB is first imported.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)

if TYPE_CHECKING:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import Table

_OPERATIONS = frozenset({"ConditionCheck", "Put", "Delete", "Update"})


@dataclass
class _Before:
    """An item as it was before the transaction wrote it (``item`` None: there was none)."""

    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    item: Item | None

    def put_back(self) -> None:
        items: Any = self.table.items
        if self.range_key is not None:
            if self.item is None:
                items.get(self.hash_key, {}).pop(self.range_key, None)
            else:
                items[self.hash_key][self.range_key] = self.item
        elif self.item is None:
            items.pop(self.hash_key, None)
        else:
            items[self.hash_key] = self.item


def _condition(condition: str, names: dict[str, str] | None, values: dict[str, Any] | None) -> Any:
    """moto's parse of a ConditionExpression with its names and values (its operators only read the item they
    are given, so one parse serves every item that repeats them)."""
    try:
        key = json.dumps([names, values], sort_keys=True)
    except (TypeError, ValueError):  # not JSON's (values given from Python): parsed as moto does
        return get_filter_expression(condition, names, values)
    return _parsed_condition(condition, key)


@lru_cache(maxsize=512)
def _parsed_condition(condition: str, key: str) -> Any:
    names, values = json.loads(key)
    return get_filter_expression(condition, names, values)


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's TransactWriteItems, undone item by item when cancelled instead of from copies of whole tables."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    written: list[_Before] = []
    targets: set[tuple[str, str]] = set()
    errors: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []  # [(Code, Message, Item), ...]
    try:
        for entry in transact_items:
            if len(entry) > 1:
                raise TransactWriteSingleOpException
            original: dict[str, Any] | None = None
            try:
                op_type, op = next(iter(entry.items()))
                if op_type not in _OPERATIONS:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                table = self.get_table(table_name)
                if op_type == "Put":
                    attrs = op["Item"]
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                target = (str(table_name), str(dict(sorted(key.items()))))
                if target in targets:
                    raise MultipleTransactionsException()
                targets.add(target)

                hash_key, range_key = self.get_keys_value(table, key)
                current = table.get_item(hash_key, range_key)
                condition = op.get("ConditionExpression")
                names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                if condition is not None and not _condition(condition, names, values).expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original)
                if op_type != "ConditionCheck":
                    # An update changes the item in place: it is copied; a put or a delete leaves it as it was.
                    kept = copy.deepcopy(current) if op_type == "Update" and current is not None else current
                    written.append(_Before(table, hash_key, range_key, kept))
                # The condition held just now, and nothing else in the transaction touches the item: the
                # writes are not given it to evaluate again.
                if op_type == "Put":
                    self.put_item(table_name, op["Item"])
                elif op_type == "Delete":
                    self.delete_item(table_name, key)
                elif op_type == "Update":
                    self.update_item(
                        table_name,
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                raise
            except ConditionalCheckFailed as exc:
                errors.append(("ConditionalCheckFailed", str(exc.message), original))  # type: ignore[arg-type]
            except Exception as exc:  # moto reports any other failure as the item's reason
                errors.append((type(exc).__name__, str(exc), original))  # type: ignore[arg-type]
        if any(code is not None for code, _, _ in errors):
            raise TransactionCanceledException(errors)
    except BaseException:
        for before in reversed(written):
            before.put_back()
        raise
