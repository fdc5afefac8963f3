"""``engine.api.run_scenario`` goes the same way as ``scenario-run``: the same checks, masking and outcome."""

from __future__ import annotations

import pytest

from engine.api import run_scenario

GREETS = """\
name: greets
steps:
  - prompt: {id: who, text: "Who?"}
  - prompt: {id: token, text: "Token?"}
  - say: "hello {{ answers.who }}, your token is {{ answers.token }}"
"""


pytestmark = pytest.mark.usefixtures("own_backend")


def test_answers_given_as_a_mapping_are_secret_when_they_say_so(write):
    scenario = write("s.yaml", GREETS)
    result = run_scenario(scenario, answers={"who": "carol", "token": {"value": "tok-4f9a2c", "secret": True}})
    assert result.passed, result.report()
    assert "hello carol, your token is ********" in result.transcript
    assert not any("tok-4f9a2c" in line for line in result.transcript)


def test_a_bad_answer_in_a_mapping_is_bad_input_named_like_in_a_file(write):
    scenario = write("s.yaml", GREETS)
    result = run_scenario(scenario, answers={"who": {"nope": 1}, "token": "t"})
    assert (result.exit_code, result.records) == (2, ())
    assert result.error is not None
    assert result.error.render() == (
        "<answers>: answer 'who' must be a value, a list, or {value: ..., secret: true}\n"
        "  hint: for example: password: {value: S3cret!, secret: true}"
    )


def test_an_answer_for_no_prompt_is_refused_as_on_the_command_line(scenario_run, write):
    scenario = write("s.yaml", GREETS)
    answers = write("answers.yaml", "who: carol\ntoken: t\ncolour: blue\n")
    result = run_scenario(scenario, answers={"who": "carol", "token": "t", "colour": "blue"})
    cli = scenario_run(scenario, "--answers", answers)
    assert (result.exit_code, cli.exit_code) == (2, 2)
    assert result.error is not None
    assert result.error.message == "answer 'colour' matches no prompt in the scenario"
    assert f"Error: {answers}:3:1: answer 'colour' matches no prompt in the scenario" in cli.stderr
