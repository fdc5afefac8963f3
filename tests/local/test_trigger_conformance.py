"""Every user-pool trigger source the local Cognito fires, driven through plain boto3 (in-process and
over HTTP; SRP sign-ins through pycognito's client on the same boto3 client), checked against the event
shape the Amazon Cognito Developer Guide documents for it (keys, value types, nulls), and the response
fields each source honours. The password, SRP (USER_SRP_AUTH) and custom flows (one starting with
SRP_A and PASSWORD_VERIFIER) each fire the authentication triggers.

PreSignUp_ExternalProvider and TokenGeneration_HostedAuth fire only over HTTP, in a federated
sign-in through the managed-login endpoints of ``scenario serve`` (test_federation.py checks them
against FEDERATED_SHAPES); the in-process local AWS has no HTTP endpoint for them.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from localaws import PASSWORD, Env, error_of
from pycognito.aws_srp import AWSSRP

from engine.crypto import srp, totp

NULL = type(None)
MAP = "map"  # an object whose values are all strings
OPTIONAL = "?"  # key prefix: present only when the API call passed something for it

COMMON = {
    "version": str,
    "triggerSource": str,
    "region": str,
    "userPoolId": str,
    "userName": str,
    "callerContext": {"awsSdkVersion": str, "clientId": str},
    "request": dict,
    "response": dict,
}
_CUSTOM_MESSAGE = (
    {
        "userAttributes": MAP,
        "codeParameter": str,
        "linkParameter": str,
        "usernameParameter": (str, NULL),
        "?clientMetadata": MAP,
    },
    {"smsMessage": NULL, "emailMessage": NULL, "emailSubject": NULL},
)
_TOKEN_V1 = (
    {
        "userAttributes": MAP,
        "groupConfiguration": {"groupsToOverride": list, "iamRolesToOverride": list, "preferredRole": (str, NULL)},
        "?clientMetadata": MAP,
    },
    {"claimsOverrideDetails": NULL},
)
_CHALLENGE_SESSION = list
# triggerSource -> (request, response as sent to the function)
SHAPES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "PreSignUp_SignUp": (
        {"userAttributes": MAP, "validationData": (MAP, NULL), "?clientMetadata": MAP},
        {"autoConfirmUser": bool, "autoVerifyEmail": bool, "autoVerifyPhone": bool},
    ),
    "PreSignUp_AdminCreateUser": (
        {"userAttributes": MAP, "validationData": (MAP, NULL), "?clientMetadata": MAP},
        {"autoConfirmUser": bool, "autoVerifyEmail": bool, "autoVerifyPhone": bool},
    ),
    "PostConfirmation_ConfirmSignUp": ({"userAttributes": MAP, "?clientMetadata": MAP}, {}),
    "PostConfirmation_ConfirmForgotPassword": ({"userAttributes": MAP, "?clientMetadata": MAP}, {}),
    "PreAuthentication_Authentication": (
        {"userAttributes": MAP, "?userNotFound": bool, "validationData": (MAP, NULL)},
        {},
    ),
    "PostAuthentication_Authentication": (
        {"userAttributes": MAP, "newDeviceUsed": bool, "?clientMetadata": MAP},
        {},
    ),
    "TokenGeneration_Authentication": _TOKEN_V1,
    "TokenGeneration_NewPasswordChallenge": _TOKEN_V1,
    "TokenGeneration_RefreshTokens": _TOKEN_V1,
    "TokenGeneration_AuthenticateDevice": _TOKEN_V1,
    "UserMigration_Authentication": (
        {"password": str, "validationData": (MAP, NULL), "?clientMetadata": MAP},
        {
            "userAttributes": NULL,
            "finalUserStatus": NULL,
            "messageAction": NULL,
            "desiredDeliveryMediums": NULL,
            "forceAliasCreation": NULL,
            "enableSMSMFA": NULL,
        },
    ),
    "UserMigration_ForgotPassword": (
        {"validationData": (MAP, NULL), "?clientMetadata": MAP},
        {
            "userAttributes": NULL,
            "finalUserStatus": NULL,
            "messageAction": NULL,
            "desiredDeliveryMediums": NULL,
            "forceAliasCreation": NULL,
            "enableSMSMFA": NULL,
        },
    ),
    "CustomMessage_SignUp": _CUSTOM_MESSAGE,
    "CustomMessage_AdminCreateUser": _CUSTOM_MESSAGE,
    "CustomMessage_ResendCode": _CUSTOM_MESSAGE,
    "CustomMessage_ForgotPassword": _CUSTOM_MESSAGE,
    "CustomMessage_UpdateUserAttribute": _CUSTOM_MESSAGE,
    "CustomMessage_VerifyUserAttribute": _CUSTOM_MESSAGE,
    "CustomMessage_Authentication": _CUSTOM_MESSAGE,
    "DefineAuthChallenge_Authentication": (
        {"userAttributes": MAP, "session": _CHALLENGE_SESSION, "?clientMetadata": MAP, "userNotFound": bool},
        {"challengeName": NULL, "issueTokens": NULL, "failAuthentication": NULL},
    ),
    "CreateAuthChallenge_Authentication": (
        {
            "userAttributes": MAP,
            "challengeName": str,
            "session": _CHALLENGE_SESSION,
            "?clientMetadata": MAP,
            "userNotFound": bool,
        },
        {"publicChallengeParameters": NULL, "privateChallengeParameters": NULL, "challengeMetadata": NULL},
    ),
    "VerifyAuthChallengeResponse_Authentication": (
        {
            "userAttributes": MAP,
            "privateChallengeParameters": MAP,
            "challengeAnswer": str,
            "?clientMetadata": MAP,
            "userNotFound": bool,
        },
        {"answerCorrect": NULL},
    ),
}
# Fired only by a federated sign-in over HTTP (test_federation.py), so not in SHAPES.
FEDERATED_SHAPES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "PreSignUp_ExternalProvider": (
        {"userAttributes": MAP, "validationData": (MAP, NULL), "?clientMetadata": MAP},
        {"autoConfirmUser": bool, "autoVerifyEmail": bool, "autoVerifyPhone": bool},
    ),
    "TokenGeneration_HostedAuth": _TOKEN_V1,
}
SESSION_ENTRY = {"challengeName": str, "challengeResult": bool, "challengeMetadata": (str, NULL)}

# One function for every trigger: it prints the event and answers what each source needs.
RECORDER = """
import json

def handler(event, context):
    print("EVENT " + json.dumps(event))
    source, request, response = event["triggerSource"], event["request"], event["response"]
    if source == "DefineAuthChallenge_Authentication":
        session = request["session"]
        if session and session[-1]["challengeName"] == "SRP_A":
            response.update(challengeName="PASSWORD_VERIFIER", issueTokens=False, failAuthentication=False)
        elif session and session[-1]["challengeResult"]:
            response.update(issueTokens=True, failAuthentication=False)
        else:
            response.update(challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)
    elif source == "CreateAuthChallenge_Authentication":
        response.update(
            publicChallengeParameters={"question": "2+2"},
            privateChallengeParameters={"answer": "4"},
            challengeMetadata="MATH",
        )
    elif source == "VerifyAuthChallengeResponse_Authentication":
        response["answerCorrect"] = request["challengeAnswer"] == request["privateChallengeParameters"]["answer"]
    elif source.startswith("UserMigration_") and event["userName"].startswith("mig"):
        response.update(
            userAttributes={"email": event["userName"] + "@example.com", "email_verified": "true"},
            messageAction="SUPPRESS",
            finalUserStatus="RESET_REQUIRED" if source.endswith("ForgotPassword") else "CONFIRMED",
        )
    return event
"""
TRIGGERS = (
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


def _matches(value: Any, spec: Any, where: str) -> list[str]:
    if isinstance(spec, tuple):
        found = [_matches(value, option, where) for option in spec]
        return [] if any(not problems for problems in found) else found[0]
    if spec is NULL:
        return [] if value is None else [f"{where}: {value!r} is not null"]
    if spec == MAP:
        ok = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        return [] if ok else [f"{where}: {value!r} is not a map of strings"]
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return [f"{where}: {value!r} is not an object"]
        return shape_problems(value, spec, where)
    if spec is bool or spec is str:
        return [] if type(value) is spec else [f"{where}: {value!r} is not {spec.__name__}"]
    return [] if isinstance(value, spec) else [f"{where}: {value!r} is not {spec.__name__}"]


def shape_problems(value: dict[str, Any], spec: dict[str, Any], where: str) -> list[str]:
    """What in ``value`` differs from ``spec``: missing or extra keys, wrong types."""
    problems = []
    required = {k for k in spec if not k.startswith(OPTIONAL)}
    allowed = {k.lstrip(OPTIONAL): v for k, v in spec.items()}
    problems += [f"{where}.{k}: missing" for k in sorted(required - set(value))]
    problems += [f"{where}.{k}: not documented" for k in sorted(set(value) - set(allowed))]
    for key in set(value) & set(allowed):
        problems += _matches(value[key], allowed[key], f"{where}.{key}")
    return problems


def _drive_every_source(aws: Env) -> tuple[str, str]:
    recorder = aws.function("recorder", RECORDER)
    device_tracking = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False}
    pool_id, client_id = aws.pool({name: recorder for name in TRIGGERS}, DeviceConfiguration=device_tracking)
    aws.idp.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=client_id,
        ExplicitAuthFlows=[
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_CUSTOM_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )
    idp = aws.idp
    aws.sign_up(client_id, "ana", ClientMetadata={"k": "v"})
    idp.resend_confirmation_code(ClientId=client_id, Username="ana")
    code = aws.outbox.latest(username="ana").code
    idp.confirm_sign_up(ClientId=client_id, Username="ana", ConfirmationCode=code)
    tokens = aws.sign_in(client_id, "ana")["AuthenticationResult"]
    device = tokens["NewDeviceMetadata"]
    idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], "DEVICE_KEY": device["DeviceKey"]},
    )
    access = tokens["AccessToken"]
    _sign_in_with_device(aws, client_id, access, device)
    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": "ana2@example.com"}])
    code = aws.outbox.latest(username="ana", kind="UpdateUserAttribute").code
    idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    idp.forgot_password(ClientId=client_id, Username="ana")
    code = aws.outbox.latest(username="ana", kind="ForgotPassword").code
    idp.confirm_forgot_password(ClientId=client_id, Username="ana", ConfirmationCode=code, Password="N3w-Passw0rd")
    # SRP sign-in (USER_SRP_AUTH, PASSWORD_VERIFIER): the authentication triggers fire as for a password.
    srp = AWSSRP("ana", "N3w-Passw0rd", pool_id, client_id, client=idp)
    assert "AccessToken" in srp.authenticate_user(client_metadata={"flow": "srp"})["AuthenticationResult"]
    # Custom authentication: one wrong answer, then the right one.
    challenge = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "ana"})
    for answer in ("5", "4"):
        challenge = idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="CUSTOM_CHALLENGE",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": "ana", "ANSWER": answer},
            ClientMetadata={"round": answer},
        )
    assert "AccessToken" in challenge["AuthenticationResult"]
    # Custom authentication that starts with SRP: SRP_A, then PASSWORD_VERIFIER, then tokens.
    params = {**srp.get_auth_params(), "CHALLENGE_NAME": "SRP_A"}
    challenge = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters=params)
    challenge = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=challenge["Session"],
        ChallengeResponses=srp.process_challenge(challenge["ChallengeParameters"], params),
    )
    assert "AccessToken" in challenge["AuthenticationResult"]
    # An invited user sets a password.
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="ben",
        TemporaryPassword="Temp-Passw0rd",
        UserAttributes=[{"Name": "email", "Value": "ben@example.com"}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    challenge = aws.sign_in(client_id, "ben", "Temp-Passw0rd")
    idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "ben", "NEW_PASSWORD": PASSWORD},
    )
    # Migration at sign-in and at password reset.
    aws.sign_in(client_id, "mig1")
    idp.forgot_password(ClientId=client_id, Username="mig2")
    # SMS MFA: the sign-in code goes out through CustomMessage_Authentication.
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SmsMfaConfiguration={"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"}},
        MfaConfiguration="OPTIONAL",
    )
    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="ben",
        UserAttributes=[
            {"Name": "phone_number", "Value": "+15550001111"},
            {"Name": "phone_number_verified", "Value": "true"},
        ],
    )
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username="ben", SMSMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    challenge = aws.sign_in(client_id, "ben")
    assert challenge["ChallengeName"] == "SMS_MFA"
    return pool_id, client_id


def _sign_in_with_device(aws: Env, client_id: str, access: str, device: dict[str, str]) -> None:
    """Remember the device of a sign-in, then sign in as it (TokenGeneration_AuthenticateDevice)."""
    key, group = device["DeviceKey"], device["DeviceGroupKey"]
    device_password, config = srp.device_secret(group, key)
    aws.idp.confirm_device(AccessToken=access, DeviceKey=key, DeviceSecretVerifierConfig=config)
    challenge = aws.idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ana", "PASSWORD": PASSWORD, "DEVICE_KEY": key},
    )
    client = srp.Client()
    common = {"USERNAME": "ana", "DEVICE_KEY": key}
    verifier = aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="DEVICE_SRP_AUTH",
        Session=challenge["Session"],
        ChallengeResponses={**common, "SRP_A": client.srp_a},
    )
    claim = client.claim(group, key, device_password, verifier["ChallengeParameters"])
    answer = aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="DEVICE_PASSWORD_VERIFIER",
        Session=verifier["Session"],
        ChallengeResponses={**common, **claim},
        ClientMetadata={"device": "yes"},
    )
    assert "AccessToken" in answer["AuthenticationResult"]


def _event_problems(events: list[dict[str, Any]], pool_id: str, client_id: str) -> list[str]:
    problems = []
    for event in events:
        source = event["triggerSource"]
        request, response = SHAPES[source]
        problems += shape_problems(event, COMMON, source)
        problems += shape_problems(event["request"], request, f"{source}.request")
        problems += shape_problems(event["response"], response, f"{source}.response")
        for entry in event["request"].get("session") or []:
            problems += shape_problems(entry, SESSION_ENTRY, f"{source}.request.session[]")
        assert event["userPoolId"] == pool_id
        assert event["callerContext"]["clientId"] in (client_id, "CLIENT_ID_NOT_APPLICABLE")
    return problems


def test_every_trigger_source_fires_with_its_documented_shape(aws: Env) -> None:
    pool_id, client_id = _drive_every_source(aws)
    events = aws.events("recorder")
    assert {e["triggerSource"] for e in events} == set(SHAPES)
    assert _event_problems(events, pool_id, client_id) == []
    srp_sources = {e["triggerSource"] for e in events if e["request"].get("clientMetadata") == {"flow": "srp"}}
    assert srp_sources == {"PostAuthentication_Authentication", "TokenGeneration_Authentication"}
    sessions = [e["request"]["session"] for e in events if e["triggerSource"].startswith("DefineAuthChallenge")]
    assert [entry["challengeName"] for entry in sessions[-1]] == ["SRP_A", "PASSWORD_VERIFIER"]


def test_a_sign_in_ended_by_mfa_setup_fires_documented_events(aws: Env) -> None:
    # Required MFA after a new password: the set-up challenge ends the sign-in, and only then do
    # PostAuthentication and TokenGeneration_NewPasswordChallenge run.
    recorder = aws.function("recorder", RECORDER)
    pool_id, client_id = aws.pool({name: recorder for name in TRIGGERS})
    aws.idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    aws.idp.admin_create_user(
        UserPoolId=pool_id, Username="una", TemporaryPassword="Temp-Passw0rd", MessageAction="SUPPRESS"
    )
    challenge = aws.sign_in(client_id, "una", "Temp-Passw0rd")
    setup = aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "una", "NEW_PASSWORD": PASSWORD},
    )
    associated = aws.idp.associate_software_token(Session=setup["Session"])
    verified = aws.idp.verify_software_token(
        Session=associated["Session"], UserCode=totp.code(associated["SecretCode"])
    )
    aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": "una"},
        ClientMetadata={"k": "v"},
    )
    events = [e for e in aws.events("recorder") if not e["triggerSource"].startswith("PreSignUp_")]
    assert [e["triggerSource"] for e in events] == [
        "PreAuthentication_Authentication",
        "PostAuthentication_Authentication",
        "TokenGeneration_NewPasswordChallenge",
    ]
    assert _event_problems(events, pool_id, client_id) == []


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_totp_mfa_round_trip(aws: Env) -> None:
    pool_id, client_id = aws.pool(MfaConfiguration="OPTIONAL")
    aws.idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )
    aws.idp.admin_create_user(UserPoolId=pool_id, Username="tia", MessageAction="SUPPRESS")
    aws.idp.admin_set_user_password(UserPoolId=pool_id, Username="tia", Password=PASSWORD, Permanent=True)
    access = aws.sign_in(client_id, "tia")["AuthenticationResult"]["AccessToken"]
    secret = aws.idp.associate_software_token(AccessToken=access)["SecretCode"]
    assert len(secret) == 52
    wrong = "000000" if "000000" not in {totp.code(secret, time.time() + d) for d in (-30, 0, 30)} else "111111"
    assert error_of(lambda: aws.idp.verify_software_token(AccessToken=access, UserCode=wrong)) == (
        "EnableSoftwareTokenMFAException",
        "Code mismatch and fail enable Software Token MFA",
    )
    assert aws.idp.verify_software_token(AccessToken=access, UserCode=totp.code(secret))["Status"] == "SUCCESS"
    aws.idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    challenge = aws.sign_in(client_id, "tia")
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"

    def answer(code: str) -> Any:
        return aws.idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": "tia", "SOFTWARE_TOKEN_MFA_CODE": code},
        )

    assert error_of(lambda: answer(wrong)) == ("CodeMismatchException", "Invalid code received for user")
    # The code that verified the token was used once; the next 30-second step's code is still in the window.
    result = answer(totp.code(secret, time.time() + totp.STEP_SECONDS))["AuthenticationResult"]
    assert _claims(result["AccessToken"])["username"] == "tia"
