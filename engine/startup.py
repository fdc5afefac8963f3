"""Start-up and the end of a console script: the collector held off while the process imports and deploys,
then frozen out; at the end, the process leaves without tearing its modules down.

Start-up builds large, long-lived object graphs (moto's services, botocore's service models, a deployed
stack) and nearly no garbage; collecting while they are built rescans them again and again (about a
second of a cold run that deploys a stack). ``hold`` turns collection off at the first instant of a
console script; ``done`` moves everything made so far to the permanent generation (``gc.freeze``), so
later collections never rescan it, and turns collection back on. Processes that never called ``hold``
(a library user, the pytest plugin) keep the collector exactly as they set it.

``leave`` ends a console script once its command has finished: it does what the interpreter's own
exit does that can matter to anyone (wait for non-daemon threads, run ``atexit`` handlers, which also
end Lambda processes and remove temporary directories, flush standard output and error) and then skips
the rest, freeing every module's objects one by one, which for moto's and botocore's graphs took
about 80 ms of each run. Every file the engine writes is closed (and the journal synced) before its
command returns, so nothing waits on that teardown.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading

from engine.errors import EXIT_INTERRUPTED

_held = False


def hold() -> None:
    """Turn collection off until ``done``."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def done() -> None:
    """Start-up is over: freeze what it made and collect from now on (only after ``hold``; idempotent)."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()


def release() -> None:
    """Start-up is called off (a pytest session with no scenario to run): collect again, nothing frozen."""
    global _held
    if _held:
        _held = False
        gc.enable()


# What the interpreter exits with when flushing standard output fails at exit (a closed pipe).
_FLUSH_FAILED = 120


def leave(code: int | str | None) -> None:
    """End the process with ``code`` (as ``SystemExit`` would take it) without the interpreter's teardown."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    try:
        main = threading.main_thread()
        for thread in threading.enumerate():
            if thread is not main and not thread.daemon:
                thread.join()
        atexit._run_exitfuncs()
    except KeyboardInterrupt:  # interrupted again while leaving: leave at once
        status = EXIT_INTERRUPTED
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            if stream is sys.stdout and status == 0:
                status = _FLUSH_FAILED
    os._exit(status)
