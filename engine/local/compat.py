"""Checks that the moto internals the local AWS patches are the ones it was written against.

moto is pinned (5.2.1) because ``hooks`` replaces some of its internals. If a different moto
ever gets installed, a hook whose target moved or changed shape must fail loudly, naming the
hook, instead of leaving Cognito triggers silently unfired.
"""

from __future__ import annotations

import inspect

from engine.errors import TargetError

EXPECTED_MOTO = "5.2.1"


class HookError(TargetError):
    """A moto internal that a local-AWS hook relies on is missing or has another shape."""

    def __init__(self, hook: str, problem: str) -> None:
        import moto

        super().__init__(
            f"local AWS hook '{hook}' cannot be installed: {problem}",
            hint=f"the embedded local AWS is written against moto=={EXPECTED_MOTO}; "
            f"installed is moto=={getattr(moto, '__version__', '?')}",
        )
        self.hook = hook


def check_callable(hook: str, owner: object, name: str, params: tuple[str, ...]) -> None:
    """``owner.name`` must exist and take exactly ``params`` (names, in order, ``self`` included)."""
    target = inspect.getattr_static(owner, name, None)
    if target is None:
        raise HookError(hook, f"{_describe(owner)}.{name} does not exist")
    if isinstance(target, (staticmethod, classmethod)):
        target = target.__func__
    if not callable(target):
        raise HookError(hook, f"{_describe(owner)}.{name} is not callable")
    try:
        found = tuple(inspect.signature(target).parameters)
    except (ValueError, TypeError):
        return  # a builtin without introspectable parameters (e.g. lru_cache's cache_clear): it exists
    if found != params:
        raise HookError(hook, f"{_describe(owner)}.{name} takes ({', '.join(found)}), expected ({', '.join(params)})")


def check_absent(hook: str, owner: object, name: str) -> None:
    """``owner.name`` must not exist yet (the hook adds it; if moto grew one, review the hook)."""
    if inspect.getattr_static(owner, name, None) is not None:
        raise HookError(hook, f"{_describe(owner)}.{name} already exists; the hook would hide it")


def check_attribute(hook: str, owner: object, name: str) -> None:
    """``owner`` (a module or class) must have ``name``."""
    if inspect.getattr_static(owner, name, None) is None:
        raise HookError(hook, f"{_describe(owner)} has no attribute {name}")


def require(hook: str, obj: object, *names: str) -> None:
    """``obj`` (a moto model instance) must have every attribute in ``names``."""
    missing = [name for name in names if not hasattr(obj, name)]
    if missing:
        raise HookError(hook, f"{type(obj).__name__} objects have no {', '.join(missing)}")


def _describe(owner: object) -> str:
    if inspect.ismodule(owner):
        return owner.__name__
    if hasattr(owner, "__qualname__"):
        return f"{getattr(owner, '__module__', '?')}.{owner.__qualname__}"
    return repr(owner)
