"""AWS errors met while managing the stack, turned into ``TargetError`` with a hint a person can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from engine.aws.clients import Clients
from engine.aws.errors import error_code, error_message
from engine.errors import TargetError
from engine.stack.defaults import DEFAULT_STACK_NAME

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


@contextmanager
def aws_errors(action: str, *, stack_name: str | None = None, clients: Clients | None = None) -> Iterator[None]:
    """Turn AWS errors (and the local backend rejecting a template) into a TargetError about ``action``."""
    try:
        yield
    except NoCredentialsError as exc:
        raise TargetError(
            f"{action} failed: no AWS credentials",
            hint="configure credentials (aws configure, AWS_PROFILE), or use the local target",
        ) from exc
    except ClientError as exc:
        code, message = error_code(exc), error_message(exc)
        hint = None
        if code in _CREDENTIAL_CODES:
            hint = "check the credentials are valid and allowed to do this (aws sts get-caller-identity)"
        elif code == "AlreadyExistsException" and stack_name:
            hint = f"run `{destroy_command(stack_name, clients)}` first"
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
            hint=f"check the template and its parameters, then {redeploy(stack_name or DEFAULT_STACK_NAME, clients)}",
        ) from exc


def destroy_command(stack_name: str, clients: Clients | None = None) -> str:
    """The CLI command that deletes ``stack_name`` on the target of ``clients``, for hints."""
    command = "scenario stack destroy"
    if clients is not None and clients.local and clients.endpoint_url:
        command += f" --endpoint-url {clients.endpoint_url}"
    elif clients is not None and not clients.local:
        command += f" --target aws --region {clients.region}"
    if stack_name != DEFAULT_STACK_NAME:
        command += f" --stack {stack_name}"
    return command


def redeploy(stack_name: str, clients: Clients | None) -> str:
    """How to deploy again after a failure: the embedded backend keeps nothing, anything else needs a destroy."""
    if clients is not None and clients.local and not clients.endpoint_url:
        return "run again (the embedded local AWS starts empty on every run, so nothing is left to delete)"
    return f"`{destroy_command(stack_name, clients)}` and deploy again"
