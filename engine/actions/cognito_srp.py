"""Signing in the way the AWS SDKs and Amplify do: USER_SRP_AUTH (the password never leaves the engine)
and remembered devices (ConfirmDevice, then DEVICE_SRP_AUTH at the next sign-in). The SRP math is
``engine.crypto.srp``.

``srp_sign_in`` answers PASSWORD_VERIFIER itself, and DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER when it
is given a remembered device; tokens are flattened like ``sign_in``'s, any other challenge shows as
``result.ChallengeName`` and ``result.Session`` for ``respond_to_auth_challenge``.
``remember_device`` confirms the device a sign-in reported (``result.NewDeviceMetadata``) and returns its
key, group key and the random device password, which the run masks like any secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NotRequired, TypedDict

from engine.action import STRING, ActionContext, JsonValue, Problem, action, obj, plain_dict
from engine.actions import cognito_support as cs
from engine.actions.cognito import META
from engine.actions.cognito_auth import TOKENS_EXAMPLE
from engine.crypto import srp

_DEVICE_KEYS = ("device_key", "device_group_key", "device_password")
_DEVICE = {
    "device_key": {**STRING, "description": "A remembered device (from remember_device): sign in as it."},
    "device_group_key": STRING,
    "device_password": STRING,
}


class SrpSignInArgs(TypedDict):
    client_id: str
    user_name: str
    password: str
    client_metadata: NotRequired[Mapping[str, str]]
    user_pool_id: NotRequired[str]
    device_key: NotRequired[str]
    device_group_key: NotRequired[str]
    device_password: NotRequired[str]


class _Challenge(TypedDict):
    """What srp_sign_in reads of InitiateAuth's and RespondToAuthChallenge's answers."""

    ChallengeName: NotRequired[str]
    ChallengeParameters: dict[str, str]
    Session: NotRequired[str]


def _device_check(args: JsonValue) -> list[Problem]:
    if not isinstance(args, dict):
        return []
    given = [key for key in _DEVICE_KEYS if key in args]
    if given and len(given) != len(_DEVICE_KEYS):
        missing = ", ".join(f"'{key}'" for key in _DEVICE_KEYS if key not in args)
        return [([], f"a remembered device needs {missing} too (all three come from remember_device's result)")]
    return []


def _pool_suffix(pool_id: str) -> str:
    """The part of the pool id the password is salted with (``us-east-1_AbC123`` -> ``AbC123``)."""
    return pool_id.split("_", 1)[1] if "_" in pool_id else pool_id


def _answer_device(ctx: ActionContext, args: SrpSignInArgs, device_key: str, challenge: _Challenge) -> _Challenge:
    """DEVICE_SRP_AUTH, then DEVICE_PASSWORD_VERIFIER: the device proves its own secret."""
    idp = ctx.client("cognito-idp")
    username = challenge["ChallengeParameters"].get("USERNAME") or args["user_name"]
    client = srp.Client()
    common = {"USERNAME": username, "DEVICE_KEY": device_key}
    verifier: _Challenge = idp.respond_to_auth_challenge(
        ClientId=args["client_id"],
        ChallengeName="DEVICE_SRP_AUTH",
        Session=challenge.get("Session") or "",
        ChallengeResponses={**common, "SRP_A": client.srp_a},
    )
    parameters = verifier["ChallengeParameters"]
    claim = client.claim(args["device_group_key"], device_key, args["device_password"], parameters)
    answer: _Challenge = idp.respond_to_auth_challenge(
        ClientId=args["client_id"],
        ChallengeName="DEVICE_PASSWORD_VERIFIER",
        Session=verifier.get("Session") or "",
        ChallengeResponses={**common, "USERNAME": parameters.get("USERNAME") or username, **claim},
    )
    return answer


@action(
    "srp_sign_in",
    "Sign in with USER_SRP_AUTH (InitiateAuth, then the PASSWORD_VERIFIER answer), as the AWS SDKs and Amplify "
    "do; with a remembered device's device_key, device_group_key and device_password it also answers "
    "DEVICE_SRP_AUTH. Tokens as result.IdToken, result.AccessToken (and result.NewDeviceMetadata when the pool "
    "tracks devices); another challenge as result.ChallengeName and result.Session.",
    obj(
        {
            "client_id": STRING,
            "user_name": STRING,
            "password": STRING,
            "client_metadata": META,
            "user_pool_id": {**STRING, "description": "The client's pool (found by listing pools if left out)."},
            **_DEVICE,
        },
        ["client_id", "user_name", "password"],
    ),
    {"client_id": "{{ stack.UserPoolClientId }}", "user_name": "alice", "password": "{{ answers.password }}"},
    result_example={**TOKENS_EXAMPLE, "NewDeviceMetadata": {"DeviceKey": "us-east-1_6f0c...", "DeviceGroupKey": "-x"}},
    check=_device_check,
    operations=(
        ("cognito-idp", "InitiateAuth"),
        ("cognito-idp", "RespondToAuthChallenge"),
        ("cognito-idp", "ListUserPools"),
        ("cognito-idp", "ListUserPoolClients"),
    ),
)
def srp_sign_in(args: SrpSignInArgs, ctx: ActionContext) -> JsonValue:
    pool_id = cs.pool_for_client(ctx, args["client_id"], args.get("user_pool_id"))
    idp = ctx.client("cognito-idp")
    client = srp.Client()
    device_key = args.get("device_key")
    parameters = {"USERNAME": args["user_name"], "SRP_A": client.srp_a}
    if device_key:
        parameters["DEVICE_KEY"] = device_key
    metadata = {"ClientMetadata": args["client_metadata"]} if args.get("client_metadata") else {}
    started: _Challenge = idp.initiate_auth(
        AuthFlow="USER_SRP_AUTH", ClientId=args["client_id"], AuthParameters=parameters, **metadata
    )
    if started.get("ChallengeName") != "PASSWORD_VERIFIER":
        return cs.flatten_tokens(started)
    challenge = started["ChallengeParameters"]
    user_id = challenge.get("USER_ID_FOR_SRP") or args["user_name"]
    claim = client.claim(_pool_suffix(pool_id), user_id, args["password"], challenge)
    responses = {"USERNAME": challenge.get("USERNAME") or user_id, **claim}
    if device_key:
        responses["DEVICE_KEY"] = device_key
    session = {"Session": started["Session"]} if started.get("Session") else {}
    answer: _Challenge = idp.respond_to_auth_challenge(
        ClientId=args["client_id"],
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=responses,
        **session,
        **metadata,
    )
    if answer.get("ChallengeName") == "DEVICE_SRP_AUTH" and device_key:
        answer = _answer_device(ctx, args, device_key, answer)
    return cs.flatten_tokens(answer)


class RememberDeviceArgs(TypedDict):
    access_token: str
    device_key: str
    device_group_key: str
    device_name: NotRequired[str]
    remembered: NotRequired[bool]


@action(
    "remember_device",
    "Confirm (ConfirmDevice) the device a sign-in reported in result.NewDeviceMetadata, with a new random device "
    "secret; result.DeviceKey, result.DeviceGroupKey and result.DevicePassword (masked in output) are what "
    "srp_sign_in takes to sign in as this device. remembered: true also marks it remembered (UpdateDeviceStatus).",
    obj(
        {
            "access_token": STRING,
            "device_key": STRING,
            "device_group_key": STRING,
            "device_name": STRING,
            "remembered": {"type": "boolean", "default": False},
        },
        ["access_token", "device_key", "device_group_key"],
    ),
    {
        "access_token": "{{ steps.srp_sign_in.result.AccessToken }}",
        "device_key": "{{ steps.srp_sign_in.result.NewDeviceMetadata.DeviceKey }}",
        "device_group_key": "{{ steps.srp_sign_in.result.NewDeviceMetadata.DeviceGroupKey }}",
    },
    result_example={
        "UserConfirmationNecessary": False,
        "DeviceKey": "us-east-1_6f0c...",
        "DeviceGroupKey": "-x",
        "DevicePassword": "********",
    },
    operations=(("cognito-idp", "ConfirmDevice"), ("cognito-idp", "UpdateDeviceStatus")),
)
def remember_device(args: RememberDeviceArgs, ctx: ActionContext) -> JsonValue:
    password, config = srp.device_secret(args["device_group_key"], args["device_key"])
    ctx.secrets.add(password)
    idp = ctx.client("cognito-idp")
    call: dict[str, object] = {
        "AccessToken": args["access_token"],
        "DeviceKey": args["device_key"],
        "DeviceSecretVerifierConfig": config,
    }
    if args.get("device_name"):
        call["DeviceName"] = args["device_name"]
    result = plain_dict(idp.confirm_device(**call))
    if args.get("remembered"):
        idp.update_device_status(
            AccessToken=args["access_token"], DeviceKey=args["device_key"], DeviceRememberedStatus="remembered"
        )
    return {
        **result,
        "DeviceKey": args["device_key"],
        "DeviceGroupKey": args["device_group_key"],
        "DevicePassword": password,
    }


ACTIONS = [srp_sign_in, remember_device]
