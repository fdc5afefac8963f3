"""DynamoDB actions: populate, scan, add, get; items put back as they were at cleanup."""

from __future__ import annotations

TABLE = """\
  - id: table
    aws_call:
      service: dynamodb
      operation: CreateTable
      params:
        TableName: known
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions: [{AttributeName: UserEmail, AttributeType: S}]
        KeySchema: [{AttributeName: UserEmail, KeyType: HASH}]
      undo: {operation: DeleteTable, params: {TableName: known}}
  - aws_call:
      service: dynamodb
      operation: PutItem
      params: {TableName: known, Item: {UserEmail: {S: test_email_1@example.com}, UserName: {S: before}}}
"""


def test_populate_scan_add_get_and_restore(scenario_run, write):
    steps = """\
  - populate_table: {table: known}
  - id: scan
    scan_known_users: {table: known}
    assert: result.names == ['test_user_1', 'test_user_2', 'test_user_3']
  - add_known_user: {table: known, user_name: zed, user_email: zed@example.com}
  - get_item: {table: known, key: {UserEmail: zed@example.com}}
    assert: result.item.UserName == 'zed'
  - get_item: {table: known, key: {UserEmail: nobody@example.com}}
    assert: result.item is none
cleanup:
  ask: false
  steps:
    - say: cleanup steps run before the undo
"""
    result = scenario_run(write("d.yaml", "name: d\nsteps:\n" + TABLE + steps))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "[undo] add_known_user (undo)  delete item UserEmail=zed@example.com from table known" in out
    assert "[undo] populate_table (undo)  restore item UserEmail=test_email_1@example.com in table known" in out
    assert "delete item UserEmail=test_email_2@example.com" in out
    assert "Do you want to remove" not in out
    assert out.index("cleanup steps run before the undo") < out.index("[undo] add_known_user")
