"""Runs the Lambda functions of moto's Lambda backend on this machine, instead of Docker.

Python functions run in this process, as below; every other runtime (and a Python function that asks
for it) runs as a process of its own behind the Lambda Runtime API (``out_of_process``).

Each function gets a warm *instance* (its imported handler, its own CloudWatch log stream)
that lives until its code or configuration changes or an invocation times out, like a Lambda
execution environment. An invocation:

* lets go of the backend lock while the handler runs (``locking.released``), so the handler's own
  boto3 calls reach the same moto backends and other requests go on meanwhile;
* runs the handler in a helper thread, so the function's timeout (and Cognito's shorter wait) is
  enforced even on a handler stuck in native code: the thread is then abandoned and the
  invocation answered (the instance is replaced, as Lambda replaces an environment that timed out);
* *occupies* the interpreter (``tenancy``): its environment variables, ``sys.modules`` and root
  logger level are the instance's while its invocations run. Concurrent invocations of the same
  instance run in parallel (like a runtime serving several events at once); an invocation of
  another function waits for them (within its caller's wait), except a nested one, fired by a
  handler's own call, which runs at once on top of its parent's.
* writes START/END/REPORT and everything the handler printed or logged to
  ``/aws/lambda/<function name>`` in moto's CloudWatch Logs.
"""

from __future__ import annotations

import ctypes
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from engine.aws.clients import LOCAL_CREDENTIALS
from engine.local.awslambda import logs as lambda_logs
from engine.local.awslambda import out_of_process as out_of_process_runs
from engine.local.awslambda import tenancy
from engine.local.awslambda.code import CodeError, ModuleSpace, code_dir, load_handler
from engine.local.awslambda.environments import key as environment_key
from engine.local.awslambda.logs import LogSink, ThreadLogHandler
from engine.local.awslambda.outcome import (
    InvocationResult,
    error_log_line,
    error_payload,
    marshal,
    oversized,
    version_of,
    write_report,
)
from engine.local.awslambda.runtimes import UnsupportedFunction as UnsupportedFunction  # re-exported for callers
from engine.local.awslambda.runtimes import out_of_process
from engine.local.compat import require
from engine.local.locking import holding, released

INIT_LIMIT_SECONDS = 10.0  # Lambda's limit for a function's initialization phase
_HOOK = "lambda-runtime"
_LOG_TAIL_BYTES = 4096  # what Invoke returns for LogType=Tail


class LambdaTimeout(BaseException):
    """Raised inside a handler thread whose invocation timed out (BaseException: handlers'
    ``except Exception`` blocks must not swallow it)."""


class LambdaContext:
    """The ``context`` argument of a handler, with the fields of the Lambda Python runtime."""

    def __init__(self, fn: Any, request_id: str, log_stream: str, deadline: float) -> None:
        self.function_name: str = fn.function_name
        self.function_version = version_of(fn)
        self.invoked_function_arn: str = fn.function_arn
        # The Python runtime reads this from an environment variable, so it is a string there too.
        self.memory_limit_in_mb = str(fn.memory_size)
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{fn.function_name}"
        self.log_stream_name = log_stream
        self.identity: Any = None
        self.client_context: Any = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function times out."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class _Instance:
    fingerprint: tuple[Any, ...]
    space: ModuleSpace
    log_stream: str
    handler: Callable[[Any, Any], Any] | None = None
    root_level: int = logging.WARNING  # the root logger level the function left behind
    used: bool = True  # invoked since the backends were last emptied in place (``retire_idle``)


@dataclass
class _Run:
    """State shared between the invoking thread and the handler thread."""

    mutex: threading.Lock = field(default_factory=threading.Lock)
    init_done: threading.Event = field(default_factory=threading.Event)
    in_user_code: bool = True
    init_ms: float | None = None
    result: Any = None
    error: BaseException | None = None


_instances: dict[str, _Instance] = {}


def reset_instances() -> None:
    """Forget every warm instance (the local AWS stopped: the functions are gone)."""
    with holding():
        _instances.clear()
        out_of_process_runs.stop_all()
    from engine.local.server import stop_loopback  # the server module imports this one

    stop_loopback()


def retire_idle() -> None:
    """The backends were emptied in place for the next run (``activation.kept``): an environment invoked
    since the last time stays warm, for the next run's restore of the same function (``environments.key``
    decides that it is the same); every other one ends."""
    with holding():
        for arn, instance in list(_instances.items()):
            if instance.used:
                instance.used = False
            else:
                del _instances[arn]
        out_of_process_runs.retire_idle()


def _check_supported(fn: Any) -> None:
    require(
        _HOOK,
        fn,
        "function_name",
        "function_arn",
        "handler",
        "run_time",
        "timeout",
        "memory_size",
        "environment_vars",
        "account_id",
        "region",
        "package_type",
        "architectures",
        "last_modified",
    )
    if fn.package_type == "Image":
        raise UnsupportedFunction(
            f"function {fn.function_name} is a container image; the local Lambda runtime runs zip packages only"
        )
    require(_HOOK, fn, "code_bytes", "code_sha_256")


def _new_log_stream(fn: Any) -> str:
    return f"{datetime.now(UTC):%Y/%m/%d}/[{version_of(fn)}]{uuid.uuid4().hex}"


def _instance_for(fn: Any) -> _Instance:
    fingerprint = environment_key(fn)
    instance = _instances.get(fn.function_arn)
    if instance is None or instance.fingerprint != fingerprint:
        root = code_dir(fn.code_bytes, fn.code_sha_256)
        instance = _Instance(fingerprint, ModuleSpace(root), _new_log_stream(fn))
        _instances[fn.function_arn] = instance
    instance.used = True
    return instance


def _environment(fn: Any, instance: _Instance) -> dict[str, str]:
    # An endpoint in the function's own configuration would point its clients back at this
    # process over HTTP, behind the lock its invocation holds: handlers always reach the local
    # backends directly instead.
    env = {str(k): str(v) for k, v in (fn.environment_vars or {}).items() if not str(k).startswith("AWS_ENDPOINT_URL")}
    # Lambda's reserved variables win over the function's own.
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": version_of(fn),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": instance.log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": fn.region,
            "AWS_DEFAULT_REGION": fn.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
            "_HANDLER": str(fn.handler),
            "LAMBDA_TASK_ROOT": str(instance.space.root),
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
            "AWS_SESSION_TOKEN": LOCAL_CREDENTIALS["aws_session_token"],
        }
    )
    return env


@contextmanager
def _root_level(instance: _Instance) -> Iterator[None]:
    """Give the root logger the level the function last left; keep the one it leaves now."""
    root = logging.getLogger()
    saved = root.level
    root.setLevel(instance.root_level)
    try:
        yield
    finally:
        instance.root_level = root.level
        root.setLevel(saved)


@contextmanager
def _capturing(handler: ThreadLogHandler) -> Iterator[None]:
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


def _setup(fn: Any, instance: _Instance) -> ExitStack:
    """The interpreter made ``instance``'s: its environment variables, modules and root logger level."""
    undo = ExitStack()
    undo.enter_context(tenancy.environ(_environment(fn, instance)))
    undo.enter_context(_root_level(instance))
    undo.enter_context(instance.space.active())
    return undo


def _stop_thread(thread: threading.Thread, run: _Run) -> None:
    """Raise ``LambdaTimeout`` in the handler thread, if it is still in the function's code."""
    with run.mutex:
        if run.in_user_code and thread.ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(LambdaTimeout))


def _run_handler(
    run: _Run,
    instance: _Instance,
    handler_name: str,
    event: Any,
    context: LambdaContext,
    sink: LogSink,
    log_handler: ThreadLogHandler,
) -> None:
    try:
        tenancy.mark_handler_thread()
        lambda_logs.route_current_thread(sink)
        log_handler.thread_ident = threading.get_ident()
        try:
            try:
                if instance.handler is None:
                    started = time.monotonic()
                    instance.handler = load_handler(handler_name)
                    run.init_ms = (time.monotonic() - started) * 1000
            finally:
                run.init_done.set()
            sink.add(f"START RequestId: {context.aws_request_id} Version: {context.function_version}")
            run.result = instance.handler(event, context)
        except BaseException as error:
            run.error = error
        finally:
            with run.mutex:
                run.in_user_code = False
    except BaseException:  # a timeout that arrived after the function's code had returned
        pass
    finally:
        lambda_logs.route_current_thread(None)


def invoke_function(fn: Any, event: Any, *, caller_timeout: float | None = None) -> InvocationResult:
    """Invoke ``fn`` (a moto ``LambdaFunction``) with ``event`` and wait for it.

    ``caller_timeout`` is how long the caller waits (Cognito waits 5 seconds); when it is
    shorter than the function's own timeout and runs out, the result has ``caller_gave_up``.
    Raises ``UnsupportedFunction`` for functions this runtime cannot run. Functions other than
    in-process Python run as processes of their own (``out_of_process``).
    """
    _check_supported(fn)
    if out_of_process(str(fn.run_time or ""), fn.environment_vars or {}):
        return out_of_process_runs.invoke(fn, event, caller_timeout=caller_timeout)
    with holding():
        try:
            instance = _instance_for(fn)
        except CodeError as error:
            return _failed_before_start(fn, error)
        request_id = str(uuid.uuid4())
        timeout = float(fn.timeout)
        limit = min(timeout, caller_timeout) if caller_timeout is not None else timeout
        sink = LogSink()
        log_handler = ThreadLogHandler(sink, request_id)
        run = _Run()
        lambda_logs.install_router()
        started = time.monotonic()
        stopped = False
        try:
            setup = partial(_setup, fn, instance)
            with released(), tenancy.occupying(instance, setup, caller_timeout) as occupied, _capturing(log_handler):
                if not occupied:
                    return _gave_up_waiting(fn, request_id)
                context = LambdaContext(fn, request_id, instance.log_stream, started + limit)
                thread = threading.Thread(
                    target=_run_handler,
                    name=f"lambda:{fn.function_name}",
                    daemon=True,
                    args=(run, instance, str(fn.handler), event, context, sink, log_handler),
                )
                thread.start()
                run.init_done.wait(INIT_LIMIT_SECONDS)
                # Lambda does not count the init phase against the function's timeout (Cognito's wait
                # runs from the call).
                left = limit if caller_timeout is None else max(0.0, started + caller_timeout - time.monotonic())
                context._deadline = time.monotonic() + min(limit, left)
                thread.join(min(limit, left))
                if thread.is_alive():
                    _stop_thread(thread, run)
                    stopped = True
        finally:
            lambda_logs.uninstall_router()
        return _finish(
            fn, instance, run, sink, request_id, started, stopped, caller_gave_up=stopped and limit < timeout
        )


def _gave_up_waiting(fn: Any, request_id: str) -> InvocationResult:
    """The caller's wait ran out before the interpreter was free for this function."""
    body = {"errorMessage": "Socket timeout while invoking Lambda function", "errorType": "CallerTimeout"}
    return InvocationResult(json.dumps(body).encode(), "Unhandled", request_id, "", caller_gave_up=True)


def _finish(
    fn: Any,
    instance: _Instance,
    run: _Run,
    sink: LogSink,
    request_id: str,
    started: float,
    stopped: bool,
    *,
    caller_gave_up: bool,
) -> InvocationResult:
    duration_ms = (time.monotonic() - started) * 1000 - (run.init_ms or 0.0)
    function_error: str | None = None
    if stopped:
        function_error = "Unhandled"
        if not caller_gave_up:
            now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            message = f"{now} {request_id} Task timed out after {float(fn.timeout):.2f} seconds"
            sink.add(message)
            payload = json.dumps({"errorMessage": message, "errorType": "Sandbox.Timedout"}).encode()
        else:
            payload = json.dumps(
                {"errorMessage": "Socket timeout while invoking Lambda function", "errorType": "CallerTimeout"}
            ).encode()
        _instances.pop(fn.function_arn, None)  # Lambda replaces an environment that timed out
    elif run.error is not None:
        function_error = "Unhandled"
        body = error_payload(run.error, request_id, str(instance.space.root))
        sink.add(error_log_line(body))
        payload = json.dumps(body).encode()
        if isinstance(run.error, CodeError):
            instance.handler = None  # init failed: the next invocation initializes again
        elif isinstance(run.error, SystemExit):
            _instances.pop(fn.function_arn, None)  # the runtime process is gone: next call is cold
    else:
        try:
            payload = marshal(run.result)
            too_large = oversized(payload)
            if too_large is not None:
                function_error, payload = "Unhandled", too_large
                sink.add(error_log_line(json.loads(too_large)))
        except (TypeError, ValueError) as error:
            function_error = "Unhandled"
            body = {
                "errorMessage": f"Unable to marshal response: {error}",
                "errorType": "Runtime.MarshalError",
                "requestId": request_id,
                "stackTrace": [],
            }
            sink.add(error_log_line(body))
            payload = json.dumps(body).encode()
    write_report(fn, sink, request_id, duration_ms, run.init_ms)
    events = sink.close()
    lambda_logs.write_to_cloudwatch(
        fn.account_id, fn.region, f"/aws/lambda/{fn.function_name}", instance.log_stream, events
    )
    tail = "".join(message for _, message in events)[-_LOG_TAIL_BYTES:]
    return InvocationResult(
        payload,
        function_error,
        request_id,
        tail,
        timed_out=stopped and not caller_gave_up,
        caller_gave_up=caller_gave_up,
    )


def _failed_before_start(fn: Any, error: CodeError) -> InvocationResult:
    """The code package itself is unusable: report it like Lambda, as an unhandled error."""
    request_id = str(uuid.uuid4())
    body = {"errorMessage": error.message, "errorType": error.error_type, "requestId": request_id, "stackTrace": []}
    return InvocationResult(json.dumps(body).encode(), "Unhandled", request_id, error_log_line(body))
