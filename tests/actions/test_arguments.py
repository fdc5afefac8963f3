"""Every built-in action's typed arguments (what its ``run`` gets) say what its JSON schema says.

The schema is the source of truth: the engine checks arguments against it. The TypedDict is the
same contract for the type checker, so the two are compared key by key, required-ness and value
type included, down through nested objects and lists.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from typing import Literal, NotRequired, Required, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from engine.action import SimpleAction, TypedAction
from engine.plan.registry import load_registry

_KINDS = {str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}
_CONTAINERS = {list: "array", Sequence: "array", dict: "object", Mapping: "object"}


def _builtins() -> dict[str, object]:
    found = {}
    for name, act in load_registry().items():
        module = act.func.__module__ if isinstance(act, SimpleAction) else type(act).__module__
        if module.startswith("engine.actions."):
            found[name] = act
    return found


def _members(hint: object) -> list[object]:
    """The alternatives of a hint, without NotRequired/Required around it."""
    while get_origin(hint) in (NotRequired, Required):
        (hint,) = get_args(hint)
    if get_origin(hint) in (typing.Union, types.UnionType):
        return [m for arg in get_args(hint) for m in _members(arg)]
    return [hint]


def _is_json_value(members: list[object]) -> bool:
    """``JsonValue``: any JSON value, what a schema without a type (``{}``) allows."""
    kinds = {_kind(m) for m in members if not is_typeddict(m)}
    return kinds == {"string", "boolean", "integer", "number", "null", "array", "object"}


def _kind(member: object) -> str:
    if is_typeddict(member):
        return "object"
    if get_origin(member) is Literal:
        return "string"
    if member in _KINDS:
        return _KINDS[member]
    origin = get_origin(member)
    if origin in _CONTAINERS:
        return _CONTAINERS[origin]
    raise AssertionError(f"no JSON kind for {member!r}")


def _branches(schema: dict) -> list[dict]:
    """The alternatives a schema allows, one JSON type each; [] when it allows any value."""
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return [{**schema, "type": kind} for kind in kinds]
    if "enum" in schema:
        assert all(isinstance(value, str) for value in schema["enum"]), schema
        return [{**schema, "type": "string"}]
    if "properties" in schema:
        return [{**schema, "type": "object"}]
    alternatives = schema.get("oneOf") or schema.get("anyOf") or []
    return [branch for alternative in alternatives for branch in _branches(alternative)]


def _mismatches(hint: object, schema: dict, path: str) -> list[str]:
    members = _members(hint)
    branches = _branches(schema)
    if not branches or _is_json_value(members):
        if not branches and _is_json_value(members):
            return []
        return [f"{path}: the schema allows {'any value' if not branches else 'less'}, the type says {hint!r}"]
    by_kind: dict[str, list[object]] = {}
    for member in members:
        by_kind.setdefault(_kind(member), []).append(member)
    if "number" in by_kind:  # a float annotation takes ints too
        by_kind.pop("integer", None)
    wanted = {branch["type"]: branch for branch in branches}
    if set(by_kind) != set(wanted):
        return [f"{path}: the schema allows {sorted(wanted)}, the type {sorted(by_kind)}"]
    problems = []
    for kind, branch in wanted.items():
        (member,) = by_kind[kind]
        problems += _compare(kind, member, branch, path)
    return problems


def _compare(kind: str, member: object, branch: dict, path: str) -> list[str]:
    literal = get_origin(member) is Literal
    if kind == "string" and "enum" in branch and literal and set(get_args(member)) != set(branch["enum"]):
        return [f"{path}: enum {branch['enum']} but Literal{list(get_args(member))}"]
    if kind == "array" and "items" in branch:
        (item,) = get_args(member)
        return _mismatches(item, branch["items"], f"{path}[]")
    if kind != "object":
        return []
    if "properties" in branch:
        if not is_typeddict(member):
            return [f"{path}: the schema lists properties, so the type should be a TypedDict, not {member!r}"]
        return _typed_dict_mismatches(member, branch, path)
    if is_typeddict(member):
        return [f"{path}: {member.__name__} has keys the schema does not list"]
    value_schema = branch.get("additionalProperties")
    if isinstance(value_schema, dict):
        return _mismatches(get_args(member)[1], value_schema, f"{path}.*")
    return []


def _typed_dict_mismatches(typed: type, schema: dict, path: str) -> list[str]:
    # Read from the annotations: with postponed annotations, __required_keys__ misses NotRequired on 3.11.
    hints = get_type_hints(typed, include_extras=True)
    total = typed.__total__
    required = {
        key
        for key, hint in hints.items()
        if get_origin(hint) is Required or (total and get_origin(hint) is not NotRequired)
    }
    properties = schema["properties"]
    problems = []
    if set(hints) != set(properties):
        problems.append(
            f"{path}: {typed.__name__} has keys {sorted(hints)}, the schema properties {sorted(properties)}"
        )
    if required != set(schema.get("required", [])):
        problems.append(
            f"{path}: {typed.__name__} requires {sorted(required)}, the schema {sorted(schema.get('required', []))}"
        )
    for key in sorted(set(hints) & set(properties)):
        problems += _mismatches(hints[key], properties[key], f"{path}.{key}")
    return problems


BUILTINS = _builtins()


def test_every_builtin_action_is_typed():
    assert len(BUILTINS) >= 49
    untyped = [name for name, act in BUILTINS.items() if not isinstance(act, TypedAction)]
    assert untyped == []


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_typed_arguments_match_the_schema(name):
    act = BUILTINS[name]
    assert isinstance(act, TypedAction)
    assert _mismatches(act.args_type, act.schema, name) == []


def test_a_drifted_type_is_caught():
    class Drifted(typing.TypedDict):
        user_name: str
        extra: NotRequired[int]

    schema = {
        "type": "object",
        "properties": {"user_name": {"type": "integer"}, "email": {"type": "string"}},
        "required": ["user_name", "email"],
    }
    assert _mismatches(Drifted, schema, "x") == [
        "x: Drifted has keys ['extra', 'user_name'], the schema properties ['email', 'user_name']",
        "x: Drifted requires ['user_name'], the schema ['email', 'user_name']",
        "x.user_name: the schema allows ['integer'], the type ['string']",
    ]
