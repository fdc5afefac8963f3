"""Retry policy of a step and the attempt loop it owns.

The defaults live here once (``DEFAULT_ATTEMPTS``): the schema shows them and the plan applies
them, so the runner never guesses. ``Attempts`` is the loop: the runner asks for another try
with ``again(why)``; the policy decides whether there is one, and waits ``delay`` before it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from engine.errors import Location

DEFAULT_ATTEMPTS = 3
MAX_ATTEMPTS = 100
MAX_DELAY = 300


@dataclass(frozen=True)
class Expr:
    """A bare Jinja expression (``when``, ``assert``, ``retry.until``) and where it is written."""

    source: str | bool
    location: Location | None = None

    def __str__(self) -> str:
        return str(self.source)


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a step again: on error codes and/or until a condition holds, a bounded number of times."""

    on_error: frozenset[str] = frozenset()
    until: Expr | None = None
    attempts: int = 1
    delay: float = 0.0
    reprompt: tuple[str, ...] = ()

    def start(self, before_retry: Callable[[str], None], deadline: float | None = None) -> Attempts:
        """A fresh attempt loop; ``before_retry(why)`` runs before each try after the first."""
        return Attempts(self, before_retry, deadline)


ONCE = RetryPolicy()


class Attempts:
    """``for n in attempts:`` yields attempt numbers 1, 2, …; another comes only after ``again()``."""

    def __init__(self, policy: RetryPolicy, before_retry: Callable[[str], None], deadline: float | None) -> None:
        self.policy = policy
        self.count = 0
        self._before_retry = before_retry
        self._deadline = deadline
        self._why: str | None = None

    def __iter__(self) -> Iterator[int]:
        while True:
            self.count += 1
            self._why = None
            yield self.count
            if self._why is None:
                return
            self._before_retry(self._why)
            if self.policy.delay:
                time.sleep(self._bounded_delay())

    def again(self, why: str) -> bool:
        """Ask for another attempt; False when the policy has none left (or the step's time is up)."""
        if self.count >= self.policy.attempts:
            return False
        if self._deadline is not None and time.monotonic() + self.policy.delay >= self._deadline:
            return False
        self._why = why
        return True

    def _bounded_delay(self) -> float:
        if self._deadline is None:
            return self.policy.delay
        return max(0.0, min(self.policy.delay, self._deadline - time.monotonic()))
