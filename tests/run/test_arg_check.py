"""``still_valid``: the schema pass after rendering is skipped only when the verdict is certain.

Each case is checked against jsonschema itself: whenever ``still_valid`` says True, the rendered value
really is valid; the False cases are the ones it must leave to the full check.
"""

from __future__ import annotations

import jsonschema
import pytest

from engine.plan.registry import load_registry
from engine.run.arg_check import still_valid

ACTIONS = load_registry()


def schema_of(name):
    return ACTIONS[name].schema


SURE = [
    # say: a whole-string template, rendered to a string, a number, a list or null (oneOf's first branch).
    ("say", "Hello {{ answers.name }}", "Hello Ana"),
    ("say", "{{ vars.count }}", 3),
    ("say", "{{ vars.items }}", [1, 2]),
    ("say", "{{ none }}", None),
    ("say", "{{ vars.flag }}", True),
    ("say", "{{ vars.ratio }}", 0.5),
    # plain string arguments
    (
        "sign_in",
        {"client_id": "{{ c }}", "user_name": "u", "password": "{{ p }}"},
        {"client_id": "c1", "user_name": "u", "password": "pw"},
    ),
    # a property with no constraint at all (prompt's default)
    (
        "prompt",
        {"id": "code", "text": "Code:", "default": "{{ outbox_code('u') }}"},
        {"id": "code", "text": "Code:", "default": None},
    ),
    # check: oneOf string (minLength 1) / array
    ("check", "{{ vars.expression }}", "answers.x == 1"),
]

UNSURE = [
    # a boolean where a string is wanted (a boolean is no string, and no number either).
    (
        "sign_in",
        {"client_id": "{{ c }}", "user_name": "u", "password": "p"},
        {"client_id": True, "user_name": "u", "password": "p"},
    ),
    # say rendered to an object: oneOf's object branch has rules of its own.
    ("say", "{{ vars.obj }}", {"text": "hi"}),
    # a rendered empty string where minLength is 1: invalid, must be reported.
    (
        "sign_in",
        {"client_id": "{{ c }}", "user_name": "u", "password": "p"},
        {"client_id": "", "user_name": "u", "password": "p"},
    ),
    # a rendered number where a string is wanted.
    (
        "sign_in",
        {"client_id": "{{ c }}", "user_name": "u", "password": "p"},
        {"client_id": 7, "user_name": "u", "password": "p"},
    ),
    # a pattern (prompt id) is never read off cheaply.
    ("prompt", {"id": "{{ vars.id }}", "text": "Code:"}, {"id": "ok_id", "text": "Code:"}),
    # an enum, likewise.
    ("prompt", {"id": "x", "text": "T", "type": "{{ vars.kind }}"}, {"id": "x", "text": "T", "type": "text"}),
    # a bound on a number (sleep: 0..600).
    ("sleep", "{{ vars.seconds }}", 5),
    # a template inside a nested value.
    (
        "sign_in",
        {"client_id": "c", "user_name": "u", "password": "p", "client_metadata": {"k": "{{ v }}"}},
        {"client_id": "c", "user_name": "u", "password": "p", "client_metadata": {"k": "v"}},
    ),
    # check: an empty string fails both branches.
    ("check", "{{ vars.expression }}", ""),
]


@pytest.mark.parametrize(("action", "raw", "rendered"), SURE)
def test_certain_verdicts_skip_the_check_and_are_right(action, raw, rendered):
    schema = schema_of(action)
    assert still_valid(raw, rendered, schema)
    jsonschema.validate(rendered, schema)  # what was skipped would have passed


@pytest.mark.parametrize(("action", "raw", "rendered"), UNSURE)
def test_anything_else_is_left_to_the_full_check(action, raw, rendered):
    assert not still_valid(raw, rendered, schema_of(action))


def test_an_object_rule_that_could_look_at_values_is_never_skipped():
    schema = {
        "type": "object",
        "properties": {"kind": {"type": "string"}, "size": {"type": "string"}},
        "if": {"properties": {"kind": {"const": "big"}}},
        "then": {"required": ["size"]},
    }
    assert not still_valid({"kind": "{{ k }}"}, {"kind": "big"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"kind": "big"}, schema)
