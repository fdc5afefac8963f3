"""UpdateExpressions on the local DynamoDB are parsed once per text (``cache_hooks``: moto-update-expressions):
each update still gets its own values and its own item, and an expression DynamoDB refuses is refused every
time. Real boto3 clients, in process and over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from localaws import Env

from engine.local import LocalAWS


def _table(env: Env, name: str) -> Any:
    ddb = env.client("dynamodb")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return ddb


def _item(ddb: Any, table: str, key: str) -> dict[str, Any]:
    return ddb.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item", {})


APPEND = "SET #log = list_append(if_not_exists(#log, :empty), :more), #n = if_not_exists(#n, :zero) + :one"


def _append(more: list[str], key: str) -> dict[str, Any]:
    return {
        "TableName": "t",
        "Key": {"pk": {"S": key}},
        "UpdateExpression": APPEND,
        "ExpressionAttributeNames": {"#log": "log", "#n": "n"},
        "ExpressionAttributeValues": {
            ":empty": {"L": []},
            ":more": {"L": [{"S": text} for text in more]},
            ":zero": {"N": "0"},
            ":one": {"N": "1"},
        },
    }


def test_one_expression_text_updates_each_item_with_its_own_values(aws: Env) -> None:
    """The same text again and again, by UpdateItem and within transactions, on a new item and on existing
    ones: were the kept parse changed by a use (the values put in it, the item's attributes resolved into it),
    a later update would write an earlier one's values."""
    ddb = _table(aws, "t")
    ddb.update_item(**_append(["a1"], "a"))
    ddb.update_item(**_append(["b1", "b2"], "b"))
    ddb.update_item(**_append(["a2"], "a"))
    ddb.transact_write_items(TransactItems=[{"Update": _append(["a3"], "a")}, {"Update": _append(["c1"], "c")}])
    ddb.transact_write_items(TransactItems=[{"Update": _append(["b3"], "b")}])

    def log(key: str) -> tuple[list[str], str]:
        item = _item(ddb, "t", key)
        return [entry["S"] for entry in item["log"]["L"]], item["n"]["N"]

    assert log("a") == (["a1", "a2", "a3"], "3")
    assert log("b") == (["b1", "b2", "b3"], "2")
    assert log("c") == (["c1"], "1")


def test_an_expression_dynamodb_refuses_is_refused_every_time(aws: Env) -> None:
    ddb = _table(aws, "t")
    bad = {
        "TableName": "t",
        "Key": {"pk": {"S": "a"}},
        "UpdateExpression": "SET #a = = :v",
        "ExpressionAttributeNames": {"#a": "a"},
        "ExpressionAttributeValues": {":v": {"S": "x"}},
    }
    errors = []
    for _ in range(2):
        with pytest.raises(ClientError) as caught:
            ddb.update_item(**bad)
        errors.append(caught.value.response["Error"])
    assert errors[0]["Code"] == "ValidationException"
    assert "Invalid UpdateExpression: Syntax error" in errors[0]["Message"]
    assert errors[1] == errors[0]
    assert _item(ddb, "t", "a") == {}
    ddb.update_item(**{**bad, "UpdateExpression": "SET #a = :v"})  # the same names and values, a valid text
    assert _item(ddb, "t", "a") == {"pk": {"S": "a"}, "a": {"S": "x"}}


def test_the_parse_is_kept_per_text() -> None:
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    with LocalAWS():
        make = UpdateExpressionParser.make
        assert getattr(make, "__scenario_hook__", None) == "moto-update-expressions"
        assert make("SET a = :v") is make("SET a = :v")
        assert make("SET a = :v") is not make("SET b = :v")
