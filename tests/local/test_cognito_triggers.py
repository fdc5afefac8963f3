"""Each Cognito trigger source fires with Cognito's event and its response takes effect,
in-process and over HTTP (the ``aws`` fixture runs every test both ways)."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
from localaws import PASSWORD, Env, error_of

SDK_VERSION = f"aws-sdk-python-{boto3.__version__}"  # from the caller's User-Agent (Boto3/<version>)


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def common(event: dict[str, Any], source: str, pool_id: str, username: str, client_id: str) -> None:
    assert event["version"] == "1"
    assert event["triggerSource"] == source
    assert event["region"] == "us-east-1"
    assert event["userPoolId"] == pool_id
    assert event["userName"] == username
    assert event["callerContext"] == {"awsSdkVersion": SDK_VERSION, "clientId": client_id}


def test_pre_sign_up_auto_confirm_and_verify_then_post_confirmation(aws: Env) -> None:
    pre = aws.trigger("pre", response={"autoConfirmUser": True, "autoVerifyEmail": True})
    post = aws.trigger("post")
    pool_id, client_id = aws.pool({"PreSignUp": pre, "PostConfirmation": post})
    result = aws.sign_up(
        client_id, "alice", ValidationData=[{"Name": "invite", "Value": "yes"}], ClientMetadata={"source": "test"}
    )
    assert result["UserConfirmed"] is True and "CodeDeliveryDetails" not in result
    [event] = aws.events("pre")
    common(event, "PreSignUp_SignUp", pool_id, "alice", client_id)
    assert event["request"] == {
        "userAttributes": {"email": "alice@example.com"},
        "validationData": {"invite": "yes"},
        "clientMetadata": {"source": "test"},
    }
    assert event["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}
    [confirmed] = aws.events("post")
    common(confirmed, "PostConfirmation_ConfirmSignUp", pool_id, "alice", client_id)
    assert confirmed["request"]["userAttributes"] == {
        "sub": result["UserSub"],
        "email": "alice@example.com",
        "email_verified": "true",
        "cognito:user_status": "CONFIRMED",
    }
    assert confirmed["request"]["clientMetadata"] == {"source": "test"}
    assert confirmed["response"] == {}
    user = aws.idp.admin_get_user(UserPoolId=pool_id, Username="alice")
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    assert aws.outbox.messages(user_pool_id=pool_id) == []
    assert "AccessToken" in aws.sign_in(client_id, "alice")["AuthenticationResult"]


def test_sign_up_without_auto_confirm_sends_a_code_and_confirm_fires_post_confirmation(aws: Env) -> None:
    pre, post = aws.trigger("pre"), aws.trigger("post")
    pool_id, client_id = aws.pool({"PreSignUp": pre, "PostConfirmation": post})
    result = aws.sign_up(client_id, "bob", email="bob@example.com")
    assert result["UserConfirmed"] is False
    assert result["CodeDeliveryDetails"] == {
        "Destination": "b***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    message = aws.outbox.latest(username="bob", kind="SignUp")
    assert message.recipient == "bob@example.com" and len(message.code) == 6 and message.code.isdigit()
    assert message.text == f"Your verification code is {message.code}. "
    assert aws.events("post") == []
    aws.idp.confirm_sign_up(
        ClientId=client_id, Username="bob", ConfirmationCode=message.code, ClientMetadata={"k": "v"}
    )
    [event] = aws.events("post")
    common(event, "PostConfirmation_ConfirmSignUp", pool_id, "bob", client_id)
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert event["request"]["userAttributes"]["email_verified"] == "true"
    assert event["request"]["clientMetadata"] == {"k": "v"}


def test_admin_confirm_sign_up_fires_post_confirmation(aws: Env) -> None:
    post = aws.trigger("post")
    pool_id, client_id = aws.pool({"PostConfirmation": post})
    aws.sign_up(client_id, "carol")
    aws.idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="carol")
    [event] = aws.events("post")
    common(event, "PostConfirmation_ConfirmSignUp", pool_id, "carol", "CLIENT_ID_NOT_APPLICABLE")
    assert aws.idp.admin_get_user(UserPoolId=pool_id, Username="carol")["UserStatus"] == "CONFIRMED"


def test_pre_sign_up_admin_create_user_ignores_auto_flags(aws: Env) -> None:
    pre = aws.trigger("pre", response={"autoConfirmUser": True, "autoVerifyEmail": True})
    pool_id, client_id = aws.pool({"PreSignUp": pre})
    user = aws.idp.admin_create_user(
        UserPoolId=pool_id,
        Username="dave",
        UserAttributes=[{"Name": "email", "Value": "dave@example.com"}],
        ValidationData=[{"Name": "v", "Value": "1"}],
        DesiredDeliveryMediums=["EMAIL"],
    )["User"]
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert {"Name": "email_verified", "Value": "true"} not in user["Attributes"]
    [event] = aws.events("pre")
    common(event, "PreSignUp_AdminCreateUser", pool_id, "dave", "CLIENT_ID_NOT_APPLICABLE")
    assert event["request"] == {"userAttributes": {"email": "dave@example.com"}, "validationData": {"v": "1"}}
    invite = aws.outbox.latest(username="dave", kind="AdminCreateUser")
    assert invite.recipient == "dave@example.com"
    assert invite.text == f"Your username is dave and temporary password is {invite.code}. "
    challenge = aws.sign_in(client_id, "dave", invite.code)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    tokens = aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "dave", "NEW_PASSWORD": "N3w-Passw0rd"},
    )
    assert "IdToken" in tokens["AuthenticationResult"]


def test_user_migration_on_sign_in_creates_a_confirmed_user(aws: Env) -> None:
    migrate = aws.trigger(
        "migrate",
        response={
            "userAttributes": {"email": "erin@example.com", "email_verified": "true"},
            "messageAction": "SUPPRESS",
        },
    )
    pool_id, client_id = aws.pool({"UserMigration": migrate})
    tokens = aws.sign_in(client_id, "erin", "0ld-Passw0rd", ClientMetadata={"app": "web"})
    assert claims(tokens["AuthenticationResult"]["IdToken"])["cognito:username"] == "erin"
    [event] = aws.events("migrate")
    common(event, "UserMigration_Authentication", pool_id, "erin", client_id)
    assert event["request"] == {"password": "0ld-Passw0rd", "validationData": {"app": "web"}}
    assert event["response"] == {
        "userAttributes": None,
        "finalUserStatus": None,
        "messageAction": None,
        "desiredDeliveryMediums": None,
        "forceAliasCreation": None,
        "enableSMSMFA": None,
    }
    user = aws.idp.admin_get_user(UserPoolId=pool_id, Username="erin")
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email", "Value": "erin@example.com"} in user["UserAttributes"]
    assert aws.outbox.messages(username="erin") == []  # SUPPRESS
    aws.sign_in(client_id, "erin", "0ld-Passw0rd")  # now a known user: no second migration
    assert len(aws.events("migrate")) == 1


def test_user_migration_welcome_message_unless_suppressed(aws: Env) -> None:
    migrate = aws.trigger(
        "migrate", response={"userAttributes": {"email": "fay@example.com"}, "desiredDeliveryMediums": ["EMAIL"]}
    )
    _, client_id = aws.pool({"UserMigration": migrate})
    aws.sign_in(client_id, "fay", PASSWORD)
    [welcome] = aws.outbox.messages(username="fay")
    assert welcome.kind == "UserMigration" and welcome.recipient == "fay@example.com"


def test_user_migration_reset_required(aws: Env) -> None:
    migrate = aws.trigger(
        "migrate",
        response={
            "userAttributes": {"email": "gus@example.com", "email_verified": "true"},
            "finalUserStatus": "RESET_REQUIRED",
            "messageAction": "SUPPRESS",
        },
    )
    pool_id, client_id = aws.pool({"UserMigration": migrate})
    assert error_of(lambda: aws.sign_in(client_id, "gus")) == (
        "PasswordResetRequiredException",
        "Password reset required for the user",
    )
    assert aws.idp.admin_get_user(UserPoolId=pool_id, Username="gus")["UserStatus"] == "RESET_REQUIRED"


def test_user_migration_without_attributes_is_an_unknown_user(aws: Env) -> None:
    migrate = aws.trigger("migrate")
    pool_id, client_id = aws.pool({"UserMigration": migrate})
    assert error_of(lambda: aws.sign_in(client_id, "nobody")) == ("UserNotFoundException", "User does not exist.")
    aws.idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, PreventUserExistenceErrors="ENABLED")
    assert error_of(lambda: aws.sign_in(client_id, "nobody")) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )
    assert aws.idp.list_users(UserPoolId=pool_id)["Users"] == []


def test_user_migration_on_forgot_password(aws: Env) -> None:
    migrate = aws.trigger(
        "migrate",
        response={
            "userAttributes": {"email": "hal@example.com", "email_verified": "true"},
            "messageAction": "SUPPRESS",
        },
    )
    post = aws.trigger("post")
    pool_id, client_id = aws.pool({"UserMigration": migrate, "PostConfirmation": post})
    sent = aws.idp.forgot_password(ClientId=client_id, Username="hal", ClientMetadata={"why": "forgot"})
    assert sent["CodeDeliveryDetails"]["Destination"] == "h***@e***"
    [event] = aws.events("migrate")
    common(event, "UserMigration_ForgotPassword", pool_id, "hal", client_id)
    assert "password" not in event["request"] and event["request"]["clientMetadata"] == {"why": "forgot"}
    assert aws.idp.admin_get_user(UserPoolId=pool_id, Username="hal")["UserStatus"] == "RESET_REQUIRED"
    code = aws.outbox.latest(username="hal", kind="ForgotPassword").code
    aws.idp.confirm_forgot_password(ClientId=client_id, Username="hal", ConfirmationCode=code, Password="N3w-Passw0rd")
    [confirmed] = aws.events("post")
    common(confirmed, "PostConfirmation_ConfirmForgotPassword", pool_id, "hal", client_id)
    assert "AccessToken" in aws.sign_in(client_id, "hal", "N3w-Passw0rd")["AuthenticationResult"]


def test_pre_and_post_authentication(aws: Env) -> None:
    pre, post = aws.trigger("preauth"), aws.trigger("postauth")
    pool_id, client_id = aws.pool({"PreAuthentication": pre, "PostAuthentication": post})
    sub = aws.sign_up(client_id, "ivy")["UserSub"]
    aws.idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="ivy")
    aws.sign_in(client_id, "ivy", ClientMetadata={"device": "phone"})
    [before], [after] = aws.events("preauth"), aws.events("postauth")
    common(before, "PreAuthentication_Authentication", pool_id, "ivy", client_id)
    attributes = {"sub": sub, "email": "ivy@example.com", "email_verified": "false", "cognito:user_status": "CONFIRMED"}
    assert before["request"] == {"userAttributes": attributes, "validationData": {"device": "phone"}}
    common(after, "PostAuthentication_Authentication", pool_id, "ivy", client_id)
    assert after["request"] == {"userAttributes": attributes, "newDeviceUsed": False}
    # A wrong password fails after PreAuthentication and never reaches PostAuthentication.
    assert error_of(lambda: aws.sign_in(client_id, "ivy", "Wr0ng-pass")) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )
    assert len(aws.events("preauth")) == 2 and len(aws.events("postauth")) == 1
    aws.idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ivy", "PASSWORD": PASSWORD},
    )
    assert aws.events("postauth")[-1]["callerContext"]["clientId"] == client_id


def test_custom_message_sources_shape_the_outbox_text(aws: Env) -> None:
    custom = aws.trigger(
        "custom", response={"emailMessage": "Code: {####}", "emailSubject": "Hi", "smsMessage": "sms {####}"}
    )
    pool_id, client_id = aws.pool({"CustomMessage": custom})
    aws.sign_up(client_id, "jo", ClientMetadata={"lang": "en"})
    aws.idp.resend_confirmation_code(ClientId=client_id, Username="jo")
    signed_up = aws.outbox.messages(username="jo", kind="SignUp")[0]
    resent = aws.outbox.latest(username="jo", kind="ResendCode")
    assert signed_up.text == f"Code: {signed_up.code}" and signed_up.subject == "Hi"
    assert resent.text == f"Code: {resent.code}" and resent.code != signed_up.code
    aws.idp.confirm_sign_up(ClientId=client_id, Username="jo", ConfirmationCode=resent.code)
    aws.idp.forgot_password(ClientId=client_id, Username="jo")
    reset = aws.outbox.latest(username="jo", kind="ForgotPassword")
    assert reset.text == f"Code: {reset.code}"
    aws.idp.admin_create_user(
        UserPoolId=pool_id,
        Username="kim",
        DesiredDeliveryMediums=["EMAIL"],
        UserAttributes=[{"Name": "email", "Value": "kim@example.com"}],
    )
    invite = aws.outbox.latest(username="kim", kind="AdminCreateUser")
    # The custom invitation lacks {username}: Cognito sends its default invitation instead.
    assert invite.text == f"Your username is kim and temporary password is {invite.code}. "
    events = aws.events("custom")
    assert [e["triggerSource"] for e in events] == [
        "CustomMessage_SignUp",
        "CustomMessage_ResendCode",
        "CustomMessage_ForgotPassword",
        "CustomMessage_AdminCreateUser",
    ]
    common(events[0], "CustomMessage_SignUp", pool_id, "jo", client_id)
    assert events[0]["request"]["codeParameter"] == "{####}"
    assert events[0]["request"]["linkParameter"] == "{##Click Here##}"
    assert events[0]["request"]["usernameParameter"] is None
    assert events[0]["request"]["clientMetadata"] == {"lang": "en"}
    assert events[0]["request"]["userAttributes"]["cognito:user_status"] == "UNCONFIRMED"
    assert events[0]["response"] == {"smsMessage": None, "emailMessage": None, "emailSubject": None}
    assert events[3]["request"]["usernameParameter"] == "{username}"
    assert events[3]["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"


def test_pre_token_generation_changes_the_id_token(aws: Env) -> None:
    token_fn = aws.trigger(
        "tokens",
        response={
            "claimsOverrideDetails": {
                "claimsToAddOrOverride": {"tier": "gold", "email": "other@example.com"},
                "claimsToSuppress": ["email_verified"],
            }
        },
    )
    pool_id, client_id = aws.pool({"PreTokenGeneration": token_fn})
    aws.idp.create_group(UserPoolId=pool_id, GroupName="admins")
    aws.sign_up(client_id, "lee")
    aws.idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="lee")
    aws.idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username="lee", UserAttributes=[{"Name": "email_verified", "Value": "true"}]
    )
    aws.idp.admin_add_user_to_group(UserPoolId=pool_id, Username="lee", GroupName="admins")
    aws.idp.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=client_id,
        ReadAttributes=["email", "email_verified"],
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )
    result = aws.sign_in(client_id, "lee")["AuthenticationResult"]
    id_claims = claims(result["IdToken"])
    assert id_claims["tier"] == "gold" and id_claims["email"] == "other@example.com"
    assert "email_verified" not in id_claims and id_claims["cognito:groups"] == ["admins"]
    [event] = aws.events("tokens")
    common(event, "TokenGeneration_Authentication", pool_id, "lee", client_id)
    assert event["request"]["groupConfiguration"] == {
        "groupsToOverride": ["admins"],
        "iamRolesToOverride": [],
        "preferredRole": None,
    }
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert event["response"] == {"claimsOverrideDetails": None}
    # The rewritten ID token is still the pool's: GetUser with the access token works as before.
    assert aws.idp.get_user(AccessToken=result["AccessToken"])["Username"] == "lee"


def test_lambda_config_round_trips_every_key(aws: Env) -> None:
    arn = aws.trigger("any")
    config = {
        key: arn
        for key in (
            "PreSignUp",
            "CustomMessage",
            "PostConfirmation",
            "PreAuthentication",
            "PostAuthentication",
            "DefineAuthChallenge",
            "CreateAuthChallenge",
            "VerifyAuthChallengeResponse",
            "PreTokenGeneration",
            "UserMigration",
        )
    }
    config["PreTokenGenerationConfig"] = {"LambdaVersion": "V1_0", "LambdaArn": arn}
    config["CustomSMSSender"] = {"LambdaVersion": "V1_0", "LambdaArn": arn}
    config["CustomEmailSender"] = {"LambdaVersion": "V1_0", "LambdaArn": arn}
    # Custom senders need an existing symmetric KMS key (test_custom_senders.py).
    config["KMSKeyID"] = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    pool_id, _ = aws.pool()
    aws.idp.update_user_pool(UserPoolId=pool_id, LambdaConfig=config)
    assert aws.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"] == config
    [listed] = aws.idp.list_user_pools(MaxResults=10)["UserPools"]
    assert listed["LambdaConfig"] == config
    # Setting only PreTokenGeneration shows its versioned twin too, as in Cognito.
    aws.idp.update_user_pool(UserPoolId=pool_id, LambdaConfig={"PreTokenGeneration": arn})
    assert aws.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"] == {
        "PreTokenGeneration": arn,
        "PreTokenGenerationConfig": {"LambdaArn": arn, "LambdaVersion": "V1_0"},
    }


def test_new_password_challenge_fires_post_authentication_and_token_generation(aws: Env) -> None:
    post = aws.trigger("post")
    tokens_fn = aws.trigger("tokens", response={"claimsOverrideDetails": {"claimsToAddOrOverride": {"x": "1"}}})
    pool_id, client_id = aws.pool({"PostAuthentication": post, "PreTokenGeneration": tokens_fn})
    aws.idp.admin_create_user(
        UserPoolId=pool_id, Username="max", TemporaryPassword="Temp-Passw0rd", MessageAction="SUPPRESS"
    )
    challenge = aws.sign_in(client_id, "max", "Temp-Passw0rd")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and aws.events("post") == []
    result = aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "max", "NEW_PASSWORD": "N3w-Passw0rd"},
    )["AuthenticationResult"]
    assert claims(result["IdToken"])["x"] == "1"
    [after] = aws.events("post")
    common(after, "PostAuthentication_Authentication", pool_id, "max", client_id)
    assert after["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    [token_event] = aws.events("tokens")
    common(token_event, "TokenGeneration_NewPasswordChallenge", pool_id, "max", client_id)
    assert aws.idp.admin_get_user(UserPoolId=pool_id, Username="max")["UserStatus"] == "CONFIRMED"


def test_refresh_fires_token_generation_refresh_tokens(aws: Env) -> None:
    tokens_fn = aws.trigger("tokens", response={"claimsOverrideDetails": {"claimsToAddOrOverride": {"y": "2"}}})
    pool_id, client_id = aws.pool({"PreTokenGeneration": tokens_fn})
    aws.idp.admin_create_user(UserPoolId=pool_id, Username="ned", MessageAction="SUPPRESS")
    aws.idp.admin_set_user_password(UserPoolId=pool_id, Username="ned", Password=PASSWORD, Permanent=True)
    refresh_token = aws.sign_in(client_id, "ned")["AuthenticationResult"]["RefreshToken"]
    refreshed = aws.idp.initiate_auth(
        ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
    )["AuthenticationResult"]
    assert "RefreshToken" not in refreshed and claims(refreshed["IdToken"])["y"] == "2"
    assert [e["triggerSource"] for e in aws.events("tokens")] == [
        "TokenGeneration_Authentication",
        "TokenGeneration_RefreshTokens",
    ]
    aws.idp.admin_user_global_sign_out(UserPoolId=pool_id, Username="ned")
    assert error_of(
        lambda: aws.idp.initiate_auth(
            ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
        )
    ) == ("NotAuthorizedException", "Refresh Token has been revoked")


def test_auto_verify_phone_and_custom_sms_message(aws: Env) -> None:
    pre = aws.trigger("pre", response={"autoVerifyPhone": True})
    custom = aws.trigger("custom", response={"smsMessage": "Your code: {####}"})
    pool_id, client_id = aws.pool(
        {"PreSignUp": pre, "CustomMessage": custom}, AutoVerifiedAttributes=["phone_number", "email"]
    )
    result = aws.idp.sign_up(
        ClientId=client_id,
        Username="ola",
        Password=PASSWORD,
        UserAttributes=[
            {"Name": "email", "Value": "ola@example.com"},
            {"Name": "phone_number", "Value": "+15551234567"},
        ],
    )
    # The phone number is verified already, so the code goes to the (unverified) email.
    assert result["UserConfirmed"] is False and result["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    user = aws.idp.admin_get_user(UserPoolId=pool_id, Username="ola")
    assert {"Name": "phone_number_verified", "Value": "true"} in user["UserAttributes"]
    aws.idp.update_user_pool(
        UserPoolId=pool_id, AutoVerifiedAttributes=["phone_number"], LambdaConfig={"CustomMessage": custom}
    )
    aws.idp.sign_up(
        ClientId=client_id,
        Username="pia",
        Password=PASSWORD,
        UserAttributes=[{"Name": "phone_number", "Value": "+15557654321"}],
    )
    sms = aws.outbox.latest(username="pia")
    assert (sms.medium, sms.recipient, sms.text) == ("SMS", "+15557654321", f"Your code: {sms.code}")
    assert sms.subject is None


GROUP_ON_CONFIRM = """
import boto3

def handler(event, context):
    idp = boto3.client("cognito-idp")
    user = idp.admin_get_user(UserPoolId=event["userPoolId"], Username=event["userName"])
    idp.admin_add_user_to_group(UserPoolId=event["userPoolId"], Username=event["userName"], GroupName="members")
    print("STATUS " + user["UserStatus"])
    return event
"""


def test_post_confirmation_sees_the_confirmed_user_and_can_change_it(aws: Env) -> None:
    post = aws.function("post", GROUP_ON_CONFIRM)
    auto = aws.trigger("pre", response={"autoConfirmUser": True})
    pool_id, client_id = aws.pool({"PostConfirmation": post})
    aws.idp.create_group(UserPoolId=pool_id, GroupName="members")
    aws.sign_up(client_id, "quin")
    aws.idp.confirm_sign_up(
        ClientId=client_id, Username="quin", ConfirmationCode=aws.outbox.latest(username="quin").code
    )
    aws.idp.update_user_pool(UserPoolId=pool_id, LambdaConfig={"PostConfirmation": post, "PreSignUp": auto})
    aws.sign_up(client_id, "rae")  # auto-confirmed: PostConfirmation runs during SignUp
    members = aws.idp.list_users_in_group(UserPoolId=pool_id, GroupName="members")["Users"]
    assert sorted(u["Username"] for u in members) == ["quin", "rae"]
    logs = aws.client("logs").filter_log_events(logGroupName="/aws/lambda/post")["events"]
    assert [e["message"] for e in logs if e["message"].startswith("STATUS")] == ["STATUS CONFIRMED\n"] * 2


def test_a_failing_post_confirmation_on_auto_confirm_creates_no_user(aws: Env) -> None:
    pre = aws.trigger("pre", response={"autoConfirmUser": True})
    post = aws.trigger("post", mode="raise", message="CRM down")
    pool_id, client_id = aws.pool({"PreSignUp": pre, "PostConfirmation": post})
    assert error_of(lambda: aws.sign_up(client_id, "sol")) == (
        "UserLambdaValidationException",
        "PostConfirmation failed with error CRM down.",
    )
    assert aws.idp.list_users(UserPoolId=pool_id)["Users"] == []


def test_pre_token_generation_version_2_changes_both_tokens(aws: Env) -> None:
    token_fn = aws.trigger(
        "tokens",
        response={
            "claimsAndScopeOverrideDetails": {
                "idTokenGeneration": {"claimsToAddOrOverride": {"plan": "pro"}},
                "accessTokenGeneration": {"claimsToAddOrOverride": {"tenant": "t1"}},
                "groupOverrideDetails": {"groupsToOverride": ["readers"]},
            }
        },
    )
    pool_id, client_id = aws.pool({"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": token_fn}})
    aws.idp.admin_create_user(UserPoolId=pool_id, Username="tom", MessageAction="SUPPRESS")
    aws.idp.admin_set_user_password(UserPoolId=pool_id, Username="tom", Password=PASSWORD, Permanent=True)
    result = aws.sign_in(client_id, "tom")["AuthenticationResult"]
    id_claims, access_claims = claims(result["IdToken"]), claims(result["AccessToken"])
    assert id_claims["plan"] == "pro" and "tenant" not in id_claims and id_claims["cognito:groups"] == ["readers"]
    assert access_claims["tenant"] == "t1" and access_claims["cognito:groups"] == ["readers"]
    [event] = aws.events("tokens")
    assert event["version"] == "2" and event["request"]["scopes"] == ["aws.cognito.signin.user.admin"]
    assert event["response"] == {"claimsAndScopeOverrideDetails": None}
    assert aws.idp.get_user(AccessToken=result["AccessToken"])["Username"] == "tom"
