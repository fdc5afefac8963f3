"""What an invocation produced, in Lambda's words: payloads, error bodies, log lines."""

from __future__ import annotations

import decimal
import json
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.local.awslambda.code import CodeError
from engine.local.awslambda.logs import LogSink


@dataclass
class InvocationResult:
    """The outcome of one invocation, as Lambda's Invoke API reports it."""

    payload: bytes
    function_error: str | None  # "Unhandled" when the handler failed
    request_id: str
    log_tail: str
    timed_out: bool = False
    caller_gave_up: bool = False

    def error_message(self) -> str:
        """The payload's ``errorMessage`` (for a failed invocation)."""
        try:
            return str(json.loads(self.payload).get("errorMessage", ""))
        except (ValueError, AttributeError):
            return self.payload.decode("utf-8", "replace")


# Frames of this package (the runtime calling the handler) are left out of stack traces.
_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def version_of(fn: Any) -> str:
    """``$LATEST`` or the published version number the invocation runs."""
    return str(getattr(fn, "version", None) or "$LATEST")


RESPONSE_LIMIT = 6 * 1024 * 1024  # Lambda's limit on a synchronous invocation's response


def response_too_large() -> bytes:
    """Lambda's error body for a response over ``RESPONSE_LIMIT`` bytes."""
    message = f"Response payload size exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes)."
    return json.dumps({"errorMessage": message, "errorType": "Function.ResponseSizeTooLarge"}).encode()


def oversized(payload: bytes) -> bytes | None:
    """``response_too_large()`` for a payload over ``RESPONSE_LIMIT`` bytes, or None when it fits."""
    return response_too_large() if len(payload) > RESPONSE_LIMIT else None


def marshal(result: Any) -> bytes:
    """The handler's return value as the JSON payload Lambda returns."""

    def default(value: Any) -> Any:  # the Python runtime serializes Decimal (DynamoDB numbers)
        if isinstance(value, decimal.Decimal):
            return float(value)
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    return json.dumps(result, default=default).encode("utf-8")


def error_payload(error: BaseException, request_id: str, code_root: str) -> dict[str, Any]:
    """Lambda's body for an unhandled error: errorMessage, errorType, requestId, stackTrace."""
    if isinstance(error, CodeError):
        return {"errorMessage": error.message, "errorType": error.error_type, "requestId": request_id, "stackTrace": []}
    if isinstance(error, SystemExit):  # the function ended its runtime process
        return {
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status "
            f"{error.code if isinstance(error.code, int) else 1}",
            "errorType": "Runtime.ExitError",
        }
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(_PACKAGE_DIR)]
    stack = [line.replace(code_root, "/var/task") for line in traceback.format_list(frames)]
    return {"errorMessage": str(error), "errorType": type(error).__name__, "requestId": request_id, "stackTrace": stack}


def max_memory_mb(limit: int) -> int:
    """Max Memory Used: the process's peak, at most ``limit``; ``limit`` itself where Python has no
    ``resource`` module (Windows), which is why it is imported here and not with the module."""
    try:
        import resource
    except ImportError:
        return limit
    return min(limit, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)


def error_log_line(body: dict[str, Any]) -> str:
    """The ``[ERROR] Type: message`` log event (with the traceback) the Python runtime writes."""
    text = f"[ERROR] {body['errorType']}: {body['errorMessage']}"
    if body.get("stackTrace"):
        text += "\nTraceback (most recent call last):\n" + "".join(body["stackTrace"])
    return text


def write_report(
    fn: Any, sink: LogSink, request_id: str, duration_ms: float, init_ms: float | None, used_mb: int | None = None
) -> None:
    """END and REPORT (and START, if the invocation never got to write it); ``used_mb``: the function
    process's peak, when it has a process of its own."""
    if not any(message.startswith("START RequestId:") for _, message in sink.events):
        sink.add(f"START RequestId: {request_id} Version: {version_of(fn)}")
    sink.add(f"END RequestId: {request_id}")
    report = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {max(1, int(duration_ms + 0.999))} ms\t"
        f"Memory Size: {fn.memory_size} MB\tMax Memory Used: {used_mb or max_memory_mb(int(fn.memory_size))} MB\t"
    )
    if init_ms is not None:
        report += f"Init Duration: {init_ms:.2f} ms\t"
    sink.add(report)
