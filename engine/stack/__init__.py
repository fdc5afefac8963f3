"""Deploy, read and destroy the CloudFormation stack the Cognito scenarios run against.

The project's stack is ``infra/template.yaml``: the known-users table, the user pool and its client, and the
three trigger functions, whose code is ``triggers/`` zipped and uploaded to an artifact bucket owned by this
tool (``scenario-run-artifacts-<account>-<region>``) and passed as its ``CodeBucket``/``CodeKey``. Any other
template names its code as local paths (``code``: packaged the way ``aws cloudformation package`` does) and
gets only the parameters it declares (``parameters``). The same code deploys to real AWS and to the
embedded local AWS (moto, with ``engine.local.cloudformation.install()``), where every step completes at
once. Everything a person can get wrong here surfaces as ``TargetError`` with a hint, never a traceback.

A SAM template (``sam``) is expanded for the local target and sent with ``CAPABILITY_AUTO_EXPAND`` to AWS; a
CDK cloud assembly (``cdk``) is deployed from its template, its assets published first. Before a local deploy
creates anything, the template's transforms and resource types are checked (``preflight``; ``validate`` is
the same for ``scenario validate``), so nothing deploys half-way.

This package's ``deploy``/``outputs``/``destroy`` are the entry points; the pieces: ``defaults`` (default
name, template and trigger directory), ``packaging`` (the trigger zip), ``code`` (local code paths),
``vendor`` (requirements), ``parameters`` (checking them), ``template`` (reading the template), ``sam``,
``cdk``, ``preflight`` and ``local_types`` (what the local target creates), ``artifacts`` (the S3 bucket),
``status`` (describing and waiting), ``errors`` (AWS errors as ``TargetError``) and ``deploy_cache`` (a local
deploy restored from a snapshot when nothing it depends on changed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.aws.clients import Clients
from engine.errors import InputError, Location, TargetError
from engine.stack import cdk, deploy_cache
from engine.stack.artifacts import delete_objects, ensure_artifact_bucket, remove_artifacts
from engine.stack.code import LocalCode, code_key, local_code, s3_location, sam_function_globals, zip_code
from engine.stack.defaults import DEFAULT_STACK_NAME, DEFAULT_TEMPLATE, TRIGGERS_DIR
from engine.stack.errors import aws_errors
from engine.stack.local_types import parse_unsupported
from engine.stack.packaging import package_triggers, triggers_digest
from engine.stack.parameters import LEGACY_CODE_PARAMETERS, check_parameters
from engine.stack.preflight import template_problems, unsupported
from engine.stack.sam import SAM_TRANSFORM, expand, transforms
from engine.stack.status import READY, check_updatable, describe, failure_reason, status_hint, wait
from engine.stack.template import load_template, read_template

# The defaults and package_triggers are imported from here by the CLI, the tests and the docs.
__all__ = [
    "DEFAULT_STACK_NAME",
    "DEFAULT_TEMPLATE",
    "TRIGGERS_DIR",
    "deploy",
    "destroy",
    "outputs",
    "package_triggers",
]


def deploy(
    clients: Clients,
    stack_name: str = DEFAULT_STACK_NAME,
    template: Path = DEFAULT_TEMPLATE,
    *,
    log: Callable[[str], None] = print,
    triggers_dir: Path = TRIGGERS_DIR,
    parameters: Mapping[str, Any] | None = None,
    source: str = "--parameter",
    where: Callable[[str | None], Location | None] = lambda _: None,
) -> dict[str, str]:
    """Create or update the stack from ``template`` with its code packaged; return its outputs.

    ``parameters`` (from ``source``, located by ``where``) must be declared by the template, which must get
    every parameter it requires: both are checked before anything is sent. Local code paths are zipped and
    uploaded to the artifact bucket under keys holding their sha256, so changed code updates the functions
    and unchanged code is not an update at all. A template declaring ``CodeBucket``/``CodeKey`` (the
    project's own) gets ``triggers_dir`` zipped into them unless the scenario gives them. ``template`` may
    be a SAM template, or a CDK cloud assembly (its folder, or a template in it) whose stack is ``stack_name``.
    On a local target, a template that could only deploy in part is refused before anything is created.
    """
    if template.is_dir() and not cdk.is_assembly(template):
        raise InputError(
            f"stack template {template} is a folder but not a CDK cloud assembly (it has no manifest.json)",
            hint="give the template file, or the cdk.out folder `npx cdk synth` writes",
        )
    assembly = cdk.resolve(template, stack_name) if cdk.is_assembly(template) else None
    if assembly is not None:
        template = assembly.template
    body = read_template(template)
    parsed = load_template(template)
    declared = parsed.get("Parameters") or {}
    given = dict(parameters or {})
    legacy = all(name in declared and name not in given for name in LEGACY_CODE_PARAMETERS)
    filled = frozenset(LEGACY_CODE_PARAMETERS if legacy else ())
    # A CDK template's BootstrapVersion parameter has a Default (the SSM parameter), so it is never required.
    values = check_parameters(declared, given, template, source=source, where=where, filled=filled)
    if clients.local:  # nothing is created before the template is known to deploy whole
        problems = template_problems(parsed, template)
        if problems:
            raise problems[0]
    packages = local_code(parsed, template)
    cache_key = (
        None if assembly is not None else _cache_key(clients, stack_name, body, values, packages, legacy, triggers_dir)
    )
    if cache_key is not None and (restored := deploy_cache.restore(cache_key)) is not None:
        log(f"Stack {stack_name} restored from the deploy cache: its template, parameters and code are unchanged.")
        return restored
    stack = describe(clients, stack_name)
    if stack is not None:
        check_updatable(clients, stack)
    if assembly is not None:
        cdk.prepare(clients, assembly, log=log)
    keys: list[str] = []
    if legacy or packages:
        bucket = ensure_artifact_bucket(clients, log=log)
    if legacy:
        code = package_triggers(triggers_dir)
        key = f"{stack_name}/triggers-{hashlib.sha256(code).hexdigest()}.zip"
        _upload(clients, bucket, key, code, "the triggers", log)
        values.update(CodeBucket=bucket, CodeKey=key)
        keys.append(key)
    for package in packages:
        code = zip_code(package.path, log=log)
        key = code_key(stack_name, package.resource, code)
        _upload(clients, bucket, key, code, f"{package.resource}'s code ({package.path.name})", log)
        resource = parsed["Resources"][package.resource]
        if not isinstance(resource.get("Properties"), dict):
            resource["Properties"] = {}
        resource["Properties"][package.prop] = s3_location(package.prop, bucket, key)
        keys.append(key)
    inherited = sam_function_globals(parsed).get("CodeUri")
    if packages and isinstance(inherited, str) and not inherited.startswith("s3://"):
        # Every function that inherited this local path has its own S3 location now: the path means nothing there.
        del parsed["Globals"]["Function"]["CodeUri"]
    sam = SAM_TRANSFORM in transforms(parsed)
    if sam and clients.local:
        try:
            parsed = expand(parsed, template, clients, values, stack_name)
        except InputError:
            if keys and stack is None:
                remove_artifacts(clients, stack_name, log=lambda _: None)
            raise
        log(f"Expanded the SAM template {template.name} ({len(parsed.get('Resources') or {})} resources).")
    if packages or (sam and clients.local):
        body = json.dumps(parsed, indent=1)  # the rewritten template, in the long form JSON allows

    cfn = clients.client("cloudformation")
    request = {
        "StackName": stack_name,
        "TemplateBody": body,
        "Parameters": [{"ParameterKey": name, "ParameterValue": value} for name, value in values.items()],
        "Capabilities": capabilities(parsed),
    }
    if stack is None:
        log(f"Creating stack {stack_name} in {clients.region}...")
        try:
            with (
                refused_types(template),
                aws_errors(f"creating stack {stack_name}", stack_name=stack_name, clients=clients),
            ):
                stack_id = cfn.create_stack(**request)["StackId"]
        except (TargetError, InputError):
            if keys and describe(clients, stack_name) is None:  # rejected outright: take the upload back
                remove_artifacts(clients, stack_name, log=lambda _: None)
            raise
        wait(clients, "stack_create_complete", stack_id, stack_name, log)
    else:
        log(f"Updating stack {stack_name} in {clients.region}...")
        try:
            with (
                refused_types(template),
                aws_errors(f"updating stack {stack_name}", stack_name=stack_name, clients=clients),
            ):
                cfn.update_stack(**request)
        except TargetError as error:
            if "No updates are to be performed" not in error.message:
                raise
            log(f"Stack {stack_name} is already up to date.")
        else:
            wait(clients, "stack_update_complete", stack["StackId"], stack_name, log)
    if keys:
        delete_objects(clients, bucket, f"{stack_name}/", keep=set(keys))  # earlier code zips are not needed now
    result = outputs(clients, stack_name)
    if cache_key is not None:
        deploy_cache.save(cache_key, result)
    log(f"Stack {stack_name} is ready.")
    return result


def _cache_key(
    clients: Clients,
    stack_name: str,
    body: str,
    values: Mapping[str, str],
    packages: list[LocalCode],
    legacy: bool,
    triggers_dir: Path,
) -> str | None:
    """The deploy cache's key for this deploy, or None when it must not be used: the cache is off, the
    backend is not this process's embedded one, or that already holds something."""
    if not clients.local or clients.endpoint_url or not deploy_cache.enabled() or not deploy_cache.pristine():
        return None
    code = [f"{package.resource}:{deploy_cache.tree_digest(package.path)}" for package in packages]
    if legacy:
        code.append("triggers:" + triggers_digest(triggers_dir))
    return deploy_cache.deploy_key(
        stack_name=stack_name,
        region=clients.region,
        template_body=body,
        parameters=values,
        code=code,
        moto=deploy_cache.moto_version(),
    )


def capabilities(template: Mapping[str, Any]) -> list[str]:
    """What CreateStack must acknowledge: IAM resources, and a transform's expansion (SAM, macros)."""
    needed = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
    if transforms(template):
        needed.append("CAPABILITY_AUTO_EXPAND")
    return needed


@contextmanager
def refused_types(template: Path) -> Iterator[None]:
    """A local server's refusal of a resource type, as bad input at that resource's line in ``template``."""
    try:
        yield
    except TargetError as error:
        refused = parse_unsupported(error.message)
        if refused is None:
            raise
        raise unsupported(*refused, template) from None


def _upload(clients: Clients, bucket: str, key: str, code: bytes, what: str, log: Callable[[str], None]) -> None:
    with aws_errors(f"uploading {what} to s3://{bucket}/{key}"):
        clients.client("s3").put_object(Bucket=bucket, Key=key, Body=code)
    log(f"Uploaded {what} ({len(code)} bytes) to s3://{bucket}/{key}")


def outputs(clients: Clients, stack_name: str) -> dict[str, str]:
    """The stack's outputs as a name -> value map (as the Go examples' GetOutputs)."""
    stack = describe(clients, stack_name)
    if stack is None:
        raise TargetError(
            f"no CloudFormation stack named {stack_name} in {clients.region}",
            hint="deploy it with `scenario stack deploy`",
        )
    status = stack["StackStatus"]
    if status not in READY:
        raise TargetError(
            f"stack {stack_name} is {status}: {failure_reason(clients, stack)}",
            hint=status_hint(status, stack_name, clients),
        )
    return {out["OutputKey"]: out["OutputValue"] for out in stack.get("Outputs", [])}


def destroy(clients: Clients, stack_name: str, *, log: Callable[[str], None] = print) -> None:
    """Delete the stack, then its artifacts and the artifact bucket; a stack already gone is not an error.

    The bucket itself is kept (and said so) only while another stack's artifacts are still in it.
    """
    stack = describe(clients, stack_name)
    if stack is None:
        log(f"No stack named {stack_name} in {clients.region}; nothing to delete.")
    else:
        log(f"Deleting stack {stack_name} in {clients.region}...")
        with aws_errors(f"deleting stack {stack_name}", stack_name=stack_name):
            clients.client("cloudformation").delete_stack(StackName=stack["StackId"])
        wait(clients, "stack_delete_complete", stack["StackId"], stack_name, log)
        log(f"Deleted stack {stack_name}.")
    remove_artifacts(clients, stack_name, log=log)
