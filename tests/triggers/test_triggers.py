"""The Lambda trigger handlers in triggers/, each run against moto's DynamoDB with a real known-users
table and the events Cognito sends, loaded the way the Lambda Python runtime loads them (as top-level
modules from the code directory).

Everything is in this one module on purpose: a conftest.py here would shadow tests/conftest.py for
the suites that import from it.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

TRIGGERS_DIR = Path(__file__).resolve().parents[2] / "triggers"
REGION = "us-east-1"
TABLE = "known-users"
POOL_ID = f"{REGION}_EXAMPLE123"
CLIENT_ID = "3n4b5urk1ft4fl3mg5e62d9ado"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto, with the environment a Lambda function sees (region, credentials, TABLE_NAME)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "TABLE_NAME": TABLE,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


@pytest.fixture
def table(aws: None) -> Any:
    """The known-users table as the scenarios leave it: three users, as the Go example's PopulateTable."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "UserEmail", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "UserEmail", "KeyType": "HASH"}],
    )
    for i in range(1, 4):
        dynamodb.put_item(
            TableName=TABLE,
            Item={"UserName": {"S": f"test_user_{i}"}, "UserEmail": {"S": f"test_email_{i}@example.com"}},
        )
    return dynamodb


@pytest.fixture
def load_handler(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], ModuleType]:
    """Import ``triggers/<name>.py`` afresh as the top-level module ``name`` (its client cache empty)."""

    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, TRIGGERS_DIR / f"{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, name, module)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def table_name() -> str:
    return TABLE


@pytest.fixture
def cognito_event() -> Callable[..., dict[str, Any]]:
    """Builds a Cognito trigger event as Lambda receives it (the fields every trigger has)."""

    def build(trigger_source: str, user_name: str, request: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
        return {
            "version": "1",
            "region": REGION,
            "userPoolId": POOL_ID,
            "userName": user_name,
            "callerContext": {"awsSdkVersion": "aws-sdk-go-v2-1.30.0", "clientId": CLIENT_ID},
            "triggerSource": trigger_source,
            "request": request,
            "response": response,
        }

    return build


# --- PreSignUp: auto_confirm ----------------------------------------------------------------------


@pytest.fixture
def auto_confirm(load_handler: Any) -> Any:
    return load_handler("auto_confirm")


@pytest.fixture
def presignup(cognito_event: Any) -> Callable[..., dict[str, Any]]:
    def build(user_name: str, email: str, source: str = "PreSignUp_SignUp") -> dict[str, Any]:
        return cognito_event(
            source,
            user_name,
            {"userAttributes": {"email": email}, "validationData": None, "clientMetadata": {}},
            {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
        )

    return build


def test_auto_confirm_known_user_is_confirmed_and_verified(
    table: Any, table_name: str, auto_confirm: Any, presignup: Any, capsys: Any
) -> None:
    event = auto_confirm.handler(presignup("test_user_1", "test_email_1@example.com"), None)
    assert event["response"] == {"autoConfirmUser": True, "autoVerifyEmail": True, "autoVerifyPhone": False}
    assert capsys.readouterr().out.splitlines() == [
        "Received presignup from PreSignUp_SignUp for user 'test_user_1'",
        f"Looking up email test_email_1@example.com in table {table_name}.",
        "UserEmail test_email_1@example.com found with matching UserName test_user_1. User is confirmed.",
    ]


def test_auto_confirm_known_email_with_another_name_is_left_to_verification(
    table: Any,
    auto_confirm: Any,
    presignup: Any,
    capsys: Any,
) -> None:
    event = auto_confirm.handler(presignup("somebody_else", "test_email_2@example.com"), None)
    assert event["response"]["autoConfirmUser"] is False
    assert event["response"]["autoVerifyEmail"] is False
    assert (
        "UserEmail test_email_2@example.com found, but stored UserName 'test_user_2' does not match "
        "supplied UserName 'somebody_else'. Verification is required."
    ) in capsys.readouterr().out


def test_auto_confirm_unknown_email_is_left_to_verification(
    table: Any, auto_confirm: Any, presignup: Any, capsys: Any
) -> None:
    event = auto_confirm.handler(presignup("new_user", "new@example.com"), None)
    assert event["response"]["autoConfirmUser"] is False
    assert "Email new@example.com not found. Email verification is required." in capsys.readouterr().out


def test_auto_confirm_other_trigger_sources_are_returned_unchanged_without_a_lookup(
    aws: None,
    auto_confirm: Any,
    presignup: Any,
    capsys: Any,
) -> None:
    # No table exists here: a lookup would fail.
    event = presignup("test_user_1", "test_email_1@example.com", source="PreSignUp_AdminCreateUser")
    expected = presignup("test_user_1", "test_email_1@example.com", source="PreSignUp_AdminCreateUser")
    assert auto_confirm.handler(event, None) == expected
    assert capsys.readouterr().out == ("Received presignup from PreSignUp_AdminCreateUser for user 'test_user_1'\n")


def test_auto_confirm_lookup_error_is_logged_and_raised(
    aws: None, auto_confirm: Any, presignup: Any, capsys: Any
) -> None:
    # Raising fails the invocation, so Cognito refuses the sign-up, as with the Go handler's error.
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        auto_confirm.handler(presignup("test_user_1", "test_email_1@example.com"), None)
    assert "Error looking up email test_email_1@example.com." in capsys.readouterr().out


def test_auto_confirm_a_non_string_user_name_is_an_unmarshal_error(
    table: Any,
    table_name: str,
    auto_confirm: Any,
    presignup: Any,
    capsys: Any,
) -> None:
    table.put_item(TableName=table_name, Item={"UserEmail": {"S": "odd@example.com"}, "UserName": {"N": "7"}})
    with pytest.raises(ValueError, match="UserName is not a string"):
        auto_confirm.handler(presignup("7", "odd@example.com"), None)
    assert "Couldn't unmarshal DynamoDB item. Here's why:" in capsys.readouterr().out


def test_auto_confirm_the_client_is_created_lazily_and_reused(
    table: Any,
    auto_confirm: Any,
    presignup: Any,
) -> None:
    assert auto_confirm._dynamodb is None
    auto_confirm.handler(presignup("test_user_1", "test_email_1@example.com"), None)
    client = auto_confirm._dynamodb
    auto_confirm.handler(presignup("test_user_2", "test_email_2@example.com"), None)
    assert client is not None and auto_confirm._dynamodb is client


# --- UserMigration: migrate_user ------------------------------------------------------------------

EMPTY_RESPONSE = {
    "userAttributes": None,
    "finalUserStatus": None,
    "messageAction": None,
    "desiredDeliveryMediums": None,
    "forceAliasCreation": None,
    "enableSMSMFA": None,
}


@pytest.fixture
def migrate_user(load_handler: Any) -> Any:
    return load_handler("migrate_user")


@pytest.fixture
def migration(cognito_event: Any) -> Callable[..., dict[str, Any]]:
    def build(user_name: str, source: str = "UserMigration_Authentication") -> dict[str, Any]:
        request: dict[str, Any] = {"validationData": None, "clientMetadata": {}}
        if source == "UserMigration_Authentication":
            request["password"] = "Sup3r-S3cret!"  # sent only when migrating at sign-in
        return cognito_event(source, user_name, request, dict(EMPTY_RESPONSE))

    return build


@pytest.mark.parametrize("source", ["UserMigration_Authentication", "UserMigration_ForgotPassword"])
def test_migrate_user_known_user_is_migrated_and_must_reset_password(
    table: Any,
    table_name: str,
    migrate_user: Any,
    migration: Any,
    capsys: Any,
    source: str,
) -> None:
    event = migrate_user.handler(migration("test_user_3", source), None)
    assert event["response"]["userAttributes"] == {"email": "test_email_3@example.com", "email_verified": "true"}
    assert event["response"]["finalUserStatus"] == "RESET_REQUIRED"
    assert event["response"]["messageAction"] == "SUPPRESS"
    assert capsys.readouterr().out.splitlines() == [
        f"Received migrate trigger from {source} for user 'test_user_3'",
        f"Looking up user 'test_user_3' in table {table_name}.",
        "UserName 'test_user_3' found with email test_email_3@example.com. User is migrated and must reset password.",
    ]


def test_migrate_user_unknown_user_is_not_migrated(table: Any, migrate_user: Any, migration: Any, capsys: Any) -> None:
    event = migrate_user.handler(migration("nobody"), None)
    assert event["response"] == EMPTY_RESPONSE
    assert "User 'nobody' not found, not migrating user." in capsys.readouterr().out


def test_migrate_user_other_trigger_sources_are_returned_unchanged(
    aws: None,
    migrate_user: Any,
    migration: Any,
) -> None:
    event = migration("test_user_3", source="UserMigration_Other")
    assert migrate_user.handler(event, None) == migration("test_user_3", source="UserMigration_Other")


def test_migrate_user_the_scan_follows_pages(table: Any, table_name: str, migrate_user: Any, migration: Any) -> None:
    # One item per page: the user is found even though it is not on the first page.
    calls: list[dict[str, Any]] = []

    class OneItemPages:
        def scan(self, **params: Any) -> Any:
            calls.append(params)
            return table.scan(Limit=1, **params)

    migrate_user._dynamodb = OneItemPages()
    all_names = [item["UserName"]["S"] for item in table.scan(TableName=table_name)["Items"]]
    event = migrate_user.handler(migration(all_names[-1]), None)
    assert event["response"]["finalUserStatus"] == "RESET_REQUIRED"
    assert len(calls) == len(all_names)
    assert calls[0]["FilterExpression"] == "#UserName = :name"


def test_migrate_user_lookup_error_is_logged_and_raised(
    aws: None, migrate_user: Any, migration: Any, capsys: Any
) -> None:
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        migrate_user.handler(migration("test_user_1"), None)
    assert "Error looking up user 'test_user_1'." in capsys.readouterr().out


# --- PostAuthentication: activity_log -------------------------------------------------------------

# Go's time.UnixDate: "Mon Jan _2 15:04:05 MST 2006".
UNIX_DATE = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}$")


@pytest.fixture
def activity_log(load_handler: Any) -> Any:
    return load_handler("activity_log")


@pytest.fixture
def post_auth(cognito_event: Any) -> Callable[..., dict[str, Any]]:
    def build(user_name: str, email: str) -> dict[str, Any]:
        attributes = {
            "sub": "2f1e6c4a-0000-4000-8000-000000000001",
            "email_verified": "true",
            "cognito:user_status": "CONFIRMED",
            "email": email,
        }
        return cognito_event(
            "PostAuthentication_Authentication", user_name, {"userAttributes": attributes, "newDeviceUsed": False}, {}
        )

    return build


def test_activity_log_sign_in_is_logged_and_recorded(
    table: Any, table_name: str, activity_log: Any, post_auth: Any, cognito_event: Any, capsys: Any
) -> None:
    event = post_auth("test_user_1", "test_email_1@example.com")
    assert activity_log.handler(event, None) == post_auth("test_user_1", "test_email_1@example.com")

    item = table.get_item(TableName=table_name, Key={"UserEmail": {"S": "test_email_1@example.com"}})["Item"]
    login = item["LastLogin"]["M"]
    assert item["UserName"] == {"S": "test_user_1"}
    assert login["UserPoolId"] == {"S": event["userPoolId"]}
    assert login["ClientId"] == {"S": event["callerContext"]["clientId"]}
    assert UNIX_DATE.match(login["Time"]["S"]), login["Time"]["S"]

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "Received post authentication trigger from PostAuthentication_Authentication for user 'test_user_1'"
    )
    assert lines[1] == (
        'main.UserInfo{UserName:"test_user_1", UserEmail:"test_email_1@example.com", '
        f'LastLogin:main.LoginInfo{{UserPoolId:"{event["userPoolId"]}", '
        f'ClientId:"{event["callerContext"]["clientId"]}", Time:"{login["Time"]["S"]}"}}}}'
    )
    assert lines[2] == f"Wrote user info to DynamoDB table {table_name}."


def test_activity_log_write_errors_are_logged_not_raised(
    aws: None, activity_log: Any, post_auth: Any, capsys: Any
) -> None:
    event = post_auth("test_user_1", "test_email_1@example.com")
    assert activity_log.handler(event, None) == event  # no table: the write fails, the sign-in does not
    assert "Couldn't write to DynamoDB. Here's why:" in capsys.readouterr().out


def test_activity_log_unix_date_matches_go_layout(activity_log: Any) -> None:
    assert activity_log.unix_date(datetime(2006, 1, 2, 15, 4, 5, tzinfo=UTC)) == "Mon Jan  2 15:04:05 UTC 2006"
    assert activity_log.unix_date(datetime(2024, 11, 26, 9, 5, 0, tzinfo=UTC)) == "Tue Nov 26 09:05:00 UTC 2024"
    named = timezone(timedelta(hours=-7), "MST")
    assert activity_log.unix_date(datetime(2006, 1, 2, 8, 4, 5, tzinfo=named)) == "Mon Jan  2 08:04:05 MST 2006"
