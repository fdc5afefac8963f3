"""Lambda actions: create a function from a file, a folder or inline code, ready to be a trigger.

Locally it runs in any runtime the local Lambda runs (Python, Node.js, a provided bootstrap) whose tool is here.

The function gets a role of its own (unless ``role_arn`` is given) and permission for Cognito to invoke it;
cleanup deletes the function and the role it created. Files are packaged like a template's local code
(``engine.stack.code``): a folder recursively, its ``requirements.txt`` vendored.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NotRequired, TypedDict, cast

from botocore.exceptions import ClientError

from engine.action import STRING, ActionContext, JsonValue, action, obj
from engine.aws.clients import Clients
from engine.aws.errors import error_code, error_message
from engine.cleanup.undo import UndoContext, undo_kind
from engine.errors import InputError, StepFailed
from engine.stack.code import zip_code

DELETE_FUNCTION = "lambda.delete_function"
DELETE_ROLE = "iam.delete_role"


class _FunctionKey(TypedDict):
    name: str


class _RoleKey(TypedDict):
    role_name: str


_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# What AWSLambdaBasicExecutionRole grants, inline: the local backend has no AWS managed policies.
_LOGS = {
    "Effect": "Allow",
    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
    "Resource": "*",
}

SCHEMA = obj(
    {
        "code": {
            **STRING,
            "description": "A .py or .js/.mjs file, a folder or a .zip, relative to the scenario file.",
        },
        "inline": {
            **STRING,
            "description": "The handler's source: index.py (Python), index.mjs (an ES module) or index.js (Node.js).",
        },
        "name": {**STRING, "description": "Function name (default: scenario-<step id>-<random>)."},
        "handler": {
            **STRING,
            "description": "module.function (default: <file>.handler for a .py or .js file, else index.handler).",
        },
        "runtime": {**STRING, "default": "python3.12"},
        "timeout": {"type": "integer", "minimum": 1, "maximum": 900, "default": 5},
        "environment": {"type": "object", "additionalProperties": {"type": "string"}},
        "role_arn": {**STRING, "description": "Use this role instead of creating one."},
        "policy": {
            "type": "array",
            "items": {"type": "object"},
            "description": "IAM policy statements added to the created role (besides writing its logs).",
        },
    }
)
SCHEMA["oneOf"] = [{"required": ["code"]}, {"required": ["inline"]}]


class CreateFunctionArgs(TypedDict):
    """The schema's properties; exactly one of ``code`` and ``inline`` is given (its ``oneOf``)."""

    code: NotRequired[str]
    inline: NotRequired[str]
    name: NotRequired[str]
    handler: NotRequired[str]
    runtime: NotRequired[str]
    timeout: NotRequired[int]
    environment: NotRequired[Mapping[str, str]]
    role_arn: NotRequired[str]
    policy: NotRequired[list[Mapping[str, JsonValue]]]


class _FunctionView(TypedDict):
    """What create_function returns of CreateFunction's answer."""

    FunctionName: str
    FunctionArn: str
    Runtime: str
    Handler: str
    Role: str


@action(
    "create_function",
    "Create a Lambda function (with a role) from a .py file, a folder or inline code; deleted at cleanup.",
    SCHEMA,
    {"code": "functions/pre_token.py", "environment": {"CLAIM": "premium"}},
)
def create_function(args: CreateFunctionArgs, ctx: ActionContext) -> JsonValue:
    name = args.get("name") or f"scenario-{ctx.step_id}-{secrets.token_hex(3)}"[:64]
    runtime = args.get("runtime", "python3.12")
    if ctx.target != "aws":
        _check_runs_locally(name, runtime)
    code, handler = _package(args, ctx, runtime)
    lam = ctx.client("lambda")
    role_arn = args.get("role_arn") or _create_role(ctx, f"{name}-role"[:64], args.get("policy") or [])
    params: dict[str, object] = {
        "FunctionName": name,
        "Runtime": runtime,
        "Role": role_arn,
        "Handler": args.get("handler") or handler,
        "Code": {"ZipFile": code},
        "Timeout": args.get("timeout", 5),
        "Environment": {"Variables": dict(args.get("environment") or {})},
    }
    with ctx.undo.intent(DELETE_FUNCTION, _FunctionKey(name=name), f"delete Lambda function {name}"):
        created = _create_when_role_is_ready(ctx, params)
    lam.add_permission(
        FunctionName=name,
        StatementId="cognito-idp-invoke",
        Action="lambda:InvokeFunction",
        Principal="cognito-idp.amazonaws.com",
    )
    if ctx.target == "aws":
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return {
        "FunctionName": created["FunctionName"],
        "FunctionArn": created["FunctionArn"],
        "Runtime": created["Runtime"],
        "Handler": created["Handler"],
        "Role": created["Role"],
    }


def _check_runs_locally(name: str, runtime: str) -> None:
    """The local Lambda runs Python, Node.js and provided (bootstrap) runtimes whose tool is on this machine."""
    from engine.local.awslambda.runtimes import SUPPORTED, missing_tool, runtime_of

    if runtime_of(runtime) is None:
        raise StepFailed(
            f"function {name} uses runtime {runtime}; the local Lambda runtime runs {', '.join(SUPPORTED)}",
            code="UnsupportedRuntime",
            hint="use one of those runtimes, or run with --target aws",
        )
    if (tool := missing_tool(runtime)) is not None:
        raise StepFailed(
            f"function {name} uses runtime {runtime}, but {tool}",
            code="UnsupportedRuntime",
            hint="install it so that the local target can run the function, or run with --target aws",
        )


# An ES module's source (``export const handler = ...``): Node.js loads it from a .mjs file.
_ES_MODULE = re.compile(r"^\s*export\s", re.MULTILINE)


def _inline_file(runtime: str, source: str, step_id: str) -> str:
    """The file inline source is deployed as: index.py, or index.mjs / index.js for Node.js."""
    if runtime.startswith("nodejs"):
        return "index.mjs" if _ES_MODULE.search(source) else "index.js"
    if runtime.startswith("python"):
        return "index.py"
    raise InputError(
        f"inline code is a Python or Node.js handler's source, and runtime {runtime} runs a bootstrap",
        step=step_id,
        hint="give the built bootstrap (or a .zip or folder holding it) as code:",
    )


def _package(args: CreateFunctionArgs, ctx: ActionContext, runtime: str) -> tuple[bytes, str]:
    """The zip and the default handler for ``code`` or ``inline``."""
    if "inline" in args:
        import io
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(_inline_file(runtime, args["inline"], ctx.step_id), args["inline"])
        return buffer.getvalue(), "index.handler"
    path = Path(args["code"])
    if not path.is_absolute():
        path = (ctx.base_dir / path).resolve()
    if not path.exists():
        raise InputError(
            f"code {args['code']} does not exist (looked for {path})",
            step=ctx.step_id,
            hint="the path is relative to the scenario file",
        )
    handler = f"{path.stem}.handler" if path.suffix in (".py", ".js", ".mjs", ".cjs") else "index.handler"
    return zip_code(path, log=lambda text: ctx.console.message(text)), handler


class _RoleView(TypedDict):
    Arn: str


def _create_role(ctx: ActionContext, role_name: str, statements: list[Mapping[str, JsonValue]]) -> str:
    iam = ctx.client("iam")
    with ctx.undo.intent(DELETE_ROLE, _RoleKey(role_name=role_name), f"delete IAM role {role_name}"):
        role: _RoleView = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(_TRUST))["Role"]
    document = {"Version": "2012-10-17", "Statement": [_LOGS, *statements]}
    iam.put_role_policy(RoleName=role_name, PolicyName="scenario", PolicyDocument=json.dumps(document))
    return str(role["Arn"])


def _create_when_role_is_ready(ctx: ActionContext, params: Mapping[str, object]) -> _FunctionView:
    """CreateFunction; on AWS a new role takes a few seconds before Lambda may assume it."""
    for attempt in range(10):
        try:
            created: _FunctionView = ctx.client("lambda").create_function(**params)
            return created
        except ClientError as exc:
            message = error_message(exc)
            if ctx.target != "aws" or "cannot be assumed" not in message or attempt == 9:
                raise
            time.sleep(3)
    raise AssertionError("unreachable")


@undo_kind(DELETE_FUNCTION)
def _delete_function(context: UndoContext, params: Mapping[str, object], certain: bool, since: float) -> str | None:
    try:
        context.clients.client("lambda").delete_function(FunctionName=cast(_FunctionKey, params)["name"])
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        gone: str | None = "already gone"
    else:
        gone = None
    # Lambda made the function's log group at its first invocation: it goes with the function.
    try:
        context.clients.client("logs").delete_log_group(logGroupName=f"/aws/lambda/{params['name']}")
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
    return gone


@undo_kind(DELETE_ROLE)
def _delete_role(context: UndoContext, params: Mapping[str, object], certain: bool, since: float) -> str | None:
    try:
        _delete_role_and_policies(context.clients, cast(_RoleKey, params)["role_name"])
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            return "already gone"
        raise
    return None


def _delete_role_and_policies(clients: Clients, role_name: str) -> None:
    iam = clients.client("iam")
    for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role_name, PolicyArn=attached["PolicyArn"])
    for policy in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role_name, PolicyName=policy)
    iam.delete_role(RoleName=role_name)


ACTIONS = [create_function]
