"""PreSignUp trigger: confirm a user whose email and user name are in the known-users table.

Python port of the PreSignUp handler in the AWS SDK for Go v2 Cognito example "user pools and Lambda
triggers"; it logs the same lines. Runs unchanged on AWS Lambda (python3.12) and on scenario-run's
local backend: it needs only boto3 and the ``TABLE_NAME`` environment variable.
"""

import os

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


def handler(event, context):
    """Set autoConfirmUser and autoVerifyEmail when the sign-up matches a known user."""
    user_name = event.get("userName") or ""
    _log(f"Received presignup from {event.get('triggerSource')} for user '{user_name}'")
    if event.get("triggerSource") != "PreSignUp_SignUp":
        # Other trigger sources, such as PreSignUp_AdminCreateUser, ignore the response from this handler.
        return event
    table_name = os.environ["TABLE_NAME"]
    email = ((event.get("request") or {}).get("userAttributes") or {}).get("email", "")
    _log(f"Looking up email {email} in table {table_name}.")
    try:
        output = _client().get_item(TableName=table_name, Key={"UserEmail": {"S": email}})
    except Exception:
        _log(f"Error looking up email {email}.")
        raise
    item = output.get("Item")
    if not item:
        _log(f"Email {email} not found. Email verification is required.")
        return event

    stored = item.get("UserName", {"S": ""})
    if "S" not in stored:
        error = ValueError(f"UserName is not a string: {stored}")
        _log(f"Couldn't unmarshal DynamoDB item. Here's why: {error}")
        raise error
    stored_name = stored["S"]
    if stored_name != user_name:
        _log(
            f"UserEmail {email} found, but stored UserName '{stored_name}' does not match supplied "
            f"UserName '{user_name}'. Verification is required."
        )
    else:
        _log(f"UserEmail {email} found with matching UserName {stored_name}. User is confirmed.")
        response = event.setdefault("response", {})
        response["autoConfirmUser"] = True
        response["autoVerifyEmail"] = True
    return event
