"""`scenario validate` and the start of every run: each input error, exit 2, message pinned."""

from __future__ import annotations

import pytest
from support import PROJECT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "name: x\nsteps:\n  - say: [unclosed\n",
            "bad.yaml:4:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)\n"
            "  hint: check indentation, quoting and ':' after keys near this line",
            id="yaml-syntax",
        ),
        pytest.param(
            "name: x\n",
            "bad.yaml:1:1: missing required key 'steps'\n  hint: add 'steps: ...'",
            id="missing-steps",
        ),
        pytest.param(
            "name: x\nstep:\n  - say: hi\n",
            "bad.yaml:2:1: unknown key 'step'\n  hint: did you mean 'steps'? allowed keys: after_cleanup, cleanup, "
            "description, env, name, stack, steps, tags, vars",
            id="unknown-top-level-key",
        ),
        pytest.param(
            "name: x\nsteps:\n  - sign_inn: {client_id: a, user_name: b, password: c}\n",
            "bad.yaml:3:5: unknown action 'sign_inn'\n  hint: did you mean 'sign_in' or 'srp_sign_in' or 'sign_up'? "
            "run `scenario actions` to list the actions",
            id="unknown-action",
        ),
        pytest.param(
            "name: x\nsteps:\n  - sign_in: {client_id: a, user_name: b}\n",
            "bad.yaml:3:14: step 'sign_in': missing required key 'password'\n  hint: add 'password: ...'",
            id="missing-argument",
        ),
        pytest.param(
            "name: x\nsteps:\n  - sign_in:\n      client_id: a\n      user_name: b\n      password: c\n"
            "      clientid: d\n",
            "bad.yaml:7:7: step 'sign_in': unknown key 'clientid'\n  hint: did you mean 'client_id' or "
            "'client_metadata'? allowed keys: client_id, client_metadata, password, user_name, user_pool_id",
            id="unknown-argument",
        ),
        pytest.param(
            "name: x\nsteps:\n  - sign_in: {client_id: a, user_name: b, password: c}\n    expect_eror: X\n",
            "bad.yaml:4:5: unknown key 'expect_eror' in a 'sign_in' step\n  hint: did you mean 'expect_error' or "
            "'expect_gone'? "
            "step keys: one action plus id, title, when, expect_error, allow_error, retry, register, assert, for_each, "
            "timeout, match, only_on",
            id="misspelt-modifier",
        ),
        pytest.param(
            'name: x\nsteps:\n  - say: "{{ stak.UserPoolId }}"\n',
            "bad.yaml:3:10: step 'say': template refers to 'stak', which is not defined\n  hint: did you mean "
            "'stack'? available: stack, vars, answers, steps, env, target, run_id, outbox_code(), jwt_claims(), now(), "
            "registered names",
            id="undefined-template-name",
        ),
        pytest.param(
            'name: x\nsteps:\n  - say: "{{ stack.UserPoolId "\n',
            "bad.yaml:3:10: step 'say': template syntax error: unexpected end of template, expected 'end of print "
            "statement'.\n  hint: templates use {{ expression }}; check brackets and quotes",
            id="template-syntax",
        ),
        pytest.param(
            "name: x\nsteps:\n  - list_user_pools: {max_results: many}\n",
            "bad.yaml:3:36: step 'list_user_pools': 'max_results' must be an integer, not a string",
            id="wrong-type",
        ),
        pytest.param(
            "name: x\nsteps:\n  - aws_call: {service: cognito-idp, operation: ListUserPools, params: {MaxResult: 5}}\n",
            "bad.yaml:3:72: step 'aws_call': invalid parameters for cognito-idp ListUserPools: "
            'Missing required parameter in input: "MaxResults" Unknown parameter in input: "MaxResult", '
            "must be one of: NextToken, MaxResults",
            id="generic-call-bad-parameter",
        ),
        pytest.param(
            "name: x\nsteps:\n  - aws_call: {service: cognito-idp, operation: ListUserPoolz}\n",
            "bad.yaml:3:49: step 'aws_call': service 'cognito-idp' has no operation 'ListUserPoolz'",
            id="generic-call-unknown-operation",
        ),
        pytest.param(
            "name: x\nsteps:\n  - sign_up: {client_id: a, user_name: b, password: c}\n"
            "    retry: {on_error: InvalidPasswordException, reprompt: password}\n",
            "bad.yaml:4:59: step 'sign_up': retry.reprompt names 'password', which is not a prompt defined earlier\n"
            "  hint: prompts defined before this step: none yet",
            id="reprompt-unknown-prompt",
        ),
        pytest.param(
            "name: x\nsteps:\n  - say: a\n    id: one\n  - say: b\n    id: one\n",
            "bad.yaml:5:5: step id 'one' is used twice\n  hint: give each step a unique id",
            id="duplicate-step-id",
        ),
        pytest.param(
            'name: x\nsteps:\n  - say: a\n    assert: "result =="\n',
            "bad.yaml:4:13: step 'say': template syntax error: unexpected 'end of print statement'\n"
            "  hint: templates use {{ expression }}; check brackets and quotes",
            id="bad-assert-expression",
        ),
    ],
)
def test_input_errors_name_the_place_and_the_fix(scenario_cli, write, text, expected):
    path = write("bad.yaml", text)
    result = scenario_cli("validate", path)
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: {path.parent}/{expected}\n"
    assert "Traceback" not in result.output


def test_run_refuses_invalid_scenario_before_any_call(scenario_run, write):
    good = write("good.yaml", "name: x\nsteps:\n  - say: hi\n")
    bad = write("bad.yaml", "name: x\nsteps:\n  - sayy: hi\n")
    result = scenario_run(good, bad)
    assert result.exit_code == 2
    assert "unknown action 'sayy'" in result.stderr
    assert "hi" not in result.stdout  # the first file did not run either


def test_shipped_scenarios_validate(scenario_cli):
    files = sorted((PROJECT / "scenarios").glob("*.yaml"))
    assert {f.stem for f in files} >= {"hello", "auto_confirm", "migrate_user", "activity_log"}
    for path in files:
        answers = PROJECT / "scenarios" / "answers" / path.name
        result = scenario_cli("validate", path, "--answers", answers)
        assert result.exit_code == 0, result.output


def test_answers_file_typo_is_caught(scenario_cli, write):
    path = write("s.yaml", "name: x\nsteps:\n  - prompt: {id: username, text: 'Name?'}\n")
    answers = write("a.yaml", "usernme: bob\n")
    result = scenario_cli("validate", path, "--answers", answers)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {answers}:1:1: answer 'usernme' matches no prompt in the scenario\n"
        "  hint: prompt ids in this scenario: remove_resources, username\n"
    )


def test_missing_file(scenario_cli, tmp_path):
    result = scenario_cli("validate", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert result.stderr == f"Error: no such file: {tmp_path / 'nope.yaml'}\n  hint: check the path\n"


def test_unwritable_report_paths_are_refused_before_anything_runs(scenario_run, write, tmp_path):
    scenario = write("s.yaml", "name: x\nsteps:\n  - say: ran\n")
    result = scenario_run(scenario, "--junit", tmp_path / "missing" / "j.xml")
    assert result.exit_code == 2 and "ran" not in result.stdout
    assert result.stderr == (
        f"Error: cannot write the JUnit report to {tmp_path / 'missing' / 'j.xml'}\n"
        "  hint: give a path in an existing, writable folder\n"
    )
    result = scenario_run(scenario, "--transcript", tmp_path / "missing" / "t.jsonl")
    assert result.exit_code == 2 and "ran" not in result.stdout
    assert "cannot write the transcript to" in result.stderr


def test_unreadable_and_non_mapping_files(scenario_cli, write, tmp_path):
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = scenario_cli("validate", binary)
    assert result.exit_code == 2 and result.stderr.startswith(f"Error: {binary}:1:1: not UTF-8 text: byte 0xff")
    result = scenario_cli("validate", write("list.yaml", "- a\n- b\n"))
    assert result.exit_code == 2
    assert "list.yaml:1:1: a scenario file must be a mapping with at least 'name' and 'steps'" in result.stderr
    result = scenario_cli("validate", write("step.yaml", "name: x\nsteps:\n  - say\n"))
    assert result.stderr.endswith(
        "step.yaml:3:5: 'steps.0' must be a mapping, not a string\n"
        "  hint: a step is one action key plus optional modifiers, e.g. `- say: hello`\n"
    )


def test_stack_settings_are_plain_values(scenario_cli, write):
    path = write("s.yaml", 'name: x\nstack:\n  name: "{{ env.STACK }}"\nenv: [STACK]\nsteps:\n  - say: hi\n')
    result = scenario_cli("validate", path)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {path}:3:9: the stack settings cannot use templates\n"
        "  hint: write the name as it is, or choose the stack on the command line with --stack NAME\n"
    )


def test_env_and_stack_references_must_be_declared(scenario_cli, write):
    env = write("env.yaml", "name: x\nenv: [HOME]\nsteps:\n  - say: \"{{ env.HOME }} {{ env['USER'] }}\"\n")
    result = scenario_cli("validate", env)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {env}:4:10: step 'say': template reads env.USER, which the scenario does not declare\n"
        "  hint: add USER to the scenario's `env:` list (only listed variables are visible)\n"
    )
    stack = write("stack.yaml", 'name: x\nstack: {outputs: [UserPoolId]}\nsteps:\n  - say: "{{ stack.UserPoolID }}"\n')
    result = scenario_cli("validate", stack)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {stack}:4:10: step 'say': template reads stack.UserPoolID, which is not in the scenario's stack "
        "outputs\n  hint: did you mean 'UserPoolId'? add it to `stack.outputs` if the stack has it\n"
    )
