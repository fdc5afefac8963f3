"""Cognito helpers shared by the Cognito actions: pool lookup, user tracking, pool updates, and the
typed views of the Cognito responses they read."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import NotRequired, TypedDict, cast

from botocore.exceptions import ClientError

from engine.action import ActionContext, JsonValue, plain_dict
from engine.aws.clients import Clients
from engine.aws.errors import client_error, error_code
from engine.aws.model import operation
from engine.cleanup.undo import UndoContext, UndoEntry, already_gone, undo_kind

LAMBDA_TRIGGERS = [
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
]


class UserAttribute(TypedDict):
    Name: str
    Value: str


class UserView(TypedDict):
    """What the actions read of AdminGetUser and GetUser."""

    UserAttributes: NotRequired[list[UserAttribute]]
    Enabled: NotRequired[bool]
    UserCreateDate: NotRequired[datetime]


def user_attributes(attributes: Mapping[str, str] | None, email: str | None = None) -> list[UserAttribute]:
    """Attributes as the API takes them; ``email`` is a shorthand for the email attribute."""
    attrs = dict(attributes or {})
    if email:
        attrs.setdefault("email", email)
    return [{"Name": k, "Value": str(v)} for k, v in attrs.items()]


def with_attribute_map(user: UserView) -> dict[str, JsonValue]:
    """The user as the API gave it, plus ``attributes``: the same attributes as a mapping."""
    result = plain_dict(user)
    result["attributes"] = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
    return result


def flatten_tokens(response: Mapping[str, object]) -> dict[str, JsonValue]:
    """The response with its AuthenticationResult's tokens at the top, as ``sign_in`` gives them."""
    result = plain_dict(response)
    tokens = result.pop("AuthenticationResult", None)
    if isinstance(tokens, Mapping):
        result.update(tokens)
    return result


class UserKey(TypedDict):
    """The params of the undo that deletes a user (and of a settle that says it is gone)."""

    pool_id: str
    user_name: str


@dataclass
class _CognitoRunState:
    """Per run: which pool each app client belongs to, and the users this run already deletes at cleanup."""

    pool_of_client: dict[str, str] = field(default_factory=dict)
    tracked_users: set[tuple[str, str]] = field(default_factory=set)


class _PoolSummary(TypedDict):
    Id: str


class _PoolsPage(TypedDict):
    UserPools: list[_PoolSummary]


class _ClientSummary(TypedDict):
    ClientId: str


class _ClientsPage(TypedDict):
    UserPoolClients: list[_ClientSummary]


def pool_for_client(ctx: ActionContext, client_id: str, user_pool_id: str | None) -> str:
    """The user pool of an app client: given, or found by listing pools (cached per run)."""
    if user_pool_id:
        return user_pool_id
    cache = ctx.state(_CognitoRunState).pool_of_client
    if client_id in cache:
        return cache[client_id]
    idp = ctx.client("cognito-idp")
    page: _PoolsPage
    for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            clients: _ClientsPage
            for clients in idp.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool["Id"], MaxResults=60):
                for app in clients["UserPoolClients"]:
                    cache[app["ClientId"]] = pool["Id"]
    if client_id not in cache:
        raise client_error(
            "ResourceNotFoundException", f"No user pool has an app client with id {client_id}", "ListUserPoolClients"
        )
    return cache[client_id]


DELETE_USER = "cognito.delete_user"
RESTORE_TRIGGERS = "cognito.restore_triggers"
# A user made less than this long before the run's intent was written is taken as the run's own
# when the outcome of the creating call is unknown (clocks of this machine and AWS may differ).
CLOCK_SLACK = 5.0


def clock_slack(clients: Clients) -> float:
    """How far the target's clock may be from this machine's: none for the embedded backend (this process)."""
    return 0.0 if clients.local and clients.endpoint_url is None else CLOCK_SLACK


@undo_kind(DELETE_USER)
def _delete_user(context: UndoContext, params: Mapping[str, object], certain: bool, since: float) -> str | None:
    idp = context.clients.client("cognito-idp")
    key = cast(UserKey, params)  # as _user_undo recorded it
    pool_id, user_name = key["pool_id"], key["user_name"]
    try:
        if not certain:
            user: UserView = idp.admin_get_user(UserPoolId=pool_id, Username=user_name)
            made = user["UserCreateDate"].timestamp()
            if made < since - clock_slack(context.clients):
                return "existed before this run: kept"
        with context.last_call():
            idp.admin_delete_user(UserPoolId=pool_id, Username=user_name)
    except ClientError as exc:
        if already_gone(exc):  # the user, or its whole pool
            return "already gone"
        raise
    return None


def _user_undo(ctx: ActionContext, pool_id: str, user_name: str) -> UndoEntry:
    return ctx.undo.intend(
        DELETE_USER,
        UserKey(pool_id=pool_id, user_name=user_name),
        f"delete user '{user_name}' from user pool {pool_id}",
    )


@contextmanager
def creating_user(ctx: ActionContext, pool_id: str, user_name: str) -> Iterator[None]:
    """Around a call that creates ``user_name`` when it succeeds (SignUp, AdminCreateUser).

    The intent to delete the user is on record before the call; UsernameExistsException means the
    user was somebody else's, so there is nothing to undo.
    """
    tracked = ctx.state(_CognitoRunState).tracked_users
    if (pool_id, user_name) in tracked:
        yield
        return
    entry = _user_undo(ctx, pool_id, user_name)
    try:
        yield
    except ClientError as exc:
        ctx.undo.resolve(entry, needed=error_code(exc) != "UsernameExistsException")
        raise
    ctx.undo.resolve(entry, needed=True)
    tracked.add((pool_id, user_name))


@contextmanager
def maybe_creating_user(ctx: ActionContext, pool_id: str, user_name: str) -> Iterator[None]:
    """Around a call that may create ``user_name`` (a UserMigration trigger on sign-in or ForgotPassword).

    No read first: the intent to delete the user is on record before the call and stays uncertain
    (pending) unless the answer settles it (UserNotFoundException: nothing was made). At cleanup an
    uncertain user is deleted only if Cognito made it after the intent (its UserCreateDate), so a user
    who existed before the run is kept; a flow that deletes the user itself (DeleteUser) settles the
    intent and costs no read at all.
    """
    tracked = ctx.state(_CognitoRunState).tracked_users
    if (pool_id, user_name) in tracked:
        yield
        return
    entry = _user_undo(ctx, pool_id, user_name)
    tracked.add((pool_id, user_name))
    try:
        yield
    except ClientError as exc:
        if error_code(exc) == "UserNotFoundException":  # not there, and no trigger made it
            ctx.undo.resolve(entry, needed=False)
            tracked.discard((pool_id, user_name))
        raise


def token_user(access_token: str) -> tuple[str, str] | None:
    """(pool id, user name) an access token was issued for, read from its claims (not verified:
    the service just accepted the token), or None when it does not say."""
    try:
        payload = access_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        pool_id = str(claims["iss"]).rstrip("/").rsplit("/", 1)[1]
        return pool_id, str(claims["username"])
    except (IndexError, KeyError, ValueError, TypeError, AttributeError):
        return None


def user_deleted(ctx: ActionContext, pool_id: str, user_name: str) -> None:
    """The flow deleted the user itself: its undo is done."""
    ctx.undo.settle(DELETE_USER, UserKey(pool_id=pool_id, user_name=user_name))


class PoolView(TypedDict):
    """What the trigger actions read of DescribeUserPool's UserPool; the rest is passed back as it is."""

    Id: str
    LambdaConfig: NotRequired[dict[str, JsonValue]]


class _RestoreTriggers(TypedDict):
    pool_id: str
    # LambdaConfig key -> [the value this run set, the value before]: an ARN, a custom sender's
    # {LambdaVersion, LambdaArn}, PreTokenGenerationConfig, or the KMSKeyID
    triggers: dict[str, list[JsonValue]]


@cache
def _update_pool_members() -> frozenset[str]:
    """UpdateUserPool's parameter names (botocore resolves a shape's members anew on each read)."""
    model, why = operation("cognito-idp", "UpdateUserPool")
    if model is None:
        raise AssertionError(why)  # botocore always knows UpdateUserPool
    return frozenset(model.input_shape.members)


def pool_update_params(pool: PoolView) -> dict[str, object]:
    """UpdateUserPool parameters that keep every current setting.

    UpdateUserPool resets whatever it is not given to the default, so every setting that
    DescribeUserPool returns and UpdateUserPool accepts is passed back unchanged.
    """
    members = _update_pool_members()
    params = {key: value for key, value in pool.items() if key in members and value not in (None, {}, [])}
    params["UserPoolId"] = pool["Id"]
    # Describe returns settings that Update refuses to get back: the deprecated
    # UnusedAccountValidityDays ("Please use TemporaryPasswordValidityDays in PasswordPolicy"), and the
    # old verification message fields next to the VerificationMessageTemplate that replaced them.
    admin_config = params.get("AdminCreateUserConfig")
    if isinstance(admin_config, dict):
        params["AdminCreateUserConfig"] = {k: v for k, v in admin_config.items() if k != "UnusedAccountValidityDays"}
    if "VerificationMessageTemplate" in params:
        for old in ("EmailVerificationMessage", "EmailVerificationSubject", "SmsVerificationMessage"):
            params.pop(old, None)
    return params


# Cognito shows a PreTokenGeneration function in both keys; they must name the same function, and the
# versioned one wins, so a change to one is a change to both.
_VERSIONED = {"PreTokenGeneration": "PreTokenGenerationConfig"}


def _put_trigger(config: dict[str, JsonValue], trigger: str, value: JsonValue) -> None:
    """Set (or with None remove) ``trigger`` in a LambdaConfig, keeping its versioned twin in step."""
    versioned = _VERSIONED.get(trigger)
    if value is None:
        config.pop(trigger, None)
        if versioned:
            config.pop(versioned, None)
        return
    config[trigger] = value
    twin = config.get(versioned) if versioned else None
    if versioned and isinstance(twin, dict):
        config[versioned] = {**twin, "LambdaArn": value}


def set_lambda_config(ctx: ActionContext, pool_id: str, changes: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """Apply ``LambdaConfig`` changes (None removes a trigger); the undo restores exactly the keys this run changed.

    The run takes each changed trigger's lease until its cleanup (runs that need the same trigger
    of the same pool take turns) and the pool's lease around each read-modify-write of its
    LambdaConfig, which UpdateUserPool replaces whole.
    """
    # Taken together (one request when all are free), the triggers' before the pool's when one at a time.
    pool_key = f"cognito:{pool_id}"
    ctx.leases.hold(*(f"{pool_key}:{trigger}" for trigger in changes), pool_key)
    idp = ctx.client("cognito-idp")
    try:
        pool: PoolView = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        previous = dict(pool.get("LambdaConfig") or {})
        config = dict(previous)
        for trigger, arn in changes.items():
            _put_trigger(config, trigger, arn)
        params = pool_update_params(pool)
        params["LambdaConfig"] = config
        restore: dict[str, list[JsonValue]] = {
            trigger: [config.get(trigger), previous.get(trigger)] for trigger in changes
        }
        names = ", ".join(changes)
        with ctx.undo.intent(
            RESTORE_TRIGGERS,
            _RestoreTriggers(pool_id=pool_id, triggers=restore),
            f"restore the Lambda triggers ({names}) of user pool {pool_id}",
        ):
            idp.update_user_pool(**params)
    finally:
        ctx.leases.release(pool_key)
    return {"UserPoolId": pool_id, "LambdaConfig": config, "PreviousLambdaConfig": previous}


@undo_kind(RESTORE_TRIGGERS)
def _restore_triggers(context: UndoContext, params: Mapping[str, object], certain: bool, since: float) -> str | None:
    """Put back each trigger this run set, but only while it still has the value this run gave it."""
    idp = context.clients.client("cognito-idp")
    recorded = cast(_RestoreTriggers, params)  # as set_lambda_config recorded it
    pool_id = recorded["pool_id"]
    with context.leases.lease(f"cognito:{pool_id}"):
        try:
            pool: PoolView = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return "the user pool is gone"
            raise
        config = dict(pool.get("LambdaConfig") or {})
        found = dict(config)  # compared before any restore: restoring a trigger also restores its versioned twin
        changed = []
        for trigger, (ours, before) in recorded["triggers"].items():
            if found.get(trigger) != ours:
                continue  # changed since by someone else (or never applied): theirs now
            changed.append(trigger)
            _put_trigger(config, trigger, before)
        if not changed:
            return "already as found"
        update = pool_update_params(pool)
        update["LambdaConfig"] = config
        with context.last_call():
            idp.update_user_pool(**update)
    kept = sorted(set(recorded["triggers"]) - set(changed))
    return f"changed since by another run, kept: {', '.join(kept)}" if kept else None
