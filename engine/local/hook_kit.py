"""The building blocks of ``engine.local.hooks``: a hook declared as data, a moto method declared and
checked, and the wrapper that gives moto's behaviour back whenever no local AWS is active.

``hooks`` declares every patch with these; ``set_active`` is how ``hooks.install`` tells them whether a
``LocalAWS`` or ``LocalServer`` is active, so this module depends on nothing that turns one on.
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import ParamSpec, TypeVar

from engine.local.compat import check_callable

MARK = "__scenario_hook__"  # set on every function (or object) a hook installs
_F = TypeVar("_F", bound=Callable[..., object])
_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass(frozen=True)
class Hook:
    """One patch: ``check`` verifies moto's side, ``apply`` patches it.

    With a ``module`` (a moto module, such as ``moto.awslambda.models``), both happen when that module is
    first imported (``when_imported``), not when the hooks are installed: a run that never reaches the
    service never imports it.
    """

    name: str
    check: Callable[[], None]
    apply: Callable[[], None] = lambda: None
    module: str | None = None


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


def local_aws_active() -> bool:
    """Whether a LocalAWS or LocalServer is active (as ``hooks.install`` was told to ask)."""
    return _local_aws_active()


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


class _ImportWatch(importlib.abc.MetaPathFinder):
    """Runs callbacks right after a watched module's body has run, whoever imports it, before the import returns.

    If a callback fails, the import fails with its error, and the callbacks stay pending: the next import of
    the module runs them again (and fails again), so a broken hook is never skipped silently.
    """

    def __init__(self) -> None:
        self.pending: dict[str, list[Callable[[], None]]] = {}
        self.lock = threading.Lock()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        with self.lock:
            callbacks = self.pending.pop(fullname, None)
        if callbacks is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        loader = spec.loader if spec is not None else None
        if spec is None or not isinstance(loader, importlib.abc.Loader):
            with self.lock:
                self.pending.setdefault(fullname, []).extend(callbacks)
            return spec
        run_body = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            try:
                run_body(module)
                for callback in callbacks:
                    callback()
            except BaseException:
                with self.lock:
                    self.pending.setdefault(fullname, [])[:0] = callbacks
                raise

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


_watch = _ImportWatch()


def when_imported(module: str, callback: Callable[[], None]) -> None:
    """Run ``callback`` once ``module`` is imported: now if it already is, else right after its first import."""
    with _watch.lock:
        loaded = module in sys.modules
        if not loaded:
            _watch.pending.setdefault(module, []).append(callback)
            if _watch not in sys.meta_path:
                sys.meta_path.insert(0, _watch)
    if loaded:
        importlib.import_module(module)  # waits for another thread still running its body
        callback()
