"""`scenario load` on one machine: every step of every iteration in Locust's statistics, failures with
their AWS error code and the exit code they give, a stop that lets the running iterations clean up,
and the loopback server the local target starts for itself."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from load_support import STACK, STEPS, finish, needs_locust, scenario_load, stats

PROJECT = Path(__file__).resolve().parents[2]

pytestmark = needs_locust


def test_a_load_counts_every_step_and_leaves_the_pool_as_it_found_it(served, flow, tmp_path, _private_state_dir):
    prefix = tmp_path / "out"
    process = scenario_load(
        flow, "--answers", "answers.yaml", "--users", 3, "--spawn-rate", 3, "--run-time", "3s",
        "--endpoint-url", served.url, "--stack", STACK, "--csv", prefix, "--html", "report.html",
        "--stop-timeout", 20,
        cwd=tmp_path,
    )  # fmt: skip
    code, output = finish(process)
    assert code == 0, output
    table = stats(prefix)
    for step in STEPS:
        requests, failures = table[(step if step != "confirm" else "confirm_sign_up", f"flow:{step}")]
        assert requests > 0 and failures == 0, (step, table)
    iterations, failed = table[("iteration", "flow")]
    assert iterations > 0 and failed == 0
    # With --stop-timeout every iteration ran to its end: the files hold the final numbers, one sign-up
    # request for each code the pool sent.
    assert table[("sign_up", "flow:sign_up")][0] == iterations == len(served.sign_ups())
    assert "flow:sign_in" in output and "Aggregated" in output  # Locust's console table
    assert "flow:sign_in" in (tmp_path / "report.html").read_text()
    assert served.users() == []
    assert list((_private_state_dir / "journals").glob("*")) == []


def test_failures_carry_the_aws_error_code_and_decide_the_exit_code(served, flow, tmp_path):
    text = flow.read_text().replace(
        "  - delete_user:",
        '  - admin_get_user: {user_pool_id: "{{ stack.UserPoolId }}", user_name: nobody}\n  - delete_user:',
    )
    flow.write_text(text)
    prefix = tmp_path / "out"
    common = ["--answers", "answers.yaml", "--users", 2, "--spawn-rate", 2, "--endpoint-url", served.url]
    # Two requests in five fail (the step, and so its iteration): above --fail-ratio, the exit code is
    # --exit-code-on-error's.
    code, output = finish(scenario_load(flow, *common, "-t", "2s", "--csv", prefix, "--exit-code-on-error", 4,
                                        "--fail-ratio", "0.1", cwd=tmp_path))  # fmt: skip
    assert code == 4, output
    assert "more than --fail-ratio 0.1 allows" in output
    table = stats(prefix)
    requests, failures = table[("admin_get_user", "flow:admin_get_user")]
    assert failures == requests > 0
    assert table[("sign_up", "flow:sign_up")][1] == 0
    assert table[("iteration", "flow")][1] > 0
    failed = prefix.with_name("out_failures.csv").read_text()
    assert "flow:admin_get_user" in failed and "UserNotFoundException" in failed
    assert "iteration failed (shown once): " in output and "User does not exist." in output
    # The failed iterations cleaned up after themselves all the same.
    assert served.users() == []

    # A run that tolerates half of its requests failing passes.
    code, output = finish(scenario_load(flow, *common, "-t", "2s", "--fail-ratio", "0.5", cwd=tmp_path))
    assert code == 0, output
    assert served.users() == []


def test_sigterm_stops_the_load_after_the_running_iterations_clean_up(served, flow, tmp_path, _private_state_dir):
    # Two answer sets over four users: users 0 and 2 sign up 'even-…' users, 1 and 3 'odd-…'.
    (tmp_path / "sets.yaml").write_text(
        "- {prefix: even, password: Str0ng-Passw0rd!}\n- {prefix: odd, password: Str0ng-Passw0rd!}\n"
    )
    process = scenario_load(
        flow, "--answers", "sets.yaml", "--users", 4, "--spawn-rate", 4, "--endpoint-url", served.url,
        cwd=tmp_path,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while len(served.sign_ups()) < 8 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    code, output = finish(process)
    assert code == 130, output
    assert "Stopping: the running iterations finish their cleanup" in output
    assert "flow:sign_up" in output  # the final statistics
    prefixes = {name.split("-")[0] for name in served.sign_ups()}
    assert prefixes == {"even", "odd"}
    assert served.users() == []
    assert list((_private_state_dir / "journals").glob("*")) == []


def test_on_the_local_target_the_load_starts_a_loopback_server_of_its_own(tmp_path):
    prefix = tmp_path / "hello"
    process = scenario_load(PROJECT / "scenarios" / "hello.yaml", "-u", 2, "-r", 2, "-t", "3s", "--csv", prefix,
                            cwd=tmp_path)  # fmt: skip
    code, output = finish(process)
    assert code == 0, output
    assert "Local AWS for the load listening on http://127.0.0.1:" in output
    requests, failures = stats(prefix)[("list_user_pools", "hello:pools")]
    assert requests > 0 and failures == 0


def test_an_env_file_gives_every_iteration_its_values_and_a_missing_one_stops_the_load_first(tmp_path):
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "name: envs\nenv: [POOL_LIMIT, {name: API_KEY, secret: true}]\nsteps:\n"
        "  - id: pools\n    list_user_pools: {max_results: '{{ env.POOL_LIMIT | int }}'}\n"
        "    assert: [\"env.API_KEY == 'k-29f1'\"]\n"
    )
    (tmp_path / "values.env").write_text("POOL_LIMIT=7\nAPI_KEY=k-29f1\n")
    prefix = tmp_path / "envs"
    code, output = finish(scenario_load(flow, "--env-file", "values.env", "-u", 1, "-r", 1, "-t", "2s",
                                        "--csv", prefix, cwd=tmp_path))  # fmt: skip
    assert code == 0, output
    requests, failures = stats(prefix)[("list_user_pools", "flow:pools")]
    assert requests > 0 and failures == 0
    assert "k-29f1" not in output

    (tmp_path / "values.env").write_text("API_KEY=k-29f1\n")
    code, output = finish(scenario_load(flow, "--env-file", "values.env", "-t", "2s", cwd=tmp_path))
    assert code == 2, output
    assert f"Error: {flow}:2:6: environment variable POOL_LIMIT is not set" in output
    assert "Locust" not in output and "listening on" not in output  # nothing started
