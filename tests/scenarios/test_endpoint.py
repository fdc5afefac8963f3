"""The same scenarios against `scenario serve`: stack deploy/outputs/destroy, a run that leaves the
stack exactly as it found it, the outbox read over HTTP, Ctrl-C cleaning up from another process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_state import SCENARIOS, STACK, lambda_config, table_items, users
from support import POOL_STEPS

from engine.aws.clients import Clients
from engine.local.server import LocalServer

BIN = Path(sys.executable).parent


@pytest.fixture
def server() -> Iterator[tuple[str, Clients]]:
    with LocalServer(port=0) as running:
        yield running.url, Clients.for_local("us-east-1", endpoint_url=running.url)


def test_stack_commands_and_a_run_that_leaves_the_stack_as_it_found_it(scenario_cli, scenario_run, server):
    url, clients = server
    deployed = scenario_cli("stack", "deploy", "--endpoint-url", url)
    assert deployed.exit_code == 0, deployed.output
    # The stack's events are shown as the deploy waits (progress on stderr, the outputs on stdout).
    assert " scenario-run-cognito AWS::CloudFormation::Stack CREATE_IN_PROGRESS (User Initiated)" in deployed.stderr
    assert " scenario-run-cognito AWS::CloudFormation::Stack CREATE_COMPLETE" in deployed.stderr
    out = json.loads(deployed.stdout[deployed.stdout.index("{") :])
    assert set(out) >= {
        "TableName",
        "UserPoolId",
        "UserPoolArn",
        "UserPoolClientId",
        "AutoConfirmFunction",
        "AutoConfirmFunctionArn",
        "MigrateUserFunction",
        "MigrateUserFunctionArn",
        "ActivityLogFunction",
        "ActivityLogFunctionArn",
    }
    shown = scenario_cli("stack", "outputs", "--endpoint-url", url)
    assert json.loads(shown.stdout) == out

    for name in ("migrate_user", "auto_confirm", "activity_log"):
        result = scenario_run(
            SCENARIOS / f"{name}.yaml",
            "--answers",
            SCENARIOS / "answers" / f"{name}.yaml",
            "--endpoint-url",
            url,
            "--stack",
            STACK,
        )
        assert result.exit_code == 0, result.output
        assert users(clients, out["UserPoolId"]) == {}
        assert lambda_config(clients, out["UserPoolId"]) == {}
        assert table_items(clients, out["TableName"]) == []

    destroyed = scenario_cli("stack", "destroy", "--endpoint-url", url)
    assert destroyed.exit_code == 0, destroyed.output
    cfn, s3 = clients.client("cloudformation"), clients.client("s3")
    alive = [s for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert alive == []
    assert s3.list_buckets()["Buckets"] == []


def test_stack_command_needs_somewhere_to_deploy(scenario_cli):
    result = scenario_cli("stack", "deploy")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: the embedded local AWS lives only for the length of a run, so there is nothing to deploy into\n"
        "  hint: start `scenario serve` and pass --endpoint-url http://127.0.0.1:4566, or use --target aws\n"
    )


def test_run_against_an_endpoint_without_the_stack_says_how_to_deploy_it(scenario_run, server):
    url, _ = server
    result = scenario_run(SCENARIOS / "migrate_user.yaml", "--endpoint-url", url)
    assert result.exit_code == 1
    assert "scenario stack deploy" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_cleans_up_and_exits_130(write, server, signum):
    url, clients = server
    scenario = write("slow.yaml", "name: slow\nsteps:\n" + POOL_STEPS + "  - sleep: 60\n")
    env = {**os.environ, "CI": "true", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [str(BIN / "scenario-run"), str(scenario), "--endpoint-url", url],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    seen = ""
    while "[ok] app (aws_call)" not in seen and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
    assert "[ok] app (aws_call)" in seen, seen
    assert [p["Name"] for p in clients.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"]] == [
        "engine-test"
    ]
    time.sleep(0.3)  # into the sleep step
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, seen + stdout + stderr
    assert "[undo] pool (undo)  cognito-idp DeleteUserPool" in stdout
    assert "interrupted by Ctrl-C; cleaning up" in stderr
    assert "Traceback" not in stdout + stderr
    assert clients.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []


def test_scenario_serve_command_serves_until_interrupted(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "CI": "true", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [str(BIN / "scenario"), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        url = f"http://127.0.0.1:{port}"
        assert banner.startswith(f"Local AWS listening on {url} (outbox: {url}/_scenario/outbox)"), banner
        deploy = subprocess.run(
            [str(BIN / "scenario"), "stack", "deploy", "--endpoint-url", url],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert deploy.returncode == 0, deploy.stderr
        run = subprocess.run(
            [
                str(BIN / "scenario-run"),
                str(SCENARIOS / "migrate_user.yaml"),
                "--endpoint-url",
                url,
                "--stack",
                STACK,
                "--answers",
                str(SCENARIOS / "answers" / "migrate_user.yaml"),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        with urllib.request.urlopen(f"{url}/_scenario/outbox?username=migrated_user") as response:
            messages = json.load(response)["messages"]
        assert [m["kind"] for m in messages] == ["ForgotPassword"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Stopping." in out


def test_the_aws_target_code_path_against_the_local_server(server):
    """--target aws uses the default credential chain; AWS_ENDPOINT_URL (which boto3 honours) points
    it at the local server, so deploy, a run with waiters and log polling, and destroy are exercised
    end to end without an account."""
    url, clients = server
    env = {
        **os.environ,
        "CI": "true",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_ENDPOINT_URL": url,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        env.pop(name, None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / args[0]), *args[1:]], capture_output=True, text=True, env=env, timeout=180)

    deployed = run("scenario", "stack", "deploy", "--target", "aws")
    assert deployed.returncode == 0, deployed.stderr
    replay = run(
        "scenario-run",
        str(SCENARIOS / "activity_log.yaml"),
        "--target",
        "aws",
        "--answers",
        str(SCENARIOS / "answers" / "activity_log.yaml"),
    )
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "Wrote user info to DynamoDB table" in replay.stdout
    assert "[outbox]" not in replay.stdout  # no local outbox on the aws target
    needs_code = run(
        "scenario-run",
        str(SCENARIOS / "migrate_user.yaml"),
        "--target",
        "aws",
        "--answers",
        str(SCENARIOS / "answers" / "migrate_user.yaml"),
    )
    assert needs_code.returncode == 1  # on AWS the code comes by email: a replay must supply it
    assert "prompt 'code' needs an answer" in needs_code.stderr
    pools = clients.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"]
    assert len(pools) == 1 and clients.client("cognito-idp").list_users(UserPoolId=pools[0]["Id"])["Users"] == []
    destroyed = run("scenario", "stack", "destroy", "--target", "aws")
    assert destroyed.returncode == 0, destroyed.stderr
    assert clients.client("s3").list_buckets()["Buckets"] == []
