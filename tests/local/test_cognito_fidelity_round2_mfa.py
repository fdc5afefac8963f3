"""Required MFA set-up (the MFA_SETUP challenge), one-time TOTP codes, and attribute updates that keep the
original value until the new one is verified: each pinned through boto3, in-process and over HTTP (the
``aws`` fixture)."""

from __future__ import annotations

import json
import time
from typing import Any

from localaws import PASSWORD, Env, error_of

from engine.crypto import totp

SNS_ROLE = {"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"}}


def confirmed_user(aws: Env, pool_id: str, name: str, **attributes: str) -> None:
    attrs = [{"Name": k, "Value": v} for k, v in attributes.items()]
    aws.idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS", UserAttributes=attrs)
    aws.idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)


def totp_pool(aws: Env, mfa: str, lambda_config: dict[str, Any] | None = None, **sms: Any) -> tuple[str, str]:
    pool_id, client_id = aws.pool(lambda_config)
    aws.idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration=mfa, **sms
    )
    return pool_id, client_id


def respond(aws: Env, client_id: str, name: str, session: str, **responses: str) -> Any:
    return aws.idp.respond_to_auth_challenge(
        ClientId=client_id, ChallengeName=name, Session=session, ChallengeResponses=responses
    )


def signed_in(result: Any) -> bool:
    return "AccessToken" in result.get("AuthenticationResult", {})


def attributes_of(aws: Env, pool_id: str, name: str) -> dict[str, str]:
    user = aws.idp.admin_get_user(UserPoolId=pool_id, Username=name)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


# 1. MFA_SETUP -------------------------------------------------------------------------------------


def test_required_mfa_without_a_method_is_set_up_in_the_sign_in_then_asked_for(aws: Env) -> None:
    post, tokens = aws.trigger("post"), aws.trigger("tokens")
    pool_id, client_id = totp_pool(aws, "ON", {"PostAuthentication": post, "PreTokenGeneration": tokens})
    confirmed_user(aws, pool_id, "mia")
    challenge = aws.sign_in(client_id, "mia")
    assert challenge["ChallengeName"] == "MFA_SETUP"
    assert challenge["ChallengeParameters"]["MFAS_CAN_SETUP"] == '["SOFTWARE_TOKEN_MFA"]'
    assert aws.events("post") == [] and aws.events("tokens") == []
    # Not set up yet: the challenge cannot be answered with the sign-in's own session.
    assert error_of(lambda: respond(aws, client_id, "MFA_SETUP", challenge["Session"], USERNAME="mia"))[0] == (
        "NotAuthorizedException"
    )
    associated = aws.idp.associate_software_token(Session=challenge["Session"])
    secret = associated["SecretCode"]
    verified = aws.idp.verify_software_token(Session=associated["Session"], UserCode=totp.code(secret))
    assert verified["Status"] == "SUCCESS" and verified["Session"] not in (associated["Session"], challenge["Session"])
    result = aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": "mia"},
        ClientMetadata={"at": "setup"},
    )
    assert "AccessToken" in result["AuthenticationResult"]
    [post_event], [token_event] = aws.events("post"), aws.events("tokens")
    assert post_event["triggerSource"] == "PostAuthentication_Authentication"
    assert token_event["triggerSource"] == "TokenGeneration_Authentication"
    assert post_event["request"]["clientMetadata"] == token_event["request"]["clientMetadata"] == {"at": "setup"}
    # From now on the sign-in asks for a code from the token set up.
    assert aws.sign_in(client_id, "mia")["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    # Optional MFA: a user without a method still signs in with the password alone.
    optional_pool, optional_client = totp_pool(aws, "OPTIONAL")
    confirmed_user(aws, optional_pool, "ola")
    assert "AccessToken" in aws.sign_in(optional_client, "ola")["AuthenticationResult"]


def test_mfa_setup_after_a_new_password_ends_with_the_new_password_token_source(aws: Env) -> None:
    post, tokens = aws.trigger("post"), aws.trigger("tokens")
    pool_id, client_id = totp_pool(aws, "ON", {"PostAuthentication": post, "PreTokenGeneration": tokens})
    aws.idp.admin_create_user(
        UserPoolId=pool_id, Username="ned", TemporaryPassword="Temp-Passw0rd1", MessageAction="SUPPRESS"
    )
    first = aws.sign_in(client_id, "ned", "Temp-Passw0rd1")
    assert first["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    setup = respond(aws, client_id, "NEW_PASSWORD_REQUIRED", first["Session"], USERNAME="ned", NEW_PASSWORD=PASSWORD)
    assert setup["ChallengeName"] == "MFA_SETUP"
    assert json.loads(setup["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA"]
    assert aws.idp.admin_get_user(UserPoolId=pool_id, Username="ned")["UserStatus"] == "CONFIRMED"
    assert aws.events("post") == []
    associated = aws.idp.associate_software_token(Session=setup["Session"])
    verified = aws.idp.verify_software_token(
        Session=associated["Session"], UserCode=totp.code(associated["SecretCode"])
    )
    result = aws.idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id,
        ClientId=client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": "ned"},
        ClientMetadata={"via": "admin"},
    )
    assert "IdToken" in result["AuthenticationResult"]
    [post_event], [token_event] = aws.events("post"), aws.events("tokens")
    assert token_event["triggerSource"] == "TokenGeneration_NewPasswordChallenge"
    assert post_event["request"]["clientMetadata"] == token_event["request"]["clientMetadata"] == {"via": "admin"}


def test_mfa_setup_sessions_are_checked(aws: Env) -> None:
    pool_id, client_id = totp_pool(aws, "ON")
    confirmed_user(aws, pool_id, "oz")
    challenge = aws.sign_in(client_id, "oz")
    bogus = "x" * 40
    expired = ("NotAuthorizedException", "Invalid session for the user, session is expired.")
    assert error_of(lambda: aws.idp.associate_software_token(Session=bogus)) == expired
    assert error_of(lambda: aws.idp.verify_software_token(Session=bogus, UserCode="123456")) == expired
    assert error_of(lambda: respond(aws, client_id, "MFA_SETUP", bogus, USERNAME="oz")) == expired
    # VerifySoftwareToken takes the session AssociateSoftwareToken returned, not the sign-in's.
    assert error_of(lambda: aws.idp.verify_software_token(Session=challenge["Session"], UserCode="123456")) == (
        "NotAuthorizedException",
        "Invalid session for the user.",
    )
    associated = aws.idp.associate_software_token(Session=challenge["Session"])
    # Associated but not verified: MFA_SETUP cannot be answered yet.
    assert error_of(lambda: respond(aws, client_id, "MFA_SETUP", associated["Session"], USERNAME="oz")) == (
        "NotAuthorizedException",
        "Invalid session for the user.",
    )
    assert error_of(
        lambda: aws.idp.respond_to_auth_challenge(
            ClientId=client_id, ChallengeName="MFA_SETUP", ChallengeResponses={"USERNAME": "oz"}
        )
    ) == ("InvalidParameterException", "Missing required parameter Session")
    verified = aws.idp.verify_software_token(
        Session=associated["Session"], UserCode=totp.code(associated["SecretCode"])
    )
    assert signed_in(respond(aws, client_id, "MFA_SETUP", verified["Session"], USERNAME="oz"))
    # A session ends the sign-in once.
    assert error_of(lambda: respond(aws, client_id, "MFA_SETUP", verified["Session"], USERNAME="oz")) == expired


def test_required_sms_mfa_is_set_up_by_giving_the_user_a_phone_number(aws: Env) -> None:
    pool_id, client_id = totp_pool(aws, "ON", SmsMfaConfiguration=SNS_ROLE)
    confirmed_user(aws, pool_id, "pia")
    challenge = aws.sign_in(client_id, "pia")
    assert challenge["ChallengeName"] == "MFA_SETUP"
    assert challenge["ChallengeParameters"]["MFAS_CAN_SETUP"] == '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'
    aws.idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username="pia", UserAttributes=[{"Name": "phone_number", "Value": "+15550003333"}]
    )
    again = aws.sign_in(client_id, "pia")
    assert again["ChallengeName"] == "SMS_MFA"
    code = aws.outbox.latest(username="pia", kind="Authentication").code
    assert signed_in(respond(aws, client_id, "SMS_MFA", again["Session"], USERNAME="pia", SMS_MFA_CODE=code))


# 2. A TOTP code is accepted once -------------------------------------------------------------------

USED_ONCE = ("ExpiredCodeException", "Your software token has already been used once.")


def test_a_totp_code_is_accepted_once(aws: Env) -> None:
    pool_id, client_id = totp_pool(aws, "OPTIONAL")
    confirmed_user(aws, pool_id, "quin")
    access = aws.sign_in(client_id, "quin")["AuthenticationResult"]["AccessToken"]
    secret = aws.idp.associate_software_token(AccessToken=access)["SecretCode"]
    setup_code = totp.code(secret)
    aws.idp.verify_software_token(AccessToken=access, UserCode=setup_code)
    aws.idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    challenge = aws.sign_in(client_id, "quin")
    # The code that verified the token was used: Cognito asks for the next one.
    answer = {"USERNAME": "quin", "SOFTWARE_TOKEN_MFA_CODE": setup_code}
    assert error_of(lambda: respond(aws, client_id, "SOFTWARE_TOKEN_MFA", challenge["Session"], **answer)) == (
        USED_ONCE
    )
    next_code = totp.code(secret, time.time() + totp.STEP_SECONDS)
    answer["SOFTWARE_TOKEN_MFA_CODE"] = next_code
    assert signed_in(respond(aws, client_id, "SOFTWARE_TOKEN_MFA", challenge["Session"], **answer))
    # ...and a code that signed in once does not sign in again.
    second = aws.sign_in(client_id, "quin")
    assert error_of(lambda: respond(aws, client_id, "SOFTWARE_TOKEN_MFA", second["Session"], **answer)) == USED_ONCE


# 3. Keeping the original email until the new one is verified ---------------------------------------


def test_an_updated_email_stays_the_old_one_until_verified(aws: Env) -> None:
    custom = aws.trigger("custom")
    pool_id, client_id = aws.pool(
        {"CustomMessage": custom},
        UsernameAttributes=["email"],
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
    )
    described = aws.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": ["email"]}
    old, new = "kim@old.example.com", "kim@new.example.com"
    confirmed_user(aws, pool_id, old, email_verified="true")
    access = aws.sign_in(client_id, old)["AuthenticationResult"]["AccessToken"]
    updated = aws.idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": new}, {"Name": "name", "Value": "Kim"}]
    )
    assert updated["CodeDeliveryDetailsList"] == [
        {"Destination": "k***@n***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    ]
    sent = aws.outbox.latest(user_pool_id=pool_id, kind="UpdateUserAttribute")
    assert sent.recipient == new
    assert [e["triggerSource"] for e in aws.events("custom")] == ["CustomMessage_UpdateUserAttribute"]
    # The original value stays active and verified (the user signs in with it); other attributes change at once.
    seen = {a["Name"]: a["Value"] for a in aws.idp.get_user(AccessToken=access)["UserAttributes"]}
    assert (seen["email"], seen["email_verified"], seen["name"]) == (old, "true", "Kim")
    assert "AccessToken" in aws.sign_in(client_id, old)["AuthenticationResult"]
    assert error_of(lambda: aws.sign_in(client_id, new))[0] == "UserNotFoundException"
    # Asking for a code again sends it to the value waiting for verification.
    again = aws.idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    assert again["CodeDeliveryDetails"]["Destination"] == "k***@n***"
    code = aws.outbox.latest(user_pool_id=pool_id, kind="VerifyUserAttribute").code
    wrong = "x" + code
    assert (
        error_of(lambda: aws.idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=wrong))[0]
        == "CodeMismatchException"
    )
    assert attributes_of(aws, pool_id, old)["email"] == old
    aws.idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    seen = attributes_of(aws, pool_id, new)
    assert (seen["email"], seen["email_verified"]) == (new, "true")
    assert "AccessToken" in aws.sign_in(client_id, new)["AuthenticationResult"]
    assert error_of(lambda: aws.sign_in(client_id, old))[0] == "UserNotFoundException"


def test_admin_updates_keep_the_original_unless_they_verify_the_new_value(aws: Env) -> None:
    pool_id, _ = aws.pool(UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]})
    confirmed_user(aws, pool_id, "lou", email="lou@old.example.com", email_verified="true")
    aws.idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username="lou", UserAttributes=[{"Name": "email", "Value": "lou@pending.example.com"}]
    )
    seen = attributes_of(aws, pool_id, "lou")
    assert (seen["email"], seen["email_verified"]) == ("lou@old.example.com", "true")
    assert aws.outbox.latest(username="lou", kind="UpdateUserAttribute").recipient == "lou@pending.example.com"
    sent_before = len(aws.outbox.messages(user_pool_id=pool_id))
    aws.idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="lou",
        UserAttributes=[
            {"Name": "email", "Value": "lou@new.example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    seen = attributes_of(aws, pool_id, "lou")
    assert (seen["email"], seen["email_verified"]) == ("lou@new.example.com", "true")
    assert len(aws.outbox.messages(user_pool_id=pool_id)) == sent_before  # no code for a value set verified
