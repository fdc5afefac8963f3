"""Cognito helpers shared by the Cognito actions: pool lookup, user tracking, pool updates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from engine.actions.base import ActionContext
from engine.aws_errors import client_error, error_code

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


def user_exists(ctx: ActionContext, pool_id: str, user_name: str) -> bool:
    try:
        ctx.client("cognito-idp").admin_get_user(UserPoolId=pool_id, Username=user_name)
    except ClientError as exc:
        if error_code(exc) == "UserNotFoundException":
            return False
        raise
    return True


def delete_user_if_present(ctx: ActionContext, pool_id: str, user_name: str) -> None:
    try:
        ctx.client("cognito-idp").admin_delete_user(UserPoolId=pool_id, Username=user_name)
    except ClientError as exc:
        if error_code(exc) != "UserNotFoundException":
            raise


@contextmanager
def tracking_new_user(ctx: ActionContext, pool_id: str, user_name: str) -> Iterator[None]:
    """Register an undo that deletes ``user_name`` if the wrapped call created it.

    The check runs even when the call fails: a UserMigration trigger creates the user and
    then Cognito answers PasswordResetRequiredException.
    """
    tracked = ctx.state(_CognitoRunState).tracked_users
    if (pool_id, user_name) in tracked:
        # This run already deletes the user at cleanup: nothing more to find out.
        yield
        return
    existed = user_exists(ctx, pool_id, user_name)

    def delete_at_cleanup() -> None:
        tracked.add((pool_id, user_name))
        ctx.undo.push(
            f"delete user '{user_name}' from user pool {pool_id}",
            lambda: delete_user_if_present(ctx, pool_id, user_name),
        )

    try:
        yield
    finally:
        if not existed:
            try:
                created = user_exists(ctx, pool_id, user_name)
            except Exception:
                # Cannot tell whether the call made the user: delete it if present, and fail the step.
                delete_at_cleanup()
                raise
            if created:
                delete_at_cleanup()


def pool_update_params(ctx: ActionContext, pool: dict[str, Any]) -> dict[str, Any]:
    """UpdateUserPool parameters that keep every current setting.

    UpdateUserPool resets whatever it is not given to the default, so every setting that
    DescribeUserPool returns and UpdateUserPool accepts is passed back unchanged.
    """
    idp = ctx.client("cognito-idp")
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


def set_lambda_config(ctx: ActionContext, pool_id: str, changes: dict[str, str | None]) -> dict[str, Any]:
    """Apply trigger changes (None removes one); register an undo restoring the old LambdaConfig."""
    idp = ctx.client("cognito-idp")
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    previous = dict(pool.get("LambdaConfig") or {})
    config = dict(previous)
    for trigger, arn in changes.items():
        if arn is None:
            config.pop(trigger, None)
        else:
            config[trigger] = arn
    params = pool_update_params(ctx, pool)
    params["LambdaConfig"] = config
    idp.update_user_pool(**params)

    def restore() -> None:
        current = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        restore_params = pool_update_params(ctx, current)
        restore_params["LambdaConfig"] = previous
        idp.update_user_pool(**restore_params)

    names = ", ".join(changes)
    ctx.undo.push(f"restore the Lambda triggers ({names}) of user pool {pool_id}", restore)
    return {"UserPoolId": pool_id, "LambdaConfig": config, "PreviousLambdaConfig": previous}
