"""Warm function processes behind the Lambda Runtime API: started, reused, timed out and ended.

A function that is not in-process Python gets a *process* like a Lambda execution environment:
its runtime (``runtimes``) started in the extracted code package with Lambda's environment, its
own Runtime API server (``runtime_api``) and its own CloudWatch log stream. It lives until its
code or configuration changes, it fails or times out, or the local AWS stops.

The environment's ``AWS_ENDPOINT_URL`` is the local AWS's loopback endpoint (``server.loopback_url``)
and its access key id is the process's own (``locking.name``): the invocation in progress lets go of
the backend lock, so the handler's SDK calls are served while the Cognito request that invoked it
waits, and can never reach real AWS.

A process is never left behind: it runs in a process group of its own that is killed when it is
ended, it is sent SIGKILL when this process dies (Linux's parent-death signal), and a runtime whose
Runtime API goes away ends its loop.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from engine.aws.clients import LOCAL_CREDENTIALS
from engine.local.awslambda import node_sdk
from engine.local.awslambda.logs import LogSink
from engine.local.awslambda.runtime_api import RuntimeApiServer
from engine.local.awslambda.runtimes import runtime_of
from engine.local.locking import forget

_PR_SET_PDEATHSIG = 1
_PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def _libc_prctl() -> Callable[..., int] | None:
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


# Looked up here, not in the child: between fork and exec only the call itself may run.
_PRCTL = _libc_prctl() if sys.platform == "linux" else None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class _Spawner:
    """Starts processes from one thread that lives as long as this process: Linux sends the
    parent-death signal when the *thread* that forked the child ends, and a request thread of the
    local server ends with its request."""

    def __init__(self) -> None:
        self._requests: queue.Queue[tuple[Callable[[], subprocess.Popen[bytes]], queue.Queue[object]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _serve(self) -> None:
        while True:
            start, answer = self._requests.get()
            try:
                answer.put(start())
            except BaseException as error:  # handed to the caller's thread, which raises it
                answer.put(error)

    def __call__(self, start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="lambda-spawner", daemon=True)
                self._thread.start()
        answer: queue.Queue[object] = queue.Queue(maxsize=1)
        self._requests.put((start, answer))
        started = answer.get()
        if isinstance(started, BaseException):
            raise started
        assert isinstance(started, subprocess.Popen)
        return started


_spawner = _Spawner()


class _Output:
    """One of the process's output pipes, read into the sink of the invocation in progress.

    The pipe is read only under ``_lock`` and without blocking, so ``drain`` can read what is left
    itself: once it holds the lock and the pipe is empty, everything the runtime wrote before its
    answer has been delivered (runtimes write their output before they post the answer).
    """

    def __init__(self, stream: int, deliver: Callable[[str], None]) -> None:
        os.set_blocking(stream, False)
        self.fd = stream
        self._lock = threading.Lock()
        self._deliver = deliver
        self._partial = b""
        self.thread = threading.Thread(target=self._read, name="lambda-output", daemon=True)
        self.thread.start()

    def _pump(self) -> bool:
        """Deliver every complete line the pipe holds now; ``False`` at end of file."""
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not data:
                return False
            self._partial += data
            *lines, self._partial = self._partial.split(b"\n")
            for line in lines:
                self._deliver(line.decode("utf-8", "replace").replace("\r", "\n"))

    def _flush_partial(self) -> None:
        if self._partial:
            self._deliver(self._partial.decode("utf-8", "replace"))
            self._partial = b""

    def _read(self) -> None:
        open_ = True
        while open_:
            try:
                select.select([self.fd], [], [])
            except (OSError, ValueError):
                break
            with self._lock:
                open_ = self._pump()
        with self._lock:
            self._flush_partial()
            fd, self.fd = self.fd, -1  # never read a number the system may have handed out again
            os.close(fd)

    def drain(self) -> None:
        """Deliver what is in the pipe already, a last unterminated line included."""
        with self._lock:
            if self.fd >= 0:
                self._pump()
            self._flush_partial()


class StartFailed(Exception):
    """The runtime's program (or what it needs) could not be started; the message says why."""


class FunctionProcess:
    """A started runtime process with its Runtime API, environment and output."""

    def __init__(
        self,
        *,
        runtime: str,
        root: Path,
        variables: Mapping[str, str],
        reserved: Mapping[str, str],
        endpoint_url: str,
        access_key_id: str,
    ) -> None:
        entry = runtime_of(runtime)
        if entry is None:  # checked by the caller: runtimes.check_runnable
            raise ValueError(runtime)
        if entry.family == "nodejs" and node_sdk.needs_sdk(root):
            try:
                node_sdk.link_beside(root, node_sdk.installed())
            except node_sdk.SdkUnavailable as error:
                raise StartFailed(str(error)) from None
        self.root = root
        self.access_key_id = access_key_id
        self.api = RuntimeApiServer()
        self.sink: LogSink | None = None
        self._early: list[str] = []  # output while no invocation is in progress
        self._sink_lock = threading.Lock()
        env = {k: os.environ[k] for k in _PASSED_THROUGH if k in os.environ}
        if entry.family == "nodejs":
            # The SDK in the cache is newer than the one Lambda bundles with the runtime and warns about
            # this machine's node version at every cold start; Lambda's own does not.
            env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true"
        env.update({str(k): str(v) for k, v in variables.items() if not str(k).startswith("AWS_ENDPOINT_URL")})
        env.update(reserved)
        env.update(
            {
                "AWS_LAMBDA_RUNTIME_API": self.api.address,
                "AWS_ENDPOINT_URL": endpoint_url,
                "AWS_ACCESS_KEY_ID": self.access_key_id,
                "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
                "AWS_SESSION_TOKEN": LOCAL_CREDENTIALS["aws_session_token"],
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "TZ": ":UTC",
                "HOME": str(root.parent),
            }
        )
        if entry.family == "python":
            env["PYTHONPATH"] = str(root)
            env["PYTHONUNBUFFERED"] = "1"
        self.started = time.monotonic()
        command = entry.command(root)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            self.popen = _spawner(
                lambda: subprocess.Popen(
                    command,
                    cwd=root,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out_w,
                    stderr=err_w,
                    start_new_session=True,
                    preexec_fn=_die_with_parent if _PRCTL is not None else None,
                )
            )
        except OSError as error:
            for fd in (out_r, out_w, err_r, err_w):
                os.close(fd)
            self.api.close()
            raise StartFailed(f"could not start {command[0]}: {error.strerror or error}") from None
        os.close(out_w)
        os.close(err_w)
        self._outputs = (_Output(out_r, self._line), _Output(err_r, self._line))
        _live.add(self)

    def _line(self, line: str) -> None:
        with self._sink_lock:
            if self.sink is not None:
                self.sink.add(line)
            else:
                self._early.append(line)

    def attach(self, sink: LogSink) -> None:
        """Send the process's output to ``sink`` (the invocation's), starting with what came before it."""
        with self._sink_lock:
            for line in self._early:
                sink.add(line)
            self._early.clear()
            self.sink = sink

    def detach(self) -> None:
        for output in self._outputs:
            output.drain()
        with self._sink_lock:
            self.sink = None

    def peak_memory_mb(self) -> int | None:
        """The process's peak resident memory (Linux's VmHWM), or ``None`` where it cannot be read."""
        try:
            status = Path(f"/proc/{self.popen.pid}/status").read_text(encoding="ascii", errors="replace")
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return max(1, int(line.split()[1]) // 1024)
        return None

    def exit_status(self) -> int | None:
        return self.popen.poll()

    def stop(self) -> None:
        """Kill the process group and close the Runtime API."""
        _live.discard(self)
        forget(self.access_key_id)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(5)
        self.api.close()
        for output in self._outputs:
            output.thread.join(1)


_live: set[FunctionProcess] = set()


def stop_all() -> None:
    """End every function process (the run, or the local AWS, is over)."""
    for process in list(_live):
        process.stop()


atexit.register(stop_all)
