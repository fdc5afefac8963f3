"""The lease table is made once per process and endpoint, and made again if it disappears."""

from __future__ import annotations

from botocore.client import BaseClient

from engine.cleanup import leases
from engine.cleanup.leases import Leases


def _take_and_release(client: BaseClient, owner: str) -> None:
    held = Leases(client, owner)
    held.hold("cognito:pool")
    held.release_all()


def test_a_second_run_does_not_make_the_table_again(dynamodb: tuple[BaseClient, list[str]]) -> None:
    client, calls = dynamodb
    _take_and_release(client, "run-1")
    assert calls.count("CreateTable") == 1
    calls.clear()
    _take_and_release(client, "run-2")
    assert "CreateTable" not in calls and "DescribeTable" not in calls
    assert calls.count("PutItem") == 1


def test_a_table_deleted_since_is_made_again(dynamodb: tuple[BaseClient, list[str]]) -> None:
    client, calls = dynamodb
    _take_and_release(client, "run-1")
    client.delete_table(TableName=leases.DEFAULT_TABLE)
    calls.clear()
    _take_and_release(client, "run-2")
    assert calls.count("CreateTable") == 1
    item = client.get_item(TableName=leases.DEFAULT_TABLE, Key={"LeaseKey": {"S": "cognito:pool"}})
    assert "Item" not in item  # taken, then released
