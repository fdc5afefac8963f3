"""The S3 bucket holding the stack's trigger code: ``scenario-run-artifacts-<account>-<region>``, owned by
this tool and shared by every stack it deploys in one account and region (each under its own prefix)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from engine.aws.clients import Clients
from engine.aws.errors import error_code
from engine.errors import TargetError
from engine.stack.errors import aws_errors


def artifact_bucket_name(clients: Clients) -> str:
    """``scenario-run-artifacts-<account>-<region>``: this tool's bucket for one account and region."""
    with aws_errors("finding the AWS account"):
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
    with aws_errors(f"creating bucket {bucket}"):
        clients.client("s3").create_bucket(**params)
    log(f"Created bucket {bucket} for the Lambda code.")
    return bucket


def remove_artifacts(clients: Clients, stack_name: str, *, log: Callable[[str], None]) -> None:
    """Delete the stack's code zips, then the artifact bucket unless another stack's are still in it."""
    bucket = artifact_bucket_name(clients)
    if not _bucket_exists(clients, bucket):
        return
    delete_objects(clients, bucket, f"{stack_name}/")
    if _object_versions(clients, bucket, ""):
        log(f"Kept bucket {bucket}: it still holds other stacks' artifacts.")
        return
    with aws_errors(f"deleting bucket {bucket}"):
        clients.client("s3").delete_bucket(Bucket=bucket)
    log(f"Deleted bucket {bucket}.")


def delete_objects(clients: Clients, bucket: str, prefix: str, *, keep: set[str] | None = None) -> None:
    """Delete every object (all versions) under ``prefix`` except the keys in ``keep``."""
    doomed = [entry for entry in _object_versions(clients, bucket, prefix) if entry["Key"] not in (keep or set())]
    for start in range(0, len(doomed), 1000):  # DeleteObjects takes at most 1000 keys
        with aws_errors(f"deleting objects in s3://{bucket}"):
            clients.client("s3").delete_objects(
                Bucket=bucket, Delete={"Objects": doomed[start : start + 1000], "Quiet": True}
            )


def _bucket_exists(clients: Clients, bucket: str) -> bool:
    with aws_errors(f"checking bucket {bucket}"):
        try:
            clients.client("s3").head_bucket(Bucket=bucket)
        except ClientError as exc:
            code = error_code(exc)
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
    with aws_errors(f"listing s3://{bucket}/{prefix}"):
        paginator = clients.client("s3").get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                found.append({"Key": entry["Key"], "VersionId": entry["VersionId"]})
    return found
