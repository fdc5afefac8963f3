"""Deploy, read and destroy the CloudFormation stack the Cognito scenarios run against.

The stack is ``infra/template.yaml``: the known-users table, the user pool and its client, and the three
trigger functions, whose code is ``triggers/`` zipped and uploaded to an artifact bucket owned by this
tool (``scenario-run-artifacts-<account>-<region>``). The same code deploys to real AWS and to the
embedded local AWS (moto, with ``engine.local.cloudformation.install()``), where every step completes at
once. Everything a person can get wrong here surfaces as ``TargetError`` with a hint, never a traceback.

This package's ``deploy``/``outputs``/``destroy`` are the entry points; the pieces: ``defaults`` (default
name, template and trigger directory), ``packaging`` (the trigger zip), ``template`` (reading the
template), ``artifacts`` (the S3 bucket), ``status`` (describing and waiting) and ``errors`` (AWS errors
as ``TargetError``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from engine.clients import Clients
from engine.errors import TargetError
from engine.stack.artifacts import delete_objects, ensure_artifact_bucket, remove_artifacts
from engine.stack.defaults import DEFAULT_STACK_NAME, DEFAULT_TEMPLATE, TRIGGERS_DIR
from engine.stack.errors import aws_errors
from engine.stack.packaging import package_triggers
from engine.stack.status import READY, check_updatable, describe, failure_reason, status_hint, wait
from engine.stack.template import read_template

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
) -> dict[str, str]:
    """Create or update the stack from ``template`` with freshly packaged triggers; return its outputs.

    Creates the artifact bucket if needed and uploads the zip of ``triggers_dir`` under a key holding its
    sha256, so changed code updates the functions and unchanged code is not an update at all.
    """
    body = read_template(template)
    code = package_triggers(triggers_dir)
    stack = describe(clients, stack_name)
    if stack is not None:
        check_updatable(clients, stack)
    bucket = ensure_artifact_bucket(clients, log=log)
    key = f"{stack_name}/triggers-{hashlib.sha256(code).hexdigest()}.zip"
    with aws_errors(f"uploading the triggers to s3://{bucket}/{key}"):
        clients.client("s3").put_object(Bucket=bucket, Key=key, Body=code)
    log(f"Uploaded the triggers ({len(code)} bytes) to s3://{bucket}/{key}")

    cfn = clients.client("cloudformation")
    request = {
        "StackName": stack_name,
        "TemplateBody": body,
        "Parameters": [
            {"ParameterKey": "CodeBucket", "ParameterValue": bucket},
            {"ParameterKey": "CodeKey", "ParameterValue": key},
        ],
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    }
    if stack is None:
        log(f"Creating stack {stack_name} in {clients.region}...")
        try:
            with aws_errors(f"creating stack {stack_name}", stack_name=stack_name):
                stack_id = cfn.create_stack(**request)["StackId"]
        except TargetError:
            if describe(clients, stack_name) is None:  # rejected outright: take the upload back
                remove_artifacts(clients, stack_name, log=lambda _: None)
            raise
        wait(clients, "stack_create_complete", stack_id, stack_name)
    else:
        log(f"Updating stack {stack_name} in {clients.region}...")
        try:
            with aws_errors(f"updating stack {stack_name}", stack_name=stack_name):
                cfn.update_stack(**request)
        except TargetError as error:
            if "No updates are to be performed" not in error.message:
                raise
            log(f"Stack {stack_name} is already up to date.")
        else:
            wait(clients, "stack_update_complete", stack["StackId"], stack_name)
    delete_objects(clients, bucket, f"{stack_name}/", keep=key)  # earlier code zips are not needed now
    result = outputs(clients, stack_name)
    log(f"Stack {stack_name} is ready.")
    return result


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
            f"stack {stack_name} is {status}: {failure_reason(clients, stack)}", hint=status_hint(status, stack_name)
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
        wait(clients, "stack_delete_complete", stack["StackId"], stack_name)
        log(f"Deleted stack {stack_name}.")
    remove_artifacts(clients, stack_name, log=log)
