"""The process's one heartbeat clock (``engine.cleanup.heartbeat``): beats come again until cancelled, a slow
beat never delays another's and is not started twice; a one-off call (``once``) comes once, or not at all when
cancelled first."""

from __future__ import annotations

import threading
import time

from engine.cleanup import heartbeat


def _wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_a_beat_comes_again_until_cancelled() -> None:
    count = []
    beat = heartbeat.every(0.01, lambda: count.append(1))
    assert _wait_for(lambda: len(count) >= 3)
    beat.cancel()
    time.sleep(0.05)  # a beat already started may still finish
    settled = len(count)
    time.sleep(0.1)
    assert len(count) == settled


def test_a_slow_beat_delays_no_other_and_is_not_started_twice() -> None:
    release = threading.Event()
    slow_runs: list[int] = []
    fast: list[int] = []

    def slow() -> None:
        slow_runs.append(1)
        release.wait(10)

    slow_beat = heartbeat.every(0.01, slow)
    fast_beat = heartbeat.every(0.01, lambda: fast.append(1))
    try:
        assert _wait_for(lambda: len(fast) >= 5)  # while the slow one hangs
        assert slow_runs == [1]  # due again and again, but still running: not started again
    finally:
        release.set()
        slow_beat.cancel()
        fast_beat.cancel()


def test_a_beat_that_raises_comes_again() -> None:
    calls = []

    def failing() -> None:
        calls.append(1)
        raise RuntimeError("the endpoint did not answer")

    beat = heartbeat.every(0.01, failing)
    try:
        assert _wait_for(lambda: len(calls) >= 2)
    finally:
        beat.cancel()


def test_once_calls_once_after_its_delay() -> None:
    calls: list[float] = []
    started = time.monotonic()
    heartbeat.once(0.02, lambda: calls.append(time.monotonic()))
    assert _wait_for(lambda: calls)
    assert calls[0] - started >= 0.02
    time.sleep(0.1)  # not due again: it was one call
    assert len(calls) == 1


def test_once_cancelled_before_it_is_due_never_calls() -> None:
    calls: list[int] = []
    pending = heartbeat.once(0.05, lambda: calls.append(1))
    witness: list[int] = []
    heartbeat.once(0.1, lambda: witness.append(1))  # due after it: the clock went past the cancelled one
    pending.cancel()
    assert _wait_for(lambda: witness)
    assert calls == []


def test_a_call_due_before_every_other_wakes_the_clock() -> None:
    """The clock sleeps until the earliest beat it knows: one due sooner, added meanwhile, is not kept waiting."""
    far = heartbeat.every(30.0, lambda: None)  # the clock now sleeps up to 30 s
    try:
        time.sleep(0.02)  # asleep on it
        calls: list[int] = []
        heartbeat.once(0.01, lambda: calls.append(1))
        assert _wait_for(lambda: calls, timeout=5.0)
    finally:
        far.cancel()
