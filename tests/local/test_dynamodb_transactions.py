"""TransactWriteItems on the local DynamoDB (``engine.local.dynamodb_transactions``): all or nothing, with
DynamoDB's errors, undone item by item instead of from copies of whole tables. Real boto3 clients, in process
and over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from localaws import Env


def _table(env: Env, name: str, *, range_key: bool = False) -> Any:
    ddb = env.client("dynamodb")
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attributes.append({"AttributeName": "sk", "AttributeType": "S"})
    ddb.create_table(TableName=name, KeySchema=schema, AttributeDefinitions=attributes, BillingMode="PAY_PER_REQUEST")
    return ddb


def _items(ddb: Any, table: str) -> list[dict[str, Any]]:
    return sorted(ddb.scan(TableName=table)["Items"], key=lambda item: (item["pk"]["S"], item.get("sk", {}).get("S")))


def _refused(ddb: Any, *items: dict[str, Any]) -> dict[str, Any]:
    """The answer to a TransactWriteItems of ``items`` that must fail."""
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(TransactItems=list(items))
    return caught.value.response


def test_a_transaction_writes_every_item(aws: Env) -> None:
    ddb = _table(aws, "t")
    ddb.put_item(TableName="t", Item={"pk": {"S": "gone"}})
    ddb.put_item(TableName="t", Item={"pk": {"S": "counted"}, "n": {"N": "1"}})
    ddb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": "t",
                    "Item": {"pk": {"S": "new"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {"Delete": {"TableName": "t", "Key": {"pk": {"S": "gone"}}}},
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "counted"}},
                    "UpdateExpression": "SET n = n + :one",
                    "ConditionExpression": "n = :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ]
    )
    assert _items(ddb, "t") == [{"pk": {"S": "counted"}, "n": {"N": "2"}}, {"pk": {"S": "new"}}]


def test_a_cancelled_transaction_leaves_every_item_as_it_was(aws: Env) -> None:
    ddb = _table(aws, "t", range_key=True)
    before = [
        {"pk": {"S": "a"}, "sk": {"S": "1"}, "tags": {"L": [{"S": "x"}]}},
        {"pk": {"S": "b"}, "sk": {"S": "1"}},
    ]
    for item in before:
        ddb.put_item(TableName="t", Item=item)
    response = _refused(
        ddb,
        # Written, then undone: an update in place, a put over an item, a put of a new one, a delete.
        {
            "Update": {
                "TableName": "t",
                "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                "UpdateExpression": "SET tags = list_append(tags, :more)",
                "ExpressionAttributeValues": {":more": {"L": [{"S": "y"}]}},
            }
        },
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "c"}, "sk": {"S": "1"}}}},
        {"Delete": {"TableName": "t", "Key": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
        {
            "ConditionCheck": {
                "TableName": "t",
                "Key": {"pk": {"S": "a"}, "sk": {"S": "2"}},
                "ConditionExpression": "attribute_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    )
    error = response["Error"]
    assert error["Code"] == "TransactionCanceledException"
    assert "[None, None, None, ConditionalCheckFailed]" in error["Message"]
    assert _items(ddb, "t") == before


def test_the_reason_carries_the_item_when_asked_for(aws: Env) -> None:
    ddb = _table(aws, "t")
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "v": {"S": "old"}})
    response = _refused(
        ddb,
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}},
        {
            "Put": {
                "TableName": "t",
                "Item": {"pk": {"S": "a"}, "v": {"S": "new"}},
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    )
    reasons = response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Item"] == {"pk": {"S": "a"}, "v": {"S": "old"}}
    assert _items(ddb, "t") == [{"pk": {"S": "a"}, "v": {"S": "old"}}]


def test_two_operations_on_one_item_write_nothing(aws: Env) -> None:
    ddb = _table(aws, "t")
    response = _refused(
        ddb,
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "a"}}}},
        {"Delete": {"TableName": "t", "Key": {"pk": {"S": "a"}}}},
    )
    assert response["Error"]["Code"] == "ValidationException"
    assert "multiple operations on one item" in response["Error"]["Message"]
    assert _items(ddb, "t") == []


def test_a_failed_update_is_a_reason_and_the_rest_is_undone(aws: Env) -> None:
    ddb = _table(aws, "t")
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "s": {"S": "text"}})
    response = _refused(
        ddb,
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}},
        {  # adding a number to a string: refused when it is run, after the put was written
            "Update": {
                "TableName": "t",
                "Key": {"pk": {"S": "a"}},
                "UpdateExpression": "SET s = s + :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
    )
    assert response["Error"]["Code"] in ("TransactionCanceledException", "ValidationException")
    assert _items(ddb, "t") == [{"pk": {"S": "a"}, "s": {"S": "text"}}]


def test_a_condition_repeated_with_other_values_is_judged_by_its_own(aws: Env) -> None:
    """A condition's parse is kept per text, names and values: the same text with another value (another
    run's owner) is not judged by the first one's."""
    ddb = _table(aws, "owned")
    ddb.put_item(TableName="owned", Item={"pk": {"S": "lease"}, "owner": {"S": "run-a"}})

    def delete_as(owner: str) -> None:
        delete = {"TableName": "owned", "Key": {"pk": {"S": "lease"}}, "ConditionExpression": "#o = :me"}
        names, values = {"#o": "owner"}, {":me": {"S": owner}}
        delete |= {"ExpressionAttributeNames": names, "ExpressionAttributeValues": values}
        ddb.transact_write_items(TransactItems=[{"Delete": delete}])

    for _ in range(2):  # the second time from the kept parse
        with pytest.raises(ClientError) as caught:
            delete_as("run-b")
        assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
        assert _items(ddb, "owned") == [{"pk": {"S": "lease"}, "owner": {"S": "run-a"}}]
    delete_as("run-a")
    assert _items(ddb, "owned") == []
    ddb.put_item(TableName="owned", Item={"pk": {"S": "lease"}, "owner": {"S": "run-b"}})
    delete_as("run-b")  # the same text and names, the value of this one
    assert _items(ddb, "owned") == []
