"""One clock for every heartbeat of the process: what keeps a run's leases and its target journal alive.

A run's leases and its journal's copy on the target each need a write every third of their TTL while the
run lives (``engine.cleanup.leases``, ``engine.cleanup.target_journal``). A thread of their own per run cost
each run two thread starts (~0.15 ms each, more on a busy machine), for runs that mostly end before their
first beat is due. Here one daemon thread, started once, keeps the time of every beat; a beat that is due
runs in a thread of its own, so a slow one (an endpoint that stopped answering) never delays another's. A
beat still running when it is due again is not started twice. The same clock keeps one-off delays (``once``:
a lease given back is deleted a moment later unless the run's next request takes it along), which would
otherwise cost a ``threading.Timer``'s thread start each.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Beat:
    """One registered heartbeat: ``cancel`` stops it (a beat already running finishes)."""

    interval: float
    func: Callable[[], None]
    due: float
    cancelled: bool = False
    repeat: bool = True  # False: called once, then forgotten (``once``)
    running: bool = field(default=False, repr=False)

    def cancel(self) -> None:
        self.cancelled = True


class _Clock:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._queue: list[tuple[float, int, Beat]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def every(self, interval: float, func: Callable[[], None], *, repeat: bool = True) -> Beat:
        beat = Beat(interval, func, time.monotonic() + interval, repeat=repeat)
        with self._lock:
            # The clock wakes by itself for the earliest beat it knows: only an earlier one needs it woken now.
            earliest = not self._queue or beat.due < self._queue[0][0]
            heapq.heappush(self._queue, (beat.due, next(self._order), beat))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._keep_time, name="scenario-run-heartbeat", daemon=True)
                self._thread.start()
            elif earliest:
                self._lock.notify()
        return beat

    def _keep_time(self) -> None:
        while True:
            with self._lock:
                while not self._queue or self._queue[0][0] > time.monotonic():
                    self._lock.wait(None if not self._queue else max(0.0, self._queue[0][0] - time.monotonic()))
                _, _, beat = heapq.heappop(self._queue)
                if beat.cancelled:
                    continue
                if beat.repeat:
                    beat.due = time.monotonic() + beat.interval
                    heapq.heappush(self._queue, (beat.due, next(self._order), beat))
                if beat.running:
                    continue  # the last one is still going: this one is skipped, not queued behind it
                beat.running = True
            threading.Thread(target=self._run, args=(beat,), name="scenario-run-beat", daemon=True).start()

    @staticmethod
    def _run(beat: Beat) -> None:
        try:
            if not beat.cancelled:
                beat.func()
        except Exception:  # a missed beat is retried at the next: the TTL has room for it
            pass
        finally:
            beat.running = False


_CLOCK = _Clock()


def _forked() -> None:
    """A forked child keeps no beat of its parent's (they are the parent's leases): it starts afresh."""
    global _CLOCK
    _CLOCK = _Clock()


os.register_at_fork(after_in_child=_forked)


def every(interval: float, func: Callable[[], None]) -> Beat:
    """Call ``func`` every ``interval`` seconds (the first time after one interval) until ``cancel``."""
    return _CLOCK.every(interval, func)


def once(delay: float, func: Callable[[], None]) -> Beat:
    """Call ``func`` once, after ``delay`` seconds, unless ``cancel`` comes first."""
    return _CLOCK.every(delay, func, repeat=False)
