"""The run plan: a scenario parsed once into typed, normalised, frozen values with locations."""

from __future__ import annotations

import dataclasses

import pytest

from engine.plan.model import CLEANUP_PROMPT_ID, DEFAULT_CLEANUP_QUESTION
from engine.plan.planner import load_scenario
from engine.plan.registry import load_registry
from engine.run.retry import DEFAULT_ATTEMPTS

SCENARIO = """\
name: planned
steps:
  - prompt: {id: password, text: "Password?", type: password}
  - id: sign
    sign_in: {client_id: "{{ vars.c }}", user_name: u, password: "{{ answers.password }}"}
    expect_error: NotAuthorizedException
    allow_error: [UserNotFoundException, TooManyRequestsException]
    retry: {on_error: InvalidPasswordException, reprompt: password}
    when: target != 'aws'
    assert: ["error.code != ''", "result is none"]
    register: signed
    timeout: 2.5
  - say: one
  - say: two
cleanup:
  ask: false
  steps:
    - say: bye
vars:
  c: abc
env: [HOME]
"""


def _plan(write, text: str = SCENARIO):
    return load_scenario(write("s.yaml", text), load_registry())


def test_modifiers_are_normalised_once(write):
    plan = _plan(write)
    prompt, sign, say, say_2 = plan.steps
    assert (prompt.id, sign.id, say.id, say_2.id) == ("password", "sign", "say", "say_2")
    assert sign.expect_errors == frozenset({"NotAuthorizedException"})
    assert sign.allow_errors == frozenset({"UserNotFoundException", "TooManyRequestsException"})
    assert sign.retry.on_error == frozenset({"InvalidPasswordException"})
    assert sign.retry.attempts == DEFAULT_ATTEMPTS
    assert sign.retry.reprompt == ("password",)
    assert sign.register == "signed" and sign.timeout == 2.5
    assert sign.when is not None and sign.when.source == "target != 'aws'"
    assert [str(a) for a in sign.asserts] == ["error.code != ''", "result is none"]
    assert sign.templated and not say.templated
    assert say.retry.attempts == 1 and say.expect_errors == frozenset() and say.timeout is None


def test_every_value_that_can_fail_later_knows_where_it_is(write):
    plan = _plan(write)
    sign = plan.steps[1]
    file = str(plan.path)
    assert str(sign.location) == f"{file}:4:5"
    assert str(sign.when.location) == f"{file}:9:11"
    assert [str(a.location) for a in sign.asserts] == [f"{file}:10:14", f"{file}:10:34"]
    assert str(sign.arg_location(("password",))) == f"{file}:5:66"
    assert str(sign.arg_location(("no_such_argument",))) == f"{file}:5:14"  # the nearest: the arguments
    assert str(plan.vars[0].location) == f"{file}:20:6"
    assert str(plan.env_location) == f"{file}:21:6"


def test_the_plan_is_frozen_and_complete(write):
    plan = _plan(write)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.steps[0].id = "other"  # type: ignore[misc]
    assert plan.cleanup_question is None and [s.id for s in plan.cleanup_steps] == ["say_3"]
    assert plan.prompt_ids == frozenset({"password"})  # no cleanup question: no remove_resources
    assert [(v.name, v.value) for v in plan.vars] == [("c", "abc")]
    assert plan.env == ("HOME",)


def test_cleanup_question_defaults_and_counts_as_a_prompt(write):
    plan = _plan(write, "name: x\nsteps:\n  - say: hi\n")
    assert plan.cleanup_question == DEFAULT_CLEANUP_QUESTION
    assert CLEANUP_PROMPT_ID in plan.prompt_ids


def test_generated_ids_skip_ids_taken_explicitly(write):
    text = "name: x\nsteps:\n  - say: a\n    id: say_2\n  - say: b\n  - say: c\n  - say: d\n"
    assert [s.id for s in _plan(write, text).steps] == ["say_2", "say", "say_3", "say_4"]


def test_actions_name_their_prompt_steps_through_the_contract(write):
    plan = _plan(write, "name: x\nsteps:\n  - prompt: {id: who, text: Who?}\n  - pause: Press Enter\n")
    assert [s.id for s in plan.steps] == ["who", "pause"]
    assert {"who", "pause"} <= plan.prompt_ids
