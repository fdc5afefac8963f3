"""Templating keeps native types, never re-parses strings, and leaves Cognito's {####} alone."""

from __future__ import annotations

import pytest

from engine.errors import TemplateError
from engine.template.render import evaluate, render, render_string


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ [] }}", []),
        ("{{ 5 }}", 5),
        ("{{ names }}", ["a", "b"]),
        ("{{ code }}", "012345"),
        ("{{ number_text }}", "123456"),
        ("x{{ 5 }}y", "x5y"),
        ("Your code is {####}", "Your code is {####}"),
        ("{{ user }}: {####}", "bob: {####}"),
        ("plain", "plain"),
    ],
)
def test_render_keeps_types(text, expected):
    context = {"names": ["a", "b"], "code": "012345", "number_text": "123456", "user": "bob"}
    assert render_string(text, context) == expected


def test_render_walks_mappings_and_lists():
    assert render({"a": ["{{ x }}", {"b": "{{ x + 1 }}"}]}, {"x": 1}) == {"a": [1, {"b": 2}]}


def test_sandbox_and_strictness():
    with pytest.raises(TemplateError, match="undefined value in template: 'missing' is undefined"):
        render_string("{{ missing }}", {})
    with pytest.raises(TemplateError, match="not allowed"):
        render_string("{{ ''.__class__.__mro__ }}", {})
    assert evaluate("x > 1 and y", {"x": 2, "y": True}) is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ stack.PoolId }}", "us-east-1_abc"),
        ("{{stack.Nested.Count}}", 3),
        ("{{ stack.Nested }}", {"Count": 3, "items": [1]}),
        # Jinja reads ``a.items`` as dict.items, not the key: a plain lookup must give the same.
        ("{{ stack.Nested.items }}", None),
    ],
)
def test_a_plain_reference_renders_as_jinja_does(text, expected):
    from engine.template.render import _compiled

    context = {"stack": {"PoolId": "us-east-1_abc", "Nested": {"Count": 3, "items": [1]}}}
    jinja = _compiled(text).render(context)
    got = render_string(text, context)
    if expected is None:
        assert callable(got) and callable(jinja)
    else:
        assert got == jinja == expected


def test_a_plain_reference_to_a_missing_name_fails_as_before():
    with pytest.raises(TemplateError, match="undefined value in template: 'dict object' has no attribute 'Missing'"):
        render_string("{{ stack.Missing }}", {"stack": {"PoolId": "x"}})
    with pytest.raises(TemplateError, match="undefined value in template: 'nothing' is undefined"):
        render_string("{{ nothing }}", {"stack": {}})


_CONTEXT = {
    "stack": {"PoolId": "us-east-1_abc", "Nested": {"Count": 3, "items": [1]}, "Flag": True, "Empty": None},
    "answers": {"username": "ada", "send_code": False, "n": 7},
    "none": "shadowed",
    "true": 0,
}


@pytest.mark.parametrize(
    "text",
    [
        "Adding user '{{ answers.username }}' to {{ stack.PoolId }}...",
        "{{ answers.username }}{{ answers.n }}",
        "{{ answers.n }}{{ answers.n }}",  # joined as text: "77", never the number
        "count {{ stack.Nested.Count }}, flag {{ stack.Flag }}, empty {{ stack.Empty }}",
        "nested {{ stack.Nested }} and {{ stack.Nested.items }}",  # dict.items, as Jinja reads it
        "line one {{ answers.username }}\nline two\n",
        "{{ none }} and {{ true }}",  # Jinja's literals, whatever the context holds
        "code {####} for {{ answers.username }}",
        "}} stray {{ answers.username }}",
        "{{ answers.username }} {{ answers.username | upper }}",  # a filter: Jinja's to render
    ],
)
def test_text_with_plain_references_renders_as_jinja_does(text):
    from engine.template.render import _compiled

    assert render_string(text, _CONTEXT) == _compiled(text).render(_CONTEXT)


@pytest.mark.parametrize(
    "expression",
    ["answers.send_code", "stack.Flag", " stack.Nested.Count ", "stack.Nested.items", "none", "true", "answers"],
)
def test_a_bare_reference_evaluates_as_jinja_does(expression):
    from engine.template.render import _compiled_expression

    got, jinja = evaluate(expression, _CONTEXT), _compiled_expression(expression)(**_CONTEXT)
    assert got == jinja or (callable(got) and callable(jinja))


def test_a_missing_name_in_text_or_a_bare_expression_fails_as_before():
    with pytest.raises(TemplateError, match="undefined value in template: 'dict object' has no attribute 'nope'"):
        render_string("hello {{ answers.nope }}!", _CONTEXT)
    with pytest.raises(TemplateError, match="'dict object' has no attribute 'nope'"):
        evaluate("answers.nope", _CONTEXT)


def test_text_with_references_is_held_to_the_output_budget():
    from engine.template import budget

    big = {"a": "x" * (budget.MAX_SIZE // 2 + 1)}
    with pytest.raises(budget.BudgetExceeded):
        render_string("{{ a }} and {{ a }}", big)
