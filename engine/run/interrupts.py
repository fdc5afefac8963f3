"""An interrupt that Python swallowed is still an interrupt.

A signal handler raises KeyboardInterrupt wherever the main thread is; when that is inside a
callback Python runs for itself (a weakref callback in the import machinery, a finaliser), the
exception is printed as "ignored" and lost. The handler (``engine.run.signals``) therefore also
notes the interrupt here, and the runner checks between steps, so such a run still stops, cleans
up and exits 130.
"""

from __future__ import annotations

_pending = False


def note() -> None:
    """A signal asked for an interrupt (called by the signal handlers before they raise)."""
    global _pending
    _pending = True


def raise_if_pending() -> None:
    """Raise the interrupt a signal asked for, if it has not been raised and handled yet."""
    if _pending:
        raise KeyboardInterrupt


def clear() -> None:
    """The interrupt was handled (the run is stopping): cleanup must not be stopped by it again."""
    global _pending
    _pending = False
