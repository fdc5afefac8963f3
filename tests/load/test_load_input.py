"""What stops `scenario load` before anything starts, with the message that says how to fix it; and the
`scenario` process itself never imports Locust (nor gevent, which patches the standard library)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from load_support import needs_locust

PROJECT = Path(__file__).resolve().parents[2]
HELLO = PROJECT / "scenarios" / "hello.yaml"


def test_without_locust_the_command_says_how_to_install_it(scenario_cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "locust", None)  # what Python does for a module that cannot be imported
    result = scenario_cli("load", HELLO, "-t", "1s")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: `scenario load` needs Locust, which is not installed\n"
        "  hint: install it: pip install 'scenario-run[load]'\n"
    )


@needs_locust
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--target", "aws"],
            "Error: a load on --target aws needs --run-time: it makes real requests, which AWS charges for\n"
            "  hint: add --run-time, e.g. --run-time 1m\n",
        ),
        (
            ["--master", "--worker"],
            "Error: --master and --worker exclude each other\n  hint: a process is the master or a worker\n",
        ),
        (
            ["--run-time", "2 minutes"],
            "Error: --run-time '2 minutes' is not a time span\n"
            "  hint: write it as Locust does: 90, 90s, 2m, 1h30m or 1h30m10s\n",
        ),
        (
            ["--fail-ratio", "5"],
            "Error: --fail-ratio 5 is not between 0 and 1\n  hint: e.g. --fail-ratio 0.01 for 1%\n",
        ),
        (
            ["--users", "0"],
            "Error: --users must be at least 1 and --spawn-rate above 0\n  hint: e.g. --users 10 --spawn-rate 2\n",
        ),
    ],
)
def test_bad_options_stop_before_anything_starts(scenario_cli, args, message):
    result = scenario_cli("load", HELLO, *args)
    assert result.exit_code == 2
    assert result.stderr == message


@needs_locust
def test_each_answer_set_is_checked_against_the_scenario(scenario_cli, tmp_path):
    flow = tmp_path / "flow.yaml"
    flow.write_text("name: Ask\nsteps:\n  - prompt: {id: who, text: Who?}\n  - say: 'hello {{ answers.who }}'\n")
    answers = tmp_path / "sets.yaml"
    answers.write_text("- {who: ada}\n- {whom: grace}\n")
    result = scenario_cli("load", flow, "--answers", answers, "-t", "1s")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {answers}:2:3 (answer set 2): answer 'whom' matches no prompt in the scenario\n"
        "  hint: prompt ids in this scenario: remove_resources, who\n"
    )
    answers.write_text("- {who: ada}\n- grace\n")
    result = scenario_cli("load", flow, "--answers", answers, "-t", "1s")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {answers}:2:3: answer set 2 is not a mapping of prompt id to answer\n"
        "  hint: write each set as '- {username: alice, password: ...}'\n"
    )


def test_the_scenario_process_never_imports_locust_or_gevent():
    code = (
        "import sys, engine.entry, engine.cli.main, engine.cli.commands.load, engine.load.launch\n"
        "print(' '.join(m for m in ('locust', 'gevent', 'greenlet', 'zmq') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT)
    assert loaded.stdout.strip() == ""


NO_AWS = {  # no credentials anywhere (None: not set)
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


@needs_locust
def test_on_aws_missing_credentials_are_said_once_before_locust_starts(scenario_cli):
    result = scenario_cli("load", HELLO, "--target", "aws", "--region", "us-east-1", "-t", "1s", env=NO_AWS)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no AWS credentials found for --target aws\n  hint: configure credentials "
        "(aws configure, AWS_PROFILE, or environment variables)\n"
    )
