"""How a failing trigger reaches the API caller, with Cognito's codes and messages, and that a
failed trigger changes nothing."""

from __future__ import annotations

import pytest
from localaws import Env, error_of

from engine.local.cognito import triggers


def test_a_raising_pre_sign_up_fails_sign_up_and_creates_no_user(aws: Env) -> None:
    # Cognito appends a period to the function's message, even when it already ends with one.
    pre = aws.trigger("pre", mode="raise", message="Email not allowed.")
    pool_id, client_id = aws.pool({"PreSignUp": pre})
    assert error_of(lambda: aws.sign_up(client_id, "mallory")) == (
        "UserLambdaValidationException",
        "PreSignUp failed with error Email not allowed..",
    )
    assert aws.idp.list_users(UserPoolId=pool_id)["Users"] == []
    assert aws.outbox.messages(user_pool_id=pool_id) == []


def test_trigger_message_is_the_function_error_message(local: Env) -> None:
    pre = local.trigger("pre", mode="raise", message="Email not allowed")
    _, client_id = local.pool({"PreSignUp": pre})
    assert error_of(lambda: local.sign_up(client_id, "mallory")) == (
        "UserLambdaValidationException",
        "PreSignUp failed with error Email not allowed.",
    )


def test_an_unreadable_answer_is_an_invalid_lambda_response(aws: Env) -> None:
    pre = aws.trigger("pre", mode="garbage")
    pool_id, client_id = aws.pool({"PreSignUp": pre})
    assert error_of(lambda: aws.sign_up(client_id, "nina")) == (
        "InvalidLambdaResponseException",
        "Unrecognizable lambda output",
    )
    assert aws.idp.list_users(UserPoolId=pool_id)["Users"] == []


@pytest.mark.parametrize(
    ("trigger", "response"),
    [
        ("PreSignUp", {"autoConfirmUser": "yes"}),
        ("UserMigration", {"userAttributes": ["email"]}),
        ("UserMigration", {"userAttributes": {"email": "x@example.com"}, "finalUserStatus": "ENABLED"}),
        ("CustomMessage", {"emailMessage": 42}),
    ],
)
def test_a_response_field_of_the_wrong_type_is_an_invalid_lambda_response(
    local: Env, trigger: str, response: dict[str, object]
) -> None:
    arn = local.trigger("fn", response=response)
    _, client_id = local.pool({trigger: arn})
    call = (
        (lambda: local.sign_in(client_id, "olga"))
        if trigger == "UserMigration"
        else (lambda: local.sign_up(client_id, "olga"))
    )
    assert error_of(call) == ("InvalidLambdaResponseException", "Unrecognizable lambda output")


def test_a_missing_function_is_an_unexpected_lambda_exception(aws: Env) -> None:
    pool_id, client_id = aws.pool({"PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:gone"})
    assert error_of(lambda: aws.sign_up(client_id, "pat")) == (
        "UnexpectedLambdaException",
        "PreSignUp invocation failed due to error ResourceNotFoundException.",
    )
    assert aws.idp.list_users(UserPoolId=pool_id)["Users"] == []


def test_a_function_that_cannot_run_here_is_an_unexpected_lambda_exception(local: Env) -> None:
    arn = local.function("java", {"Handler.java": "class Handler {}"}, handler="Handler::handle", runtime="java21")
    _, client_id = local.pool({"PreSignUp": arn})
    code, message = error_of(lambda: local.sign_up(client_id, "quinn"))
    assert code == "UnexpectedLambdaException"
    assert message.startswith("PreSignUp invocation failed due to error ") and "java21" in message


def test_a_timed_out_trigger_fails_with_the_lambda_timeout_message(local: Env) -> None:
    pre = local.trigger("pre", mode="sleep", seconds=3, timeout=1)
    _, client_id = local.pool({"PreSignUp": pre})
    code, message = error_of(lambda: local.sign_up(client_id, "rex"))
    assert code == "UserLambdaValidationException"
    assert message.startswith("PreSignUp failed with error ")
    assert message.endswith("Task timed out after 1.00 seconds.")


def test_cognito_stops_waiting_after_its_own_limit(local: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(triggers, "COGNITO_WAIT_SECONDS", 0.3)  # Cognito's is 5 s
    pre = local.trigger("pre", mode="sleep", seconds=2, timeout=10)
    _, client_id = local.pool({"PreSignUp": pre})
    assert error_of(lambda: local.sign_up(client_id, "sam")) == (
        "UnexpectedLambdaException",
        "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.",
    )


def test_a_failing_post_confirmation_leaves_the_user_unconfirmed(aws: Env) -> None:
    post = aws.trigger("post", mode="raise", message="CRM down")
    pool_id, client_id = aws.pool({"PostConfirmation": post})
    aws.sign_up(client_id, "tess")
    code = aws.outbox.latest(username="tess").code
    assert error_of(lambda: aws.idp.confirm_sign_up(ClientId=client_id, Username="tess", ConfirmationCode=code)) == (
        "UserLambdaValidationException",
        "PostConfirmation failed with error CRM down.",
    )
    assert aws.idp.admin_get_user(UserPoolId=pool_id, Username="tess")["UserStatus"] == "UNCONFIRMED"


def test_failing_authentication_triggers_block_the_sign_in(aws: Env) -> None:
    pre = aws.trigger("pre", mode="raise", message="Locked out")
    pool_id, client_id = aws.pool({"PreAuthentication": pre})
    aws.sign_up(client_id, "uma")
    aws.idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="uma")
    assert error_of(lambda: aws.sign_in(client_id, "uma")) == (
        "UserLambdaValidationException",
        "PreAuthentication failed with error Locked out.",
    )
    post = aws.trigger("post", mode="raise", message="Audit failed")
    aws.idp.update_user_pool(UserPoolId=pool_id, LambdaConfig={"PostAuthentication": post})
    assert error_of(lambda: aws.sign_in(client_id, "uma")) == (
        "UserLambdaValidationException",
        "PostAuthentication failed with error Audit failed.",
    )
    tokens = aws.trigger("tokens", mode="raise", message="No claims")
    aws.idp.update_user_pool(UserPoolId=pool_id, LambdaConfig={"PreTokenGeneration": tokens})
    assert error_of(lambda: aws.sign_in(client_id, "uma")) == (
        "UserLambdaValidationException",
        "PreTokenGeneration failed with error No claims.",
    )


def test_a_failing_migration_and_custom_message(aws: Env) -> None:
    migrate = aws.trigger("migrate", mode="raise", message="Bad password")
    custom = aws.trigger("custom", mode="raise", message="No template")
    pool_id, client_id = aws.pool({"UserMigration": migrate, "CustomMessage": custom})
    assert error_of(lambda: aws.sign_in(client_id, "vic")) == (
        "UserLambdaValidationException",
        "UserMigration failed with error Bad password.",
    )
    assert error_of(lambda: aws.sign_up(client_id, "wes")) == (
        "UserLambdaValidationException",
        "CustomMessage failed with error No template.",
    )
    assert aws.idp.list_users(UserPoolId=pool_id)["Users"] == []
    assert aws.outbox.messages(user_pool_id=pool_id) == []
