"""Template helpers (JWT claims, JSON, base64, time, run_id), say with any value, and after_cleanup."""

from __future__ import annotations

import base64
import json
import re

import pytest

from engine.errors import TemplateError
from engine.template.budget import BudgetExceeded
from engine.template.render import evaluate, render_string


def token(claims: dict[str, object]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiJ9.{payload}.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ jwt_claims(t)['cognito:groups'] }}", ["editors"]),
        ("{{ (t | jwt_claims).sub }}", "abc"),
        ("{{ [1, 'a'] | to_json }}", '[1,"a"]'),
        ("{{ {'a': 1} | to_json(2) }}", '{\n  "a": 1\n}'),
        ("{{ ('{\"a\": [1, 2]}' | from_json).a }}", [1, 2]),
        ("{{ 'héllo' | b64encode }}", "aMOpbGxv"),
        ("{{ 'aMOpbGxv' | b64decode }}", "héllo"),
        ("{{ 'aGk' | b64decode }}", "hi"),  # padding optional
    ],
)
def test_helpers(text, expected):
    assert render_string(text, {"t": token({"sub": "abc", "cognito:groups": ["editors"]})}) == expected


def test_now_is_iso_8601_utc():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", render_string("{{ now() }}", {}))
    assert evaluate("now() > '2020-01-01'", {}) is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ jwt_claims('not-a-token') }}", "jwt_claims() needs a JSON Web Token"),
        ("{{ jwt_claims('a.!!!.c') }}", "jwt_claims(): the token's payload is not base64url JSON"),
        ("{{ '{oops' | from_json }}", "from_json: not valid JSON"),
        ("{{ '%%%' | b64decode }}", "b64decode: not valid base64"),
    ],
)
def test_helpers_say_what_they_could_not_read(text, message):
    with pytest.raises(TemplateError, match=re.escape(message)):
        render_string(text, {})


def test_helpers_stay_inside_the_budget():
    with pytest.raises(BudgetExceeded, match="the result of b64encode"):
        render_string("{{ ('x' * 900000) | b64encode }}", {})
    with pytest.raises(TemplateError, match="from_json: not valid JSON"):
        render_string("{{ ('[' * 100000) | from_json }}", {})  # nesting too deep is refused, not a crash


def test_say_prints_any_value_and_run_id_is_one_per_run(scenario_run, write):
    scenario = write(
        "say.yaml",
        """\
        name: say
        vars:
          names: [ann, bob]
        steps:
          - say: "{{ vars.names }}"
          - say: "{{ 3 }}"
          - say: {text: "{{ vars.names | length > 1 }}"}
          - say: "id {{ run_id }} {{ run_id }}"
        """,
    )
    first = scenario_run(scenario)
    assert first.exit_code == 0, first.output
    assert "['ann', 'bob']\n3\nTrue\n" in first.stdout
    ids = re.findall(r"id (\w+) (\w+)", first.stdout)[0]
    assert ids[0] == ids[1] and len(ids[0]) == 8
    second = scenario_run(scenario)
    assert re.findall(r"id (\w+) ", second.stdout)[0] != ids[0]


AFTER = """\
name: after
steps:
  - id: pool
    aws_call:
      service: cognito-idp
      operation: CreateUserPool
      params: {PoolName: after}
      undo: {operation: DeleteUserPool, params: {UserPoolId: "{{ result.UserPool.Id }}"}}
after_cleanup:
  - id: pool_is_gone
    aws_call:
      service: cognito-idp
      operation: DescribeUserPool
      params: {UserPoolId: "{{ steps.pool.result.UserPool.Id }}"}
    expect_error: ResourceNotFoundException
"""


def test_after_cleanup_sees_the_state_the_cleanup_left(scenario_run, write):
    result = scenario_run(write("after.yaml", AFTER))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("[undo] pool (undo)  cognito-idp DeleteUserPool UserPoolId=") < out.index(
        "[ok] pool_is_gone (aws_call)  ResourceNotFoundException (expected)"
    )


def test_a_failed_after_cleanup_check_fails_the_run(scenario_run, write):
    scenario = write(
        "after.yaml",
        AFTER.replace("      undo: {operation", "      no_undo: {operation").replace(
            '      no_undo: {operation: DeleteUserPool, params: {UserPoolId: "{{ result.UserPool.Id }}"}}\n', ""
        ),
    )
    result = scenario_run(scenario)
    assert result.exit_code == 1
    assert "step 'pool_is_gone': expected ResourceNotFoundException, but aws_call succeeded" in result.stderr


def test_after_cleanup_is_skipped_when_resources_are_kept(scenario_run, write):
    result = scenario_run(write("after.yaml", AFTER), "--answer", "remove_resources=no")
    assert result.exit_code == 0, result.output
    assert "[skipped] after_cleanup (after_cleanup)  resources were kept: nothing to check" in result.stdout
    assert "pool_is_gone" not in result.stdout


def test_regular_expression_tests(scenario_run, write):
    scenario = write(
        "re.yaml",
        """\
        name: re
        vars:
          names: [ann, bob, a1]
        steps:
          - check:
              - "'123456' is matches('[0-9]{6}')"
              - "'x123456' is not matches('[0-9]{6}')"
              - "'Password must have uppercase characters' is search('uppercase')"
              - "vars.names | select('search', '^a') | list == ['ann', 'a1']"
              - "vars.names | reject('matches', '[a-z]+') | list == ['a1']"
        """,
    )
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("'aaaa' is matches('(a+)+b')", "a repeated group that repeats inside (like `(a+)+`) can take forever"),
        ("'a' is search('(')", "not a valid regular expression (missing ), unterminated subpattern at position 0)"),
        ("'a' is search(3)", "needs a regular expression as a string, not int"),
        ("['a'] is search('a')", "tests a string, not list"),
    ],
)
def test_a_bad_regular_expression_fails_its_step_with_the_reason(scenario_run, write, expression, message):
    scenario = write("re.yaml", f'name: re\nsteps:\n  - check: "{expression}"\n')
    result = scenario_run(scenario)
    assert result.exit_code == 2  # a template error, like from_json's
    assert f"{scenario}:3:5: step 'check'" in result.stderr
    assert message in result.stderr
