"""Targets: real AWS only when asked and configured; no hang without a terminal; several files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent

NO_AWS = {
    "AWS_ACCESS_KEY_ID": None,
    "AWS_SECRET_ACCESS_KEY": None,
    "AWS_SESSION_TOKEN": None,
    "AWS_PROFILE": None,
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None,
    "AWS_WEB_IDENTITY_TOKEN_FILE": None,
}


def test_aws_target_without_credentials_is_a_clear_error(scenario_run, write):
    scenario = write("s.yaml", "name: s\nsteps:\n  - list_user_pools: {max_results: 1}\n")
    result = scenario_run(scenario, "--target", "aws", "--region", "us-east-1", env=NO_AWS)  # type: ignore[arg-type]
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no AWS credentials found for --target aws\n  hint: configure credentials "
        "(aws configure, AWS_PROFILE, or environment variables)\n"
    )


def test_no_terminal_means_no_waiting_on_stdin(write):
    scenario = write("s.yaml", "name: s\nsteps:\n  - prompt: {id: username, text: 'Name?'}\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    proc = subprocess.run(
        [str(BIN / "scenario-run"), str(scenario)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "prompt 'username' needs an answer and this run is non-interactive" in proc.stderr
    assert "--answer username=VALUE" in proc.stderr


def test_several_files_with_one_answers_file_each(scenario_run, write):
    first = write("a.yaml", "name: a\nsteps:\n  - prompt: {id: who, text: 'Who?'}\n  - say: 'A={{ answers.who }}'\n")
    second = write("b.yaml", "name: b\nsteps:\n  - prompt: {id: who, text: 'Who?'}\n  - say: 'B={{ answers.who }}'\n")
    answers_a, answers_b = write("a.answers.yaml", "who: ann\n"), write("b.answers.yaml", "who: bob\n")
    result = scenario_run(first, second, "--answers", answers_a, "--answers", answers_b)
    assert result.exit_code == 0, result.output
    assert "A=ann" in result.stdout and "B=bob" in result.stdout
    assert "PASSED a.yaml" in result.stdout and "PASSED b.yaml" in result.stdout
    mismatch = scenario_run(first, second, "--answers", answers_a, "--answers", answers_b, "--answers", answers_a)
    assert mismatch.exit_code == 2
    assert mismatch.stderr == (
        "Error: 3 answers files for 2 scenario files\n  hint: give one --answers for all "
        "files, or one per file in the same order\n"
    )


def test_worst_outcome_decides_the_exit_code(scenario_run, write):
    ok = write("ok.yaml", "name: ok\nsteps:\n  - say: fine\n")
    bad = write("bad.yaml", "name: bad\nsteps:\n  - check: 1 == 2\n")
    result = scenario_run(bad, ok)
    assert result.exit_code == 1
    assert "FAILED bad.yaml" in result.stdout and "PASSED ok.yaml" in result.stdout


def test_missing_answer_without_an_answers_file_says_how_to_give_one(scenario_run, write):
    scenario = write("s.yaml", "name: s\nsteps:\n  - prompt: {id: username, text: 'Name?'}\n")
    result = scenario_run(scenario)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {scenario}:3:5: step 'username': prompt 'username' needs an answer and this run is "
        "non-interactive\n  hint: pass --answers FILE with 'username: <value>' in it, or --answer username=VALUE\n"
    )


def test_local_target_ignores_the_users_aws_setup(write):
    scenario = write("s.yaml", "name: s\nsteps:\n  - list_user_pools:\n    assert: result.count == 0\n")
    env = {
        **os.environ,
        "CI": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": "http://127.0.0.1:9",
        "AWS_PROFILE": "no-such-profile",
        "AWS_CONFIG_FILE": "/nonexistent/config",
    }
    proc = subprocess.run(
        [str(BIN / "scenario-run"), str(scenario)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
