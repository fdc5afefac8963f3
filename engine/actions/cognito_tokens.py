"""Tokens after the sign-in: refreshing them, revoking a refresh token, changing the password."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from engine.action import STRING, ActionContext, JsonValue, action, obj, plain
from engine.actions.cognito_auth import TOKEN
from engine.actions.cognito_support import flatten_tokens

_REFRESH_EXAMPLE: dict[str, JsonValue] = {
    "AccessToken": "eyJraWQiOi...",
    "IdToken": "eyJraWQiOi...",
    "ExpiresIn": 3600,
    "TokenType": "Bearer",
}


class RefreshTokensArgs(TypedDict):
    client_id: str
    refresh_token: str
    device_key: NotRequired[str]


@action(
    "refresh_tokens",
    "New ID and access tokens from a refresh token (InitiateAuth REFRESH_TOKEN_AUTH): result.IdToken, "
    "result.AccessToken; a revoked or signed-out refresh token fails with NotAuthorizedException.",
    obj(
        {
            "client_id": STRING,
            "refresh_token": {**STRING, "description": "e.g. {{ steps.sign_in.result.RefreshToken }}"},
            "device_key": {**STRING, "description": "The device a refresh token of a tracked device is bound to."},
        },
        ["client_id", "refresh_token"],
    ),
    {"client_id": "{{ stack.UserPoolClientId }}", "refresh_token": "{{ steps.sign_in.result.RefreshToken }}"},
    operations=(("cognito-idp", "InitiateAuth"),),
    result_example=_REFRESH_EXAMPLE,
)
def refresh_tokens(args: RefreshTokensArgs, ctx: ActionContext) -> JsonValue:
    parameters = {"REFRESH_TOKEN": args["refresh_token"]}
    if args.get("device_key"):
        parameters["DEVICE_KEY"] = args["device_key"]
    response = ctx.client("cognito-idp").initiate_auth(
        AuthFlow="REFRESH_TOKEN_AUTH", ClientId=args["client_id"], AuthParameters=parameters
    )
    return flatten_tokens(response)


class RevokeTokenArgs(TypedDict):
    client_id: str
    refresh_token: str
    client_secret: NotRequired[str]


@action(
    "revoke_token",
    "Revoke a refresh token (RevokeToken) and every access token it issued; the user's other sessions stay.",
    obj(
        {
            "client_id": STRING,
            "refresh_token": {**STRING, "description": "e.g. {{ steps.sign_in.result.RefreshToken }}"},
            "client_secret": {**STRING, "description": "The app client's secret, when it has one."},
        },
        ["client_id", "refresh_token"],
    ),
    {"client_id": "{{ stack.UserPoolClientId }}", "refresh_token": "{{ steps.sign_in.result.RefreshToken }}"},
    operations=(("cognito-idp", "RevokeToken"),),
)
def revoke_token(args: RevokeTokenArgs, ctx: ActionContext) -> JsonValue:
    extra = {"ClientSecret": args["client_secret"]} if args.get("client_secret") else {}
    return plain(
        ctx.client("cognito-idp").revoke_token(Token=args["refresh_token"], ClientId=args["client_id"], **extra)
    )


class ChangePasswordArgs(TypedDict):
    access_token: str
    previous_password: str
    proposed_password: str


@action(
    "change_password",
    "Change the signed-in user's password with their access token (ChangePassword).",
    obj(
        {"access_token": TOKEN, "previous_password": STRING, "proposed_password": STRING},
        ["access_token", "previous_password", "proposed_password"],
    ),
    {
        "access_token": "{{ steps.sign_in.result.AccessToken }}",
        "previous_password": "{{ answers.password }}",
        "proposed_password": "{{ answers.new_password }}",
    },
    operations=(("cognito-idp", "ChangePassword"),),
)
def change_password(args: ChangePasswordArgs, ctx: ActionContext) -> JsonValue:
    return plain(
        ctx.client("cognito-idp").change_password(
            AccessToken=args["access_token"],
            PreviousPassword=args["previous_password"],
            ProposedPassword=args["proposed_password"],
        )
    )


ACTIONS = [refresh_tokens, revoke_token, change_password]
