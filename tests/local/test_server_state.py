"""``scenario serve --state-dir``: the state survives a SIGTERM and a kill -9; a bad snapshot is a clear error."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from localaws import PASSWORD, Env

BIN = Path(sys.executable).parent
TEMPLATE = {
    "Resources": {"Topicless": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/kept/group"}}},
}


@contextmanager
def serving(state_dir: Path) -> Iterator[tuple[subprocess.Popen[str], Env]]:
    process = subprocess.Popen(
        [str(BIN / "scenario"), "serve", "--port", "0", "--state-dir", str(state_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    banner = process.stdout.readline()
    assert banner.startswith("Local AWS listening on "), banner + (process.stderr.read() if process.stderr else "")
    assert f"The state is kept in {state_dir}." in banner
    env = Env(banner.split()[4], None)
    try:
        yield process, env
    finally:
        env.close()
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def _fill(env: Env) -> dict[str, str]:
    """Something of every kind: a pool with a user and a trigger, a table with an item, a stack."""
    arn = env.trigger("pre", response={"autoConfirmUser": True})
    pool_id, client_id = env.pool({"PreSignUp": arn})
    env.sign_up(client_id, "ann")
    token = env.sign_in(client_id, "ann")["AuthenticationResult"]["AccessToken"]
    assert env.idp.get_user(AccessToken=token)["Username"] == "ann"  # verifying a token caches its public key
    dynamodb = env.client("dynamodb")
    dynamodb.create_table(
        TableName="kept",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="kept", Item={"id": {"S": "a"}, "n": {"N": "7"}})
    env.client("cloudformation").create_stack(StackName="kept-stack", TemplateBody=json.dumps(TEMPLATE))
    return {"pool_id": pool_id, "client_id": client_id}


def _check(env: Env, ids: dict[str, str]) -> None:
    assert env.sign_in(ids["client_id"], "ann", PASSWORD)["AuthenticationResult"]["AccessToken"]
    assert env.idp.admin_get_user(UserPoolId=ids["pool_id"], Username="ann")["UserStatus"] == "CONFIRMED"
    item = env.client("dynamodb").get_item(TableName="kept", Key={"id": {"S": "a"}})["Item"]
    assert item == {"id": {"S": "a"}, "n": {"N": "7"}}
    answer = env.lam.invoke(FunctionName="pre", Payload=b'{"response": {}}')
    assert "FunctionError" not in answer and json.loads(answer["Payload"].read()) == {
        "response": {"autoConfirmUser": True}
    }
    stack = env.client("cloudformation").describe_stacks(StackName="kept-stack")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    env.sign_up(ids["client_id"], "bob")  # the trigger still fires after the restart
    assert env.idp.admin_get_user(UserPoolId=ids["pool_id"], Username="bob")["UserStatus"] == "CONFIRMED"


def test_the_state_survives_sigterm_and_restart(tmp_path: Path) -> None:
    with serving(tmp_path) as (process, env):
        ids = _fill(env)
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        assert process.returncode == 0  # a clean stop
    with serving(tmp_path) as (_, env):
        _check(env, ids)


def test_the_state_survives_kill_9_after_a_second(tmp_path: Path) -> None:
    with serving(tmp_path) as (process, env):
        ids = _fill(env)
        answered = time.time()  # every change above was acknowledged by now
        snapshot = tmp_path / "state.pickle"
        pause = threading.Event()
        for _ in range(200):  # a snapshot taken after the last change comes within about a second
            if snapshot.exists() and snapshot.stat().st_mtime > answered:
                break
            pause.wait(0.05)
        # That one may have been taken just before the last change reached the backend: the next tick's has it.
        pause.wait(1.5)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    (tmp_path / ".state.pickle.99999.tmp").write_bytes(b"half a snapshot")  # as a kill mid-write leaves
    with serving(tmp_path) as (_, env):
        _check(env, ids)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.pickle"]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'{"not": "ours"}', "this is not a snapshot of scenario serve's state"),
        (b"scenario-serve-state 1\nmoto 0.0.1\nsha256 00\nxx", "the snapshot was written with moto 0.0.1"),
        (None, "the snapshot is torn or changed (its checksum does not match)"),
    ],
)
def test_a_torn_or_foreign_snapshot_stops_the_server_naming_the_file(
    tmp_path: Path, content: bytes | None, why: str
) -> None:
    snapshot = tmp_path / "state.pickle"
    if content is None:  # a real snapshot, cut short
        with serving(tmp_path) as (process, env):
            env.idp.create_user_pool(PoolName="p")
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        content = snapshot.read_bytes()[:-10]
    snapshot.write_bytes(content)
    result = subprocess.run(
        [str(BIN / "scenario"), "serve", "--port", "0", "--state-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: {snapshot}: {why}"), result.stderr
    assert "hint: " in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_without_a_state_dir_help_says_the_state_is_in_memory_only() -> None:
    result = subprocess.run([str(BIN / "scenario"), "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert "in memory only" in " ".join(result.stdout.split())
