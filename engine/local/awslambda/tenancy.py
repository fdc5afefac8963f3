"""Which function instance the interpreter's process-wide state belongs to, while in-process handlers run.

An in-process Python function needs its own environment variables, its own modules in ``sys.modules``
and its root logger level while it runs, and all three are process-wide. The invocations of one
instance share them and so run in parallel (like a runtime serving several events at once); an
invocation of another instance waits until they are done (within its caller's wait). A *nested*
invocation, fired by a handler's own call (AdminCreateUser from PreSignUp), cannot wait for its parent:
it sets its instance up on top of the parent's at once and puts the parent's back after.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

# Environment variables of this process that a function in Lambda would not see and that
# would send its boto3 clients somewhere else than this process's moto backends.
_HIDDEN_ENV_PREFIXES = (
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_USE_DUALSTACK",
    "AWS_USE_FIPS",
    "AWS_CA_BUNDLE",
)

_handler_thread = threading.local()  # .active: this thread runs a handler (its calls may invoke others)


def mark_handler_thread() -> None:
    """Called in a handler thread: an invocation it causes is nested."""
    _handler_thread.active = True


@contextmanager
def environ(env: dict[str, str]) -> Iterator[None]:
    """Apply ``env`` (and hide endpoint/profile settings) for the block; restore exactly after."""
    hidden = [k for k in os.environ if k.startswith(_HIDDEN_ENV_PREFIXES)]
    saved = {k: os.environ.get(k) for k in [*env, *hidden]}
    for k in hidden:
        del os.environ[k]
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class _Tenancy:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._owner: object = None
        self._count = 0
        self._undo: ExitStack | None = None

    def enter(self, owner: object, setup: Callable[[], ExitStack], wait: float | None) -> bool:
        """Occupy the interpreter for ``owner`` (``False``: not free within ``wait`` seconds)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._owner is None or self._owner is owner, timeout=wait):
                return False
            if self._owner is None:
                self._undo = setup()
                self._owner = owner
            self._count += 1
            return True

    def leave(self) -> None:
        with self._changed:
            self._count -= 1
            if self._count == 0:
                undo, self._undo, self._owner = self._undo, None, None
                if undo is not None:
                    undo.close()
                self._changed.notify_all()


_TENANCY = _Tenancy()


@contextmanager
def occupying(owner: object, setup: Callable[[], ExitStack], wait: float | None) -> Iterator[bool]:
    """The interpreter set up for ``owner`` by ``setup`` for the block; yields ``False`` when it was not
    free within ``wait`` seconds (``None``: wait as long as it takes)."""
    if getattr(_handler_thread, "active", False):
        with setup():
            yield True
        return
    if not _TENANCY.enter(owner, setup, wait):
        yield False
        return
    try:
        yield True
    finally:
        _TENANCY.leave()
