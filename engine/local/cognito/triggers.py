"""Invoking a user pool's Lambda triggers, the way Amazon Cognito does.

Every trigger invocation of the local Cognito goes through ``invoke_trigger``: the function is
looked up from the pool's own ``LambdaConfig`` and invoked synchronously with the documented event
(common fields + ``request`` + ``response`` with its defaults), in-process for Python and behind the
Lambda Runtime API for every other runtime; what follows is the same for all of them. How a failure
reaches the API caller:

* the function raised (or timed out): ``UserLambdaValidationException``
  ``<Trigger> failed with error <errorMessage>.``
* it returned something that is not an event with a ``response`` object, or a response field
  of the wrong type: ``InvalidLambdaResponseException`` ``Unrecognizable lambda output``
* it does not exist, cannot run here, or outran Cognito's 5 second wait:
  ``UnexpectedLambdaException`` ``<Trigger> invocation failed due to error <reason>.``
"""

from __future__ import annotations

import contextvars
import json
import re
from dataclasses import dataclass
from typing import Any

from engine.local.awslambda.runtime import UnsupportedFunction, invoke_function
from engine.local.cognito.common import NO_CLIENT
from engine.local.cognito.exceptions import (
    InvalidLambdaResponseException,
    UnexpectedLambdaException,
    UserLambdaValidationException,
)

COGNITO_WAIT_SECONDS = 5.0  # Cognito gives up on a trigger after 5 seconds
SDK_VERSION = "aws-sdk-unknown-unknown"  # what Cognito shows when the caller's SDK is not recognised

# The User-Agent of the API request being answered (set by ``responses``): callerContext.awsSdkVersion
# names the caller's SDK, e.g. ``aws-sdk-js-3.400.0`` for ``aws-sdk-js/3.400.0``.
CALLER_AGENT: contextvars.ContextVar[str] = contextvars.ContextVar("caller_agent", default="")
_SDK_TOKENS = (
    (re.compile(r"\baws-sdk-([A-Za-z0-9]+)/([0-9][\w.\-]*)"), "{}"),
    (re.compile(r"\bBoto3/([0-9][\w.\-]*)"), "python"),
    (re.compile(r"\baws-cli/([0-9][\w.\-]*)"), "cli"),
    (re.compile(r"\bBotocore/([0-9][\w.\-]*)"), "python"),
)


def sdk_version(user_agent: str) -> str:
    """``aws-sdk-<language>-<version>`` from a caller's User-Agent, else ``aws-sdk-unknown-unknown``."""
    for pattern, language in _SDK_TOKENS:
        found = pattern.search(user_agent or "")
        if found:
            if language == "{}":
                return f"aws-sdk-{found.group(1)}-{found.group(2)}"
            return f"aws-sdk-{language}-{found.group(1)}"
    return SDK_VERSION


def trigger_arn(pool: Any, trigger: str) -> str | None:
    """The function ARN configured for ``trigger`` (a LambdaConfig key) in ``pool``, if any."""
    config = pool.extended_config.get("LambdaConfig") or {}
    if trigger == "PreTokenGeneration":
        versioned = config.get("PreTokenGenerationConfig") or {}
        return versioned.get("LambdaArn") or config.get("PreTokenGeneration")
    arn = config.get(trigger)
    if isinstance(arn, dict):  # CustomEmailSender / CustomSMSSender: {LambdaVersion, LambdaArn}
        arn = arn.get("LambdaArn")
    return str(arn) if arn else None


def has_trigger(pool: Any, trigger: str) -> bool:
    return trigger_arn(pool, trigger) is not None


def make_event(
    pool: Any,
    trigger_source: str,
    username: str,
    client_id: str | None,
    request: dict[str, Any],
    response: dict[str, Any],
    *,
    version: str = "1",
) -> dict[str, Any]:
    """A trigger event with Cognito's common fields."""
    return {
        "version": version,
        "triggerSource": trigger_source,
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": username,
        "callerContext": {"awsSdkVersion": sdk_version(CALLER_AGENT.get()), "clientId": client_id or NO_CLIENT},
        "request": request,
        "response": response,
    }


def with_metadata(request: dict[str, Any], client_metadata: dict[str, str] | None) -> dict[str, Any]:
    """``request`` plus ``clientMetadata`` when the API call passed some (Cognito omits it otherwise)."""
    if client_metadata:
        request["clientMetadata"] = dict(client_metadata)
    return request


def find_function(arn: str) -> Any:
    """The moto Lambda function ``arn`` names, or ``None``."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "lambda":
        return None
    region, account = parts[3], parts[4]
    from moto.awslambda.exceptions import LambdaClientError  # moto's Lambda only once a trigger fires
    from moto.awslambda.models import lambda_backends

    try:
        return lambda_backends[account][region].get_function(arn)
    except LambdaClientError:
        return None


def invoke_trigger(pool: Any, trigger: str, event: dict[str, Any]) -> dict[str, Any]:
    """Invoke ``pool``'s ``trigger`` function with ``event``; return the ``response`` it sent back."""
    response = invoke_trigger_or_null(pool, trigger, event)
    if response is None:
        raise InvalidLambdaResponseException()
    return response


def invoke_trigger_or_null(pool: Any, trigger: str, event: dict[str, Any]) -> dict[str, Any] | None:
    """``invoke_trigger``, but a function that returned null gives ``None`` (a UserMigration function
    answering null means "no such user": Cognito then answers UserNotFoundException)."""
    arn = trigger_arn(pool, trigger)
    fn = find_function(arn) if arn else None
    if fn is None:
        raise UnexpectedLambdaException(f"{trigger} invocation failed due to error ResourceNotFoundException.")
    try:
        result = invoke_function(fn, event, caller_timeout=COGNITO_WAIT_SECONDS)
    except UnsupportedFunction as error:
        raise UnexpectedLambdaException(f"{trigger} invocation failed due to error {error}.") from error
    if result.caller_gave_up:
        raise UnexpectedLambdaException(
            f"{trigger} invocation failed due to error Socket timeout while invoking Lambda function."
        )
    if result.function_error:
        raise UserLambdaValidationException(f"{trigger} failed with error {result.error_message()}.")
    try:
        returned = json.loads(result.payload)
    except ValueError as error:
        raise InvalidLambdaResponseException() from error
    if returned is None:
        return None
    response = returned.get("response") if isinstance(returned, dict) else None
    if not isinstance(response, dict):
        raise InvalidLambdaResponseException()
    return response


# --- reading responses; a field of the wrong type makes the whole output unrecognizable ---


def _optional(response: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = response.get(key)
    if value is not None and not isinstance(value, kind):
        raise InvalidLambdaResponseException()
    return value


def _string_map(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InvalidLambdaResponseException()
    if not all(isinstance(v, (str, int, float, bool)) for v in value.values()):
        raise InvalidLambdaResponseException()
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}


def _string_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidLambdaResponseException()
    return list(value)


def pre_sign_up_flags(response: dict[str, Any]) -> tuple[bool, bool, bool]:
    """(autoConfirmUser, autoVerifyEmail, autoVerifyPhone)."""
    return (
        bool(_optional(response, "autoConfirmUser", bool)),
        bool(_optional(response, "autoVerifyEmail", bool)),
        bool(_optional(response, "autoVerifyPhone", bool)),
    )


@dataclass(frozen=True)
class Migration:
    """What a UserMigration trigger answered."""

    user_attributes: dict[str, str] | None
    final_user_status: str
    message_action: str | None
    delivery_mediums: list[str] | None


MIGRATION_DEFAULTS: dict[str, Any] = {
    "userAttributes": None,
    "finalUserStatus": None,
    "messageAction": None,
    "desiredDeliveryMediums": None,
    "forceAliasCreation": None,
    "enableSMSMFA": None,
}


def migration(response: dict[str, Any]) -> Migration:
    attributes = _string_map(response.get("userAttributes"))
    status = _optional(response, "finalUserStatus", str) or "CONFIRMED"
    action = _optional(response, "messageAction", str)
    mediums = _string_list(response.get("desiredDeliveryMediums"))
    _optional(response, "forceAliasCreation", bool)
    _optional(response, "enableSMSMFA", bool)
    if status not in ("CONFIRMED", "RESET_REQUIRED") or action not in (None, "SUPPRESS", "RESEND"):
        raise InvalidLambdaResponseException()
    if mediums is not None and any(m not in ("EMAIL", "SMS") for m in mediums):
        raise InvalidLambdaResponseException()
    return Migration(attributes, status, action, mediums)


def custom_message(response: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(smsMessage, emailMessage, emailSubject); ``None`` keeps Cognito's own."""
    return (
        _optional(response, "smsMessage", str),
        _optional(response, "emailMessage", str),
        _optional(response, "emailSubject", str),
    )


@dataclass(frozen=True)
class TokenOverrides:
    """What a PreTokenGeneration trigger asked to change in the tokens."""

    id_add: dict[str, Any]
    id_suppress: list[str]
    access_add: dict[str, Any]
    access_suppress: list[str]
    groups: list[str] | None
    roles: list[str] | None
    preferred_role: str | None
    scopes_add: list[str]
    scopes_suppress: list[str]


def _json_map(value: Any) -> dict[str, Any] | None:
    # Version 2 claims may be strings, numbers, booleans, arrays or objects (JSON values), see
    # https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InvalidLambdaResponseException()
    return dict(value)


def _claims(details: Any, version: str) -> tuple[dict[str, Any], list[str]]:
    if details is None:
        return {}, []
    if not isinstance(details, dict):
        raise InvalidLambdaResponseException()
    read = _json_map if version == "2" else _string_map
    return (
        read(details.get("claimsToAddOrOverride")) or {},
        _string_list(details.get("claimsToSuppress")) or [],
    )


def _scopes(details: Any, key: str) -> list[str]:
    scopes = _string_list(details.get(key)) if isinstance(details, dict) else None
    # A scope value cannot contain a space (it would split the access token's scope claim).
    if scopes and any(not scope or any(c.isspace() for c in scope) for scope in scopes):
        raise InvalidLambdaResponseException()
    return scopes or []


def token_overrides(response: dict[str, Any], version: str) -> TokenOverrides:
    """Read a version 1 (``claimsOverrideDetails``) or 2 (``claimsAndScopeOverrideDetails``) answer."""
    key = "claimsAndScopeOverrideDetails" if version == "2" else "claimsOverrideDetails"
    details = _optional(response, key, dict) or {}
    scopes_add: list[str] = []
    scopes_suppress: list[str] = []
    if version == "2":
        id_add, id_suppress = _claims(details.get("idTokenGeneration"), version)
        access = details.get("accessTokenGeneration")
        access_add, access_suppress = _claims(access, version)
        scopes_add, scopes_suppress = _scopes(access, "scopesToAdd"), _scopes(access, "scopesToSuppress")
    else:
        id_add, id_suppress = _claims(details, version)
        access_add, access_suppress = {}, []
    groups = _optional(details, "groupOverrideDetails", dict)
    return TokenOverrides(
        id_add,
        id_suppress,
        access_add,
        access_suppress,
        _string_list(groups.get("groupsToOverride")) if groups else None,
        _string_list(groups.get("iamRolesToOverride")) if groups else None,
        _optional(groups, "preferredRole", str) if groups else None,
        scopes_add,
        scopes_suppress,
    )
