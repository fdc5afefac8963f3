"""Checking a value against a JSON schema, and the scenario's own words for each mismatch.

A templated string stands for a value only known at run time, so a mismatch whose value is a
template is not a problem here; the runner checks those arguments again once rendered.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping

import jsonschema

from engine.errors import InputError, Location, SchemaError
from engine.plan.loader import MarkedDict
from engine.template.render import NodePath, is_template

# (path inside the value, the key itself rather than its value?) -> where it is written
Locator = Callable[[NodePath, bool], Location | None]

_VALIDATORS: dict[int, tuple[Mapping[str, object], jsonschema.protocols.Validator]] = {}


def suggest(word: str, options: list[str]) -> str:
    """``did you mean 'x'?`` for the closest options, or nothing."""
    close = difflib.get_close_matches(word, options, n=3)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def with_suggestion(word: str, options: list[str], rest: str) -> str:
    """A hint that starts with a suggestion when there is one."""
    suggestion = suggest(word, options)
    return (suggestion + " " if suggestion else "") + rest


def _validator(schema: Mapping[str, object]) -> jsonschema.protocols.Validator:
    """A compiled validator per schema object (action schemas live as long as the process)."""
    cached = _VALIDATORS.get(id(schema))
    if cached is None or cached[0] is not schema:
        cached = (schema, jsonschema.Draft202012Validator(schema))
        _VALIDATORS[id(schema)] = cached
    return cached[1]


def problems(
    instance: object,
    schema: Mapping[str, object],
    where: Locator,
    *,
    whole: str = "value",
    step: str | None = None,
    error_class: type[InputError] = SchemaError,
) -> Iterator[InputError]:
    """Every real mismatch of ``instance`` with ``schema``, as errors at their file locations.

    ``whole`` names the value itself in messages (an action's whole argument is named after it).
    """
    for _, error in located_problems(instance, schema, where, whole=whole, step=step, error_class=error_class):
        yield error


def located_problems(
    instance: object,
    schema: Mapping[str, object],
    where: Locator,
    *,
    whole: str = "value",
    step: str | None = None,
    error_class: type[InputError] = SchemaError,
) -> Iterator[tuple[NodePath, InputError]]:
    """``problems`` with the path inside ``instance`` of each, so a caller can skip what a problem spoils."""
    errors = sorted(
        _validator(schema).iter_errors(instance), key=lambda e: (len(e.absolute_path), str(e.absolute_path))
    )
    for error in errors:
        leaf = _leaf_error(error)
        if leaf is None:
            continue
        path = tuple(leaf.absolute_path)
        message, hint, key = _explain(leaf, whole)
        location = where((*path, key), True) if key is not None else where(path, False)
        yield path, error_class(message, location=location, step=step, hint=hint)


def raise_first(errors: Iterable[InputError]) -> None:
    """Raise the first of ``errors``, if any (the start of a run stops at the first problem)."""
    for error in errors:
        raise error


def _leaf_error(error: jsonschema.ValidationError) -> jsonschema.ValidationError | None:
    if is_template(error.instance):
        return None
    if error.context:
        # oneOf/anyOf: report the branch that got furthest, ignoring template-only failures.
        branches = [e for e in error.context if not is_template(e.instance)]
        if not branches:
            return None
        if all(e.validator == "type" for e in branches) and len(branches) == len(error.context):
            return error
        # The branch of the right type that got furthest says what is wrong inside it.
        best = max(branches, key=lambda e: (len(e.absolute_path), e.validator != "type"))
        return (_leaf_error(best) or best) if best.context else best  # a oneOf inside a oneOf
    return error


def _explain(error: jsonschema.ValidationError, whole: str) -> tuple[str, str | None, str | None]:
    """(message, hint, offending key) for a jsonschema error."""
    where = ".".join(str(p) for p in error.absolute_path)
    at = f" in '{where}'" if where else ""
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing required key '{missing}'{at}", f"add '{missing}: ...'", None
    if error.validator == "additionalProperties":
        allowed = sorted((error.schema.get("properties") or {}).keys())
        extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        name = extra[0] if extra else "?"
        return f"unknown key '{name}'{at}", with_suggestion(name, allowed, f"allowed keys: {', '.join(allowed)}"), name
    if error.validator == "type" and len(error.absolute_path) >= 2 and error.absolute_path[-2] == "steps":
        return (
            f"'{where}' must be a mapping, not {_typename(error.instance)}",
            "a step is one action key plus optional modifiers, e.g. `- say: hello`",
            None,
        )
    if error.validator == "type":
        return (
            f"'{where or whole}' must be {_types(error.validator_value)}, not {_typename(error.instance)}",
            None,
            None,
        )
    if error.validator == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        return f"'{where}' is {error.instance!r}, not one of the allowed values", f"use one of: {options}", None
    if error.validator == "oneOf" and error.context and all(e.validator == "type" for e in error.context):
        kinds = " or ".join(_types(e.validator_value) for e in error.context)
        return f"'{where or whole}' must be {kinds}, not {_typename(error.instance)}", None, None
    return f"{error.message}{at}", None, None


def _types(value: object) -> str:
    names = value if isinstance(value, list) else [value]
    article = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "integer": "an integer",
        "number": "a number",
        "boolean": "true or false",
        "null": "null",
    }
    return " or ".join(article.get(str(n), str(n)) for n in names)


def _typename(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {
        dict: "a mapping",
        MarkedDict: "a mapping",
        str: "a string",
        int: "an integer",
        float: "a number",
        type(None): "null",
    }.get(type(value), "a list" if isinstance(value, list) else type(value).__name__)
