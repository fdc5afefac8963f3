"""PostAuthentication trigger: log each sign-in and record it as the user's LastLogin in the table.

Python port of the PostAuthentication handler in the AWS SDK for Go v2 Cognito example; it logs the
same lines, and the user record it prints mirrors Go's ``%#v`` of the example's UserInfo struct. A
failed write is logged, not raised, so a sign-in never fails because of it. Runs unchanged on AWS
Lambda (python3.12) and on scenario-run's local backend.
"""

import json
import os
from datetime import UTC, datetime

import boto3

_dynamodb = None


def _client():
    """The DynamoDB client, created on first use so that importing the module needs no AWS setup."""
    global _dynamodb
    if _dynamodb is None:
        _dynamodb = boto3.client("dynamodb")
    return _dynamodb


def _log(message):
    # Lambda sends a function's standard output to its CloudWatch log stream.
    print(message, flush=True)


def unix_date(moment):
    """``moment`` in Go's time.UnixDate layout, "Mon Jan _2 15:04:05 MST 2006" (day padded with a space)."""
    zone = moment.tzname() or "UTC"
    return f"{moment:%a %b} {moment.day:2d} {moment:%H:%M:%S} {zone} {moment:%Y}"


def _go_repr(user):
    # json.dumps quotes strings the way Go's %#v does for printable text.
    q = json.dumps
    login = user["LastLogin"]
    return (
        f"main.UserInfo{{UserName:{q(user['UserName'])}, UserEmail:{q(user['UserEmail'])}, "
        f"LastLogin:main.LoginInfo{{UserPoolId:{q(login['UserPoolId'])}, "
        f"ClientId:{q(login['ClientId'])}, Time:{q(login['Time'])}}}}}"
    )


def handler(event, context):
    """Print the user's sign-in and put it in the table; returns the event unchanged."""
    _log(f"Received post authentication trigger from {event.get('triggerSource')} for user '{event.get('userName')}'")
    table_name = os.environ["TABLE_NAME"]
    user = {
        "UserName": event.get("userName") or "",
        "UserEmail": ((event.get("request") or {}).get("userAttributes") or {}).get("email", ""),
        "LastLogin": {
            "UserPoolId": event.get("userPoolId") or "",
            "ClientId": (event.get("callerContext") or {}).get("clientId") or "",
            "Time": unix_date(datetime.now(UTC)),
        },
    }
    # Write to CloudWatch Logs.
    _log(_go_repr(user))

    # Also write to an external system. This example uses DynamoDB to demonstrate.
    item = {
        "UserName": {"S": user["UserName"]},
        "UserEmail": {"S": user["UserEmail"]},
        "LastLogin": {"M": {key: {"S": value} for key, value in user["LastLogin"].items()}},
    }
    try:
        _client().put_item(TableName=table_name, Item=item)
    except Exception as error:
        _log(f"Couldn't write to DynamoDB. Here's why: {error}")
    else:
        _log(f"Wrote user info to DynamoDB table {table_name}.")
    return event
