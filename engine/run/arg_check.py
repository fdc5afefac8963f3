"""Whether a step's rendered arguments need the schema checked again.

Template-free arguments were checked when the scenario was loaded, and rendering changes only the values
that hold a template. When each of those is a top-level argument whose schema asks only for a (non-empty)
string, and rendering gave such a string, the arguments are exactly as valid as they were at load: the
jsonschema pass (about a third of the engine's own time per step on the embedded backend) is skipped.
Anything else (a template inside a list or an object, a number, an enum or a pattern) is checked in full.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.template.render import is_template, iter_strings

# Keywords that constrain nothing beyond "a string of at least minLength characters".
_PLAIN_STRING_KEYS = frozenset({"type", "minLength", "description", "title", "examples", "default"})


def _plain_string(schema: object, value: object) -> bool:
    if not isinstance(schema, Mapping) or schema.get("type") != "string" or not set(schema) <= _PLAIN_STRING_KEYS:
        return False
    minimum = schema.get("minLength", 0)
    return isinstance(value, str) and isinstance(minimum, int) and len(value) >= minimum


def still_valid(raw: object, rendered: object, schema: Mapping[str, object]) -> bool:
    """True when ``rendered`` (``raw`` with its templates rendered) is known to satisfy ``schema`` without
    checking it again; False when it must be checked."""
    if not isinstance(raw, Mapping) or not isinstance(rendered, Mapping):
        return False
    properties = schema.get("properties")
    if schema.get("type") != "object" or not isinstance(properties, Mapping):
        return False
    for key, value in raw.items():
        if not any(is_template(text) for _, text in iter_strings(value)):
            continue
        if not isinstance(value, str) or not _plain_string(properties.get(key), rendered.get(key)):
            return False
    return True
