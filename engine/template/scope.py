"""The names a template sees during a run, and the one place that writes them.

``TEMPLATE_NAMES`` is the single list of built-in names: validation checks references against
it, step ids and ``register`` names may not shadow it, and ``Scope`` builds the context from it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypedDict

from engine.errors import TemplateError
from engine.template.helpers import GLOBALS

if TYPE_CHECKING:
    from engine.local.outbox import OutboxReader

TEMPLATE_NAMES: tuple[str, ...] = (
    "stack",
    "vars",
    "answers",
    "steps",
    "env",
    "target",
    "outbox_code",
    "outbox_messages",
    "run_id",
    *GLOBALS,
)
# Names only an `assert`, `retry.until` or a deferred argument sees: the step's own outcome.
RESULT_NAMES: tuple[str, ...] = ("result", "error")
RESERVED_NAMES = frozenset(TEMPLATE_NAMES + RESULT_NAMES)
NAMES_HINT = (
    "available: stack, vars, answers, steps, env, target, run_id, outbox_code(), jwt_claims(), now(), registered names"
)


class Outcome(TypedDict):
    """``steps.<id>``: how a step ended."""

    status: str
    result: object
    error: Mapping[str, str] | None


class Scope:
    """The template namespace of one run: built-in names, step outcomes and registered names."""

    def __init__(self, *, target: str, answers: Mapping[str, object], outbox: OutboxReader | None) -> None:
        self._outbox = outbox
        self._vars: dict[str, object] = {}
        self._steps: dict[str, Outcome] = {}
        self._frame: dict[str, object] = {}
        self._values: dict[str, object] = {
            "target": target,
            "stack": {},
            "vars": self._vars,
            "answers": answers,
            "steps": self._steps,
            "env": {},
            "outbox_code": self._outbox_code,
            "outbox_messages": self._outbox_messages,
            # Unique per run, so names made with it do not collide when runs share a pool.
            "run_id": secrets.token_hex(4),
            **GLOBALS,
        }

    def context(self, extra: Mapping[str, object] | None = None) -> dict[str, object]:
        """The mapping templates are rendered with (``extra``: e.g. ``result`` for an assertion)."""
        if self._frame or extra:
            return {**self._values, **self._frame, **(extra or {})}
        return self._values

    @contextmanager
    def frame(self, names: Mapping[str, object]) -> Iterator[None]:
        """Names visible only inside one iteration of a ``for_each`` (the item and its index)."""
        outer = self._frame
        self._frame = {**outer, **names}
        try:
            yield
        finally:
            self._frame = outer

    def set_stack(self, outputs: Mapping[str, str]) -> None:
        self._values["stack"] = dict(outputs)

    def set_env(self, values: Mapping[str, str]) -> None:
        self._values["env"] = dict(values)

    def set_var(self, name: str, value: object) -> None:
        self._vars[name] = value

    def set_outcome(self, step_id: str, status: str, result: object, error: Mapping[str, str] | None) -> None:
        """``steps.<id>``: how a step ended (inside an included file, in that file's own ``steps``)."""
        inner = self._frame.get("steps")
        steps = inner if isinstance(inner, dict) else self._steps
        steps[step_id] = Outcome(status=status, result=result, error=error)

    def register(self, name: str, value: object) -> None:
        """A step's ``register: name``: its result as a top-level name."""
        self._values[name] = value

    # -- template functions ------------------------------------------------------------------

    def _outbox_code(self, user_name: str, kind: str | None = None) -> str:
        if self._outbox is None:
            raise TemplateError(
                "outbox_code() works only on the local target or a `scenario serve` endpoint",
                hint="guard it: {{ outbox_code(user) if target != 'aws' else none }}",
            )
        message = self._outbox.latest(username=user_name, kind=kind)
        if message is None or not message.code:
            raise TemplateError(f"the local outbox has no code for user '{user_name}'")
        return str(message.code)

    def _outbox_messages(self, user_name: str | None = None, kind: str | None = None) -> list[dict[str, object]]:
        if self._outbox is None:
            return []
        return [m.__dict__ | {"time": str(m.time)} for m in self._outbox.messages(username=user_name, kind=kind)]
