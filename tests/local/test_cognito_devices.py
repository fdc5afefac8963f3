"""Device tracking in the local Cognito, through plain boto3 (in-process and over HTTP), with pycognito as
the client side of the device's SRP proof, as the AWS docs describe it:
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-device-tracking.html

A sign-in without a known device gets NewDeviceMetadata when the pool tracks devices; ConfirmDevice
registers the device's SRP verifier; a remembered device then proves its secret (DEVICE_SRP_AUTH,
DEVICE_PASSWORD_VERIFIER) at the end of each sign-in, which ends with TokenGeneration_AuthenticateDevice.
"""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import datetime
from typing import Any

import pytest
from localaws import PASSWORD, Env, error_of
from pycognito.aws_srp import AWSSRP, generate_hash_device

from engine.crypto import totp

ALWAYS = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False}
ON_PROMPT = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True}
DEVICE_KEY = re.compile(r"^us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Device:
    """A device as the app keeps it: its keys and the secret it made up for ConfirmDevice."""

    def __init__(self, metadata: dict[str, str]) -> None:
        self.key = metadata["DeviceKey"]
        self.group_key = metadata["DeviceGroupKey"]
        self.password, self.verifier_config = generate_hash_device(self.group_key, self.key)


def _pool(aws: Env, device_config: dict[str, bool] | None = ALWAYS, **config: Any) -> tuple[str, str]:
    if device_config is not None:
        config["DeviceConfiguration"] = device_config
    return aws.pool(**config)


def _user(aws: Env, pool_id: str, name: str = "dana") -> None:
    aws.idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
    aws.idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)


def _sign_in(aws: Env, client_id: str, name: str = "dana", device: Device | None = None, **kwargs: Any) -> Any:
    parameters = {"USERNAME": name, "PASSWORD": PASSWORD}
    if device is not None:
        parameters["DEVICE_KEY"] = device.key
    return aws.idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=parameters, **kwargs)


def _confirm(aws: Env, tokens: dict[str, Any], name: str | None = "laptop") -> tuple[Device, Any]:
    device = Device(tokens["NewDeviceMetadata"])
    extra = {"DeviceName": name} if name else {}
    answer = aws.idp.confirm_device(
        AccessToken=tokens["AccessToken"],
        DeviceKey=device.key,
        DeviceSecretVerifierConfig=device.verifier_config,
        **extra,
    )
    return device, answer


def _prove(
    aws: Env,
    pool_id: str,
    client_id: str,
    challenge: dict[str, Any],
    device: Device,
    *,
    name: str = "dana",
    device_password: str | None = None,
    with_session: bool = True,
    admin: bool = False,
) -> Any:
    """Answer DEVICE_SRP_AUTH, then DEVICE_PASSWORD_VERIFIER, as pycognito's authenticate_user does
    (it sends no Session) or as Amplify does (it sends the one it got)."""
    assert challenge["ChallengeName"] == "DEVICE_SRP_AUTH"
    srp = AWSSRP(
        name,
        PASSWORD,
        pool_id,
        client_id,
        client=aws.idp,
        device_key=device.key,
        device_group_key=device.group_key,
        device_password=device_password or device.password,
    )

    def respond(challenge_name: str, responses: dict[str, str], session: str | None) -> Any:
        call: dict[str, Any] = {"ClientId": client_id, "ChallengeName": challenge_name, "ChallengeResponses": responses}
        if with_session and session:
            call["Session"] = session
        if admin:
            return aws.idp.admin_respond_to_auth_challenge(UserPoolId=pool_id, **call)
        return aws.idp.respond_to_auth_challenge(**call)

    srp_a = srp.get_auth_params()["SRP_A"]
    verifier = respond(
        "DEVICE_SRP_AUTH", {"USERNAME": name, "DEVICE_KEY": device.key, "SRP_A": srp_a}, challenge.get("Session")
    )
    assert verifier["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    parameters = verifier["ChallengeParameters"]
    assert {"SRP_B", "SALT", "SECRET_BLOCK", "USERNAME", "DEVICE_KEY"} <= set(parameters)
    assert parameters["DEVICE_KEY"] == device.key
    return respond("DEVICE_PASSWORD_VERIFIER", srp.process_device_challenge(parameters), verifier.get("Session"))


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _attributes(device: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}


def test_new_device_metadata_only_when_the_pool_tracks_devices(aws: Env) -> None:
    pool_id, client_id = _pool(aws, None)
    _user(aws, pool_id)
    assert "NewDeviceMetadata" not in _sign_in(aws, client_id)["AuthenticationResult"]
    assert "DeviceConfiguration" not in aws.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]

    pool_id, client_id = _pool(aws)
    _user(aws, pool_id)
    assert aws.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["DeviceConfiguration"] == ALWAYS
    first = _sign_in(aws, client_id)["AuthenticationResult"]
    second = aws.idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "dana", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    for result in (first, second):
        assert DEVICE_KEY.match(result["NewDeviceMetadata"]["DeviceKey"])
        assert result["NewDeviceMetadata"]["DeviceGroupKey"]
    assert first["NewDeviceMetadata"]["DeviceKey"] != second["NewDeviceMetadata"]["DeviceKey"]
    # A device is only listed once the app confirmed it.
    assert aws.idp.list_devices(AccessToken=first["AccessToken"])["Devices"] == []


def test_confirm_list_get_update_and_forget_a_device(aws: Env) -> None:
    pool_id, client_id = _pool(aws)
    _user(aws, pool_id)
    tokens = _sign_in(aws, client_id)["AuthenticationResult"]
    access = tokens["AccessToken"]
    before = datetime.now().astimezone()
    device, answer = _confirm(aws, tokens)
    assert answer["UserConfirmationNecessary"] is False  # "Always": remembered at once

    listed = aws.idp.list_devices(AccessToken=access)["Devices"]
    assert [d["DeviceKey"] for d in listed] == [device.key]
    attributes = _attributes(listed[0])
    assert attributes["device_name"] == "laptop"
    assert attributes["dev:device_remembered_status"] == "remembered"
    assert attributes["device_status"] == "valid"
    assert attributes["dev:device_owner"] == f"dana.{pool_id}"
    # Over HTTP the caller's address is known; in-process there is none.
    assert attributes.get("last_ip_used") == ("127.0.0.1" if aws.url else None)
    assert listed[0]["DeviceCreateDate"] >= before.replace(microsecond=0)
    got = aws.idp.get_device(AccessToken=access, DeviceKey=device.key)["Device"]
    assert got["DeviceKey"] == device.key and _attributes(got) == attributes
    assert aws.idp.admin_get_device(UserPoolId=pool_id, Username="dana", DeviceKey=device.key)["Device"] == got
    assert [d["DeviceKey"] for d in aws.idp.admin_list_devices(UserPoolId=pool_id, Username="dana")["Devices"]] == [
        device.key
    ]

    aws.idp.update_device_status(AccessToken=access, DeviceKey=device.key, DeviceRememberedStatus="not_remembered")
    got = aws.idp.get_device(AccessToken=access, DeviceKey=device.key)["Device"]
    assert _attributes(got)["dev:device_remembered_status"] == "not_remembered"
    aws.idp.admin_update_device_status(
        UserPoolId=pool_id, Username="dana", DeviceKey=device.key, DeviceRememberedStatus="remembered"
    )
    got = aws.idp.admin_get_device(UserPoolId=pool_id, Username="dana", DeviceKey=device.key)["Device"]
    assert _attributes(got)["dev:device_remembered_status"] == "remembered"

    aws.idp.forget_device(AccessToken=access, DeviceKey=device.key)
    assert aws.idp.list_devices(AccessToken=access)["Devices"] == []
    missing = ("ResourceNotFoundException", "Device does not exist.")
    assert error_of(lambda: aws.idp.get_device(AccessToken=access, DeviceKey=device.key)) == missing
    assert error_of(lambda: aws.idp.forget_device(AccessToken=access, DeviceKey=device.key)) == missing
    assert (
        error_of(lambda: aws.idp.admin_forget_device(UserPoolId=pool_id, Username="dana", DeviceKey=device.key))
        == missing
    )

    # A second device, forgotten by the administrator.
    other, _ = _confirm(aws, _sign_in(aws, client_id)["AuthenticationResult"], name=None)
    assert "device_name" not in _attributes(aws.idp.get_device(AccessToken=access, DeviceKey=other.key)["Device"])
    aws.idp.admin_forget_device(UserPoolId=pool_id, Username="dana", DeviceKey=other.key)
    assert aws.idp.admin_list_devices(UserPoolId=pool_id, Username="dana")["Devices"] == []


def test_device_operations_answer_aws_errors(aws: Env) -> None:
    pool_id, client_id = _pool(aws)
    _user(aws, pool_id)
    tokens = _sign_in(aws, client_id)["AuthenticationResult"]
    access = tokens["AccessToken"]
    device = Device(tokens["NewDeviceMetadata"])
    assert error_of(lambda: aws.idp.list_devices(AccessToken="nope")) == (
        "NotAuthorizedException",
        "Invalid Access Token",
    )
    assert error_of(
        lambda: aws.idp.confirm_device(
            AccessToken=access, DeviceKey="us-east-1_00000000-0000-0000-0000-000000000000", DeviceName="x"
        )
    ) == ("ResourceNotFoundException", "Device does not exist.")
    code, _ = error_of(
        lambda: aws.idp.confirm_device(
            AccessToken=access,
            DeviceKey=device.key,
            DeviceSecretVerifierConfig={"PasswordVerifier": "%%% not base64", "Salt": "AAAA"},
        )
    )
    assert code == "InvalidParameterException"
    _confirm(aws, tokens)
    code, _ = error_of(
        lambda: aws.idp.update_device_status(AccessToken=access, DeviceKey=device.key, DeviceRememberedStatus="maybe")
    )
    assert code == "InvalidParameterException"
    code, _ = error_of(lambda: aws.idp.list_devices(AccessToken=access, Limit=61))
    assert code == "InvalidParameterException"
    assert error_of(lambda: aws.idp.admin_list_devices(UserPoolId=pool_id, Username="nobody")) == (
        "UserNotFoundException",
        "User does not exist.",
    )
    # Paging through two devices one at a time.
    second, _ = _confirm(aws, _sign_in(aws, client_id)["AuthenticationResult"])
    page = aws.idp.list_devices(AccessToken=access, Limit=1)
    rest = aws.idp.list_devices(AccessToken=access, Limit=1, PaginationToken=page["PaginationToken"])
    assert [d["DeviceKey"] for d in page["Devices"] + rest["Devices"]] == [device.key, second.key]
    assert "PaginationToken" not in rest


def test_user_prompt_pool_remembers_a_device_only_when_asked(aws: Env) -> None:
    pool_id, client_id = _pool(aws, ON_PROMPT)
    _user(aws, pool_id)
    tokens = _sign_in(aws, client_id)["AuthenticationResult"]
    device, answer = _confirm(aws, tokens)
    assert answer["UserConfirmationNecessary"] is True
    got = aws.idp.get_device(AccessToken=tokens["AccessToken"], DeviceKey=device.key)["Device"]
    assert _attributes(got)["dev:device_remembered_status"] == "not_remembered"
    # A known but not remembered device signs in without device authentication (and is no new device).
    result = _sign_in(aws, client_id, device=device)
    assert "ChallengeName" not in result and "NewDeviceMetadata" not in result["AuthenticationResult"]
    aws.idp.update_device_status(
        AccessToken=tokens["AccessToken"], DeviceKey=device.key, DeviceRememberedStatus="remembered"
    )
    challenge = _sign_in(aws, client_id, device=device)
    assert challenge["ChallengeName"] == "DEVICE_SRP_AUTH"
    assert "AccessToken" in _prove(aws, pool_id, client_id, challenge, device)["AuthenticationResult"]


TOKEN_EVENT_REQUEST = {"userAttributes", "groupConfiguration"}


def test_a_remembered_device_proves_its_secret_and_fires_authenticate_device(aws: Env) -> None:
    post = aws.trigger("post-auth")
    pre_token = aws.trigger("pre-token")
    pool_id, client_id = _pool(aws, lambda_config={"PostAuthentication": post, "PreTokenGeneration": pre_token})
    _user(aws, pool_id)
    tokens = _sign_in(aws, client_id)["AuthenticationResult"]
    device, _ = _confirm(aws, tokens)

    for with_session in (True, False):  # Amplify sends the Session it got, pycognito none
        challenge = _sign_in(aws, client_id, device=device)
        assert challenge["ChallengeName"] == "DEVICE_SRP_AUTH"
        result = _prove(aws, pool_id, client_id, challenge, device, with_session=with_session)
        assert "ChallengeName" not in result
        assert {"IdToken", "AccessToken", "RefreshToken"} <= set(result["AuthenticationResult"])
        assert "NewDeviceMetadata" not in result["AuthenticationResult"]

    sources = [e["triggerSource"] for e in aws.events("pre-token")]
    assert sources == ["TokenGeneration_Authentication"] + ["TokenGeneration_AuthenticateDevice"] * 2
    event = aws.events("pre-token")[-1]
    assert event["userName"] == "dana" and event["callerContext"]["clientId"] == client_id
    assert set(event["request"]) == TOKEN_EVENT_REQUEST
    assert [e["request"]["newDeviceUsed"] for e in aws.events("post-auth")] == [True, False, False]
    assert _claims(tokens["AccessToken"])["device_key"] == device.key  # the new device, then the remembered one
    assert _claims(result["AuthenticationResult"]["AccessToken"])["device_key"] == device.key
    assert "device_key" not in _claims(result["AuthenticationResult"]["IdToken"])
    listed = aws.idp.get_device(AccessToken=result["AuthenticationResult"]["AccessToken"], DeviceKey=device.key)
    assert listed["Device"]["DeviceLastAuthenticatedDate"] >= listed["Device"]["DeviceCreateDate"]


def test_the_admin_flow_gets_the_device_challenge_too(aws: Env) -> None:
    pool_id, client_id = _pool(aws)
    _user(aws, pool_id)
    device, _ = _confirm(aws, _sign_in(aws, client_id)["AuthenticationResult"])
    challenge = aws.idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "dana", "PASSWORD": PASSWORD, "DEVICE_KEY": device.key},
    )
    result = _prove(aws, pool_id, client_id, challenge, device, admin=True)
    assert "AccessToken" in result["AuthenticationResult"]


def test_a_wrong_device_secret_is_refused(aws: Env) -> None:
    pool_id, client_id = _pool(aws)
    _user(aws, pool_id)
    device, _ = _confirm(aws, _sign_in(aws, client_id)["AuthenticationResult"])
    challenge = _sign_in(aws, client_id, device=device)
    assert error_of(
        lambda: _prove(aws, pool_id, client_id, challenge, device, device_password="not-the-device-secret")
    ) == ("NotAuthorizedException", "Incorrect username or password.")
    # Another device's key cannot answer this sign-in's challenge, nor can a made-up one.
    srp_a = AWSSRP("dana", PASSWORD, pool_id, client_id, client=aws.idp).get_auth_params()["SRP_A"]
    for key in ("us-east-1_00000000-0000-0000-0000-000000000000", ""):
        code, _ = error_of(
            lambda key=key: aws.idp.respond_to_auth_challenge(
                ClientId=client_id,
                ChallengeName="DEVICE_SRP_AUTH",
                ChallengeResponses={"USERNAME": "dana", "DEVICE_KEY": key, "SRP_A": srp_a},
            )
        )
        assert code in ("NotAuthorizedException", "InvalidParameterException")
    # A DEVICE_PASSWORD_VERIFIER nobody asked for.
    code, _ = error_of(
        lambda: aws.idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="DEVICE_PASSWORD_VERIFIER",
            ChallengeResponses={
                "USERNAME": "dana",
                "DEVICE_KEY": device.key,
                "PASSWORD_CLAIM_SIGNATURE": "AAAA",
                "PASSWORD_CLAIM_SECRET_BLOCK": "AAAA",
                "TIMESTAMP": "Mon Jan 1 00:00:00 UTC 2024",
            },
        )
    )
    assert code == "NotAuthorizedException"


def test_a_forgotten_device_is_no_longer_challenged(aws: Env) -> None:
    pool_id, client_id = _pool(aws)
    _user(aws, pool_id)
    tokens = _sign_in(aws, client_id)["AuthenticationResult"]
    device, _ = _confirm(aws, tokens)
    aws.idp.forget_device(AccessToken=tokens["AccessToken"], DeviceKey=device.key)
    # Cognito no longer knows the key (what the SDKs retry without, see amplify-android#2603).
    assert error_of(lambda: _sign_in(aws, client_id, device=device)) == (
        "ResourceNotFoundException",
        "Device does not exist.",
    )
    result = _sign_in(aws, client_id)
    assert "ChallengeName" not in result
    assert result["AuthenticationResult"]["NewDeviceMetadata"]["DeviceKey"] != device.key


def test_refresh_tokens_are_bound_to_their_device(aws: Env) -> None:
    pool_id, client_id = _pool(aws)
    _user(aws, pool_id)
    tokens = _sign_in(aws, client_id)["AuthenticationResult"]
    key = tokens["NewDeviceMetadata"]["DeviceKey"]

    def refresh(**extra: str) -> Any:
        return aws.idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], **extra},
        )

    invalid = ("NotAuthorizedException", "Invalid Refresh Token")
    assert error_of(refresh) == invalid
    assert error_of(lambda: refresh(DEVICE_KEY="us-east-1_00000000-0000-0000-0000-000000000000")) == invalid
    assert _claims(refresh(DEVICE_KEY=key)["AuthenticationResult"]["AccessToken"])["device_key"] == key
    device, _ = _confirm(aws, tokens)
    aws.idp.forget_device(AccessToken=tokens["AccessToken"], DeviceKey=device.key)
    assert error_of(lambda: refresh(DEVICE_KEY=key)) == invalid


class Authenticator:
    """dana's authenticator app: each code from a later time step (Cognito takes a code once), all within
    the step either side of now that Cognito accepts."""

    def __init__(self, secret: str) -> None:
        self.secret, self.at = secret, time.time() - totp.STEP_SECONDS

    def code(self) -> str:
        code = totp.code(self.secret, self.at)
        self.at += totp.STEP_SECONDS
        return code


def _totp_user(aws: Env, pool_id: str, client_id: str) -> tuple[Authenticator, dict[str, Any]]:
    """dana with a verified, preferred software token; (her authenticator, a sign-in that answered MFA)."""
    aws.idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )
    _user(aws, pool_id)
    access = _sign_in(aws, client_id)["AuthenticationResult"]["AccessToken"]
    app = Authenticator(aws.idp.associate_software_token(AccessToken=access)["SecretCode"])
    aws.idp.verify_software_token(AccessToken=access, UserCode=app.code())
    aws.idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    challenge = _sign_in(aws, client_id)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    return app, _answer_mfa(aws, client_id, challenge, app)


def _answer_mfa(aws: Env, client_id: str, challenge: dict[str, Any], app: Authenticator) -> Any:
    return aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "dana", "SOFTWARE_TOKEN_MFA_CODE": app.code()},
    )


@pytest.mark.parametrize("suppress", [True, False])
def test_a_remembered_device_replaces_mfa_when_the_pool_says_so(aws: Env, suppress: bool) -> None:
    config = {"ChallengeRequiredOnNewDevice": suppress, "DeviceOnlyRememberedOnUserPrompt": False}
    pool_id, client_id = _pool(aws, config)
    app, answered = _totp_user(aws, pool_id, client_id)
    tokens = answered["AuthenticationResult"]  # a sign-in that ended with MFA reports its new device too
    device, _ = _confirm(aws, tokens)
    challenge = _sign_in(aws, client_id, device=device)
    if not suppress:  # ChallengeRequiredOnNewDevice false: MFA first, then the device proves itself
        assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
        challenge = _answer_mfa(aws, client_id, challenge, app)
    result = _prove(aws, pool_id, client_id, challenge, device)
    assert "AccessToken" in result["AuthenticationResult"]
    # A not remembered device does not replace MFA.
    aws.idp.update_device_status(
        AccessToken=tokens["AccessToken"], DeviceKey=device.key, DeviceRememberedStatus="not_remembered"
    )
    assert _sign_in(aws, client_id, device=device)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_user_srp_auth_with_a_device_key_ends_with_the_device_proof(aws: Env) -> None:
    post = aws.trigger("post-auth")
    pool_id, client_id = _pool(aws, lambda_config={"PostAuthentication": post})
    aws.idp.update_user_pool_client(
        UserPoolId=pool_id, ClientId=client_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )
    _user(aws, pool_id)
    tokens = AWSSRP("dana", PASSWORD, pool_id, client_id, client=aws.idp).authenticate_user()["AuthenticationResult"]
    device, _ = _confirm(aws, tokens)
    # pycognito sends DEVICE_KEY in InitiateAuth and the PASSWORD_VERIFIER answer, then answers
    # DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER itself (without Sessions).
    signed_in = AWSSRP(
        "dana",
        PASSWORD,
        pool_id,
        client_id,
        client=aws.idp,
        device_key=device.key,
        device_group_key=device.group_key,
        device_password=device.password,
    ).authenticate_user()
    assert "AccessToken" in signed_in["AuthenticationResult"]
    assert "NewDeviceMetadata" not in signed_in["AuthenticationResult"]
    assert [e["request"]["newDeviceUsed"] for e in aws.events("post-auth")] == [True, False]
    forged = AWSSRP(
        "dana",
        PASSWORD,
        pool_id,
        client_id,
        client=aws.idp,
        device_key=device.key,
        device_group_key=device.group_key,
        device_password="not-the-device-secret",
    )
    assert error_of(forged.authenticate_user) == ("NotAuthorizedException", "Incorrect username or password.")
