"""Local Cognito fidelity, round three: what flows written from the developer guide expected.

Each test runs in-process and over HTTP (the ``aws`` fixture) with plain boto3.
"""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError
from localaws import PASSWORD, Env

NAME_REQUIRED = [{"Name": "name", "AttributeDataType": "String", "Required": True, "Mutable": True}]


def _error(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_new_password_required_lists_and_takes_the_required_attributes(aws: Env) -> None:
    pool_id, client_id = aws.pool(Schema=NAME_REQUIRED)
    aws.idp.admin_create_user(
        UserPoolId=pool_id,
        Username="ann",
        TemporaryPassword="Temp-Passw0rd1",
        UserAttributes=[{"Name": "email", "Value": "ann@example.com"}],
    )
    challenge = aws.sign_in(client_id, "ann", "Temp-Passw0rd1")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert json.loads(challenge["ChallengeParameters"]["requiredAttributes"]) == ["userAttributes.name"]
    respond = aws.idp.respond_to_auth_challenge
    answers = {"USERNAME": "ann", "NEW_PASSWORD": PASSWORD}
    session = challenge["Session"]
    assert _error(
        respond, ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=session, ChallengeResponses=answers
    ) == ("InvalidParameterException", "Invalid attributes given, name is missing")
    assert (
        _error(
            respond,
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=session,
            ChallengeResponses={**answers, "userAttributes.name": "Ann", "userAttributes.nickname_x": "x"},
        )[0]
        == "InvalidParameterException"
    )
    done = respond(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=session,
        ChallengeResponses={**answers, "userAttributes.name": "Ann", "userAttributes.nickname": "annie"},
    )
    assert done["AuthenticationResult"]["AccessToken"]
    user = aws.idp.admin_get_user(UserPoolId=pool_id, Username="ann")
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["name"] == "Ann" and attributes["nickname"] == "annie"
    assert user["UserStatus"] == "CONFIRMED"


def test_a_pool_with_a_schema_still_has_every_standard_attribute(aws: Env) -> None:
    pool_id, _ = aws.pool(Schema=NAME_REQUIRED)
    schema = {a["Name"]: a for a in aws.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]}
    assert {"sub", "email", "phone_number", "name", "family_name"} <= set(schema)
    assert schema["name"]["Required"] is True and schema["email"]["Required"] is False


def test_user_names_ignore_case_when_the_pool_says_so(aws: Env) -> None:
    pool_id, client_id = aws.pool(UsernameAttributes=["email"], UsernameConfiguration={"CaseSensitive": False})
    aws.idp.sign_up(ClientId=client_id, Username="Ann@Example.com", Password=PASSWORD)
    aws.idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="ann@example.com")
    assert aws.sign_in(client_id, "ANN@EXAMPLE.COM", PASSWORD)["AuthenticationResult"]["AccessToken"]
    code, _ = _error(aws.idp.sign_up, ClientId=client_id, Username="ann@EXAMPLE.com", Password=PASSWORD)
    assert code == "UsernameExistsException"
    sensitive_pool, _ = aws.pool()
    aws.idp.admin_create_user(UserPoolId=sensitive_pool, Username="Bob")
    code, _ = _error(aws.idp.admin_get_user, UserPoolId=sensitive_pool, Username="bob")
    assert code == "UserNotFoundException"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda aws, pool_id, client_id: aws.idp.sign_up(ClientId=client_id, Username="u" * 129, Password=PASSWORD),
            "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length "
            "less than or equal to 128",
        ),
        (
            lambda aws, pool_id, client_id: aws.idp.admin_create_user(
                UserPoolId=pool_id, Username="ann", UserAttributes=[{"Name": "name", "Value": "x" * 2049}]
            ),
            "1 validation error detected: Value at 'userAttributes.1.member.value' failed to satisfy constraint: "
            "Member must have length less than or equal to 2048",
        ),
        (
            lambda aws, pool_id, client_id: aws.idp.list_users(UserPoolId=pool_id, Filter="email = " + "a" * 300),
            "at 'filter' failed to satisfy constraint: Member must have length less than or equal to 256",
        ),
        (
            lambda aws, pool_id, client_id: aws.idp.admin_create_user(
                UserPoolId=pool_id, Username="ann", UserAttributes=[{"Name": "custom:nope", "Value": "x"}]
            ),
            "Attributes did not conform to the schema: custom:nope: Attribute does not exist in the schema.",
        ),
        (
            lambda aws, pool_id, client_id: aws.idp.sign_up(
                ClientId=client_id,
                Username="ann",
                Password=PASSWORD,
                UserAttributes=[{"Name": f"attr{i}", "Value": "x"} for i in range(10_000)],
            ),
            "Attributes did not conform to the schema: attr0: Attribute does not exist in the schema.",
        ),
    ],
    ids=["user-name-length", "attribute-value-length", "filter-length", "unknown-attribute", "ten-thousand"],
)
def test_documented_limits_are_refused_as_aws_refuses_them(aws: Env, call, message) -> None:
    pool_id, client_id = aws.pool()
    code, text = _error(call, aws, pool_id, client_id)
    assert code == "InvalidParameterException"
    assert message in text
    assert aws.idp.list_users(UserPoolId=pool_id)["Users"] == []


def test_revoke_token_ends_one_session_and_leaves_the_other(aws: Env) -> None:
    pool_id, client_id = aws.pool()
    aws.idp.admin_create_user(UserPoolId=pool_id, Username="ann", MessageAction="SUPPRESS")
    aws.idp.admin_set_user_password(UserPoolId=pool_id, Username="ann", Password=PASSWORD, Permanent=True)
    first = aws.sign_in(client_id, "ann", PASSWORD)["AuthenticationResult"]
    second = aws.sign_in(client_id, "ann", PASSWORD)["AuthenticationResult"]
    aws.idp.revoke_token(ClientId=client_id, Token=first["RefreshToken"])
    assert _error(aws.idp.get_user, AccessToken=first["AccessToken"]) == (
        "NotAuthorizedException",
        "Access Token has been revoked",
    )
    assert _error(
        aws.idp.initiate_auth,
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]},
    ) == ("NotAuthorizedException", "Refresh Token has been revoked")
    assert aws.idp.get_user(AccessToken=second["AccessToken"])["Username"] == "ann"
    code, _ = _error(aws.idp.revoke_token, ClientId=client_id, Token=second["AccessToken"])
    assert code == "UnsupportedTokenTypeException"


def test_custom_message_for_an_email_user_name_carries_the_email_alias(aws: Env) -> None:
    custom = aws.trigger("custom")
    _, client_id = aws.pool({"CustomMessage": custom}, UsernameAttributes=["email"])
    aws.idp.sign_up(ClientId=client_id, Username="cy@example.com", Password=PASSWORD)
    [event] = aws.events("custom")
    attributes = event["request"]["userAttributes"]
    assert attributes["cognito:email_alias"] == "cy@example.com"
    assert attributes["email_verified"] == "false"


def test_the_id_token_email_is_the_attribute_whatever_case_signed_in_with(aws: Env) -> None:
    pool_id, client_id = aws.pool(UsernameAttributes=["email"], UsernameConfiguration={"CaseSensitive": False})
    aws.idp.sign_up(ClientId=client_id, Username="Ann@Example.com", Password=PASSWORD)
    aws.idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="ann@example.com")
    token = aws.sign_in(client_id, "ann@example.com", PASSWORD)["AuthenticationResult"]["IdToken"]
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["email"] == "Ann@Example.com"
