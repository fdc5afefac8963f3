"""One invocation of a function that runs as a process of its own (``processes``), start to report.

The invoking thread lets go of the backend lock while the process works on the event (``locking.released``),
so the handler's own calls back are served like any other request and a slow function delays only its
caller; a function busy with one event gets the next concurrent one in another process, as Lambda gives
it another execution environment. What can happen, and what Invoke then answers:

* the runtime posts a response (or an error): that payload, with ``FunctionError: Unhandled`` for an error;
* it posts ``/runtime/init/error``, or exits: that error, or ``Runtime.ExitError``; the process is ended;
* the function's timeout (or the caller's shorter wait) runs out: the process group is killed and the
  next invocation starts a new one, with the same payloads as in-process functions.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Protocol

from engine.local.awslambda import logs as lambda_logs
from engine.local.awslambda.code import CodeError, code_dir
from engine.local.awslambda.environments import key as environment_key
from engine.local.awslambda.logs import LogSink
from engine.local.awslambda.outcome import InvocationResult, error_log_line, oversized, version_of, write_report
from engine.local.awslambda.processes import FunctionProcess, StartFailed
from engine.local.awslambda.runtime_api import Invocation
from engine.local.awslambda.runtimes import UnsupportedFunction, check_runnable
from engine.local.locking import forget, holding, name, released

INIT_LIMIT_SECONDS = 10.0  # Lambda's limit for a function's initialization phase
_LOG_TAIL_BYTES = 4096
_POLL_SECONDS = 0.05  # how often a wait also checks that the process is still alive


class LambdaFunction(Protocol):
    """What an invocation reads of moto's ``LambdaFunction``."""

    function_name: str
    function_arn: str
    handler: str
    run_time: str
    timeout: int
    memory_size: int
    environment_vars: dict[str, str] | None
    account_id: str
    region: str
    code_bytes: bytes
    code_sha_256: str
    architectures: list[str]


class _Warm:
    def __init__(self, fingerprint: tuple[object, ...], process: FunctionProcess, log_stream: str) -> None:
        self.fingerprint = fingerprint
        self.process = process
        self.log_stream = log_stream
        self.busy = False  # an invocation is in progress: a nested one gets another environment
        self.used = True  # invoked since the backends were last emptied in place (``retire_idle``)


# Per function ARN, its environments. Like Lambda, a busy environment is never given a second event: a
# handler whose call back fires its own trigger again (AdminCreateUser from PreSignUp) gets a new one.
_warm: dict[str, list[_Warm]] = {}


def stop_all() -> None:
    """End every warm process (the local AWS was reset)."""
    from engine.local.awslambda import processes

    _warm.clear()
    processes.stop_all()


def retire_idle() -> None:
    """End the processes not invoked since the backends were last emptied in place (``runtime.retire_idle``)."""
    for arn, environments in list(_warm.items()):
        for warm in environments[:]:
            if warm.used or warm.busy:
                warm.used = False
            else:
                environments.remove(warm)
                warm.process.stop()
        if not environments:
            del _warm[arn]


def _reserved(fn: LambdaFunction, log_stream: str, root: str) -> dict[str, str]:
    return {
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": version_of(fn),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn.function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": fn.region,
        "AWS_DEFAULT_REGION": fn.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
        "_HANDLER": str(fn.handler),
        "LAMBDA_TASK_ROOT": root,
        "LAMBDA_RUNTIME_DIR": root,
    }


def _warm_process(fn: LambdaFunction) -> tuple[_Warm, bool]:
    """The function's warm process that is not busy, or a new one (``True``: a cold start)."""
    from engine.local.server import loopback_url

    fingerprint = environment_key(fn)
    environments = _warm.setdefault(fn.function_arn, [])
    for stale in environments[:]:
        if not stale.busy and (stale.fingerprint != fingerprint or stale.process.exit_status() is not None):
            _end(fn, stale)
    for warm in environments:
        if not warm.busy and warm.process.exit_status() is None:
            warm.busy = warm.used = True
            return warm, False
    root = code_dir(fn.code_bytes, fn.code_sha_256)
    check_runnable(fn.function_name, str(fn.run_time), list(fn.architectures or []), root)
    log_stream = f"{datetime.now(UTC):%Y/%m/%d}/[{version_of(fn)}]{uuid.uuid4().hex}"
    key = "ASIA" + uuid.uuid4().hex[:16].upper()
    name(key)  # before the process starts: its init code may call back already
    try:
        process = FunctionProcess(
            runtime=str(fn.run_time),
            root=root,
            variables=fn.environment_vars or {},
            reserved=_reserved(fn, log_stream, str(root)),
            endpoint_url=loopback_url(),
            access_key_id=key,
        )
    except StartFailed as error:
        forget(key)
        raise UnsupportedFunction(f"function {fn.function_name}: {error}") from None
    warm = _Warm(fingerprint, process, log_stream)
    warm.busy = True
    environments.append(warm)
    return warm, True


def _end(fn: LambdaFunction, warm: _Warm) -> None:
    environments = _warm.get(fn.function_arn, [])
    if warm in environments:
        environments.remove(warm)
    warm.process.stop()


def invoke(fn: LambdaFunction, event: object, *, caller_timeout: float | None) -> InvocationResult:
    """Invoke ``fn`` in its process; raises ``UnsupportedFunction`` when it cannot run here."""
    with holding():
        try:
            warm, cold = _warm_process(fn)
        except CodeError as error:
            request_id = str(uuid.uuid4())
            body = {"errorMessage": error.message, "errorType": error.error_type, "requestId": request_id}
            return InvocationResult(json.dumps(body).encode(), "Unhandled", request_id, error_log_line(body))
        process = warm.process
        timeout = float(fn.timeout)
        limit = min(timeout, caller_timeout) if caller_timeout is not None else timeout
        request_id = str(uuid.uuid4())
        trace = f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"
        sink = LogSink()
        invocation = Invocation(
            request_id,
            json.dumps(event).encode(),
            fn.function_arn,
            limit,
            trace,
            on_delivery=lambda: sink.add(f"START RequestId: {request_id} Version: {version_of(fn)}"),
        )
        process.attach(sink)
        asked = time.monotonic()
        try:
            with released():
                process.api.mailbox.submit(invocation)
                ended = _wait(process, invocation, limit, cold, int(fn.memory_size))
        finally:
            warm.busy = False
            process.detach()
        started = invocation.delivered_at or asked
        init_ms = (started - process.started) * 1000 if cold else None
        duration_ms = (time.monotonic() - started) * 1000
        if ended != "answered":
            _end(fn, warm)
        return _result(fn, warm, sink, invocation, ended, duration_ms, init_ms, caller_gave_up=limit < timeout)


def _wait(process: FunctionProcess, invocation: Invocation, limit: float, cold: bool, memory_mb: int) -> str:
    """``answered``, ``init_error``, ``exited``, ``out_of_memory`` or ``timed_out``.

    The process's resident memory is checked at each poll: one over the function's ``MemorySize`` is
    killed, as Lambda kills an environment that runs out of memory."""
    mailbox = process.api.mailbox
    with mailbox.changed:
        until = time.monotonic() + (INIT_LIMIT_SECONDS if cold else limit)
        while invocation.delivered_at is None:
            if mailbox.init_error is not None:
                return "init_error"
            if process.exit_status() is not None:
                return "exited"
            if time.monotonic() >= until:
                return "timed_out"
            mailbox.changed.wait(_POLL_SECONDS)
        # Lambda does not count the init phase against the function's timeout.
        until = invocation.delivered_at + limit
        while invocation.outcome is None:
            if process.exit_status() is not None:
                return "exited"
            if (process.peak_memory_mb() or 0) > memory_mb:
                process.popen.kill()  # now: the rest of its process group goes when it is ended
                return "out_of_memory"
            left = until - time.monotonic()
            if left <= 0:
                return "timed_out"
            mailbox.changed.wait(min(_POLL_SECONDS, left))
    return "answered"


def _result(
    fn: LambdaFunction,
    warm: _Warm,
    sink: LogSink,
    invocation: Invocation,
    ended: str,
    duration_ms: float,
    init_ms: float | None,
    *,
    caller_gave_up: bool,
) -> InvocationResult:
    request_id = invocation.request_id
    function_error: str | None = "Unhandled"
    timed_out = False
    if ended == "answered":
        payload = invocation.body
        too_large = oversized(payload)
        if too_large is not None:
            payload = too_large
            sink.add(error_log_line(json.loads(too_large)))
        elif invocation.outcome == "response":
            function_error = None
    elif ended == "init_error":
        payload = warm.process.api.mailbox.init_error or b"{}"
    elif ended == "out_of_memory":
        message = f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"
        sink.add(f"{message}\nRuntime.OutOfMemory")
        payload = json.dumps({"errorMessage": message, "errorType": "Runtime.OutOfMemory"}).encode()
    elif ended == "exited":
        status = warm.process.exit_status()
        message = f"RequestId: {request_id} Error: Runtime exited with error: exit status {status}"
        if status is not None and status < 0:
            message = f"RequestId: {request_id} Error: Runtime exited with error: signal: {-status}"
        sink.add(f"{message}\nRuntime.ExitError")
        payload = json.dumps({"errorMessage": message, "errorType": "Runtime.ExitError"}).encode()
    elif caller_gave_up:
        payload = json.dumps(
            {"errorMessage": "Socket timeout while invoking Lambda function", "errorType": "CallerTimeout"}
        ).encode()
    else:
        timed_out = True
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        message = f"{now} {request_id} Task timed out after {float(fn.timeout):.2f} seconds"
        sink.add(message)
        payload = json.dumps({"errorMessage": message, "errorType": "Sandbox.Timedout"}).encode()
    used = warm.process.peak_memory_mb()
    write_report(fn, sink, request_id, duration_ms, init_ms, min(used, int(fn.memory_size)) if used else None)
    events = sink.close()
    lambda_logs.write_to_cloudwatch(
        fn.account_id, fn.region, f"/aws/lambda/{fn.function_name}", warm.log_stream, events
    )
    tail = "".join(message for _, message in events)[-_LOG_TAIL_BYTES:]
    return InvocationResult(
        payload,
        function_error,
        request_id,
        tail,
        timed_out=timed_out,
        caller_gave_up=ended == "timed_out" and caller_gave_up,
    )
