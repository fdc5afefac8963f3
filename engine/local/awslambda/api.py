"""The Lambda Invoke API on top of the in-process runtime (replaces moto's Docker invocation).

``invoke`` takes the place of moto's ``LambdaFunction.invoke``, which both the Invoke and
InvokeAsync APIs and moto's own event sources (S3, SNS, SQS, ...) call.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from moto.core.exceptions import JsonRESTError

from engine.local.awslambda.outcome import version_of
from engine.local.awslambda.runtime import UnsupportedFunction, invoke_function


class InvalidRequestContentException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequestContentException", message)


class InvalidRuntimeException(JsonRESTError):
    # AWS answers 502, but a 5xx would make boto3 retry a request that can never succeed here.
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRuntimeException", message)


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    for key, value in headers.items():
        if str(key).lower() == name:
            return value.decode() if isinstance(value, bytes) else str(value)
    return None


def invoke(fn: Any, body: Any, request_headers: Any, response_headers: Any) -> bytes:
    """Run ``fn`` for an Invoke request: the payload, with Lambda's response headers set."""
    invocation_type = _header(request_headers, "x-amz-invocation-type") or "RequestResponse"
    if invocation_type == "DryRun":
        return b""  # DryRun only checks permissions; it never runs the function
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    try:
        event = json.loads(body) if body else {}
    except ValueError as error:
        raise InvalidRequestContentException(f"Could not parse request body into json: {error}") from error
    try:
        result = invoke_function(fn, event)
    except UnsupportedFunction as error:
        raise InvalidRuntimeException(str(error)) from error
    if result.function_error:
        response_headers["x-amz-function-error"] = result.function_error
    response_headers["x-amz-executed-version"] = version_of(fn)
    response_headers["x-amz-log-result"] = base64.b64encode(result.log_tail.encode("utf-8")).decode("ascii")
    return result.payload
