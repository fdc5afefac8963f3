"""The action registry: every action from every module in the ``scenario_run.actions`` group."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import Protocol, cast, runtime_checkable

from engine.action import Action, ActionBase, ActionContext, JsonSchema, JsonValue
from engine.errors import PluginError

ENTRY_POINT_GROUP = "scenario_run.actions"
_REQUIRED = ("name", "description", "schema", "example", "run")
_OPTIONAL = (
    "deferred",
    "quiet",
    "asks",
    "step_id",
    "check",
    "operations",
    "expressions",
    "result_example",
    "sets_vars",  # read by the planner (engine.plan.declared), with its default there
)


@runtime_checkable
class _Required(Protocol):
    """The part of the ``Action`` contract every plugin object must fill in."""

    name: str
    description: str
    schema: JsonSchema
    example: object

    def run(self, args: object, ctx: ActionContext) -> object: ...


class _WithDefaults(ActionBase):
    """A plugin object that fills in only the required part of the contract, with the defaults for the rest."""

    def __init__(self, impl: _Required) -> None:
        self._impl = impl
        self.name = impl.name
        self.description = impl.description
        self.schema = impl.schema
        self.example = impl.example
        for attr in _OPTIONAL:
            if hasattr(impl, attr):
                setattr(self, attr, getattr(impl, attr))
        self.deferred = frozenset(self.deferred)

    def run(self, args: JsonValue, ctx: ActionContext) -> JsonValue:
        # A plain plugin's result is whatever it returns; the engine treats it as JSON-like data.
        return cast(JsonValue, self._impl.run(args, ctx))


def _check(action: object, source: str) -> Action:
    if not isinstance(action, _Required):
        missing = [attr for attr in _REQUIRED if not hasattr(action, attr)]
        raise PluginError(
            f"action plugin '{source}' provides {action!r}, which lacks {', '.join(missing)}",
            hint="an action needs name, description, schema, example and run(args, ctx)",
        )
    name = getattr(action, "name", "")
    if not isinstance(name, str) or not name.isidentifier():
        raise PluginError(
            f"action plugin '{source}' has an action with an invalid name {name!r}",
            hint="action names are identifiers such as sign_up",
        )
    if not isinstance(getattr(action, "schema", None), dict):
        raise PluginError(f"action '{name}' from plugin '{source}' has a schema that is not a mapping")
    if isinstance(action, Action):
        return action
    return _WithDefaults(action)


@cache
def load_registry() -> dict[str, Action]:
    """Load and check every plugin; a broken one raises ``PluginError`` naming it."""
    registry: dict[str, Action] = {}
    origin: dict[str, str] = {}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        source = f"{ep.name} = {ep.value}"
        try:
            module = ep.load()
        except Exception as exc:
            raise PluginError(
                f"action plugin '{source}' failed to load: {type(exc).__name__}: {exc}",
                hint="fix or uninstall the package that provides it",
            ) from None
        actions = getattr(module, "ACTIONS", None)
        if not isinstance(actions, list | tuple):
            raise PluginError(
                f"action plugin '{source}' has no ACTIONS list", hint="a plugin module exports ACTIONS = [action, ...]"
            )
        for item in actions:
            act = _check(item, source)
            if act.name in registry:
                raise PluginError(f"action '{act.name}' is provided twice: by '{origin[act.name]}' and '{source}'")
            registry[act.name] = act
            origin[act.name] = source
    if not registry:
        raise PluginError(
            "no action plugins are installed",
            hint="install the project (pip install -e .) so its entry points are registered",
        )
    return registry
