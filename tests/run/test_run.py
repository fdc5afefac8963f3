"""Runs through the real CLI on the embedded backend: replays, errors and exit codes, cleanup."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from support import POOL_STEPS

PASSWORD = "Str0ng-Passw0rd!"


def signup_scenario(extra: str = "", cleanup: str = "") -> str:
    return (
        "name: Sign-up flow\nsteps:\n"
        + POOL_STEPS
        + """\
  - prompt: {id: password, type: password, text: "Password:", min_length: 8, retry_text: "Another password:"}
  - id: sign_up
    sign_up:
      client_id: "{{ steps.app.result.UserPoolClient.ClientId }}"
      user_name: alice
      password: "{{ answers.password }}"
      email: alice@example.com
    retry: {on_error: InvalidPasswordException, reprompt: password, attempts: 3}
  - admin_set_user_password:
      user_pool_id: "{{ steps.pool.result.UserPool.Id }}"
      user_name: alice
      password: "{{ answers.password }}"
  - id: sign_in
    sign_in:
      client_id: "{{ steps.app.result.UserPoolClient.ClientId }}"
      user_name: alice
      password: "{{ answers.password }}"
    assert: result.AccessToken | length > 20
  - say: "token {{ steps.sign_in.result.AccessToken }} password {{ answers.password }}"
"""
        + extra
        + cleanup
    )


def test_replay_from_answers_file_with_rejected_password(scenario_run, write, tmp_path):
    scenario = write("flow.yaml", signup_scenario())
    answers = write("answers.yaml", f"password: [weakpassword, {PASSWORD}]\n")
    transcript, junit = tmp_path / "t.jsonl", tmp_path / "j.xml"
    result = scenario_run(scenario, "--answers", answers, "--transcript", transcript, "--junit", junit)
    assert result.exit_code == 0, result.output
    assert "[retry] sign_up (sign_up)  InvalidPasswordException" in result.stdout
    assert "[ok] sign_in (sign_in)" in result.stdout
    assert "[undo] sign_up (undo)  delete user 'alice'" in result.stdout
    # The undo line names the pool it deletes, read from the call's result.
    line = r"\[undo\] pool \(undo\)  cognito-idp DeleteUserPool UserPoolId=us-east-1_\w+ \(undo of CreateUserPool\)"
    assert re.search(line, result.stdout)
    assert "PASSED flow.yaml" in result.stdout

    lines = [json.loads(line) for line in transcript.read_text().splitlines()]
    by_id = {(entry["phase"], entry["id"]): entry for entry in lines}
    assert by_id[("steps", "sign_up")]["attempts"] == 2
    assert by_id[("steps", "sign_up")]["args"]["password"] == "********"
    assert "cognito-idp.SignUp" in by_id[("steps", "sign_up")]["aws_calls"]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0"
    names = [case.get("name") for case in suite.iter("testcase")]
    assert "sign_in (sign_in)" in names
    assert any(name.startswith("pool (undo)") for name in names)


def test_secrets_never_appear_in_any_output(scenario_run, write, tmp_path):
    scenario = write("flow.yaml", signup_scenario())
    answers = write("answers.yaml", f"password: [weakpassword, {PASSWORD}]\n")
    transcript, junit, summary = tmp_path / "t.jsonl", tmp_path / "j.xml", tmp_path / "s.json"
    result = scenario_run(
        scenario, "--answers", answers, "--transcript", transcript, "--junit", junit, "--json", summary
    )
    assert result.exit_code == 0, result.output
    everything = result.output + transcript.read_text() + junit.read_text() + summary.read_text()
    assert PASSWORD not in everything
    assert "weakpassword" not in everything
    assert "password ********" in result.stdout
    token_line = next(line for line in result.stdout.splitlines() if line.startswith("token "))
    token = token_line.split()[1]
    assert token.endswith("…") and len(token) == 7  # a six-character prefix, never the token


def test_a_missing_answer_known_up_front_is_bad_input_before_any_aws_call(scenario_run, write, tmp_path):
    scenario = write("flow.yaml", signup_scenario())
    answers = write("answers.yaml", "remove_resources: yes\n")
    report = tmp_path / "r.json"
    result = scenario_run(scenario, "--answers", answers, "--json", report)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {scenario}:22:5: step 'password': prompt 'password' needs an answer and this run is "
        f"non-interactive\n  hint: add 'password: <value>' to {answers}, or pass --answer password=VALUE\n"
    )
    assert "[ok] pool" not in result.stdout  # nothing ran
    assert json.loads(report.read_text())["exit_code"] == 2


def test_a_missing_answer_without_an_answers_file_says_how_to_give_one(scenario_run, write):
    scenario = write("flow.yaml", signup_scenario())
    result = scenario_run(scenario)
    assert result.exit_code == 2
    assert "hint: pass --answers FILE with 'password: <value>' in it, or --answer password=VALUE" in result.stderr
    assert "[ok] pool" not in result.stdout


def test_a_missing_answer_to_a_conditional_prompt_fails_at_the_prompt_and_cleans_up(scenario_run, write):
    scenario = write(
        "flow.yaml",
        "name: Conditional prompt\nsteps:\n"
        + POOL_STEPS
        + "  - prompt: {id: password, type: password, text: 'Password:'}\n    when: target == 'local'\n",
    )
    answers = write("answers.yaml", "remove_resources: yes\n")
    result = scenario_run(scenario, "--answers", answers)
    assert result.exit_code == 1  # found after AWS calls were made: a failed run, not "nothing ran"
    assert "prompt 'password' needs an answer and this run is non-interactive" in result.stderr
    assert "[undo] pool (undo)" in result.stdout  # what ran before the prompt is undone


def test_answer_option_overrides_file(scenario_run, write):
    scenario = write("flow.yaml", signup_scenario())
    answers = write("answers.yaml", "password: weakpassword\n")
    result = scenario_run(scenario, "--answers", answers, "--answer", f"password={PASSWORD}")
    assert result.exit_code == 0, result.output
    assert "[retry]" not in result.stdout


def test_aws_failure_exits_1_names_the_step_and_cleans_up(scenario_run, write):
    extra = """\
  - id: bad_sign_in
    sign_in:
      client_id: "{{ steps.app.result.UserPoolClient.ClientId }}"
      user_name: alice
      password: Wr0ng-Passw0rd!
  - say: never printed
"""
    scenario = write("flow.yaml", signup_scenario(extra))
    result = scenario_run(scenario, "--answer", f"password={PASSWORD}")
    assert result.exit_code == 1
    assert (
        f"Error: {scenario}:41:5: step 'bad_sign_in': sign_in failed: NotAuthorizedException: "
        "Incorrect username or password."
    ) in result.stderr
    assert "never printed" not in result.stdout
    assert "[undo] sign_up (undo)" in result.stdout and "[undo] pool (undo)" in result.stdout
    assert result.stdout.index("[undo] sign_up") < result.stdout.index("[undo] pool")  # last in, first out


def test_expected_error_passes_and_unexpected_success_fails(scenario_run, write):
    extra = """\
  - id: wrong_password
    sign_in:
      client_id: "{{ steps.app.result.UserPoolClient.ClientId }}"
      user_name: alice
      password: Wr0ng-Passw0rd!
    expect_error: NotAuthorizedException
  - say: "got {{ steps.wrong_password.error.code }}"
  - id: right_password
    sign_in:
      client_id: "{{ steps.app.result.UserPoolClient.ClientId }}"
      user_name: alice
      password: "{{ answers.password }}"
    expect_error: [NotAuthorizedException, PasswordResetRequiredException]
"""
    scenario = write("flow.yaml", signup_scenario(extra))
    result = scenario_run(scenario, "--answer", f"password={PASSWORD}")
    assert "[ok] wrong_password (sign_in)  NotAuthorizedException (expected)" in result.stdout
    assert "got NotAuthorizedException" in result.stdout
    assert result.exit_code == 1
    assert (
        "step 'right_password': expected NotAuthorizedException or PasswordResetRequiredException, but sign_in "
        "succeeded\n  hint: check the scenario's state: was a previous run cleaned up?"
    ) in result.stderr


def test_expected_error_can_pin_its_message_exactly_or_by_regex(scenario_run, write):
    extra = """\
  - id: exact
    sign_in: {client_id: "{{ steps.app.result.UserPoolClient.ClientId }}", user_name: alice, password: Wr0ng-Passw0rd!}
    expect_error: {code: NotAuthorizedException, message: Incorrect username or password.}
  - id: by_regex
    sign_in: {client_id: "{{ steps.app.result.UserPoolClient.ClientId }}", user_name: alice, password: Wr0ng-Passw0rd!}
    expect_error: [UserNotFoundException, {code: NotAuthorizedException, matches: "^Incorrect .* password"}]
  - id: wrong_message
    sign_in: {client_id: "{{ steps.app.result.UserPoolClient.ClientId }}", user_name: alice, password: Wr0ng-Passw0rd!}
    expect_error: {code: NotAuthorizedException, matches: "User is disabled"}
"""
    scenario = write("flow.yaml", signup_scenario(extra))
    result = scenario_run(scenario, "--answer", f"password={PASSWORD}")
    assert result.exit_code == 1
    assert "[ok] exact (sign_in)  NotAuthorizedException (expected)" in result.stdout
    assert "[ok] by_regex (sign_in)  NotAuthorizedException (expected)" in result.stdout
    assert (
        "step 'wrong_message': expected NotAuthorizedException with a message matching 'User is disabled', but its "
        "message was 'Incorrect username or password.'\n"
        "  hint: the code matched; fix the expected message, or the flow if the message is right"
    ) in result.stderr


def test_a_pinned_error_message_is_checked_before_the_run(scenario_cli, write):
    both = write(
        "both.yaml",
        "name: b\nsteps:\n  - sign_in: {client_id: c, user_name: u, password: p}\n"
        "    expect_error: {code: NotAuthorizedException, message: x, matches: y}\n",
    )
    result = scenario_cli("validate", both)
    assert result.exit_code == 2
    assert f"{both}:4:19: step 'sign_in': expect_error NotAuthorizedException gives both 'message' and 'matches'" in (
        result.stderr
    )
    bad = write(
        "bad.yaml",
        "name: b\nsteps:\n  - sign_in: {client_id: c, user_name: u, password: p}\n"
        "    expect_error: [{code: NotAuthorizedException, matches: '('}]\n",
    )
    result = scenario_cli("validate", bad)
    assert result.exit_code == 2
    assert "expect_error matches '(', which is not a regular expression" in result.stderr
    typo = write(
        "typo.yaml",
        "name: b\nsteps:\n  - sign_in: {client_id: c, user_name: u, password: p}\n"
        "    expect_error: [{code: NotAuthorisedException, message: x}]\n",
    )
    result = scenario_cli("validate", typo)
    assert result.exit_code == 2
    assert "expect_error 'NotAuthorisedException' is not an error sign_in can give" in result.stderr
    assert f"{typo}:4:20:" in result.stderr


def test_retry_is_bounded(scenario_run, write):
    scenario = write("flow.yaml", signup_scenario())
    result = scenario_run(scenario, *["--answer", "password=weakpassword"] * 3)
    assert result.exit_code == 1
    assert result.stdout.count("[retry] sign_up") == 2
    assert "step 'sign_up': sign_up failed after 3 attempts: InvalidPasswordException" in result.stderr


def test_when_allow_error_register_and_assert(scenario_run, write):
    extra = """\
  - id: again
    admin_create_user:
      user_pool_id: "{{ steps.pool.result.UserPool.Id }}"
      user_name: alice
    allow_error: UsernameExistsException
  - id: skipped
    list_user_pools: {max_results: 5}
    when: steps.again.status == 'ok'
  - say: not printed
    when: false
  - admin_get_user:
      user_pool_id: "{{ steps.pool.result.UserPool.Id }}"
      user_name: alice
    register: alice
    assert:
      - result.UserStatus == 'CONFIRMED'
      - result.attributes.email == 'alice@example.com'
  - check: "alice.Username == 'alice' and steps.skipped.status == 'skipped'"
  - check: "alice.UserStatus == 'UNCONFIRMED'"
"""
    scenario = write("flow.yaml", signup_scenario(extra))
    result = scenario_run(scenario, "--answer", f"password={PASSWORD}")
    assert "[ok] again (admin_create_user)  UsernameExistsException (allowed)" in result.stdout
    assert "[skipped] skipped (list_user_pools)" in result.stdout and "not printed" not in result.stdout
    assert result.exit_code == 1
    assert "step 'check_2': check failed: alice.UserStatus == 'UNCONFIRMED'" in result.stderr


def test_failed_assertion_is_reported_at_the_assert(scenario_run, write):
    extra = """\
  - list_user_pools: {max_results: 5}
    assert: result.count == 7
"""
    scenario = write("flow.yaml", signup_scenario(extra))
    result = scenario_run(scenario, "--answer", f"password={PASSWORD}")
    assert result.exit_code == 1
    assert f"Error: {scenario}:42:13: step 'list_user_pools': assertion failed: result.count == 7" in result.stderr


def test_cleanup_declined_keeps_resources_and_says_so(scenario_run, write):
    scenario = write("flow.yaml", signup_scenario())
    result = scenario_run(scenario, "--answer", f"password={PASSWORD}", "--answer", "remove_resources=no")
    assert result.exit_code == 0
    assert "Be sure to remove resources when you're done with them to avoid unexpected charges!" in result.stdout
    assert "[skipped] pool (undo)  cognito-idp DeleteUserPool" in result.stdout


def test_scenario_cleanup_steps_then_undo_and_undo_failures_do_not_stop_the_rest(scenario_run, write):
    extra = """\
  - id: orphan
    aws_call:
      service: cognito-idp
      operation: CreateUserPool
      params: {PoolName: second}
      undo:
        operation: DeleteUserPool
        params: {UserPoolId: "us-east-1_doesnotexist"}
"""
    cleanup = """\
cleanup:
  steps:
    - delete_user: {access_token: "{{ steps.sign_in.result.AccessToken }}"}
    - say: Deleted user.
"""
    scenario = write("flow.yaml", signup_scenario(extra, cleanup))
    result = scenario_run(scenario, "--answer", f"password={PASSWORD}")
    out = result.stdout
    assert out.index("[ok] delete_user (delete_user)") < out.index("Deleted user.") < out.index("[failed] orphan")
    assert "[undo] pool (undo)" in out  # attempted after the failure
    assert "[undo] sign_up (undo)" not in out  # the flow deleted its user itself: nothing left to undo
    assert result.exit_code == 1
    assert (
        "cleanup failed: cognito-idp DeleteUserPool UserPoolId=us-east-1_doesnotexist (undo of CreateUserPool): "
        "ResourceNotFoundException" in result.stderr
    )


def test_first_failure_stays_the_reported_one(scenario_run, write):
    extra = """\
  - id: orphan
    aws_call:
      service: cognito-idp
      operation: CreateUserPool
      params: {PoolName: second}
      undo: {operation: DeleteUserPool, params: {UserPoolId: "us-east-1_doesnotexist"}}
  - check: "1 == 2"
"""
    scenario = write("flow.yaml", signup_scenario(extra))
    result = scenario_run(scenario, "--answer", f"password={PASSWORD}")
    assert result.exit_code == 1
    assert "step 'check': check failed: 1 == 2" in result.stderr
    left = "warning: left behind: cognito-idp DeleteUserPool UserPoolId=us-east-1_doesnotexist (undo of CreateUserPool)"
    assert left in result.stderr


def test_environment_only_where_asked(scenario_run, write):
    scenario = write("env.yaml", 'name: e\nenv: [GREETING]\nsteps:\n  - say: "{{ env.GREETING }} world"\n')
    result = scenario_run(scenario, env={"GREETING": "hello"})
    assert result.exit_code == 0 and "hello world" in result.stdout
    result = scenario_run(scenario, env={"GREETING": None})  # type: ignore[dict-item]
    assert result.exit_code == 2
    assert (
        f"Error: {scenario}:2:6: environment variable GREETING is not set\n"
        "  hint: the scenario reads env.GREETING; export it, put it in an --env-file, or declare a default: "
        "{name: GREETING, default: ...}\n"
    ) in result.stderr
    undeclared = write("undeclared.yaml", 'name: e\nsteps:\n  - say: "{{ env.HOME }}"\n')
    result = scenario_run(undeclared)
    assert result.exit_code == 2
    assert "template reads env.HOME, which the scenario does not declare" in result.stderr


def test_fault_injection_at_a_call_fails_the_step_and_undoes(scenario_run, write):
    scenario = write("flow.yaml", signup_scenario())
    result = scenario_run(scenario, "--answer", f"password={PASSWORD}", "--fault-at", "2")
    assert result.exit_code == 1
    assert "step 'app': aws_call failed: InjectedFault: fault injected at AWS call 2 (CreateUserPoolClient)" in (
        result.stderr
    )
    assert "[undo] pool (undo)" in result.stdout


def test_rendered_arguments_are_checked_again(scenario_run, write):
    scenario = write(
        "rt.yaml",
        'name: rt\nvars:\n  n: many\nsteps:\n  - list_user_pools: {max_results: "{{ vars.n }}"}\n',
    )
    result = scenario_run(scenario)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {scenario}:5:36: step 'list_user_pools': after rendering templates: 'max_results' must be an "
        "integer, not a string\n"
    )


def test_json_summary_reports_the_outcome(scenario_run, write, tmp_path):
    extra = '  - check: "1 == 2"\n'
    scenario = write("flow.yaml", signup_scenario(extra))
    summary = tmp_path / "s.json"
    result = scenario_run(scenario, "--answer", f"password={PASSWORD}", "--json", summary)
    assert result.exit_code == 1
    document = json.loads(summary.read_text())
    assert document["exit_code"] == 1
    (run,) = document["scenarios"]
    assert run["status"] == "failed" and run["left_behind"] == []
    assert run["error"]["step"] == "check" and run["error"]["message"] == "check failed: 1 == 2"
    assert run["error"]["location"] == f"{scenario}:41:5"
    statuses = {(s["phase"], s["id"]): s["status"] for s in run["steps"]}
    assert statuses[("steps", "sign_in")] == "ok" and statuses[("steps", "check")] == "failed"
    assert statuses[("undo", "pool")] == "ok"


def test_junit_reports_failures_skips_and_setup_errors(scenario_run, write, tmp_path):
    junit = tmp_path / "j.xml"
    scenario = write("f.yaml", 'name: f\nsteps:\n  - list_user_pools:\n    when: false\n  - check: "1 == 2"\n')
    assert scenario_run(scenario, "--junit", junit).exit_code == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("2", "1", "1")
    failure = suite.find("testcase/failure")
    assert failure is not None and failure.get("type") == "CheckFailed"
    assert failure.text == f"{scenario}:5:5: CheckFailed: check failed: 1 == 2"

    setup = write("e.yaml", "name: e\nenv: [NOT_SET_ANYWHERE]\nsteps:\n  - say: hi\n")
    assert scenario_run(setup, "--junit", junit, env={"NOT_SET_ANYWHERE": None}).exit_code == 2  # type: ignore[dict-item]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    case = suite.find("testcase")
    assert case is not None and case.get("name") == "setup"
    assert "environment variable NOT_SET_ANYWHERE is not set" in (case.find("failure").get("message") or "")  # type: ignore[union-attr]


def test_a_step_timeout_fails_the_step_and_names_it(scenario_run, write):
    scenario = write("slow.yaml", "name: slow\nsteps:\n  - sleep: 30\n    timeout: 0.3\n  - say: never\n")
    result = scenario_run(scenario)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: {scenario}:3:5: step 'sleep': timed out after 0.3s\n"
        "  hint: raise the step's `timeout:` if it needs longer"
    )
    assert "never" not in result.stdout


def test_missing_answer_before_any_call_is_bad_input(scenario_run, write):
    scenario = write("ask.yaml", "name: ask\nsteps:\n  - prompt: {id: who, text: Who?}\n  - list_user_pools:\n")
    result = scenario_run(scenario)
    assert result.exit_code == 2
    assert "step 'who': prompt 'who' needs an answer and this run is non-interactive" in result.stderr


def test_a_rendered_string_argument_is_checked_when_it_breaks_its_schema(scenario_run, write):
    # A string-only schema is not re-checked for a rendered string, but an empty one breaks minLength.
    scenario = write(
        "empty.yaml",
        'name: empty\nvars:\n  pool: ""\nsteps:\n  - describe_user_pool: {user_pool_id: "{{ vars.pool }}"}\n',
    )
    result = scenario_run(scenario)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {scenario}:5:40: step 'describe_user_pool': after rendering templates: '' should be non-empty "
        "in 'user_pool_id'\n"
    )
