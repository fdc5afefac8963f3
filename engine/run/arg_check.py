"""Whether a step's rendered arguments need the schema checked again.

Template-free arguments were checked when the scenario was loaded, and rendering changes only the values
that hold a template (never a key). When the schema at each such value is one whose verdict can be read off
the rendered value at a glance (a type, a string's minLength, a ``oneOf``/``anyOf`` of such branches, or no
constraint at all), and every rendered value passes it, the arguments are exactly as valid as they were at
load: the jsonschema pass (about a third of the engine's own time per step on the embedded backend) is
skipped. Anything else (a template inside a list or an object, a pattern, an enum, a bound on a number, an
object-level rule that could look at values) is checked in full: this answers True only when it is sure.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.template.render import is_template, iter_strings

# Keywords that say nothing about the value.
_ANNOTATIONS = frozenset({"description", "title", "examples", "default", "$comment", "deprecated"})
# Keywords of an object schema that rendering a value cannot affect (they look at keys only).
_OBJECT_KEYS = _ANNOTATIONS | {"type", "properties", "required", "additionalProperties", "minProperties"}
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def _has_type(value: object, name: object) -> bool:
    kinds = _JSON_TYPES.get(name) if isinstance(name, str) else None
    if kinds is None:
        return False
    if isinstance(value, bool) and name in ("number", "integer"):
        return False
    return isinstance(value, kinds)


def _types(schema: Mapping[str, object]) -> list[object] | None:
    kind = schema.get("type")
    if kind is None:
        return None
    return list(kind) if isinstance(kind, list) else [kind]


def _surely_valid(schema: object, value: object) -> bool:
    """True only when ``value`` certainly satisfies ``schema`` (False: unknown, or invalid)."""
    if not isinstance(schema, Mapping):
        return False
    keys = set(schema) - _ANNOTATIONS
    if not keys:
        return True  # no constraint
    if keys <= {"oneOf"} or keys <= {"anyOf"}:
        branches = schema.get("oneOf", schema.get("anyOf"))
        if not isinstance(branches, list):
            return False
        valid = [branch for branch in branches if _surely_valid(branch, value)]
        if "anyOf" in schema:
            return bool(valid)
        # oneOf: exactly one branch, and every other one certainly rejects the value by its type.
        return len(valid) == 1 and all(branch is valid[0] or _surely_wrong_type(branch, value) for branch in branches)
    if not keys <= {"type", "minLength"}:
        return False
    types = _types(schema)
    if types is not None and not any(_has_type(value, name) for name in types):
        return False
    minimum = schema.get("minLength")
    if minimum is not None:
        return isinstance(minimum, int) and (not isinstance(value, str) or len(value) >= minimum)
    return True


def _surely_wrong_type(schema: object, value: object) -> bool:
    types = _types(schema) if isinstance(schema, Mapping) else None
    return types is not None and not any(_has_type(value, name) for name in types)


def _templated(value: object) -> bool:
    return any(is_template(text) for _, text in iter_strings(value))


def still_valid(raw: object, rendered: object, schema: Mapping[str, object]) -> bool:
    """True when ``rendered`` (``raw`` with its templates rendered) is known to satisfy ``schema`` without
    checking it again; False when it must be checked."""
    if isinstance(raw, str):  # the whole argument is one template (``say: "Hello {{ ... }}"``)
        return _surely_valid(schema, rendered)
    if not isinstance(raw, Mapping) or not isinstance(rendered, Mapping):
        return False
    if _types(schema) != ["object"] or not set(schema) <= _OBJECT_KEYS:
        return False
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return False
    for key, value in raw.items():
        if not _templated(value):
            continue
        if not isinstance(value, str) or key not in properties or not _surely_valid(properties[key], rendered.get(key)):
            return False
    return True
