"""Expressions read without Jinja give what Jinja gives, and whatever the reader is unsure of is left to Jinja."""

from __future__ import annotations

import pytest

from engine.errors import TemplateError
from engine.template.reads import NOT_PLAIN, expression_reader
from engine.template.render import ENV, _compiled_expression, evaluate

CONTEXT = {
    "steps": {
        "sign_in": {"status": "ok", "result": {"AccessToken": "eyJraWQiOiJhYmMifQ.payload.signature", "n": 3}},
        "skipped": {"status": "skipped", "result": None},
    },
    "answers": {"send_code": True, "username": "alice", "count": 2, "items": "not dict.items"},
    "result": {"UserStatus": "RESET_REQUIRED", "attributes": {"email_verified": "true"}, "list": [1, 2, 3]},
    "target": "local",
    "names": ["a", "b"],
    "empty": [],
}

EXPRESSIONS = [
    "answers.send_code",
    "not answers.send_code",
    "'sign_in' in steps and steps.sign_in.status == 'ok'",
    "'missing' in steps and steps.missing.status == 'ok'",
    "'missing' not in steps or steps.missing.status == 'ok'",
    "result.UserStatus == 'RESET_REQUIRED' and result.attributes.email_verified == 'true'",
    "steps['sign_in'].result.n > 2",
    "1 < steps.sign_in.result.n <= 3",
    "3 < steps.sign_in.result.n < 1",
    "steps.sign_in.result.AccessToken[:10]",
    "steps.sign_in.result.AccessToken[-9:]",
    "result.list[0] + 0 if result.list else 0",
    "result.list[-1]",
    "names[1] == 'b'",
    "target != 'aws'",
    "target in ['local', 'serve']",
    "target in ('aws',)",
    "'yes' if answers.send_code else 'no'",
    "answers.count >= 2 and answers.username",
    "empty or names",
    "steps.skipped.result",
    "true and none",
    "answers.items",  # a key shadowed by dict.items: Jinja reads the method
    "answers.username|upper",
    "answers.username is defined",
    "names|length > 1",
]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_a_read_gives_what_jinja_gives(expression):
    jinja = _compiled_expression(expression)(**CONTEXT)
    reader = expression_reader(expression, ENV)
    read = NOT_PLAIN if reader is None else reader(CONTEXT)
    if read is not NOT_PLAIN:
        assert read == jinja and type(read) is type(jinja)
    assert evaluate(expression, CONTEXT) == jinja


@pytest.mark.parametrize(
    ("expression", "readable"),
    [
        ("answers.send_code", True),
        ("'sign_in' in steps and steps.sign_in.status == 'ok'", True),
        ("steps.sign_in.result.AccessToken[:10]", True),
        ("answers.items", False),  # an attribute of dict shadows the key
        ("answers.username|upper", False),  # filters, tests and calls are Jinja's
        ("answers.username is defined", False),
        ("now()", False),
        ("steps.missing.status", False),  # not there: Jinja says so
        ("answers.username < 1", False),  # a comparison that raises: Jinja raises it
    ],
)
def test_what_is_read_and_what_is_left_to_jinja(expression, readable):
    reader = expression_reader(expression, ENV)
    assert (reader is not None and reader(CONTEXT) is not NOT_PLAIN) is readable


def test_what_is_left_to_jinja_fails_as_jinja_fails():
    with pytest.raises(TemplateError, match="'dict object' has no attribute 'missing'"):
        evaluate("steps.missing.status == 'ok'", CONTEXT)
    with pytest.raises(TemplateError, match="not supported between instances of 'str' and 'int'"):
        evaluate("answers.username < 1", CONTEXT)
    with pytest.raises(TemplateError, match="expression syntax error"):
        evaluate("answers.username ==", CONTEXT)


def test_a_name_a_template_gives_its_own_meaning_is_left_to_jinja():
    assert expression_reader("self", ENV) is None
    assert expression_reader("loop.index", ENV) is None


TEXTS = [
    "{{ steps.sign_in.result.AccessToken[:10] }}",
    "Your access token starts with: {{ steps.sign_in.result.AccessToken[:10] }}...",
    "{{ answers.username }} has {{ answers.count }} and {{ 'yes' if answers.send_code else 'no' }}",
    "{{ result.list }} then {{ none }} then {{ answers.count > 1 }}",
    "{{ result.list }}",
    "{{ answers.items }}",  # dict.items: Jinja's
    "{{- answers.username }} trimmed",
    "{{ answers.username -}} trimmed",
    "{{ {'a': 1} }} is Jinja's",
    "{{ answers.username | upper }}",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_text_of_reads_renders_as_jinja_does(text):
    from engine.template.render import _compiled, render_string

    assert render_string(text, CONTEXT) == _compiled(text).render(CONTEXT)


def test_what_jinja_renders_sees_the_names_it_mentions_and_fails_as_before():
    from engine.template.render import render_string

    context = {**CONTEXT, "logs": {"messages": ["one", "two"]}}
    text = "{% for m in logs.messages %}[{{ m }}]{% endfor %} {{ target }}"
    assert render_string(text, context) == "[one][two] local"
    with pytest.raises(TemplateError, match="'other' is undefined") as caught:
        render_string("{% for m in logs.messages %}{{ other }}{% endfor %}", context)
    assert "names available here: answers, empty, logs" in str(caught.value.hint)
    with pytest.raises(TemplateError, match="not allowed"):
        render_string("{% for m in logs.messages %}{{ m.__class__ }}{% endfor %}", context)
