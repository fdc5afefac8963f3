"""``scenario-run FILE...`` on the embedded local AWS: each file starts from an empty backend, which is one
backend emptied between the files (``engine.local.activation.kept``), and a function's warm environment
carries into a later file that restores the same stack."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from moto.core.models import MockAWS

from engine.aws.clients import Clients
from engine.local import LocalAWS, activation
from engine.local.awslambda import runtime
from engine.stack import deploy_cache

ROOT = Path(__file__).resolve().parents[2]
REPORT = re.compile(r"^\tREPORT RequestId: .*$", re.MULTILINE)

LEAVES_A_TOPIC = """\
name: leaves a topic
steps:
  - aws_call: {service: sns, operation: CreateTopic, params: {Name: left-behind}}
"""
MAKES_A_POOL = """\
name: makes a pool
steps:
  - aws_call: {service: cognito-idp, operation: CreateUserPool, params: {PoolName: kept}}
"""
SEES_NO_TOPIC = """\
name: sees no topic
steps:
  - id: topics
    aws_call: {service: sns, operation: ListTopics}
    assert: result.Topics == []
  - id: pools
    list_user_pools: {max_results: 10}
    assert: result.count == 0
"""


def test_each_file_starts_from_an_empty_backend(scenario_run, write) -> None:
    first = write("a.yaml", LEAVES_A_TOPIC)
    pool = write("b.yaml", MAKES_A_POOL)
    second = write("c.yaml", SEES_NO_TOPIC)
    result = scenario_run(first, pool, second, "--non-interactive", "--no-color")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("PASSED") == 3
    # Once the command is done, mock_aws is off: nothing of the run stays active in the process.
    assert MockAWS._nested_count == 0 and not activation.active()


def test_a_later_files_trigger_is_a_warm_start(scenario_run, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(deploy_cache.ENV, "off")
    for folder in ("infra", "triggers"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "scenarios" / "answers").mkdir(parents=True)
    files = []
    for name in ("first", "second"):
        shutil.copy(ROOT / "scenarios" / "migrate_user.yaml", tmp_path / "scenarios" / f"{name}.yaml")
        answers = tmp_path / "scenarios" / "answers" / f"{name}.yaml"
        shutil.copy(ROOT / "scenarios" / "answers" / "migrate_user.yaml", answers)
        files.append(tmp_path / "scenarios" / f"{name}.yaml")
    result = scenario_run(*files, "--non-interactive", "--no-color")
    assert result.exit_code == 0, result.output
    first, second = result.stdout.split("Stack scenario-run-cognito restored from the deploy cache", 1)
    # The UserMigration function starts cold in the first file, and its environment takes the second's event.
    [cold] = REPORT.findall(first)
    [warm] = REPORT.findall(second)
    assert "Init Duration: " in cold and "Init Duration" not in warm


ECHO = "def handler(event, context):\n    return {'stream': context.log_stream_name}\n"


def _function(clients: Clients, environment: dict[str, str] | None = None) -> str:
    """Make and invoke a function; its answer."""
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", ECHO)
    role = clients.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = clients.client("lambda")
    lam.create_function(
        FunctionName="echo",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": code.getvalue()},
        Environment={"Variables": environment or {}},
    )
    return str(lam.invoke(FunctionName="echo", Payload=b"{}")["Payload"].read().decode())


def test_an_environment_not_invoked_in_a_file_ends_with_it() -> None:
    with activation.kept():
        with LocalAWS() as local:
            clients = Clients.for_local(local.region)
            _function(clients)
            clients.close()
        assert list(runtime._instances) != [] and MockAWS._nested_count == 1  # emptied in place, still on
        with LocalAWS() as local:  # a file that invokes nothing
            clients = Clients.for_local(local.region)
            assert clients.client("lambda").list_functions()["Functions"] == []
            clients.close()
        assert runtime._instances == {}
    assert MockAWS._nested_count == 0


def test_a_function_process_not_invoked_in_a_file_ends_with_it() -> None:
    from engine.local.awslambda import out_of_process
    from engine.local.awslambda.runtimes import OUT_OF_PROCESS_VARIABLE

    with activation.kept():
        with LocalAWS() as local:
            clients = Clients.for_local(local.region)
            _function(clients, {OUT_OF_PROCESS_VARIABLE: "1"})
            clients.close()
        [[warm]] = out_of_process._warm.values()
        assert warm.process.exit_status() is None  # invoked in this file: still running for the next
        with LocalAWS():
            pass
        assert out_of_process._warm == {} and warm.process.exit_status() is not None


@pytest.mark.parametrize("kept", [True, False])
def test_a_later_user_finds_empty_backends_either_way(kept: bool) -> None:
    with activation.kept() if kept else contextlib.nullcontext():
        with LocalAWS() as local:
            clients = Clients.for_local(local.region)
            _function(clients)
            clients.client("sns").create_topic(Name="t")
            clients.close()
        with LocalAWS() as local:
            clients = Clients.for_local(local.region)
            assert clients.client("sns").list_topics()["Topics"] == []
            assert clients.client("iam").list_roles()["Roles"] == []
            clients.close()
