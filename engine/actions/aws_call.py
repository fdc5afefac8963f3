"""The generic AWS call: any boto3 operation, checked against botocore's service model.

For flows the action library does not cover. ``undo`` declares how to reverse the call and
may use ``result`` (the call's response); it is rendered after the call succeeds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NotRequired, TypedDict, cast

import botocore
from botocore.exceptions import ClientError

from engine.action import STRING, ActionContext, JsonValue, Problem, TypedAction, obj, plain, plain_dict
from engine.aws.clients import Clients
from engine.aws.errors import error_code
from engine.aws.model import operation as _operation
from engine.aws.model import parameter_problems
from engine.cleanup.undo import UndoContext, undo_kind
from engine.errors import ActionArgumentError
from engine.template.render import check_syntax, is_template, iter_strings

_CODES = {"oneOf": [{"type": "string", "minLength": 1}, {"type": "array", "items": {"type": "string", "minLength": 1}}]}
_CALL = obj(
    {
        "service": STRING,
        "operation": STRING,
        "params": {"type": "object"},
        "already_gone": {
            **_CODES,
            "description": "Error codes that mean the thing is already gone: the undo counts as done.",
        },
    },
    ["operation"],
)
UNDO_CALL = "aws_call"
SCHEMA = obj(
    {
        "service": {**STRING, "description": "boto3 service name, e.g. cognito-idp, dynamodb, s3"},
        "operation": {**STRING, "description": "API operation, as AdminGetUser or admin_get_user"},
        "params": {"type": "object", "description": "The operation's parameters, as in the AWS API reference"},
        "paginate": {"type": "boolean", "description": "Follow every page and merge the lists"},
        "undo": {**_CALL, "description": "The call that reverses this one at cleanup; may use `result`."},
    },
    ["service", "operation"],
)


class UndoCallArgs(TypedDict):
    """``undo``: the call that reverses this one (its service defaults to the call's)."""

    service: NotRequired[str]
    operation: str
    params: NotRequired[Mapping[str, JsonValue]]
    already_gone: NotRequired[str | list[str]]


class AwsCallArgs(TypedDict):
    service: str
    operation: str
    params: NotRequired[Mapping[str, JsonValue]]
    paginate: NotRequired[bool]
    undo: NotRequired[UndoCallArgs]  # deferred: as written, rendered by the action itself


class _UndoRecord(TypedDict):
    service: str
    call: UndoCallArgs | None  # None until the call's result has rendered it


def check_call(service: str, operation: str, params: JsonValue) -> list[Problem]:
    """Problems with a call, each as (path inside the call, message).

    Constant values are checked against every constraint of the model; a templated value only
    where it sits, since it may render to anything (see ``engine.aws.model``).
    """
    if is_template(service) or is_template(operation):
        return []
    model, why = _operation(service, operation)
    if model is None:
        return [(["operation"] if "operation" in str(why) else ["service"], str(why))]
    prefix = f"invalid parameters for {service} {model.name}: "
    report, broken = parameter_problems(model, params or {})
    problems: list[Problem] = []
    if report:
        match = re.search(r'(?:parameter in input: |parameter |param )"?([A-Za-z0-9_.\[\]]+)"?', report)
        path: list[str | int] = ["params"]
        if match:
            first = match.group(1).split(".")[0].split("[")[0]
            if isinstance(params, dict) and first in params:
                path.append(first)
        problems.append((path, prefix + " ".join(report.split())))
    problems += [(["params", *where], prefix + message) for where, message in broken]
    return problems


class AwsCall(TypedAction[AwsCallArgs]):
    """``aws_call``: any boto3 operation by service and operation name."""

    name = "aws_call"
    description = (
        "Call any AWS operation (service, operation, params), checked against botocore's model by "
        "`scenario validate`; `undo` declares how to reverse it at cleanup."
    )
    schema = SCHEMA
    example = {
        "service": "cognito-idp",
        "operation": "AdminGetUser",
        "params": {"UserPoolId": "{{ stack.UserPoolId }}", "Username": "alice"},
    }
    deferred = frozenset({"undo"})

    def check(self, args: JsonValue) -> list[Problem]:
        # The schema passed, so these are the call's arguments as written (service and operation may be templates).
        call = cast(AwsCallArgs, args)
        problems = check_call(call["service"], call["operation"], call.get("params"))
        undo = call.get("undo")
        if isinstance(undo, dict):
            service = undo.get("service", call["service"])
            problems += [
                (["undo", *path], msg) for path, msg in check_call(service, undo["operation"], undo.get("params"))
            ]
        return problems

    def perform(self, args: AwsCallArgs, ctx: ActionContext) -> JsonValue:
        undo = args.get("undo")
        if not undo:
            return _call(
                ctx.clients, args["service"], args["operation"], args.get("params") or {}, args.get("paginate")
            )
        # The undo is on record before the call. One that uses the call's `result` is rendered after
        # it; a run killed in between leaves an entry `scenario cleanup` can only report.
        later = any("result" in check_syntax(text)[1] for _, text in iter_strings(undo))
        spec: UndoCallArgs | None = None if later else ctx.render(undo, None)
        service = (spec or undo).get("service", args["service"])
        entry = ctx.undo.intend(
            UNDO_CALL,
            _UndoRecord(service=service, call=spec),
            _undo_description(service, spec or undo, args["operation"]),
        )
        try:
            result = _call(
                ctx.clients, args["service"], args["operation"], args.get("params") or {}, args.get("paginate")
            )
        except ClientError:
            ctx.undo.resolve(entry, needed=False)  # AWS refused the call: nothing was made
            raise
        if spec is None:
            spec = ctx.render(undo, {"result": result})
            entry.description = _undo_description(service, spec, args["operation"])
        ctx.undo.resolve(entry, needed=True, params={"call": spec})
        return result


def _undo_description(service: str, call: UndoCallArgs, of: str) -> str:
    """``cognito-idp DeleteGroup GroupName=testers, UserPoolId=us-east-1_x (undo of CreateGroup)``: the
    call and the resource it names (its plain parameters; a template not yet rendered shows as written)."""
    params = call.get("params") or {}
    plain_values = {k: v for k, v in params.items() if isinstance(v, str | int | float) and len(str(v)) < 80}
    named = ", ".join(f"{key}={value}" for key, value in plain_values.items())
    return f"{service} {call['operation']}{' ' + named if named else ''} (undo of {of})"


@undo_kind(UNDO_CALL)
def _undo_call(context: UndoContext, params: Mapping[str, object], certain: bool, since: float) -> str | None:
    recorded = cast(_UndoRecord, params)  # as AwsCall recorded it
    call = recorded.get("call")
    if not call:
        raise ActionArgumentError(
            "the undo needs the call's result, which was not recorded before the run ended",
            hint="check by hand whether the call made something, and remove it",
        )
    gone = call.get("already_gone") or []
    try:
        _call(context.clients, recorded["service"], call["operation"], call.get("params") or {}, False)
    except ClientError as exc:
        if error_code(exc) in ([gone] if isinstance(gone, str) else gone):
            return "already gone"
        raise
    return None


def _call(
    clients: Clients, service: str, operation: str, params: Mapping[str, JsonValue], paginate: bool | None
) -> JsonValue:
    model, why = _operation(service, operation)
    if model is None:
        raise ActionArgumentError(str(why))
    client = clients.client(service)
    method = botocore.xform_name(model.name)
    if paginate and client.can_paginate(method):
        merged: dict[str, JsonValue] = {}
        for page in client.get_paginator(method).paginate(**params):
            for key, value in plain_dict(page).items():
                listed = merged.get(key)
                if isinstance(value, list) and isinstance(listed, list):
                    listed.extend(value)
                else:
                    merged[key] = value
        return merged
    return plain(getattr(client, method)(**params))


ACTIONS = [AwsCall()]
