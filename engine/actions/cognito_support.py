"""Cognito helpers shared by the Cognito actions: pool lookup, user tracking, pool updates."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from engine.action import ActionContext
from engine.aws.errors import client_error, error_code
from engine.cleanup.undo import UndoContext, UndoEntry, undo_kind

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


@dataclass
class _CognitoRunState:
    """Per run: which pool each app client belongs to, and the users this run already deletes at cleanup."""

    pool_of_client: dict[str, str] = field(default_factory=dict)
    tracked_users: set[tuple[str, str]] = field(default_factory=set)


def pool_for_client(ctx: ActionContext, client_id: str, user_pool_id: str | None) -> str:
    """The user pool of an app client: given, or found by listing pools (cached per run)."""
    if user_pool_id:
        return user_pool_id
    cache = ctx.state(_CognitoRunState).pool_of_client
    if client_id in cache:
        return cache[client_id]
    idp = ctx.client("cognito-idp")
    for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            for cpage in idp.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool["Id"], MaxResults=60):
                for app in cpage["UserPoolClients"]:
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


def user_exists(ctx: ActionContext, pool_id: str, user_name: str) -> bool:
    try:
        ctx.client("cognito-idp").admin_get_user(UserPoolId=pool_id, Username=user_name)
    except ClientError as exc:
        if error_code(exc) == "UserNotFoundException":
            return False
        raise
    return True


@undo_kind(DELETE_USER)
def _delete_user(context: UndoContext, params: Mapping[str, Any], certain: bool, since: float) -> str | None:
    idp = context.clients.client("cognito-idp")
    pool_id, user_name = params["pool_id"], params["user_name"]
    try:
        if not certain:
            made = idp.admin_get_user(UserPoolId=pool_id, Username=user_name)["UserCreateDate"].timestamp()
            if made < since - CLOCK_SLACK:
                return "existed before this run: kept"
        idp.admin_delete_user(UserPoolId=pool_id, Username=user_name)
    except ClientError as exc:
        if error_code(exc) == "UserNotFoundException":
            return "already gone"
        raise
    return None


def _user_undo(ctx: ActionContext, pool_id: str, user_name: str) -> UndoEntry:
    return ctx.undo.intend(
        DELETE_USER,
        {"pool_id": pool_id, "user_name": user_name},
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

    One read first: a user who exists already is not this run's. Otherwise the user is deleted at
    cleanup whatever the call answers: the trigger creates the user and then Cognito may answer
    PasswordResetRequiredException; deleting a user who is not there counts as done.
    """
    tracked = ctx.state(_CognitoRunState).tracked_users
    if (pool_id, user_name) in tracked:
        yield
        return
    if user_exists(ctx, pool_id, user_name):
        tracked.add((pool_id, user_name))
        yield
        return
    entry = _user_undo(ctx, pool_id, user_name)
    tracked.add((pool_id, user_name))
    try:
        yield
    finally:
        ctx.undo.resolve(entry, needed=True)


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
    ctx.undo.settle(DELETE_USER, {"pool_id": pool_id, "user_name": user_name})


def pool_update_params(idp: Any, pool: dict[str, Any]) -> dict[str, Any]:
    """UpdateUserPool parameters that keep every current setting.

    UpdateUserPool resets whatever it is not given to the default, so every setting that
    DescribeUserPool returns and UpdateUserPool accepts is passed back unchanged.
    """
    members = idp.meta.service_model.operation_model("UpdateUserPool").input_shape.members
    params = {key: value for key, value in pool.items() if key in members and value not in (None, {}, [])}
    params["UserPoolId"] = pool["Id"]
    # Describe returns settings that Update refuses to get back: the deprecated
    # UnusedAccountValidityDays ("Please use TemporaryPasswordValidityDays in PasswordPolicy"), and the
    # old verification message fields next to the VerificationMessageTemplate that replaced them.
    if "AdminCreateUserConfig" in params:
        params["AdminCreateUserConfig"] = {
            k: v for k, v in params["AdminCreateUserConfig"].items() if k != "UnusedAccountValidityDays"
        }
    if "VerificationMessageTemplate" in params:
        for old in ("EmailVerificationMessage", "EmailVerificationSubject", "SmsVerificationMessage"):
            params.pop(old, None)
    return params


# Cognito shows a PreTokenGeneration function in both keys; they must name the same function, and the
# versioned one wins, so a change to one is a change to both.
_VERSIONED = {"PreTokenGeneration": "PreTokenGenerationConfig"}


def _put_trigger(config: dict[str, Any], trigger: str, value: object) -> None:
    """Set (or with None remove) ``trigger`` in a LambdaConfig, keeping its versioned twin in step."""
    versioned = _VERSIONED.get(trigger)
    if value is None:
        config.pop(trigger, None)
        if versioned:
            config.pop(versioned, None)
        return
    config[trigger] = value
    if versioned and isinstance(config.get(versioned), dict):
        config[versioned] = {**config[versioned], "LambdaArn": value}


def set_lambda_config(ctx: ActionContext, pool_id: str, changes: Mapping[str, object]) -> dict[str, Any]:
    """Apply ``LambdaConfig`` changes (None removes a trigger); the undo restores exactly the keys this run changed.

    The run takes each changed trigger's lease until its cleanup (runs that need the same trigger
    of the same pool take turns) and the pool's lease around each read-modify-write of its
    LambdaConfig, which UpdateUserPool replaces whole.
    """
    for trigger in changes:
        ctx.leases.hold(f"cognito:{pool_id}:{trigger}")
    idp = ctx.client("cognito-idp")
    with ctx.leases.lease(f"cognito:{pool_id}"):
        pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        previous = dict(pool.get("LambdaConfig") or {})
        config = dict(previous)
        for trigger, arn in changes.items():
            _put_trigger(config, trigger, arn)
        params = pool_update_params(ctx.client("cognito-idp"), pool)
        params["LambdaConfig"] = config
        restore = {trigger: [config.get(trigger), previous.get(trigger)] for trigger in changes}
        names = ", ".join(changes)
        with ctx.undo.intent(
            RESTORE_TRIGGERS,
            {"pool_id": pool_id, "triggers": restore},
            f"restore the Lambda triggers ({names}) of user pool {pool_id}",
        ):
            idp.update_user_pool(**params)
    return {"UserPoolId": pool_id, "LambdaConfig": config, "PreviousLambdaConfig": previous}


@undo_kind(RESTORE_TRIGGERS)
def _restore_triggers(context: UndoContext, params: Mapping[str, Any], certain: bool, since: float) -> str | None:
    """Put back each trigger this run set, but only while it still has the value this run gave it."""
    idp = context.clients.client("cognito-idp")
    pool_id = params["pool_id"]
    with context.leases.lease(f"cognito:{pool_id}"):
        try:
            pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return "the user pool is gone"
            raise
        config = dict(pool.get("LambdaConfig") or {})
        found = dict(config)  # compared before any restore: restoring a trigger also restores its versioned twin
        changed = []
        for trigger, (ours, before) in params["triggers"].items():
            if found.get(trigger) != ours:
                continue  # changed since by someone else (or never applied): theirs now
            changed.append(trigger)
            _put_trigger(config, trigger, before)
        if not changed:
            return "already as found"
        update = pool_update_params(idp, pool)
        update["LambdaConfig"] = config
        idp.update_user_pool(**update)
    kept = sorted(set(params["triggers"]) - set(changed))
    return f"changed since by another run, kept: {', '.join(kept)}" if kept else None
