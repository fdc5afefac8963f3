"""UserMigration trigger: migrate a user found in the known-users table, who must then reset the password.

Python port of the UserMigration handler in the AWS SDK for Go v2 Cognito example; it logs the same
lines. Unlike the Go handler it also answers ``UserMigration_ForgotPassword``, which Cognito sends when
a user who is not in the pool yet starts the forgot-password flow, so that flow works for an unmigrated
user too. Runs unchanged on AWS Lambda (python3.12) and on scenario-run's local backend.
"""

import os

import boto3

_dynamodb = None

# The trigger sources this handler migrates users for.
_MIGRATING_SOURCES = ("UserMigration_Authentication", "UserMigration_ForgotPassword")


def _client():
    """The DynamoDB client, created on first use so that importing the module needs no AWS setup."""
    global _dynamodb
    if _dynamodb is None:
        _dynamodb = boto3.client("dynamodb")
    return _dynamodb


def _log(message):
    # Lambda sends a function's standard output to its CloudWatch log stream.
    print(message, flush=True)


def _find_user(table_name, user_name):
    """The first item whose UserName is ``user_name``, or None.

    The table is keyed by email, so this is a filtered scan, as in the Go example; it follows the scan's
    pages so that a user beyond the first megabyte of the table is still found.
    """
    params = {
        "TableName": table_name,
        "FilterExpression": "#UserName = :name",
        "ExpressionAttributeNames": {"#UserName": "UserName"},
        "ExpressionAttributeValues": {":name": {"S": user_name}},
    }
    while True:
        output = _client().scan(**params)
        if output.get("Items"):
            return output["Items"][0]
        if "LastEvaluatedKey" not in output:
            return None
        params["ExclusiveStartKey"] = output["LastEvaluatedKey"]


def handler(event, context):
    """Fill in the migrated user's attributes, RESET_REQUIRED status and no welcome message."""
    user_name = event.get("userName") or ""
    _log(f"Received migrate trigger from {event.get('triggerSource')} for user '{user_name}'")
    if event.get("triggerSource") not in _MIGRATING_SOURCES:
        return event
    table_name = os.environ["TABLE_NAME"]
    _log(f"Looking up user '{user_name}' in table {table_name}.")
    try:
        item = _find_user(table_name, user_name)
    except Exception:
        _log(f"Error looking up user '{user_name}'.")
        raise
    if item is None:
        _log(f"User '{user_name}' not found, not migrating user.")
        return event

    fields = {}
    for name in ("UserName", "UserEmail"):
        value = item.get(name, {"S": ""})
        if "S" not in value:
            error = ValueError(f"{name} is not a string: {value}")
            _log(f"Couldn't unmarshal DynamoDB items. Here's why: {error}")
            raise error
        fields[name] = value["S"]
    _log(
        f"UserName '{fields['UserName']}' found with email {fields['UserEmail']}. "
        "User is migrated and must reset password."
    )
    response = event.setdefault("response", {})
    response["userAttributes"] = {
        "email": fields["UserEmail"],
        "email_verified": "true",  # email_verified is required for the forgot password flow.
    }
    response["finalUserStatus"] = "RESET_REQUIRED"
    response["messageAction"] = "SUPPRESS"
    return event
