"""The action contract's old home, kept so that plugins importing ``engine.actions.base`` still work.

The contract is ``engine.action``; import it from there.
"""

from engine.action import (
    STRING,
    Action,
    ActionBase,
    ActionContext,
    JsonSchema,
    Problem,
    SimpleAction,
    action,
    obj,
    plain,
)

__all__ = [
    "STRING",
    "Action",
    "ActionBase",
    "ActionContext",
    "JsonSchema",
    "Problem",
    "SimpleAction",
    "action",
    "obj",
    "plain",
]
