"""Deploy, read and destroy the CloudFormation stack the Cognito scenarios run against.

The stack is ``infra/template.yaml``: the known-users table, the user pool and its client, and the three
trigger functions, whose code is ``triggers/`` zipped and uploaded to an artifact bucket owned by this
tool (``scenario-run-artifacts-<account>-<region>``). The same code deploys to real AWS and to the
embedded local AWS (moto, with ``engine.local.cloudformation.install()``), where every step completes at
once. Everything a person can get wrong here surfaces as ``TargetError`` with a hint, never a traceback.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, WaiterError

from engine.clients import Clients
from engine.errors import TargetError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STACK_NAME = "scenario-run-cognito"
DEFAULT_TEMPLATE = PROJECT_ROOT / "infra" / "template.yaml"
TRIGGERS_DIR = PROJECT_ROOT / "triggers"

# Statuses in which the stack is usable, and in which it must be deleted before anything else.
_READY = {
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
}
_BROKEN = {
    "CREATE_FAILED",
    "ROLLBACK_COMPLETE",
    "ROLLBACK_FAILED",
    "DELETE_FAILED",
    "UPDATE_ROLLBACK_FAILED",
    "IMPORT_ROLLBACK_FAILED",
}
_WAIT = {"Delay": 5, "MaxAttempts": 180}  # up to 15 minutes; each poll is immediate on the local backend
_CREDENTIAL_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "InvalidAccessKeyId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "AccessDenied",
    "AccessDeniedException",
}
# A fixed timestamp for every zip entry, so the same sources always give the same zip and S3 key.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def package_triggers(triggers_dir: Path) -> bytes:
    """A deterministic zip of the handler modules (``*.py`` at the top of ``triggers_dir``).

    Test modules, ``conftest.py`` and caches are left out; the same sources always give the same bytes.
    """
    sources = sorted(
        path
        for path in triggers_dir.glob("*.py")
        if path.is_file()
        and not path.name.startswith("test_")
        and not path.name.endswith("_test.py")
        and path.name != "conftest.py"
    )
    if not sources:
        raise TargetError(
            f"no Lambda handler modules (*.py) in {triggers_dir}",
            hint="run from a scenario-run checkout with its triggers/ directory",
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sources:
            info = zipfile.ZipInfo(path.name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # readable by the Lambda runtime's user
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


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
    body = _read_template(template)
    code = package_triggers(triggers_dir)
    stack = _describe(clients, stack_name)
    if stack is not None:
        _check_updatable(clients, stack)
    bucket = ensure_artifact_bucket(clients, log=log)
    key = f"{stack_name}/triggers-{hashlib.sha256(code).hexdigest()}.zip"
    with _aws(f"uploading the triggers to s3://{bucket}/{key}"):
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
            with _aws(f"creating stack {stack_name}", stack_name=stack_name):
                stack_id = cfn.create_stack(**request)["StackId"]
        except TargetError:
            if _describe(clients, stack_name) is None:  # rejected outright: take the upload back
                _remove_artifacts(clients, stack_name, log=lambda _: None)
            raise
        _wait(clients, "stack_create_complete", stack_id, stack_name)
    else:
        log(f"Updating stack {stack_name} in {clients.region}...")
        try:
            with _aws(f"updating stack {stack_name}", stack_name=stack_name):
                cfn.update_stack(**request)
        except TargetError as error:
            if "No updates are to be performed" not in error.message:
                raise
            log(f"Stack {stack_name} is already up to date.")
        else:
            _wait(clients, "stack_update_complete", stack["StackId"], stack_name)
    _delete_objects(clients, bucket, f"{stack_name}/", keep=key)  # earlier code zips are not needed now
    result = outputs(clients, stack_name)
    log(f"Stack {stack_name} is ready.")
    return result


def outputs(clients: Clients, stack_name: str) -> dict[str, str]:
    """The stack's outputs as a name -> value map (as the Go examples' GetOutputs)."""
    stack = _describe(clients, stack_name)
    if stack is None:
        raise TargetError(
            f"no CloudFormation stack named {stack_name} in {clients.region}",
            hint="deploy it with `scenario stack deploy`",
        )
    status = stack["StackStatus"]
    if status not in _READY:
        raise TargetError(
            f"stack {stack_name} is {status}: {_failure_reason(clients, stack)}", hint=_status_hint(status, stack_name)
        )
    return {out["OutputKey"]: out["OutputValue"] for out in stack.get("Outputs", [])}


def destroy(clients: Clients, stack_name: str, *, log: Callable[[str], None] = print) -> None:
    """Delete the stack, then its artifacts and the artifact bucket; a stack already gone is not an error.

    The bucket itself is kept (and said so) only while another stack's artifacts are still in it.
    """
    stack = _describe(clients, stack_name)
    if stack is None:
        log(f"No stack named {stack_name} in {clients.region}; nothing to delete.")
    else:
        log(f"Deleting stack {stack_name} in {clients.region}...")
        with _aws(f"deleting stack {stack_name}", stack_name=stack_name):
            clients.client("cloudformation").delete_stack(StackName=stack["StackId"])
        _wait(clients, "stack_delete_complete", stack["StackId"], stack_name)
        log(f"Deleted stack {stack_name}.")
    _remove_artifacts(clients, stack_name, log=log)


def artifact_bucket_name(clients: Clients) -> str:
    """``scenario-run-artifacts-<account>-<region>``: this tool's bucket for one account and region."""
    with _aws("finding the AWS account"):
        account = clients.client("sts").get_caller_identity()["Account"]
    return f"scenario-run-artifacts-{account}-{clients.region}"


def ensure_artifact_bucket(clients: Clients, *, log: Callable[[str], None] = print) -> str:
    """The artifact bucket's name, creating the bucket first if it does not exist."""
    bucket = artifact_bucket_name(clients)
    if _bucket_exists(clients, bucket):
        return bucket
    params: dict[str, Any] = {"Bucket": bucket}
    if clients.region != "us-east-1":
        # us-east-1 is the default location and rejects being named as a LocationConstraint.
        params["CreateBucketConfiguration"] = {"LocationConstraint": clients.region}
    with _aws(f"creating bucket {bucket}"):
        clients.client("s3").create_bucket(**params)
    log(f"Created bucket {bucket} for the Lambda code.")
    return bucket


def _remove_artifacts(clients: Clients, stack_name: str, *, log: Callable[[str], None]) -> None:
    """Delete the stack's code zips, then the artifact bucket unless another stack's are still in it."""
    bucket = artifact_bucket_name(clients)
    if not _bucket_exists(clients, bucket):
        return
    _delete_objects(clients, bucket, f"{stack_name}/")
    if _object_versions(clients, bucket, ""):
        log(f"Kept bucket {bucket}: it still holds other stacks' artifacts.")
        return
    with _aws(f"deleting bucket {bucket}"):
        clients.client("s3").delete_bucket(Bucket=bucket)
    log(f"Deleted bucket {bucket}.")


def _read_template(template: Path) -> str:
    """The template's text, once it is known to be a YAML (or JSON) mapping with Resources."""
    if not template.is_file():
        raise TargetError(
            f"stack template {template} not found",
            hint="run from a scenario-run checkout, or pass the path of a template",
        )
    body = template.read_text(encoding="utf-8")
    try:
        with template.open(encoding="utf-8") as stream:  # a stream, so that errors name the file
            parsed = yaml.load(stream, Loader=_TemplateLoader)  # a SafeLoader: builds no arbitrary objects
    except yaml.YAMLError as exc:
        raise TargetError(f"stack template {template} is not valid YAML: {exc}") from exc
    if not isinstance(parsed, dict) or not isinstance(parsed.get("Resources"), dict):
        raise TargetError(
            f"stack template {template} has no Resources mapping",
            hint="a CloudFormation template is a mapping with a Resources section",
        )
    return body


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that accepts CloudFormation's short-form tags (!Ref, !Sub, !GetAtt...)."""


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_TemplateLoader.add_multi_constructor("!", _construct_tagged)


# --- helpers ------------------------------------------------------------------------------------------


@contextmanager
def _aws(action: str, *, stack_name: str | None = None) -> Iterator[None]:
    """Turn AWS errors (and the local backend rejecting a template) into a TargetError about ``action``."""
    try:
        yield
    except NoCredentialsError as exc:
        raise TargetError(
            f"{action} failed: no AWS credentials",
            hint="configure credentials (aws configure, AWS_PROFILE), or use the local target",
        ) from exc
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), error.get("Message", str(exc))
        hint = None
        if code in _CREDENTIAL_CODES:
            hint = "check the credentials are valid and allowed to do this (aws sts get-caller-identity)"
        elif code == "AlreadyExistsException" and stack_name:
            hint = f"run `{_destroy_command(stack_name)}` first"
        raise TargetError(f"{action} failed: {code}: {message}", hint=hint) from exc
    except BotoCoreError as exc:
        raise TargetError(f"{action} failed: {exc}", hint="check the region and your network connection") from exc
    except TargetError:
        raise
    except Exception as exc:
        # Only the embedded backend raises plain exceptions from an AWS call: moto itself failing on a
        # resource (a missing S3 object, an unsupported property). Real AWS answers with a ClientError.
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise TargetError(
            f"{action} failed in the local backend: {type(exc).__name__}: {first_line}",
            hint="check the template and its parameters; "
            f"then `{_destroy_command(stack_name or DEFAULT_STACK_NAME)}` "
            "and deploy again",
        ) from exc


def _destroy_command(stack_name: str) -> str:
    """The CLI command that deletes ``stack_name``, for hints."""
    if stack_name == DEFAULT_STACK_NAME:
        return "scenario stack destroy"
    return f"scenario stack destroy --stack {stack_name}"


def _describe(clients: Clients, stack_name: str) -> dict[str, Any] | None:
    """The live stack called ``stack_name``, or None if there is none (deleted stacks do not count)."""
    cfn = clients.client("cloudformation")
    try:
        with _aws(f"describing stack {stack_name}"):
            stacks = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    except TargetError as error:
        if "does not exist" in error.message:
            return None
        raise
    live = [stack for stack in stacks if stack["StackStatus"] != "DELETE_COMPLETE"]
    return live[0] if live else None


def _check_updatable(clients: Clients, stack: dict[str, Any]) -> None:
    status, name = stack["StackStatus"], stack["StackName"]
    if status in _BROKEN:
        raise TargetError(
            f"stack {name} is {status}: {_failure_reason(clients, stack)}", hint=_status_hint(status, name)
        )
    if status.endswith("_IN_PROGRESS"):
        raise TargetError(
            f"stack {name} is busy ({status})",
            hint="wait for the current operation to finish (or, on the local target, "
            f"`{_destroy_command(name)}`), then deploy again",
        )


def _status_hint(status: str, stack_name: str) -> str:
    if status == "UPDATE_ROLLBACK_COMPLETE":
        return "the update was rolled back and the stack still works as before; fix the cause and deploy again"
    if status == "UPDATE_ROLLBACK_FAILED":
        return (
            f"fix the cause, then `aws cloudformation continue-update-rollback --stack-name {stack_name}`"
            f" or `{_destroy_command(stack_name)}`"
        )
    if status.endswith("_IN_PROGRESS"):
        return "wait for the current operation to finish"
    return f"fix the cause, then `{_destroy_command(stack_name)}` and deploy again"


def _wait(clients: Clients, waiter_name: str, stack_id: str, stack_name: str) -> None:
    """Wait for a stack operation; on failure, raise with the reason of the resource that failed first."""
    waiter = clients.client("cloudformation").get_waiter(waiter_name)
    try:
        waiter.wait(StackName=stack_id, WaiterConfig=_WAIT)
    except WaiterError as exc:
        stack = _describe(clients, stack_id) or {"StackId": stack_id, "StackName": stack_name, "StackStatus": "UNKNOWN"}
        status = stack["StackStatus"]
        raise TargetError(
            f"stack {stack_name} ended {status}: {_failure_reason(clients, stack)}",
            hint=_status_hint(status, stack_name),
        ) from exc


def _failure_reason(clients: Clients, stack: dict[str, Any]) -> str:
    """Why the stack's latest operation failed: the first resource that failed in it, with its reason."""
    try:
        with _aws("reading stack events"):
            events = clients.client("cloudformation").describe_stack_events(StackName=stack["StackId"])["StackEvents"]
    except TargetError:
        events = []
    failed = None
    for event in events:  # newest first: stop at the start of the latest operation
        if event.get("ResourceStatusReason") == "User Initiated":
            break
        reason = event.get("ResourceStatusReason") or ""
        if (
            event.get("ResourceStatus", "").endswith("_FAILED")
            and event.get("LogicalResourceId") != stack.get("StackName")
            and "cancelled" not in reason.lower()
        ):
            failed = f"{event['LogicalResourceId']} ({event.get('ResourceType')}): {reason}"
    return failed or stack.get("StackStatusReason") or "no reason given"


def _bucket_exists(clients: Clients, bucket: str) -> bool:
    with _aws(f"checking bucket {bucket}"):
        try:
            clients.client("s3").head_bucket(Bucket=bucket)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("404", "NoSuchBucket", "NotFound"):
                return False
            if code in ("403", "Forbidden"):
                raise TargetError(
                    f"bucket {bucket} exists but these credentials cannot use it",
                    hint="another account may own the name; use that account's credentials",
                ) from exc
            raise
    return True


def _object_versions(clients: Clients, bucket: str, prefix: str) -> list[dict[str, str]]:
    """Every object version and delete marker under ``prefix`` (one per object in an unversioned bucket)."""
    found: list[dict[str, str]] = []
    with _aws(f"listing s3://{bucket}/{prefix}"):
        paginator = clients.client("s3").get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                found.append({"Key": entry["Key"], "VersionId": entry["VersionId"]})
    return found


def _delete_objects(clients: Clients, bucket: str, prefix: str, *, keep: str | None = None) -> None:
    """Delete every object (all versions) under ``prefix`` except the key ``keep``."""
    doomed = [entry for entry in _object_versions(clients, bucket, prefix) if entry["Key"] != keep]
    for start in range(0, len(doomed), 1000):  # DeleteObjects takes at most 1000 keys
        with _aws(f"deleting objects in s3://{bucket}"):
            clients.client("s3").delete_objects(
                Bucket=bucket, Delete={"Objects": doomed[start : start + 1000], "Quiet": True}
            )
