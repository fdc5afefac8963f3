"""The Python runtime of the local Lambda, out of process: the Runtime API loop around ``_HANDLER``.

Run by ``python python_bootstrap.py`` in the function's code package, for a Python function that asks
for a process of its own (``SCENARIO_RUN_LAMBDA_PROCESS=1``); it needs nothing but the standard library.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
import urllib.error
import urllib.request
from typing import Protocol

API = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime"


class Handler(Protocol):
    def __call__(self, event: object, context: Context, /) -> object: ...


class Context:
    """The ``context`` of the Lambda Python runtime."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms", "0"))

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _post(path: str, body: object, error_type: str | None = None) -> None:
    data = json.dumps(body).encode()
    request = urllib.request.Request(f"{API}{path}", data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    if error_type:
        request.add_header("Lambda-Runtime-Function-Error-Type", error_type)
    with urllib.request.urlopen(request) as answer:
        answer.read()


def _error(error: BaseException, error_type: str | None = None) -> dict[str, object]:
    stack = traceback.format_list(traceback.extract_tb(error.__traceback__)[1:])
    return {"errorMessage": str(error), "errorType": error_type or type(error).__name__, "stackTrace": stack}


def _load() -> Handler:
    module_name, _, function_name = os.environ.get("_HANDLER", "").rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        body = _error(error, "Runtime.ImportModuleError")
        body["errorMessage"] = f"Unable to import module '{module_name}': {error}"
        raise _InitFailed(body) from None
    except Exception as error:
        raise _InitFailed(_error(error)) from None
    function = getattr(module, function_name, None)
    if not callable(function):
        message = f"Handler '{function_name}' missing on module '{module_name}'"
        raise _InitFailed({"errorMessage": message, "errorType": "Runtime.HandlerNotFound", "stackTrace": []})
    handler: Handler = function
    return handler


class _InitFailed(Exception):
    def __init__(self, body: dict[str, object]) -> None:
        super().__init__(body["errorMessage"])
        self.body = body


def main() -> None:
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "."))
    try:
        handler = _load()
    except _InitFailed as failed:
        print(f"[ERROR] {failed.body['errorType']}: {failed.body['errorMessage']}", flush=True)
        _post("/init/error", failed.body, str(failed.body["errorType"]))
        sys.exit(1)
    while True:
        try:
            with urllib.request.urlopen(f"{API}/invocation/next") as delivered:
                headers = dict(delivered.headers.items())
                event = json.loads(delivered.read())
        except OSError:
            sys.exit(0)  # the Runtime API is gone: the run that started this process is over
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("Lambda-Runtime-Trace-Id", "")
        try:
            result = handler(event, Context(headers))
            try:
                _post(f"/invocation/{request_id}/response", result)
            except urllib.error.HTTPError as refused:
                if refused.code != 413:  # 413: over 6 MB, the invocation failed; the next one may not
                    raise
                print("[ERROR] Function.ResponseSizeTooLarge: the response is over 6 MB", flush=True)
        except Exception as error:
            body = _error(error)
            print(f"[ERROR] {body['errorType']}: {body['errorMessage']}", flush=True)
            _post(f"/invocation/{request_id}/error", body, str(body["errorType"]))


if __name__ == "__main__":
    main()
