"""What a Lambda handler prints or logs, collected per invocation and written to CloudWatch Logs.

Handlers run in a helper thread of this process. While any invocation runs, ``sys.stdout`` and
``sys.stderr`` are replaced by a router that sends the writes of a handler thread to that
invocation's ``LogSink`` and everything else to the original stream, so output of other
threads is untouched. The logging module is captured with a root-logger handler that keeps
only the handler thread's records and formats them as the Lambda Python runtime does.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
import time
from typing import Any, TextIO

# The Lambda Python runtime's log format (tab separated, UTC, request id).
_LAMBDA_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"


def now_millis() -> int:
    return int(time.time() * 1000)


class LogSink:
    """The log events of one invocation: (timestamp in ms, message) in the order written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._partial = ""
        self.events: list[tuple[int, str]] = []

    def add(self, message: str) -> None:
        """One whole log event (a record, or a START/END/REPORT line)."""
        with self._lock:
            self._flush_partial()
            self.events.append((now_millis(), message if message.endswith("\n") else message + "\n"))

    def write(self, text: str) -> None:
        """Raw stdout/stderr text: each complete line becomes one event, as in Lambda."""
        with self._lock:
            self._partial += text
            while "\n" in self._partial:
                line, self._partial = self._partial.split("\n", 1)
                self.events.append((now_millis(), line + "\n"))

    def _flush_partial(self) -> None:
        if self._partial:
            self.events.append((now_millis(), self._partial + "\n"))
            self._partial = ""

    def close(self) -> list[tuple[int, str]]:
        """Flush a last unterminated line and return every event."""
        with self._lock:
            self._flush_partial()
            return list(self.events)


_sinks: dict[int, LogSink] = {}
_router_lock = threading.Lock()
_router_users = 0
_saved_streams: tuple[TextIO, TextIO] | None = None


class _Router(io.TextIOBase):
    """A stdout/stderr stand-in that sends handler threads' writes to their sinks."""

    def __init__(self, fallback: TextIO) -> None:
        super().__init__()
        self.fallback = fallback
        self._closing = False

    def write(self, text: str) -> int:
        sink = _sinks.get(threading.get_ident())
        if sink is None:
            return self.fallback.write(text)
        sink.write(text)
        return len(text)

    def flush(self) -> None:
        if not self._closing and threading.get_ident() not in _sinks:
            self.fallback.flush()

    def close(self) -> None:
        # io closes the router when it is garbage collected, long after it stood in for the stream behind it,
        # and io's close flushes first: the stream is not ours and may be closed by then (pytest's capture
        # files are), so that flush raised ValueError, which Python 3.13 reports as an unraisable exception.
        self._closing = True
        super().close()

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.fallback, "encoding", "utf-8") or "utf-8"

    def fileno(self) -> int:
        return self.fallback.fileno()


def install_router() -> None:
    """Route stdout/stderr per thread (reference counted; call ``uninstall_router`` after)."""
    global _router_users, _saved_streams
    with _router_lock:
        if _router_users == 0:
            _saved_streams = (sys.stdout, sys.stderr)
            sys.stdout = _Router(sys.stdout)
            sys.stderr = _Router(sys.stderr)
        _router_users += 1


def uninstall_router() -> None:
    """Undo one ``install_router``; the original streams come back with the last one."""
    global _router_users, _saved_streams
    with _router_lock:
        _router_users -= 1
        if _router_users == 0 and _saved_streams is not None:
            # Only put the originals back if nobody replaced our router in the meantime.
            if isinstance(sys.stdout, _Router):
                sys.stdout = _saved_streams[0]
            if isinstance(sys.stderr, _Router):
                sys.stderr = _saved_streams[1]
            _saved_streams = None


def route_current_thread(sink: LogSink | None) -> None:
    """Send this thread's stdout/stderr to ``sink`` (``None`` stops routing it)."""
    if sink is None:
        _sinks.pop(threading.get_ident(), None)
    else:
        _sinks[threading.get_ident()] = sink


class _LambdaFormatter(logging.Formatter):
    converter = time.gmtime  # type: ignore[assignment]  # Lambda logs in UTC

    def __init__(self, request_id: str) -> None:
        super().__init__(_LAMBDA_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S")
        self.request_id = request_id

    def format(self, record: logging.LogRecord) -> str:
        record.aws_request_id = self.request_id
        return super().format(record)


class ThreadLogHandler(logging.Handler):
    """A root-logger handler keeping only the records of one handler thread."""

    def __init__(self, sink: LogSink, request_id: str) -> None:
        super().__init__(logging.NOTSET)
        self.sink = sink
        self.thread_ident: int | None = None
        self.setFormatter(_LambdaFormatter(request_id))

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread_ident:
            return
        try:
            self.sink.add(self.format(record))
        except Exception:  # a broken record must not break the handler that logged it
            self.handleError(record)


def write_to_cloudwatch(account_id: str, region: str, group: str, stream: str, events: list[tuple[int, str]]) -> None:
    """Append ``events`` to ``group``/``stream`` in moto's logs backend (both created if needed)."""
    from moto.logs.models import logs_backends  # moto's CloudWatch Logs only once a function ran

    backend: Any = logs_backends[account_id][region]
    backend.ensure_log_group(group)
    if stream not in backend.groups[group].streams:
        backend.create_log_stream(group, stream)
    if events:
        ordered = sorted(events, key=lambda event: event[0])  # CloudWatch wants them in order
        backend.put_log_events(group, stream, [{"timestamp": ts, "message": msg} for ts, msg in ordered])
