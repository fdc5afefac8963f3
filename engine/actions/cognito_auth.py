"""Cognito sign-in beyond a password: admin-initiated auth, auth challenges, tokens and a user's
own attributes (GetUser, UpdateUserAttributes, attribute verification, global sign-out).

Results with tokens are flattened like ``sign_in``'s: ``result.IdToken``, ``result.AccessToken``;
a further challenge shows as ``result.ChallengeName`` and ``result.Session``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NotRequired, TypedDict

from engine.action import STRING, ActionContext, JsonValue, Problem, action, obj, plain
from engine.actions import cognito_support as cs
from engine.actions.cognito import ATTRS, META, AccessTokenArgs
from engine.actions.cognito_admin import PoolUserArgs
from engine.template.render import is_template

TOKENS_EXAMPLE: dict[str, JsonValue] = {
    "ChallengeParameters": {},
    "AccessToken": "eyJraWQiOi...",
    "ExpiresIn": 3600,
    "TokenType": "Bearer",
    "RefreshToken": "eyJjdHkiOi...",
    "IdToken": "eyJraWQiOi...",
}


def _initiate_auth_check(args: JsonValue) -> list[Problem]:
    if not isinstance(args, dict):
        return []
    flow = str(args.get("flow", "ADMIN_USER_PASSWORD_AUTH"))
    needs = {"REFRESH_TOKEN_AUTH": ["refresh_token"], "CUSTOM_AUTH": ["user_name"]}.get(flow, ["user_name", "password"])
    return [([], f"flow {flow} needs '{name}'") for name in needs if name not in args]


ADMIN_FLOWS = ["ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "REFRESH_TOKEN_AUTH", "CUSTOM_AUTH"]


class AdminInitiateAuthArgs(TypedDict):
    user_pool_id: str
    client_id: str
    user_name: NotRequired[str]
    password: NotRequired[str]
    flow: NotRequired[Literal["ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "REFRESH_TOKEN_AUTH", "CUSTOM_AUTH"]]
    refresh_token: NotRequired[str]
    client_metadata: NotRequired[Mapping[str, str]]


@action(
    "admin_initiate_auth",
    "Sign in as an administrator (AdminInitiateAuth; the app client must allow the flow). "
    "Tokens as result.IdToken, result.AccessToken; a challenge as result.ChallengeName and result.Session. "
    "A user migrated by the sign-in is deleted at cleanup.",
    obj(
        {
            "user_pool_id": STRING,
            "client_id": STRING,
            "user_name": STRING,
            "password": STRING,
            "flow": {"enum": ADMIN_FLOWS, "default": "ADMIN_USER_PASSWORD_AUTH"},
            "refresh_token": {**STRING, "description": "For flow REFRESH_TOKEN_AUTH."},
            "client_metadata": META,
        },
        ["user_pool_id", "client_id"],
    ),
    {
        "user_pool_id": "{{ stack.UserPoolId }}",
        "client_id": "{{ stack.UserPoolClientId }}",
        "user_name": "alice",
        "password": "{{ answers.password }}",
    },
    result_example=TOKENS_EXAMPLE,
    check=_initiate_auth_check,
)
def admin_initiate_auth(args: AdminInitiateAuthArgs, ctx: ActionContext) -> JsonValue:
    flow = args.get("flow", "ADMIN_USER_PASSWORD_AUTH")
    parameters: dict[str, str] = {}
    user_name = args.get("user_name")
    for name, value in (("USERNAME", user_name), ("PASSWORD", args.get("password"))):
        if value:
            parameters[name] = value
    if args.get("refresh_token"):
        parameters["REFRESH_TOKEN"] = args["refresh_token"]
    call: dict[str, object] = {
        "UserPoolId": args["user_pool_id"],
        "ClientId": args["client_id"],
        "AuthFlow": flow,
        "AuthParameters": parameters,
    }
    if args.get("client_metadata"):
        call["ClientMetadata"] = args["client_metadata"]
    idp = ctx.client("cognito-idp")
    if flow.startswith("ADMIN_") and user_name:
        with cs.maybe_creating_user(ctx, args["user_pool_id"], user_name):
            return cs.flatten_tokens(idp.admin_initiate_auth(**call))
    return cs.flatten_tokens(idp.admin_initiate_auth(**call))


# What each challenge is answered with: the argument, and the ChallengeResponses key it fills.
CHALLENGE_ANSWERS: dict[str, tuple[str, str]] = {
    "NEW_PASSWORD_REQUIRED": ("new_password", "NEW_PASSWORD"),
    "SMS_MFA": ("code", "SMS_MFA_CODE"),
    "SOFTWARE_TOKEN_MFA": ("code", "SOFTWARE_TOKEN_MFA_CODE"),
    "SELECT_MFA_TYPE": ("mfa_type", "ANSWER"),
    "CUSTOM_CHALLENGE": ("answer", "ANSWER"),
}


def _challenge_check(args: JsonValue) -> list[Problem]:
    if not isinstance(args, dict) or is_template(args.get("challenge")):
        return []
    argument, key = CHALLENGE_ANSWERS.get(str(args["challenge"]), ("", ""))
    responses = args.get("responses")
    if argument and argument not in args and not (isinstance(responses, Mapping | str) and key in responses):
        return [([], f"challenge {args['challenge']} is answered with '{argument}'")]
    return []


class RespondToAuthChallengeArgs(TypedDict):
    client_id: str
    challenge: str
    session: str
    user_name: str
    new_password: NotRequired[str]
    attributes: NotRequired[Mapping[str, str]]
    code: NotRequired[str]
    mfa_type: NotRequired[Literal["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]]
    answer: NotRequired[str]
    responses: NotRequired[Mapping[str, str]]
    user_pool_id: NotRequired[str]
    client_metadata: NotRequired[Mapping[str, str]]


_CHALLENGE_SCHEMA = obj(
    {
        "client_id": STRING,
        "challenge": {
            **STRING,
            "description": "The ChallengeName being answered: " + ", ".join(CHALLENGE_ANSWERS) + " (or another).",
            "examples": list(CHALLENGE_ANSWERS),
        },
        "session": {**STRING, "description": "The Session of the step that got the challenge."},
        "user_name": STRING,
        "new_password": {**STRING, "description": "NEW_PASSWORD_REQUIRED: the password to keep."},
        "attributes": {**ATTRS, "description": "NEW_PASSWORD_REQUIRED: required attributes still missing."},
        "code": {**STRING, "description": "SMS_MFA / SOFTWARE_TOKEN_MFA: the code."},
        "mfa_type": {"enum": ["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"], "description": "SELECT_MFA_TYPE"},
        "answer": {**STRING, "description": "CUSTOM_CHALLENGE: the answer your VerifyAuthChallenge checks."},
        "responses": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Further ChallengeResponses, as the API names them (they win over the above).",
        },
        "user_pool_id": {**STRING, "description": "Given: AdminRespondToAuthChallenge (after admin_initiate_auth)."},
        "client_metadata": META,
    },
    ["client_id", "challenge", "session", "user_name"],
)


@action(
    "respond_to_auth_challenge",
    "Answer a sign-in challenge (RespondToAuthChallenge, or AdminRespondToAuthChallenge when user_pool_id is "
    "given): NEW_PASSWORD_REQUIRED, SMS_MFA, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, CUSTOM_CHALLENGE. Tokens as "
    "result.IdToken, result.AccessToken; a further challenge as result.ChallengeName and result.Session.",
    _CHALLENGE_SCHEMA,
    {
        "client_id": "{{ stack.UserPoolClientId }}",
        "challenge": "NEW_PASSWORD_REQUIRED",
        "session": "{{ steps.sign_in.result.Session }}",
        "user_name": "alice",
        "new_password": "{{ answers.new_password }}",
    },
    result_example=TOKENS_EXAMPLE,
    check=_challenge_check,
)
def respond_to_auth_challenge(args: RespondToAuthChallengeArgs, ctx: ActionContext) -> JsonValue:
    challenge = args["challenge"]
    responses: dict[str, str] = {"USERNAME": args["user_name"]}
    argument, key = CHALLENGE_ANSWERS.get(challenge, ("", ""))
    # The answer's argument is one of new_password, code, mfa_type or answer, picked by the challenge.
    given: Mapping[str, object] = args
    if argument and given.get(argument) is not None:
        responses[key] = str(given[argument])
    if challenge == "NEW_PASSWORD_REQUIRED":
        for name, value in (args.get("attributes") or {}).items():
            responses[f"userAttributes.{name}"] = str(value)
    responses.update(args.get("responses") or {})
    call: dict[str, object] = {
        "ClientId": args["client_id"],
        "ChallengeName": challenge,
        "Session": args["session"],
        "ChallengeResponses": responses,
    }
    if args.get("client_metadata"):
        call["ClientMetadata"] = args["client_metadata"]
    idp = ctx.client("cognito-idp")
    if args.get("user_pool_id"):
        return cs.flatten_tokens(idp.admin_respond_to_auth_challenge(UserPoolId=args["user_pool_id"], **call))
    return cs.flatten_tokens(idp.respond_to_auth_challenge(**call))


TOKEN = {**STRING, "description": "The user's access token, e.g. {{ steps.sign_in.result.AccessToken }}"}
TOKEN_EXAMPLE = "{{ steps.sign_in.result.AccessToken }}"
USER_EXAMPLE: dict[str, JsonValue] = {
    "Username": "alice",
    "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}],
    "attributes": {"email": "alice@example.com", "email_verified": "true"},
}


@action(
    "get_user",
    "Read the signed-in user with their access token (GetUser); attributes as a mapping in result.attributes.",
    obj({"access_token": TOKEN}, ["access_token"]),
    {"access_token": TOKEN_EXAMPLE},
    result_example=USER_EXAMPLE,
)
def get_user(args: AccessTokenArgs, ctx: ActionContext) -> JsonValue:
    user: cs.UserView = ctx.client("cognito-idp").get_user(AccessToken=args["access_token"])
    return cs.with_attribute_map(user)


class UpdateUserAttributesArgs(TypedDict):
    access_token: str
    attributes: Mapping[str, str]
    client_metadata: NotRequired[Mapping[str, str]]


@action(
    "update_user_attributes",
    "Change the signed-in user's attributes (UpdateUserAttributes); a changed email or phone number is sent "
    "a code (verify it with verify_user_attribute).",
    obj({"access_token": TOKEN, "attributes": ATTRS, "client_metadata": META}, ["access_token", "attributes"]),
    {"access_token": TOKEN_EXAMPLE, "attributes": {"given_name": "Alice"}},
    result_example={
        "CodeDeliveryDetailsList": [{"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}]
    },
)
def update_user_attributes(args: UpdateUserAttributesArgs, ctx: ActionContext) -> JsonValue:
    call: dict[str, object] = {
        "AccessToken": args["access_token"],
        "UserAttributes": cs.user_attributes(args["attributes"]),
    }
    if args.get("client_metadata"):
        call["ClientMetadata"] = args["client_metadata"]
    return plain(ctx.client("cognito-idp").update_user_attributes(**call))


ATTRIBUTE = {**STRING, "description": "The attribute, e.g. email or phone_number."}


class AttributeCodeArgs(TypedDict):
    access_token: str
    attribute: str
    client_metadata: NotRequired[Mapping[str, str]]


@action(
    "get_user_attribute_verification_code",
    "Send the signed-in user a code to verify an attribute (GetUserAttributeVerificationCode).",
    obj({"access_token": TOKEN, "attribute": ATTRIBUTE, "client_metadata": META}, ["access_token", "attribute"]),
    {"access_token": TOKEN_EXAMPLE, "attribute": "email"},
    result_example={
        "CodeDeliveryDetails": {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    },
)
def get_user_attribute_verification_code(args: AttributeCodeArgs, ctx: ActionContext) -> JsonValue:
    call: dict[str, object] = {"AccessToken": args["access_token"], "AttributeName": args["attribute"]}
    if args.get("client_metadata"):
        call["ClientMetadata"] = args["client_metadata"]
    return plain(ctx.client("cognito-idp").get_user_attribute_verification_code(**call))


class VerifyUserAttributeArgs(TypedDict):
    access_token: str
    attribute: str
    code: str


@action(
    "verify_user_attribute",
    "Verify an attribute of the signed-in user with the code that was sent (VerifyUserAttribute).",
    obj({"access_token": TOKEN, "attribute": ATTRIBUTE, "code": STRING}, ["access_token", "attribute", "code"]),
    {"access_token": TOKEN_EXAMPLE, "attribute": "email", "code": "{{ answers.code }}"},
    result_example={},
)
def verify_user_attribute(args: VerifyUserAttributeArgs, ctx: ActionContext) -> JsonValue:
    return plain(
        ctx.client("cognito-idp").verify_user_attribute(
            AccessToken=args["access_token"], AttributeName=args["attribute"], Code=str(args["code"])
        )
    )


@action(
    "global_sign_out",
    "Sign the user out everywhere with their access token (GlobalSignOut): their refresh tokens stop working.",
    obj({"access_token": TOKEN}, ["access_token"]),
    {"access_token": TOKEN_EXAMPLE},
    result_example={},
)
def global_sign_out(args: AccessTokenArgs, ctx: ActionContext) -> JsonValue:
    return plain(ctx.client("cognito-idp").global_sign_out(AccessToken=args["access_token"]))


@action(
    "admin_user_global_sign_out",
    "Sign a user out everywhere as an administrator (AdminUserGlobalSignOut).",
    obj({"user_pool_id": STRING, "user_name": STRING}, ["user_pool_id", "user_name"]),
    {"user_pool_id": "{{ stack.UserPoolId }}", "user_name": "alice"},
    result_example={},
)
def admin_user_global_sign_out(args: PoolUserArgs, ctx: ActionContext) -> JsonValue:
    return plain(
        ctx.client("cognito-idp").admin_user_global_sign_out(
            UserPoolId=args["user_pool_id"], Username=args["user_name"]
        )
    )


ACTIONS = [
    admin_initiate_auth,
    respond_to_auth_challenge,
    get_user,
    update_user_attributes,
    get_user_attribute_verification_code,
    verify_user_attribute,
    global_sign_out,
    admin_user_global_sign_out,
]
