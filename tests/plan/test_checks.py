"""`scenario validate`'s checks beyond the schema: each one exit 2 at file:line:col, messages pinned."""

from __future__ import annotations

import pytest

CHALLENGE = """\
name: challenge
steps:
  - prompt: {id: code, text: "Code?"}
  - id: start
    aws_call:
      service: cognito-idp
      operation: InitiateAuth
      params: {AuthFlow: CUSTOM_AUTH, ClientId: "{{ vars.client }}", AuthParameters: {USERNAME: bob}}
  - id: answer
    aws_call:
      service: cognito-idp
      operation: RespondToAuthChallenge
      params:
        ClientId: "{{ vars.client }}"
        ChallengeName: "{{ steps.start.result.ChallengeName }}"
        Session: "{{ steps.start.result.Session }}"
        ChallengeResponses: "{{ {'USERNAME': 'bob', 'ANSWER': answers.code} }}"
    expect_error: [CodeMismatchException, ThrottlingException, StepTimeout]
vars:
  client: abc
"""


def test_templated_values_are_checked_by_where_they_sit_not_their_constraints(scenario_cli, write):
    path = write("flow.yaml", CHALLENGE)
    result = scenario_cli("validate", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: ok (3 steps, 0 cleanup steps)\n"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(
            "{ClientId: abc, ChallengeName: SMS_MFA, Session: short}",
            "4:130: step 'aws_call': invalid parameters for cognito-idp RespondToAuthChallenge: Invalid length for "
            "parameter Session, value: 5, valid min length: 20",
            id="constant-min-length",
        ),
        pytest.param(
            "{ClientId: abc, ChallengeName: SMS_MFAA}",
            "4:112: step 'aws_call': invalid parameters for cognito-idp RespondToAuthChallenge: Invalid value for "
            "parameter ChallengeName, value: 'SMS_MFAA', valid values: SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, "
            "SELECT_MFA_TYPE, MFA_SETUP, PASSWORD_VERIFIER, CUSTOM_CHALLENGE, SELECT_CHALLENGE, DEVICE_SRP_AUTH, "
            "DEVICE_PASSWORD_VERIFIER, ADMIN_NO_SRP_AUTH, NEW_PASSWORD_REQUIRED, SMS_OTP, PASSWORD, WEB_AUTHN, "
            "PASSWORD_SRP (did you mean 'SMS_MFA'?)",
            id="constant-enum",
        ),
        pytest.param(
            '{ClientId: "{{ vars.c }}", ChallengeName: SMS_MFA, Session: [a]}',
            "4:141: step 'aws_call': invalid parameters for cognito-idp RespondToAuthChallenge: Invalid type for "
            "parameter Session, value: ['a'], type: <class 'list'>, valid types: <class 'str'>",
            id="constant-wrong-type-next-to-a-template",
        ),
    ],
)
def test_constant_parameters_meet_every_constraint(scenario_cli, write, params, expected):
    text = (
        "name: x\nvars: {c: abc}\nsteps:\n"
        f"  - aws_call: {{service: cognito-idp, operation: RespondToAuthChallenge, params: {params}}}\n"
    )
    path = write("bad.yaml", text)
    result = scenario_cli("validate", path)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}:{expected}\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            'steps:\n  - say: "{{ answers | lenght }}"\n',
            "3:10: step 'say': template uses the filter 'lenght', which does not exist\n"
            "  hint: did you mean 'length'? the filters are Jinja's built-in filters and "
            "b64decode, b64encode, from_json, jwt_claims, to_json",
            id="unknown-filter",
        ),
        pytest.param(
            "steps:\n  - check: \"target is sameas_ 'aws'\"\n",
            "3:12: step 'check': template uses the test 'sameas_', which does not exist\n"
            "  hint: did you mean 'sameas'? the tests are Jinja's built-in tests and matches, search",
            id="unknown-test-in-check",
        ),
        pytest.param(
            "steps:\n  - check: \"['a'] | select('serch', 'a') | list\"\n",
            "3:12: step 'check': template uses the test 'serch', which does not exist\n"
            "  hint: did you mean 'search'? the tests are Jinja's built-in tests and matches, search",
            id="unknown-test-named-by-select",
        ),
        pytest.param(
            "steps:\n  - check: \"[{'a': 1}] | selectattr('a', 'eqq', 1) | list\"\n",
            "3:12: step 'check': template uses the test 'eqq', which does not exist\n"
            "  hint: did you mean 'eq'? the tests are Jinja's built-in tests and matches, search",
            id="unknown-test-named-by-selectattr",
        ),
        pytest.param(
            "steps:\n  - check: \"['a'] | map('uper') | list\"\n",
            "3:12: step 'check': template uses the filter 'uper', which does not exist\n"
            "  hint: did you mean 'upper'? the filters are Jinja's built-in filters and "
            "b64decode, b64encode, from_json, jwt_claims, to_json",
            id="unknown-filter-named-by-map",
        ),
        pytest.param(
            'steps:\n  - id: sign_in\n    say: a\n  - say: "{{ steps.sign_inn.result }}"\n',
            "5:10: step 'say': template reads steps.sign_inn, but no step has the id 'sign_inn'\n"
            "  hint: did you mean 'sign_in'? steps.<id> is the outcome of the step with that id",
            id="unknown-step",
        ),
        pytest.param(
            'steps:\n  - prompt: {id: username, text: "Name?"}\n  - say: "{{ answers.usrname }}"\n',
            "4:10: step 'say': template reads answers.usrname, but no prompt has the id 'usrname'\n"
            "  hint: did you mean 'username'? answers.<id> is the reply to the prompt with that id",
            id="unknown-prompt",
        ),
        pytest.param(
            'vars: {client_id: a}\nsteps:\n  - set_vars: {pool: b}\n  - say: "{{ vars.client }}"\n',
            "5:10: step 'say': template reads vars.client, which is not set anywhere in the scenario\n"
            "  hint: did you mean 'client_id'? vars.<name> comes from `vars:` or a set_vars step",
            id="unknown-var",
        ),
        pytest.param(
            "steps:\n  - id: get\n    say: a\n",
            "3:5: step id 'get' hides the mapping method steps.get\n"
            "  hint: templates read steps.get as the method, so steps.get.… fails at run time; choose another "
            "name, e.g. 'get_1'",
            id="id-hides-dict-method",
        ),
        pytest.param(
            "steps:\n  - set_vars: {items: [1]}\n",
            "3:16: step 'set_vars': variable 'items' hides the mapping method vars.items\n"
            "  hint: templates read vars.items as the method, so vars.items.… fails at run time; choose another "
            "name, e.g. 'items_1'",
            id="variable-hides-dict-method",
        ),
        pytest.param(
            "steps:\n  - sign_in: {client_id: a, user_name: b, password: c}\n"
            "    expect_error: NotAuthorisedException\n",
            "4:19: step 'sign_in': expect_error 'NotAuthorisedException' is not an error sign_in can give\n"
            "  hint: did you mean 'NotAuthorizedException' or 'UserNotConfirmedException' or "
            "'UserNotFoundException'? the codes are the errors botocore's model lists for the AWS calls sign_in "
            "makes, the common AWS errors and the engine's own",
            id="misspelt-expect-error",
        ),
        pytest.param(
            "steps:\n  - aws_call: {service: cognito-idp, operation: CreateGroup, params: {UserPoolId: p, "
            "GroupName: g}}\n    expect_error: [GroupExistsException, UsernameExistsException]\n",
            "4:42: step 'aws_call': expect_error 'UsernameExistsException' is not an error aws_call can give\n"
            "  hint: did you mean 'GroupExistsException' or 'InternalErrorException'? the codes are the errors "
            "botocore's model lists for the AWS calls aws_call makes, the common AWS errors and the engine's own",
            id="expect-error-the-operation-cannot-give",
        ),
    ],
)
def test_checks_name_the_place_and_the_fix(scenario_cli, write, text, expected):
    path = write("bad.yaml", "name: x\n" + text)
    result = scenario_cli("validate", path)
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: {path}:{expected}\n"
    assert "Traceback" not in result.output


def test_forward_references_and_guards_are_fine(scenario_cli, write):
    path = write(
        "ok.yaml",
        """\
        name: x
        steps:
          - say: "{{ steps.later.status if 'later' in steps else 'not yet' }}"
            when: "steps.get('later') is none"
          - id: later
            say: b
            expect_error: [AssertionFailed, InjectedFault]
        cleanup:
          steps:
            - say: "{{ steps.later.status }}"
        """,
    )
    result = scenario_cli("validate", path)
    assert result.exit_code == 0, result.output


def test_three_errors_in_one_flow_are_all_reported(scenario_cli, write):
    path = write(
        "three.yaml",
        """\
        name: x
        steps:
          - say: "{{ target | uper }}"
          - check: "steps.sey.status == 'ok'"
          - sign_in: {client_id: a, user_name: b, password: c}
            expect_error: UserNotFound
        """,
    )
    good = write("good.yaml", "name: y\nsteps:\n  - say: hi\n")
    other = write("other.yaml", "name: z\nsteps:\n  - sayy: hi\n")
    result = scenario_cli("validate", path, good, other)
    assert result.exit_code == 2
    assert result.stdout == f"{good}: ok (1 steps, 0 cleanup steps)\n"
    assert result.stderr == (
        f"Error: {path}:3:10: step 'say': template uses the filter 'uper', which does not exist\n"
        "  hint: did you mean 'upper'? the filters are Jinja's built-in filters and "
        "b64decode, b64encode, from_json, jwt_claims, to_json\n"
        f"Error: {path}:4:12: step 'check': template reads steps.sey, but no step has the id 'sey'\n"
        "  hint: did you mean 'say'? steps.<id> is the outcome of the step with that id\n"
        f"Error: {path}:6:19: step 'sign_in': expect_error 'UserNotFound' is not an error sign_in can give\n"
        "  hint: did you mean 'UserNotFoundException'? the codes are the errors botocore's model lists for the "
        "AWS calls sign_in makes, the common AWS errors and the engine's own\n"
        f"Error: {other}:3:5: unknown action 'sayy'\n"
        "  hint: did you mean 'say'? run `scenario actions` to list the actions\n"
        "4 errors in 2 of 3 files\n"
    )


def test_run_refuses_with_every_error_before_anything_runs(scenario_run, write):
    path = write("two.yaml", 'name: x\nsteps:\n  - say: ran\n  - say: "{{ 1 | nope }}"\n  - say: "{{ vars.v }}"\n')
    result = scenario_run(path)
    assert result.exit_code == 2
    assert "ran" not in result.stdout
    assert result.stderr.count("Error: ") == 2
    assert "'nope', which does not exist" in result.stderr and "vars.v" in result.stderr


def test_missing_answers_when_an_answers_file_is_given(scenario_cli, write):
    path = write(
        "s.yaml",
        """\
        name: x
        steps:
          - prompt: {id: username, text: "Name?"}
          - prompt: {id: colour, text: "Colour?", default: blue}
          - prompt: {id: code, text: "Code?"}
            when: target == 'aws'
          - prompt: {id: password, text: "Password?", type: password}
          - pause: Press Enter
        """,
    )
    answers = write("a.yaml", "username: bob\n")
    result = scenario_cli("validate", path, "--answers", answers)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {path}:7:5: step 'password': prompt 'password' has no answer in {answers} and no default\n"
        f"  hint: add 'password: ...' to {answers}, or give the prompt a default\n"
    )
    assert scenario_cli("validate", path).exit_code == 0  # without an answers file, prompts may be asked
