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

from collections.abc import Callable, Mapping

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


def _types(schema: Mapping[str, object]) -> list[object] | None:
    kind = schema.get("type")
    if kind is None:
        return None
    return list(kind) if isinstance(kind, list) else [kind]


# A test of a rendered value: True only when it certainly satisfies the schema it was made from.
Verdict = Callable[[object], bool]


def _never(value: object) -> bool:
    return False


def _always(value: object) -> bool:
    return True


def surely_valid(schema: object) -> Verdict:
    """The test of ``schema``: True only when a value certainly satisfies it (False: unknown, or invalid)."""
    if not isinstance(schema, Mapping):
        return _never
    keys = set(schema) - _ANNOTATIONS
    if not keys:
        return _always  # no constraint
    if keys <= {"oneOf"} or keys <= {"anyOf"}:
        branches = schema.get("oneOf", schema.get("anyOf"))
        if not isinstance(branches, list):
            return _never
        valid = [surely_valid(branch) for branch in branches]
        if "anyOf" in schema:
            return lambda value: any(test(value) for test in valid)
        wrong = [_surely_wrong_type(branch) for branch in branches]

        def one_of(value: object) -> bool:
            # Exactly one branch, and every other one certainly rejects the value by its type.
            passed = -1
            for index, test in enumerate(valid):
                if test(value):
                    if passed >= 0:
                        return False
                    passed = index
            return passed >= 0 and all(wrong[index](value) for index in range(len(wrong)) if index != passed)

        return one_of
    if not keys <= {"type", "minLength"}:
        return _never
    types = _types(schema)
    minimum = schema.get("minLength")
    if minimum is not None and not isinstance(minimum, int):
        return _never
    of_type = _always if types is None else _of_types(types)
    if minimum is None:
        return of_type

    def long_enough(value: object) -> bool:
        return of_type(value) and (not isinstance(value, str) or len(value) >= minimum)

    return long_enough


def _of_types(types: list[object]) -> Verdict:
    """Whether a value is of one of the JSON ``types`` (a boolean is not a number, nor an integer)."""
    booleans = "boolean" in types
    kinds = tuple(kind for name in types if isinstance(name, str) for kind in _JSON_TYPES.get(name, ()))

    def of_type(value: object) -> bool:
        return booleans if isinstance(value, bool) else isinstance(value, kinds)

    return of_type


def _surely_wrong_type(schema: object) -> Verdict:
    types = _types(schema) if isinstance(schema, Mapping) else None
    if types is None:
        return _never
    of_type = _of_types(types)
    return lambda value: not of_type(value)


def _templated(value: object) -> bool:
    return any(is_template(text) for _, text in iter_strings(value))


def rendered_check(raw: object, schema: Mapping[str, object]) -> Verdict:
    """The test of ``raw`` once its templates are rendered: True when the rendered arguments are known to
    satisfy ``schema`` without checking them again; False when they must be checked. Made once per step
    (what is templated, and the schema at each such value, do not change between runs)."""
    if isinstance(raw, str):  # the whole argument is one template (``say: "Hello {{ ... }}"``)
        return surely_valid(schema)
    if not isinstance(raw, Mapping):
        return _never
    if _types(schema) != ["object"] or not set(schema) <= _OBJECT_KEYS:
        return _never
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return _never
    tests: list[tuple[object, Verdict]] = []
    for key, value in raw.items():
        if not _templated(value):
            continue
        if not isinstance(value, str) or key not in properties:
            return _never
        tests.append((key, surely_valid(properties[key])))

    def holds(rendered: object) -> bool:
        return isinstance(rendered, Mapping) and all(test(rendered.get(key)) for key, test in tests)

    return holds


def still_valid(raw: object, rendered: object, schema: Mapping[str, object]) -> bool:
    """True when ``rendered`` (``raw`` with its templates rendered) is known to satisfy ``schema`` without
    checking it again; False when it must be checked."""
    return rendered_check(raw, schema)(rendered)
