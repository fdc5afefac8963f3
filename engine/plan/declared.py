"""What the planner learns from an action beyond the required part of its contract.

Each is an optional attribute the action declares, read with its default, so a plugin written
before the attribute existed keeps working; no planner module names an action.
"""

from __future__ import annotations

from engine.action import Action
from engine.template.render import is_template

Operations = tuple[tuple[str, str], ...]


def sets_vars(action: Action) -> bool:
    """``sets_vars = True``: the step's argument maps variable names (``vars.<name>``) to their values."""
    return bool(getattr(action, "sets_vars", False))


def variables_set(action: Action, args: object) -> list[str]:
    """The ``vars.<name>`` names a step sets, in the order written."""
    if not sets_vars(action) or not isinstance(args, dict):
        return []
    return [str(key) for key in args]


def operations_called(action: Action, args: object) -> Operations:
    """The AWS calls a step makes: the action's own ``operations``, or, when it declares none, the
    constant ``service`` and ``operation`` its arguments name (a generic call)."""
    if action.operations or not isinstance(args, dict):
        return action.operations
    service, operation = args.get("service"), args.get("operation")
    if isinstance(service, str) and isinstance(operation, str) and not is_template(service + operation):
        return ((service, operation),)
    return ()
