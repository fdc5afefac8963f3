"""CDK apps: a cloud assembly (``cdk.out``) as the stack's template, its assets published as ``cdk-assets``
publishes them.

``stack.template`` names the assembly folder (the stack is the one called ``stack.name``, or its only stack)
or a ``<Stack>.template.json`` in it. The stack's asset manifest (``<Stack>.assets.json``) lists file and
directory assets: a directory is zipped, a file sent as it is, each to its destination bucket and key with
``${AWS::AccountId}``, ``${AWS::Region}`` and ``${AWS::Partition}`` filled in. The template expects the
environment to be bootstrapped (``cdk bootstrap``): an assets bucket and the SSM parameter
``/cdk-bootstrap/<qualifier>/version``. Locally both are made on the spot; on AWS their absence is an error
that says to bootstrap. Running ``cdk synth`` stays the user's job.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from engine.aws.clients import Clients
from engine.aws.errors import error_code
from engine.errors import InputError, Location, TargetError
from engine.stack.code import zip_folder
from engine.stack.errors import aws_errors

_STACK = "aws:cloudformation:stack"
_ASSETS = "cdk:asset-manifest"
_DEFAULT_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
_LOCAL_BOOTSTRAP_VERSION = "28"  # what `cdk bootstrap` of 2025 writes; templates only check it is >= 6


@dataclass(frozen=True)
class Assembly:
    """One stack of a cloud assembly: its template, asset manifest and bootstrap needs."""

    template: Path
    assets: Path | None
    version_parameter: str
    required_version: int


def is_assembly(path: Path) -> bool:
    """Whether ``path`` is a cloud assembly folder or a template inside one."""
    folder = path if path.is_dir() else path.parent
    return (folder / "manifest.json").is_file() and (path.is_dir() or path.name.endswith(".template.json"))


def resolve(path: Path, stack_name: str) -> Assembly:
    """The stack of the assembly at ``path`` called ``stack_name`` (or its only one)."""
    folder = path if path.is_dir() else path.parent
    manifest = _json(folder / "manifest.json")
    artifacts: dict[str, Any] = manifest.get("artifacts") or {}
    stacks = {name: spec for name, spec in artifacts.items() if spec.get("type") == _STACK}
    if path.is_dir():
        chosen = [
            name
            for name, spec in stacks.items()
            if stack_name in (name, (spec.get("properties") or {}).get("stackName"), spec.get("displayName"))
        ]
        if not chosen and len(stacks) == 1:
            chosen = list(stacks)
        if len(chosen) != 1:
            raise InputError(
                f"the cloud assembly {folder} has no stack called {stack_name} "
                f"(its stacks: {', '.join(sorted(stacks)) or 'none'})",
                location=Location(str(folder / "manifest.json")),
                hint="set stack.name to one of them, or point stack.template at its <Stack>.template.json",
            )
        name = chosen[0]
    else:
        named = [n for n, spec in stacks.items() if (spec.get("properties") or {}).get("templateFile") == path.name]
        name = named[0] if named else path.name.removesuffix(".template.json")
    spec = stacks.get(name) or {}
    props = spec.get("properties") or {}
    template = folder / str(props.get("templateFile") or f"{name}.template.json")
    assets = None
    for dependency in spec.get("dependencies") or []:
        if (artifacts.get(dependency) or {}).get("type") == _ASSETS:
            assets = folder / str(artifacts[dependency]["properties"]["file"])
    if assets is None and (folder / f"{name}.assets.json").is_file():
        assets = folder / f"{name}.assets.json"
    return Assembly(
        template,
        assets,
        str(props.get("bootstrapStackVersionSsmParameter") or _DEFAULT_VERSION_PARAMETER),
        int(props.get("requiresBootstrapStackVersion") or 0),
    )


def missing_assets(assembly: Assembly) -> list[str]:
    """The assets the manifest names whose source is not in the assembly (a stale or partial ``cdk.out``)."""
    if assembly.assets is None:
        return []
    files = _json(assembly.assets).get("files") or {}
    folder = assembly.assets.parent
    return [
        str(folder / spec["source"]["path"])
        for spec in files.values()
        if not (folder / spec["source"]["path"]).exists()
    ]


def prepare(clients: Clients, assembly: Assembly, *, log: Callable[[str], None]) -> None:
    """Bootstrap check (local: bootstrap), then publish every file asset the stack needs."""
    account = _account(clients)
    if clients.local:
        _bootstrap_locally(clients, assembly, account, log)
    else:
        _check_bootstrapped(clients, assembly, account)
    if assembly.assets is None:
        return
    manifest = _json(assembly.assets)
    if manifest.get("dockerImages"):
        raise TargetError(
            f"{assembly.assets} has Docker image assets, which scenario-run does not publish",
            hint="publish them with `npx cdk deploy`, or use Lambda code from a folder (lambda.Code.fromAsset)",
        )
    for asset_id, spec in (manifest.get("files") or {}).items():
        _publish(clients, assembly.assets.parent, asset_id, spec, account, log)


def _publish(
    clients: Clients, folder: Path, asset_id: str, spec: dict[str, Any], account: str, log: Callable[[str], None]
) -> None:
    source = folder / spec["source"]["path"]
    if not source.exists():
        raise InputError(
            f"CDK asset {asset_id} is missing: {source} does not exist",
            location=Location(str(folder / "manifest.json")),
            hint="synthesize the app again (`npx cdk synth`) so cdk.out holds its assets",
        )
    body = zip_folder(source) if source.is_dir() else source.read_bytes()
    s3 = clients.client("s3")
    for destination in (spec.get("destinations") or {}).values():
        bucket = _fill(destination["bucketName"], clients, account)
        key = _fill(destination["objectKey"], clients, account)
        with aws_errors(f"publishing CDK asset {asset_id} to s3://{bucket}/{key}"):
            try:
                s3.head_object(Bucket=bucket, Key=key)
                continue  # content-addressed: an object already there is this asset
            except ClientError as exc:
                if error_code(exc) not in ("404", "NoSuchKey", "NotFound"):
                    raise
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        log(f"Published CDK asset {spec.get('displayName') or source.name} ({len(body)} bytes) to s3://{bucket}/{key}")


def _fill(text: str, clients: Clients, account: str) -> str:
    values = {"AWS::AccountId": account, "AWS::Region": clients.region, "AWS::Partition": "aws"}
    return re.sub(r"\$\{(AWS::\w+)\}", lambda found: values.get(found.group(1), found.group(0)), text)


def _bootstrap_locally(clients: Clients, assembly: Assembly, account: str, log: Callable[[str], None]) -> None:
    qualifier = assembly.version_parameter.split("/")[2] if assembly.version_parameter.count("/") >= 3 else "hnb659fds"
    bucket = f"cdk-{qualifier}-assets-{account}-{clients.region}"
    s3, ssm = clients.client("s3"), clients.client("ssm")
    with aws_errors(f"bootstrapping the local CDK environment ({bucket})"):
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError:
            params: dict[str, Any] = {"Bucket": bucket}
            if clients.region != "us-east-1":
                params["CreateBucketConfiguration"] = {"LocationConstraint": clients.region}
            s3.create_bucket(**params)
            ssm.put_parameter(
                Name=assembly.version_parameter, Value=_LOCAL_BOOTSTRAP_VERSION, Type="String", Overwrite=True
            )
            log(f"Bootstrapped the local CDK environment: bucket {bucket}, {assembly.version_parameter}")


def _check_bootstrapped(clients: Clients, assembly: Assembly, account: str) -> None:
    environment = f"aws://{account}/{clients.region}"
    hint = f"run `npx cdk bootstrap {environment}` once for this account and region, then deploy again"
    with aws_errors(f"reading {assembly.version_parameter}"):
        try:
            value = clients.client("ssm").get_parameter(Name=assembly.version_parameter)["Parameter"]["Value"]
        except ClientError as exc:
            if error_code(exc) != "ParameterNotFound":
                raise
            raise TargetError(
                f"the environment {environment} is not bootstrapped for the CDK "
                f"(no SSM parameter {assembly.version_parameter})",
                hint=hint,
            ) from None
    if not value.isdigit() or int(value) < assembly.required_version:
        raise TargetError(
            f"the environment {environment} is bootstrapped at version {value}, "
            f"but the app needs at least {assembly.required_version}",
            hint=hint,
        )


def _account(clients: Clients) -> str:
    with aws_errors("finding the AWS account"):
        return str(clients.client("sts").get_caller_identity()["Account"])


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot read the cloud assembly file {path}: {exc}", hint="synthesize the app again (`npx cdk synth`)"
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"{path} is not a cloud assembly manifest", hint="synthesize the app again (`npx cdk synth`)")
    return data
