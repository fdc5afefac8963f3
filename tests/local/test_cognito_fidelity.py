"""Issue 12: where the local Cognito strayed from the AWS documentation, each pinned through boto3,
in-process and over HTTP (the ``aws`` fixture)."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from localaws import PASSWORD, Env, error_of


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def confirmed_user(aws: Env, pool_id: str, name: str, **attributes: str) -> None:
    attrs = [{"Name": k, "Value": v} for k, v in attributes.items()]
    aws.idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS", UserAttributes=attrs)
    aws.idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)


# 1. Pre token generation V2 --------------------------------------------------------------------


def test_token_generation_v2_keeps_json_claim_types_and_changes_scopes(aws: Env) -> None:
    fn = aws.trigger(
        "tokens",
        response={
            "claimsAndScopeOverrideDetails": {
                "idTokenGeneration": {
                    "claimsToAddOrOverride": {"roles": ["a", "b"], "profile": {"tier": 2}, "age": 42, "beta": True}
                },
                "accessTokenGeneration": {
                    "claimsToAddOrOverride": {"tenant": {"id": 7}},
                    "scopesToAdd": ["orders/read", "orders/write"],
                    "scopesToSuppress": ["aws.cognito.signin.user.admin"],
                },
            }
        },
    )
    pool_id, client_id = aws.pool({"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": fn}})
    confirmed_user(aws, pool_id, "vic")
    result = aws.sign_in(client_id, "vic")["AuthenticationResult"]
    id_claims, access_claims = claims(result["IdToken"]), claims(result["AccessToken"])
    assert (id_claims["roles"], id_claims["profile"], id_claims["age"], id_claims["beta"]) == (
        ["a", "b"],
        {"tier": 2},
        42,
        True,
    )
    assert access_claims["tenant"] == {"id": 7}
    assert access_claims["scope"] == "orders/read orders/write"


def test_token_generation_v1_still_makes_strings(aws: Env) -> None:
    fn = aws.trigger("tokens", response={"claimsOverrideDetails": {"claimsToAddOrOverride": {"n": 1}}})
    pool_id, client_id = aws.pool({"PreTokenGeneration": fn})
    confirmed_user(aws, pool_id, "vi1")
    assert claims(aws.sign_in(client_id, "vi1")["AuthenticationResult"]["IdToken"])["n"] == "1"


# 2. Custom messages without the placeholders ---------------------------------------------------


def test_a_custom_message_without_the_code_placeholder_is_not_sent(aws: Env) -> None:
    custom = aws.trigger("custom", response={"emailMessage": "Welcome!", "emailSubject": "Hi"})
    pool_id, client_id = aws.pool({"CustomMessage": custom})
    aws.sign_up(client_id, "wes")
    message = aws.outbox.latest(username="wes")
    assert message.text == f"Your verification code is {message.code}. "
    assert message.subject == "Your verification code"
    invite = aws.trigger("invite", response={"emailMessage": "Password {####}"})
    aws.idp.update_user_pool(
        UserPoolId=pool_id, AutoVerifiedAttributes=["email"], LambdaConfig={"CustomMessage": invite}
    )
    aws.idp.admin_create_user(
        UserPoolId=pool_id,
        Username="wil",
        UserAttributes=[{"Name": "email", "Value": "wil@example.com"}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    sent = aws.outbox.latest(username="wil")
    assert sent.text == f"Your username is wil and temporary password is {sent.code}. "


# 3. email_verified "false" ---------------------------------------------------------------------


def test_unverified_email_shows_email_verified_false(aws: Env) -> None:
    custom = aws.trigger("custom")
    _, client_id = aws.pool({"CustomMessage": custom})
    aws.sign_up(client_id, "xia")
    [event] = aws.events("custom")
    assert event["request"]["userAttributes"]["email_verified"] == "false"


# 4. RespondToAuthChallenge's ClientMetadata -----------------------------------------------------


def test_respond_to_auth_challenge_metadata_reaches_post_authentication_and_token_generation(aws: Env) -> None:
    post, tokens = aws.trigger("post"), aws.trigger("tokens")
    pool_id, client_id = aws.pool({"PostAuthentication": post, "PreTokenGeneration": tokens})
    aws.idp.admin_create_user(UserPoolId=pool_id, Username="yul", TemporaryPassword="Temp-Passw0rd1")
    challenge = aws.sign_in(client_id, "yul", "Temp-Passw0rd1", ClientMetadata={"at": "initiate"})
    aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "yul", "NEW_PASSWORD": PASSWORD},
        ClientMetadata={"at": "respond"},
    )
    assert aws.events("post")[0]["request"]["clientMetadata"] == {"at": "respond"}
    assert aws.events("tokens")[0]["request"]["clientMetadata"] == {"at": "respond"}


# 5. userNotFound ---------------------------------------------------------------------------------


def test_pre_authentication_user_not_found_when_existence_errors_are_prevented(aws: Env) -> None:
    pre = aws.trigger("pre")
    pool_id, client_id = aws.pool({"PreAuthentication": pre})
    aws.idp.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=client_id,
        PreventUserExistenceErrors="ENABLED",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )
    confirmed_user(aws, pool_id, "zed")
    aws.sign_in(client_id, "zed")
    assert error_of(lambda: aws.sign_in(client_id, "ghost")) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )
    known, unknown = aws.events("pre")
    assert known["request"]["userNotFound"] is False
    assert unknown["userName"] == "ghost" and unknown["request"]["userNotFound"] is True


# 6. Attribute verification, admin reset, custom auth, SMS MFA ---------------------------------------


def test_attribute_verification_codes(aws: Env) -> None:
    custom = aws.trigger("custom")
    pool_id, client_id = aws.pool({"CustomMessage": custom})
    confirmed_user(aws, pool_id, "amy", email="amy@example.com", email_verified="true")
    access = aws.sign_in(client_id, "amy")["AuthenticationResult"]["AccessToken"]
    updated = aws.idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": "amy@new.example.com"}]
    )
    assert updated["CodeDeliveryDetailsList"] == [
        {"Destination": "a***@n***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    ]
    user = {a["Name"]: a["Value"] for a in aws.idp.get_user(AccessToken=access)["UserAttributes"]}
    assert (user["email"], user["email_verified"]) == ("amy@new.example.com", "false")
    code = aws.outbox.latest(username="amy", kind="UpdateUserAttribute").code
    assert error_of(
        lambda: aws.idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code="x" + code)
    ) == ("CodeMismatchException", "Invalid verification code provided, please try again.")
    aws.idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    sent = aws.idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    assert sent["CodeDeliveryDetails"]["AttributeName"] == "email"
    again = aws.outbox.latest(username="amy", kind="VerifyUserAttribute")
    aws.idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=again.code)
    user = {a["Name"]: a["Value"] for a in aws.idp.get_user(AccessToken=access)["UserAttributes"]}
    assert user["email_verified"] == "true"
    sources = [e["triggerSource"] for e in aws.events("custom")]
    assert sources == ["CustomMessage_UpdateUserAttribute", "CustomMessage_VerifyUserAttribute"]


def test_admin_reset_user_password_sends_a_reset_code(aws: Env) -> None:
    custom = aws.trigger("custom")
    pool_id, client_id = aws.pool({"CustomMessage": custom})
    confirmed_user(aws, pool_id, "bo", email="bo@example.com", email_verified="true")
    aws.idp.admin_reset_user_password(UserPoolId=pool_id, Username="bo", ClientMetadata={"by": "admin"})
    assert aws.idp.admin_get_user(UserPoolId=pool_id, Username="bo")["UserStatus"] == "RESET_REQUIRED"
    [event] = aws.events("custom")
    assert event["triggerSource"] == "CustomMessage_ForgotPassword"
    assert event["request"]["clientMetadata"] == {"by": "admin"}
    code = aws.outbox.latest(username="bo", kind="ForgotPassword").code
    aws.idp.confirm_forgot_password(ClientId=client_id, Username="bo", ConfirmationCode=code, Password="N3w-Passw0rd")
    assert "AccessToken" in aws.sign_in(client_id, "bo", "N3w-Passw0rd")["AuthenticationResult"]


def test_custom_auth_can_fail_and_runs_for_unknown_users_when_existence_errors_are_prevented(aws: Env) -> None:
    define = aws.trigger("define", response={"failAuthentication": True})
    create = aws.trigger("create")
    pool_id, client_id = aws.pool({"DefineAuthChallenge": define, "CreateAuthChallenge": create})
    aws.idp.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=client_id,
        PreventUserExistenceErrors="ENABLED",
        ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH"],
    )

    def start(user: str) -> Any:
        return aws.idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": user})

    assert error_of(lambda: start("nobody")) == ("NotAuthorizedException", "Incorrect username or password.")
    [event] = aws.events("define")
    assert event["request"]["userNotFound"] is True and event["request"]["session"] == []


def test_sms_mfa_sign_in(aws: Env) -> None:
    pool_id, client_id = aws.pool()
    aws.idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SmsMfaConfiguration={"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"}},
        MfaConfiguration="ON",
    )
    confirmed_user(aws, pool_id, "cy", phone_number="+15550002222", phone_number_verified="true")
    aws.idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username="cy", SMSMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    challenge = aws.sign_in(client_id, "cy")
    assert challenge["ChallengeName"] == "SMS_MFA"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "+*******2222"
    sms = aws.outbox.latest(username="cy", kind="Authentication")
    assert sms.medium == "SMS" and sms.text == f"Your authentication code is {sms.code}. "
    result = aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="SMS_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "cy", "SMS_MFA_CODE": sms.code},
    )
    assert "IdToken" in result["AuthenticationResult"]


def test_an_operation_the_local_target_lacks_says_so(aws: Env) -> None:
    pool_id, _ = aws.pool()
    assert error_of(lambda: aws.idp.admin_list_user_auth_events(UserPoolId=pool_id, Username="x")) == (
        "UnsupportedOperationException",
        "AdminListUserAuthEvents is not supported by the local target; run with --target aws",
    )


# 7. Minor ------------------------------------------------------------------------------------------


def test_preferred_role_and_role_claims(aws: Env) -> None:
    tokens = aws.trigger("tokens")
    pool_id, client_id = aws.pool({"PreTokenGeneration": tokens})
    role = "arn:aws:iam::123456789012:role/"
    aws.idp.create_group(UserPoolId=pool_id, GroupName="low", RoleArn=role + "low", Precedence=5)
    aws.idp.create_group(UserPoolId=pool_id, GroupName="high", RoleArn=role + "high", Precedence=1)
    confirmed_user(aws, pool_id, "di")
    for group in ("low", "high"):
        aws.idp.admin_add_user_to_group(UserPoolId=pool_id, Username="di", GroupName=group)
    id_token = aws.sign_in(client_id, "di")["AuthenticationResult"]["IdToken"]
    [event] = aws.events("tokens")
    assert event["request"]["groupConfiguration"]["preferredRole"] == role + "high"
    assert claims(id_token)["cognito:preferred_role"] == role + "high"


def test_migration_returning_null_is_an_unknown_user(aws: Env) -> None:
    fn = aws.function("migrate", "def handler(event, context):\n    return None\n")
    _, client_id = aws.pool({"UserMigration": fn})
    assert error_of(lambda: aws.sign_in(client_id, "nul")) == ("UserNotFoundException", "User does not exist.")


FORCING_MIGRATION = """
def handler(event, context):
    event["response"].update(
        userAttributes={"email": "al@example.com", "email_verified": "true"},
        messageAction="SUPPRESS",
        forceAliasCreation=event["userName"] == "forced",
    )
    return event
"""


def test_force_alias_creation(aws: Env) -> None:
    migrate = aws.function("migrate", FORCING_MIGRATION)
    pool_id, client_id = aws.pool({"UserMigration": migrate}, AliasAttributes=["email"])
    confirmed_user(aws, pool_id, "owner", email="al@example.com", email_verified="true")
    assert error_of(lambda: aws.sign_in(client_id, "polite"))[0] == "AliasExistsException"
    aws.sign_in(client_id, "forced")
    owner = aws.idp.admin_get_user(UserPoolId=pool_id, Username="owner")["UserAttributes"]
    assert {"Name": "email_verified", "Value": "false"} in owner


def test_email_alias_in_events_and_email_in_the_id_token(aws: Env) -> None:
    post = aws.trigger("post")
    pool_id, client_id = aws.pool({"PostAuthentication": post}, AliasAttributes=["email"])
    confirmed_user(aws, pool_id, "eve", email="eve@example.com", email_verified="true")
    id_claims = claims(aws.sign_in(client_id, "eve")["AuthenticationResult"]["IdToken"])
    assert id_claims["email"] == "eve@example.com" and id_claims["email_verified"] is True
    [event] = aws.events("post")
    assert event["request"]["userAttributes"]["cognito:email_alias"] == "eve@example.com"


def test_pool_ids_look_like_cognito_ones(aws: Env) -> None:
    pool_id, _ = aws.pool()
    assert re.fullmatch(r"us-east-1_[A-Za-z0-9]{9}", pool_id)


def test_wrong_codes_and_passwords_are_limited(aws: Env) -> None:
    pool_id, client_id = aws.pool()
    aws.sign_up(client_id, "fox")
    for _ in range(5):
        assert (
            error_of(lambda: aws.idp.confirm_sign_up(ClientId=client_id, Username="fox", ConfirmationCode="badbad"))[0]
            == "CodeMismatchException"
        )
    code = aws.outbox.latest(username="fox").code
    assert error_of(lambda: aws.idp.confirm_sign_up(ClientId=client_id, Username="fox", ConfirmationCode=code)) == (
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
    )
    confirmed_user(aws, pool_id, "gil")
    for _ in range(5):
        assert error_of(lambda: aws.sign_in(client_id, "gil", "Wr0ng-pass"))[1] == "Incorrect username or password."
    assert error_of(lambda: aws.sign_in(client_id, "gil")) == ("NotAuthorizedException", "Password attempts exceeded")


def test_get_user_needs_the_admin_scope_and_an_enabled_user(aws: Env) -> None:
    fn = aws.trigger(
        "tokens",
        response={
            "claimsAndScopeOverrideDetails": {
                "accessTokenGeneration": {"scopesToSuppress": ["aws.cognito.signin.user.admin"]}
            }
        },
    )
    pool_id, client_id = aws.pool()
    confirmed_user(aws, pool_id, "gus")
    token = aws.sign_in(client_id, "gus")["AuthenticationResult"]["AccessToken"]
    assert aws.idp.get_user(AccessToken=token)["Username"] == "gus"
    aws.idp.admin_disable_user(UserPoolId=pool_id, Username="gus")
    assert error_of(lambda: aws.idp.get_user(AccessToken=token)) == ("NotAuthorizedException", "User is disabled.")
    aws.idp.admin_enable_user(UserPoolId=pool_id, Username="gus")
    aws.idp.update_user_pool(
        UserPoolId=pool_id, LambdaConfig={"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": fn}}
    )
    narrow = aws.sign_in(client_id, "gus")["AuthenticationResult"]["AccessToken"]
    refused = ("NotAuthorizedException", "Access Token does not have required scopes")
    assert error_of(lambda: aws.idp.get_user(AccessToken=narrow)) == refused
    new_name = [{"Name": "name", "Value": "Gus"}]
    assert error_of(lambda: aws.idp.update_user_attributes(AccessToken=narrow, UserAttributes=new_name)) == refused
    assert error_of(lambda: aws.idp.delete_user(AccessToken=narrow)) == refused
    assert aws.idp.admin_get_user(UserPoolId=pool_id, Username="gus")["Username"] == "gus"
