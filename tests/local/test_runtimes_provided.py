"""provided.al2023 functions: the package's ``bootstrap`` runs behind the Runtime API. A Go PreSignUp
handler built offline from tests/fixtures/runtimes/provided (standard library only) through the real CLI,
on the embedded target and over `scenario serve`; bootstraps that cannot run here are clear errors."""

from __future__ import annotations

import io
import json
import os
import platform
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from localaws import Env, error_of
from support import PROJECT

from engine.local.server import LocalServer

FIXTURE = PROJECT / "tests" / "fixtures" / "runtimes" / "provided"


@pytest.fixture(scope="session")
def go_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixture with its bootstrap built (Go's build cache makes later sessions quick)."""
    if shutil.which("go") is None:
        pytest.skip("Go is not installed (apt-get install golang-go); .ci/run installs it")
    project = tmp_path_factory.mktemp("provided") / "provided"
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns("functions"))
    built = subprocess.run(["sh", str(project / "build.sh")], capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    return project


@pytest.fixture
def server() -> Iterator[str]:
    with LocalServer(port=0) as running:
        yield running.url


def test_a_go_bootstrap_reads_dynamodb_and_auto_confirms(scenario_run, go_project: Path) -> None:
    assert os.access(go_project / "functions" / "auto_confirm" / "bootstrap", os.X_OK)
    result = scenario_run(go_project / "scenario.yaml", "--non-interactive")
    assert result.exit_code == 0, result.output
    assert "PASSED scenario.yaml: 6 steps, 3 undone" in result.output


def test_the_go_bootstrap_over_scenario_serve(scenario_cli, scenario_run, go_project: Path, server: str) -> None:
    deployed = scenario_cli(
        "stack", "deploy", "--endpoint-url", server, "--stack", "go-trigger", "--template", go_project / "template.yaml"
    )
    assert deployed.exit_code == 0, deployed.output
    result = scenario_run(
        go_project / "scenario.yaml", "--endpoint-url", server, "--stack", "go-trigger", "--non-interactive"
    )
    assert result.exit_code == 0, result.output
    assert "PASSED scenario.yaml: 6 steps, 3 undone" in result.output


def bootstrap_zip(content: bytes, mode: int = 0o755) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = mode << 16
        archive.writestr(info, content)
    return buffer.getvalue()


def provided_function(env: Env, name: str, code: bytes, **extra: object) -> str:
    return str(
        env.lam.create_function(
            FunctionName=name,
            Runtime="provided.al2023",
            Role=env.role(),
            Handler="bootstrap",
            Code={"ZipFile": code},
            Timeout=2,
            **extra,
        )["FunctionArn"]
    )


def test_a_bootstrap_that_exits_at_init_is_a_runtime_exit_error(aws: Env) -> None:
    arn = provided_function(aws, "exits", bootstrap_zip(b"#!/bin/sh\necho 'no database configured'\nexit 3\n"))
    response = aws.lam.invoke(FunctionName="exits", Payload=b"{}", LogType="Tail")
    body = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled" and body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")
    _, client_id = aws.pool({"PreSignUp": arn})
    code, message = error_of(lambda: aws.sign_up(client_id, "otto"))
    assert code == "UserLambdaValidationException"
    assert message.startswith("PreSignUp failed with error RequestId: ")
    assert message.endswith(" Error: Runtime exited with error: exit status 3.")
    events = aws.client("logs").filter_log_events(logGroupName="/aws/lambda/exits")["events"]
    assert "no database configured\n" in [e["message"] for e in events]


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the messages name an x86_64 machine")
def test_bootstraps_that_cannot_run_here_are_clear_errors(local: Env) -> None:
    provided_function(local, "plain", bootstrap_zip(b"#!/bin/sh\n", mode=0o644))
    assert error_of(lambda: local.lam.invoke(FunctionName="plain", Payload=b"{}")) == (
        "InvalidRuntimeException",
        "function plain's bootstrap is not executable; zip it with its executable bit (chmod +x)",
    )
    provided_function(local, "arm", bootstrap_zip(b"#!/bin/sh\n"), Architectures=["arm64"])
    assert error_of(lambda: local.lam.invoke(FunctionName="arm", Payload=b"{}")) == (
        "InvalidRuntimeException",
        "function arm is built for arm64 (Architectures: [arm64]) and this machine is x86_64: build it for "
        "x86_64 and set Architectures: [x86_64] to run it locally",
    )
    arm_elf = b"\x7fELF\x02\x01\x01" + b"\0" * 11 + (183).to_bytes(2, "little") + b"\0" * 44
    provided_function(local, "arm-elf", bootstrap_zip(arm_elf))
    assert error_of(lambda: local.lam.invoke(FunctionName="arm-elf", Payload=b"{}")) == (
        "InvalidRuntimeException",
        "function arm-elf's bootstrap is built for arm64 and this machine is x86_64: build it for x86_64 "
        "(for Go: GOOS=linux GOARCH=amd64)",
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("main.go", "package main")
    provided_function(local, "unbuilt", buffer.getvalue())
    assert error_of(lambda: local.lam.invoke(FunctionName="unbuilt", Payload=b"{}")) == (
        "InvalidRuntimeException",
        "function unbuilt has no bootstrap at the top of its code package; a provided runtime runs the "
        "executable file named bootstrap",
    )


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the message names an x86_64 machine")
def test_validate_reports_an_arm64_function_with_its_template_line(scenario_cli, tmp_path: Path) -> None:
    template = (FIXTURE / "template.yaml").read_text(encoding="utf-8").replace("[x86_64]", "[arm64]")
    (tmp_path / "template.yaml").write_text(template, encoding="utf-8")
    scenario = (FIXTURE / "scenario.yaml").read_text(encoding="utf-8")
    (tmp_path / "scenario.yaml").write_text(scenario, encoding="utf-8")
    checked = scenario_cli("validate", tmp_path / "scenario.yaml")
    assert checked.exit_code == 2
    assert checked.stderr == (
        f"Error: {tmp_path / 'template.yaml'}:30:22: function PreSignUp is built for arm64, and this machine is "
        "x86_64\n  hint: build it for x86_64 and set Architectures: [x86_64] to run it locally, or run with "
        "--target aws\n"
    )
