"""A failed `assert`/`check` shows each operand's value; `env:` defaults, secrets and --env-file."""

from __future__ import annotations


def test_failed_assert_shows_each_operand(scenario_run, write):
    path = write(
        "a.yaml",
        """\
        name: a
        vars: {wanted: 7}
        steps:
          - id: count
            set_vars: {count: 3}
            assert: "result.count == vars.wanted and result | length > 0"
        """,
    )
    result = scenario_run(path)
    assert result.exit_code == 1
    assert (
        f"Error: {path}:6:13: step 'count': assertion failed: result.count == vars.wanted and result | length > 0\n"
        "  result.count = 3\n"
        "  vars.wanted = 7\n"
        "  result | length = 1\n"
    ) in result.stderr


def test_failed_check_shows_each_operand_with_secrets_masked(scenario_run, write):
    path = write(
        "c.yaml",
        """\
        name: c
        env: [{name: API_TOKEN, default: s3cr3t-value}]
        steps:
          - check: "env.API_TOKEN == 'other' or not target"
        """,
    )
    result = scenario_run(path)
    assert result.exit_code == 1
    assert (
        f"Error: {path}:4:5: step 'check': check failed: env.API_TOKEN == 'other' or not target\n"
        "  env.API_TOKEN = '********'\n"
        "  target = 'local'\n"
    ) in result.stderr
    assert "s3cr3t-value" not in result.output


ENV_SCENARIO = """\
name: e
env:
  - GREETING
  - {name: NAME, default: world}
  - {name: PIN, default: 1234, secret: true}
steps:
  - say: "{{ env.GREETING }} {{ env.NAME }} {{ env.PIN }}"
"""


def test_env_defaults_file_and_environment(scenario_run, write):
    path = write("e.yaml", ENV_SCENARIO)
    result = scenario_run(path, env={"GREETING": "hello"})
    assert result.exit_code == 0, result.output
    assert "hello world ********" in result.stdout and "1234" not in result.output

    env_file = write(
        "vars.env",
        "# settings for the demo\nGREETING=hi\nexport NAME='there you'\nPIN=\"98765\"  \n\nUNUSED=x # comment\n",
    )
    result = scenario_run(path, "--env-file", env_file, env={"GREETING": None})  # type: ignore[dict-item]
    assert result.exit_code == 0, result.output
    assert "hi there you ********" in result.stdout and "98765" not in result.output

    # The process environment wins over the file.
    result = scenario_run(path, "--env-file", env_file, env={"GREETING": "hey"})
    assert "hey there you ********" in result.stdout


def test_bad_env_file_and_entries(scenario_run, scenario_cli, write):
    path = write("e.yaml", ENV_SCENARIO)
    env_file = write("bad.env", "GREETING=hi\nnot a line\n")
    result = scenario_run(path, "--env-file", env_file)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {env_file}:2:1: an env file line must be KEY=VALUE\n"
        "  hint: e.g. MY_SETTING=value (a # line is a comment)\n"
    )
    bad = write("bad.yaml", "name: e\nenv: [{name: X, defualt: 1}]\nsteps:\n  - say: hi\n")
    result = scenario_cli("validate", bad)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {bad}:2:17: unknown key 'defualt' in 'env.0'\n"
        "  hint: did you mean 'default'? allowed keys: default, name, secret\n"
    )
