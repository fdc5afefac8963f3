"""Cognito user-pool groups: create one, put users in it, read them back; undone at cleanup.

A group this run created is deleted at cleanup, and a user this run put in a group is taken out
again (a user who was in it already stays). Both undos count "already gone" as done, so a flow
that removes the group or the membership itself leaves nothing to report.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import NotRequired, TypedDict, cast

from botocore.exceptions import ClientError

from engine.action import STRING, ActionContext, JsonValue, action, obj, plain, plain_dict
from engine.actions import cognito_support as cs
from engine.actions.cognito_admin import PoolUserArgs
from engine.aws.errors import error_code
from engine.cleanup.undo import UndoContext, undo_kind

DELETE_GROUP = "cognito.delete_group"
REMOVE_FROM_GROUP = "cognito.remove_from_group"
_GONE = ("ResourceNotFoundException", "UserNotFoundException")

GROUP_EXAMPLE: dict[str, JsonValue] = {
    "GroupName": "testers",
    "UserPoolId": "us-east-1_EXAMPLE",
    "Description": "People who try things first",
    "Precedence": 1,
    "LastModifiedDate": "2026-01-31T12:00:00+00:00",
    "CreationDate": "2026-01-31T12:00:00+00:00",
}


class _GroupView(TypedDict):
    """What the actions read of a group in CreateGroup's, GetGroup's and AdminListGroupsForUser's answers."""

    GroupName: str
    CreationDate: datetime


class _GroupKey(TypedDict):
    pool_id: str
    group_name: str


class _MembershipKey(TypedDict):
    pool_id: str
    group_name: str
    user_name: str


def _group_label(pool_id: str, group_name: str) -> str:
    return f"group '{group_name}' of user pool {pool_id}"


class CreateGroupArgs(TypedDict):
    user_pool_id: str
    group_name: str
    description: NotRequired[str]
    precedence: NotRequired[int]
    role_arn: NotRequired[str]


@action(
    "create_group",
    "Create a group in a user pool (CreateGroup); deleted at cleanup.",
    obj(
        {
            "user_pool_id": STRING,
            "group_name": STRING,
            "description": {"type": "string"},
            "precedence": {"type": "integer", "minimum": 0, "description": "Lower wins in the token's role claims."},
            "role_arn": STRING,
        },
        ["user_pool_id", "group_name"],
    ),
    {"user_pool_id": "{{ stack.UserPoolId }}", "group_name": "testers-{{ run_id }}", "precedence": 1},
    result_example=GROUP_EXAMPLE,
)
def create_group(args: CreateGroupArgs, ctx: ActionContext) -> JsonValue:
    pool_id, name = args["user_pool_id"], args["group_name"]
    params: dict[str, object] = {"UserPoolId": pool_id, "GroupName": name}
    given: Mapping[str, object] = args
    for key, api in (("description", "Description"), ("precedence", "Precedence"), ("role_arn", "RoleArn")):
        if given.get(key) is not None:
            params[api] = given[key]
    entry = ctx.undo.intend(
        DELETE_GROUP, _GroupKey(pool_id=pool_id, group_name=name), f"delete {_group_label(pool_id, name)}"
    )
    try:
        group: _GroupView = ctx.client("cognito-idp").create_group(**params)["Group"]
    except ClientError:
        # GroupExistsException: the group is somebody else's; any other refusal made nothing.
        ctx.undo.resolve(entry, needed=False)
        raise
    ctx.undo.resolve(entry, needed=True)
    return plain_dict(group)


@undo_kind(DELETE_GROUP)
def _delete_group(context: UndoContext, params: Mapping[str, object], certain: bool, since: float) -> str | None:
    idp = context.clients.client("cognito-idp")
    key = cast(_GroupKey, params)  # as create_group recorded it
    pool_id, name = key["pool_id"], key["group_name"]
    try:
        if not certain:
            group: _GroupView = idp.get_group(UserPoolId=pool_id, GroupName=name)["Group"]
            made = group["CreationDate"].timestamp()
            if made < since - cs.clock_slack(context.clients):
                return "existed before this run: kept"
        idp.delete_group(UserPoolId=pool_id, GroupName=name)
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return "already gone"
        raise
    return None


class GroupArgs(TypedDict):
    user_pool_id: str
    group_name: str


@action(
    "delete_group",
    "Delete a group (DeleteGroup); a group this run created then needs no cleanup.",
    obj({"user_pool_id": STRING, "group_name": STRING}, ["user_pool_id", "group_name"]),
    {"user_pool_id": "{{ stack.UserPoolId }}", "group_name": "testers-{{ run_id }}"},
    result_example={},
)
def delete_group(args: GroupArgs, ctx: ActionContext) -> JsonValue:
    pool_id, name = args["user_pool_id"], args["group_name"]
    result = plain(ctx.client("cognito-idp").delete_group(UserPoolId=pool_id, GroupName=name))
    ctx.undo.settle(DELETE_GROUP, _GroupKey(pool_id=pool_id, group_name=name))
    ctx.undo.settle(REMOVE_FROM_GROUP, _GroupKey(pool_id=pool_id, group_name=name))
    return result


def _groups_of(ctx: ActionContext, pool_id: str, user_name: str) -> list[_GroupView]:
    paginator = ctx.client("cognito-idp").get_paginator("admin_list_groups_for_user")
    found: list[_GroupView] = []
    for page in paginator.paginate(UserPoolId=pool_id, Username=user_name):
        found.extend(page["Groups"])
    return found


class MembershipArgs(TypedDict):
    user_pool_id: str
    user_name: str
    group_name: str


MEMBERSHIP = obj(
    {"user_pool_id": STRING, "user_name": STRING, "group_name": STRING}, ["user_pool_id", "user_name", "group_name"]
)
MEMBERSHIP_EXAMPLE = {
    "user_pool_id": "{{ stack.UserPoolId }}",
    "user_name": "alice",
    "group_name": "{{ steps.create_group.result.GroupName }}",
}


@action(
    "admin_add_user_to_group",
    "Put a user in a group (AdminAddUserToGroup); taken out again at cleanup unless they were in it already.",
    MEMBERSHIP,
    MEMBERSHIP_EXAMPLE,
    result_example={"user_name": "alice", "group_name": "testers", "already_member": False},
)
def admin_add_user_to_group(args: MembershipArgs, ctx: ActionContext) -> JsonValue:
    pool_id, user_name, group = args["user_pool_id"], args["user_name"], args["group_name"]
    already = any(g["GroupName"] == group for g in _groups_of(ctx, pool_id, user_name))
    if already:
        return {"user_name": user_name, "group_name": group, "already_member": True}
    with ctx.undo.intent(
        REMOVE_FROM_GROUP,
        _MembershipKey(pool_id=pool_id, group_name=group, user_name=user_name),
        f"remove user '{user_name}' from {_group_label(pool_id, group)}",
    ) as entry:
        try:
            ctx.client("cognito-idp").admin_add_user_to_group(UserPoolId=pool_id, Username=user_name, GroupName=group)
        except ClientError:
            ctx.undo.resolve(entry, needed=False)  # refused: the user is not in the group
            raise
    return {"user_name": user_name, "group_name": group, "already_member": False}


@undo_kind(REMOVE_FROM_GROUP)
def _remove_from_group(context: UndoContext, params: Mapping[str, object], certain: bool, since: float) -> str | None:
    key = cast(_MembershipKey, params)  # as admin_add_user_to_group recorded it
    try:
        context.clients.client("cognito-idp").admin_remove_user_from_group(
            UserPoolId=key["pool_id"], Username=key["user_name"], GroupName=key["group_name"]
        )
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return "already gone"
        raise
    return None


@action(
    "admin_remove_user_from_group",
    "Take a user out of a group (AdminRemoveUserFromGroup).",
    MEMBERSHIP,
    MEMBERSHIP_EXAMPLE,
    result_example={},
)
def admin_remove_user_from_group(args: MembershipArgs, ctx: ActionContext) -> JsonValue:
    pool_id, user_name, group = args["user_pool_id"], args["user_name"], args["group_name"]
    result = plain(
        ctx.client("cognito-idp").admin_remove_user_from_group(UserPoolId=pool_id, Username=user_name, GroupName=group)
    )
    ctx.undo.settle(REMOVE_FROM_GROUP, _MembershipKey(pool_id=pool_id, group_name=group, user_name=user_name))
    return result


@action(
    "admin_list_groups_for_user",
    "The groups a user is in (every page): result.groups (details) and result.names.",
    obj({"user_pool_id": STRING, "user_name": STRING}, ["user_pool_id", "user_name"]),
    {"user_pool_id": "{{ stack.UserPoolId }}", "user_name": "alice"},
    result_example={"groups": [GROUP_EXAMPLE], "names": ["testers"]},
)
def admin_list_groups_for_user(args: PoolUserArgs, ctx: ActionContext) -> JsonValue:
    found = _groups_of(ctx, args["user_pool_id"], args["user_name"])
    return {"groups": [plain_dict(g) for g in found], "names": [g["GroupName"] for g in found]}


ACTIONS = [
    create_group,
    delete_group,
    admin_add_user_to_group,
    admin_remove_user_from_group,
    admin_list_groups_for_user,
]
