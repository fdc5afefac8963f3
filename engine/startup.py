"""The garbage collector during start-up: held off while the process imports and deploys, then frozen out.

Start-up builds large, long-lived object graphs (moto's services, botocore's service models, a deployed
stack) and nearly no garbage; collecting while they are built rescans them again and again (about a
second of a cold run that deploys a stack). ``hold`` turns collection off at the first instant of a
console script; ``done`` moves everything made so far to the permanent generation (``gc.freeze``), so
later collections never rescan it, and turns collection back on. Processes that never called ``hold``
(a library user, the pytest plugin) keep the collector exactly as they set it.
"""

from __future__ import annotations

import gc

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
