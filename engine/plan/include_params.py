"""The ``params:`` an included file declares: which names a caller must pass, and the defaults of the rest.

Three spellings, mixed freely in the list form::

    params: [user, pool]                          # every name required
    params: [user, {name: email, default: ""}]    # required names and names with defaults
    params: {user: null, email: ""}               # a mapping: a null value means "required"

A default of null is written in the list form (``{name: email, default: null}``), so that a mapping
entry left empty (``user:``) never silently becomes None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.errors import Location, SchemaError
from engine.plan.loader import locate

NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$"
_NAME = {"type": "string", "pattern": NAME_PATTERN}
PARAMS_SCHEMA = {
    "description": "Names the including step passes with `with:`: a list of names and "
    "`{name: NAME, default: VALUE}` items, or a mapping of names to defaults (null: required).",
    "oneOf": [
        {
            "type": "array",
            "items": {
                "oneOf": [
                    _NAME,
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["name"],
                        "properties": {"name": _NAME, "default": {}, "description": {"type": "string"}},
                    },
                ]
            },
        },
        {"type": "object", "propertyNames": {"pattern": NAME_PATTERN}},
    ],
}


@dataclass(frozen=True)
class Params:
    """The declared params of one included file."""

    required: frozenset[str] = frozenset()
    defaults: Mapping[str, object] = field(default_factory=dict)

    @property
    def names(self) -> frozenset[str]:
        return self.required | frozenset(self.defaults)


def declared_params(data: Mapping[str, object], file_name: str) -> Params:
    """The params of an included file whose shape ``PARAMS_SCHEMA`` has already checked."""
    declared = data.get("params")
    if isinstance(declared, Mapping):
        required = frozenset(str(k) for k, v in declared.items() if v is None)
        return Params(required, {str(k): v for k, v in declared.items() if v is not None})
    required_names: set[str] = set()
    defaults: dict[str, object] = {}
    for index, item in enumerate(declared if isinstance(declared, list) else []):
        name = str(item["name"]) if isinstance(item, Mapping) else str(item)
        if name in required_names or name in defaults:
            raise SchemaError(
                f"{file_name} declares the param '{name}' twice",
                location=locate(data, ("params", index)) or Location(file_name, 1, 1),
                hint="keep one of them",
            )
        if isinstance(item, Mapping) and "default" in item:
            defaults[name] = item["default"]
        else:
            required_names.add(name)
    return Params(frozenset(required_names), defaults)
