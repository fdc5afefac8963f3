"""Custom sender Lambda triggers (CustomEmailSender, CustomSMSSender) on the local Cognito.

The sender function here is written as the Amazon Cognito Developer Guide shows ("Custom sender
Lambda triggers", "Custom email sender Lambda trigger", "Custom SMS sender Lambda trigger"): it
base64-decodes ``request.code`` and decrypts it with the AWS Encryption SDK and a KMS master key
provider; its KMS calls reach the local AWS, as the user pool's encryption did.
"""

from __future__ import annotations

import base64
from typing import Any

from localaws import PASSWORD, TRIGGER_CODE, Env, error_of
from test_trigger_conformance import COMMON, MAP, shape_problems

SENDER_CODE = """
import base64, json, os

import aws_encryption_sdk
from aws_encryption_sdk.identifiers import CommitmentPolicy

client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT)
key_provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[os.environ["KEY_ARN"]])


def handler(event, context):
    print("EVENT " + json.dumps(event))
    if os.environ.get("MODE") == "raise":
        raise Exception("provider down")
    plaintext, _ = client.decrypt(source=base64.b64decode(event["request"]["code"]), key_provider=key_provider)
    print("CODE " + plaintext.decode())
"""

# Request of each custom sender event ("Custom email sender Lambda trigger parameters").
EMAIL_REQUEST = {"type": str, "code": str, "userAttributes": MAP, "?clientMetadata": MAP}
SMS_REQUEST = EMAIL_REQUEST


def key_arn(aws: Env) -> str:
    return str(aws.client("kms").create_key(Description="cognito senders")["KeyMetadata"]["Arn"])


def sender_pool(aws: Env, **config: Any) -> tuple[str, str, str]:
    """A pool whose email and SMS go to the function ``sender``: (pool id, client id, key ARN)."""
    key = key_arn(aws)
    sender = aws.function("sender", SENDER_CODE, env={"KEY_ARN": key})
    lambda_config = {
        "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": sender},
        "CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": sender},
        "KMSKeyID": key,
        **config.pop("extra_triggers", {}),
    }
    pool_id, client_id = aws.pool(lambda_config, **config)
    return pool_id, client_id, key


def codes(aws: Env, function: str = "sender") -> list[str]:
    """The plaintext codes ``function`` decrypted, in order (it logs ``CODE <plaintext>``)."""
    logs = aws.client("logs")
    group = f"/aws/lambda/{function}"
    found: list[tuple[int, str]] = []
    for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        for event in logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True)[
            "events"
        ]:
            if event["message"].startswith("CODE "):
                found.append((event["timestamp"], event["message"][5:].strip()))
    return [code for _, code in sorted(found, key=lambda item: item[0])]


def check_event(event: dict[str, Any], source: str, pool_id: str, request: dict[str, Any]) -> None:
    assert event["triggerSource"] == source
    assert event["userPoolId"] == pool_id
    problems = shape_problems(event, COMMON, "event") + shape_problems(event["request"], request, "request")
    assert problems == []
    expected_type = "customEmailSenderRequestV1" if source.startswith("CustomEmail") else "customSMSSenderRequestV1"
    assert event["request"]["type"] == expected_type
    assert event["response"] == {}
    # The AWS Encryption SDK message format, version 2 (the SDK's default, committing algorithm suite).
    assert base64.b64decode(event["request"]["code"])[0] == 2


def confirmed_user(aws: Env, pool_id: str, username: str, **attributes: str) -> None:
    aws.idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
    )
    aws.idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)


def test_sender_configuration_is_kept_and_described(aws: Env) -> None:
    pool_id, _, key = sender_pool(aws)
    config = aws.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"]
    sender = aws.lam.get_function(FunctionName="sender")["Configuration"]["FunctionArn"]
    assert config["CustomEmailSender"] == {"LambdaVersion": "V1_0", "LambdaArn": sender}
    assert config["CustomSMSSender"] == {"LambdaVersion": "V1_0", "LambdaArn": sender}
    assert config["KMSKeyID"] == key


def test_sign_up_code_goes_to_the_custom_email_sender_and_confirms(aws: Env) -> None:
    pool_id, client_id, _ = sender_pool(aws)
    result = aws.sign_up(client_id, "ann", ClientMetadata={"app": "web"})
    assert result["CodeDeliveryDetails"] == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    [event] = aws.events("sender")
    check_event(event, "CustomEmailSender_SignUp", pool_id, EMAIL_REQUEST)
    assert event["userName"] == "ann"
    assert event["request"]["clientMetadata"] == {"app": "web"}
    assert event["request"]["userAttributes"]["email"] == "ann@example.com"
    # Cognito delivered nothing itself: the code is with the sender.
    assert aws.outbox.messages(username="ann") == []
    [code] = codes(aws)
    assert len(code) == 6 and code.isdigit()
    assert error_of(lambda: aws.idp.confirm_sign_up(ClientId=client_id, Username="ann", ConfirmationCode="x1"))[0] == (
        "CodeMismatchException"
    )
    aws.idp.confirm_sign_up(ClientId=client_id, Username="ann", ConfirmationCode=code)
    assert aws.idp.admin_get_user(UserPoolId=pool_id, Username="ann")["UserStatus"] == "CONFIRMED"


def test_resend_code_goes_to_the_sender(aws: Env) -> None:
    pool_id, client_id, _ = sender_pool(aws)
    aws.sign_up(client_id, "bo")
    aws.idp.resend_confirmation_code(ClientId=client_id, Username="bo")
    _, second = aws.events("sender")
    check_event(second, "CustomEmailSender_ResendCode", pool_id, EMAIL_REQUEST)
    old, new = codes(aws)
    assert old != new or len(new) == 6
    aws.idp.confirm_sign_up(ClientId=client_id, Username="bo", ConfirmationCode=new)


def test_forgot_password_code_goes_to_the_sender(aws: Env) -> None:
    pool_id, client_id, _ = sender_pool(aws)
    confirmed_user(aws, pool_id, "cy", email="cy@example.com", email_verified="true")
    aws.idp.forgot_password(ClientId=client_id, Username="cy")
    [event] = aws.events("sender")
    check_event(event, "CustomEmailSender_ForgotPassword", pool_id, EMAIL_REQUEST)
    assert aws.outbox.messages(username="cy") == []
    [code] = codes(aws)
    aws.idp.confirm_forgot_password(ClientId=client_id, Username="cy", ConfirmationCode=code, Password="N3w-Passw0rd!")
    assert "AuthenticationResult" in aws.sign_in(client_id, "cy", "N3w-Passw0rd!")


def test_admin_create_user_temporary_password_goes_to_the_sender(aws: Env) -> None:
    pool_id, client_id, _ = sender_pool(aws)
    aws.idp.admin_create_user(
        UserPoolId=pool_id,
        Username="di",
        UserAttributes=[{"Name": "email", "Value": "di@example.com"}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    [event] = aws.events("sender")
    check_event(event, "CustomEmailSender_AdminCreateUser", pool_id, EMAIL_REQUEST)
    assert aws.outbox.messages(username="di") == []
    [password] = codes(aws)
    challenge = aws.sign_in(client_id, "di", password)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_sms_mfa_code_goes_to_the_custom_sms_sender(aws: Env) -> None:
    pool_id, client_id, _ = sender_pool(aws)
    aws.idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SmsMfaConfiguration={"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"}},
        MfaConfiguration="ON",
    )
    confirmed_user(aws, pool_id, "ed", phone_number="+15550002222", phone_number_verified="true")
    aws.idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username="ed", SMSMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    challenge = aws.sign_in(client_id, "ed")
    assert challenge["ChallengeName"] == "SMS_MFA"
    [event] = aws.events("sender")
    check_event(event, "CustomSMSSender_Authentication", pool_id, SMS_REQUEST)
    assert aws.outbox.messages(username="ed") == []
    [code] = codes(aws)
    result = aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="SMS_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "ed", "SMS_MFA_CODE": code},
    )
    assert "IdToken" in result["AuthenticationResult"]


def test_attribute_verification_codes_go_to_the_sender(aws: Env) -> None:
    pool_id, client_id, _ = sender_pool(aws)
    confirmed_user(aws, pool_id, "fa", email="fa@example.com", email_verified="true")
    access = aws.sign_in(client_id, "fa")["AuthenticationResult"]["AccessToken"]
    aws.idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": "fa2@example.com"}])
    aws.idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    update, verify = aws.events("sender")
    check_event(update, "CustomEmailSender_UpdateUserAttribute", pool_id, EMAIL_REQUEST)
    check_event(verify, "CustomEmailSender_VerifyUserAttribute", pool_id, EMAIL_REQUEST)
    assert update["request"]["userAttributes"]["email"] == "fa2@example.com"
    _, code = codes(aws)
    aws.idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)


def test_sign_up_by_sms_goes_to_the_custom_sms_sender(aws: Env) -> None:
    pool_id, client_id, _ = sender_pool(aws, AutoVerifiedAttributes=["phone_number"])
    aws.idp.sign_up(
        ClientId=client_id,
        Username="gu",
        Password=PASSWORD,
        UserAttributes=[{"Name": "phone_number", "Value": "+15550003333"}],
    )
    [event] = aws.events("sender")
    check_event(event, "CustomSMSSender_SignUp", pool_id, SMS_REQUEST)
    [code] = codes(aws)
    aws.idp.confirm_sign_up(ClientId=client_id, Username="gu", ConfirmationCode=code)


def test_the_custom_message_trigger_does_not_run_for_a_custom_sender(aws: Env) -> None:
    message = aws.function("message", TRIGGER_CODE)
    _, client_id, _ = sender_pool(aws, extra_triggers={"CustomMessage": message})
    aws.sign_up(client_id, "hal")
    assert aws.events("message") == []
    assert len(codes(aws)) == 1


def test_only_the_configured_medium_goes_to_a_sender(aws: Env) -> None:
    key = key_arn(aws)
    sender = aws.function("sender", SENDER_CODE, env={"KEY_ARN": key})
    _, client_id = aws.pool(
        {"CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": sender}, "KMSKeyID": key},
    )
    aws.sign_up(client_id, "ivy")  # email: Cognito delivers it itself
    assert aws.events("sender") == []
    assert aws.outbox.latest(username="ivy", kind="SignUp").medium == "EMAIL"


def test_a_failing_sender_does_not_fail_the_request(aws: Env) -> None:
    key = key_arn(aws)
    sender = aws.function("sender", SENDER_CODE, env={"KEY_ARN": key, "MODE": "raise"})
    _, client_id = aws.pool({"CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": sender}, "KMSKeyID": key})
    result = aws.sign_up(client_id, "jo")
    assert result["UserConfirmed"] is False
    assert len(aws.events("sender")) == 1
    assert aws.outbox.messages(username="jo") == []


def test_a_sender_needs_a_kms_key(aws: Env) -> None:
    sender = aws.function("sender", SENDER_CODE, env={"KEY_ARN": "x"})
    config = {"CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": sender}}
    code, _ = error_of(lambda: aws.idp.create_user_pool(PoolName="p", LambdaConfig=config))
    assert code == "InvalidParameterException"
    missing = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    code, message = error_of(
        lambda: aws.idp.create_user_pool(PoolName="p", LambdaConfig={**config, "KMSKeyID": missing})
    )
    assert code == "InvalidParameterException" and missing in message
    code, _ = error_of(
        lambda: aws.idp.create_user_pool(PoolName="p", LambdaConfig={**config, "KMSKeyID": "alias/not-an-arn-at-all"})
    )
    assert code == "InvalidParameterException"
    pool_id, _ = aws.pool()
    code, _ = error_of(lambda: aws.idp.update_user_pool(UserPoolId=pool_id, LambdaConfig=config))
    assert code == "InvalidParameterException"
    assert aws.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"] == {}
    assert [p["Name"] for p in aws.idp.list_user_pools(MaxResults=60)["UserPools"]] == ["pool"]
