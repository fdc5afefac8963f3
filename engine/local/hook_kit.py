"""The building blocks of ``engine.local.hooks``: a hook declared as data, a moto method declared and
checked, and the wrapper that gives moto's behaviour back whenever no local AWS is active.

``hooks`` declares every patch with these; ``set_active`` is how ``hooks.install`` tells them whether a
``LocalAWS`` or ``LocalServer`` is active, so this module depends on nothing that turns one on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from engine.local.compat import check_callable

MARK = "__scenario_hook__"  # set on every function (or object) a hook installs
_F = TypeVar("_F", bound=Callable[..., object])
_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass(frozen=True)
class Hook:
    """One patch: ``check`` verifies moto's side, ``apply`` patches it."""

    name: str
    check: Callable[[], None]
    apply: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class MotoCall:
    """A moto method the local AWS calls (or replaces) and the parameters it passes, checked by ``verify``.

    Private ones (``_get_user``...) are declared here too: moto promises nothing about them, so a moto
    that renamed one must fail ``verify`` rather than a sign-in halfway through.
    """

    hook: str
    owner: type
    name: str
    params: tuple[str, ...]

    def check(self) -> None:
        check_method(self.hook, self.owner, self.name, *self.params)


def ours(owner: type, name: str) -> bool:
    return bool(getattr(owner.__dict__.get(name), MARK, False))


def check_method(hook: str, owner: type, name: str, *params: str) -> None:
    if not ours(owner, name):
        check_callable(hook, owner, name, params)


def mark(function: _F, hook: str) -> _F:
    setattr(function, MARK, hook)
    return function


def _never() -> bool:
    return False


# Whether a LocalAWS or LocalServer is active; ``hooks.install`` says how to ask (``activation.active``).
_local_aws_active: Callable[[], bool] = _never


def set_active(active: Callable[[], bool]) -> None:
    """How ``gated`` wrappers tell whether a local AWS is active (set once, when the hooks are installed)."""
    global _local_aws_active
    _local_aws_active = active


def gated(hook: str, ours: Callable[_P, _R], moto: Callable[_P, _R]) -> Callable[_P, _R]:
    """``ours`` while a LocalAWS or LocalServer is active, else moto's own behaviour.

    The hooks stay installed for the rest of the process, but code that uses plain
    ``mock_aws`` (with no local AWS started) keeps getting exactly moto, whatever ran before.
    """

    @functools.wraps(ours)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if _local_aws_active():
            return ours(*args, **kwargs)
        return moto(*args, **kwargs)

    return mark(wrapper, hook)
