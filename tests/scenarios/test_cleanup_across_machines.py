"""Cleanup that holds across machines and lost networks, against `scenario serve`.

"Another machine" is a run with a state directory of its own (``SCENARIO_RUN_STATE_DIR``): it
cannot see the first run's local journal, only what the target keeps. The target's state is
read with plain boto3. Runs get ``SCENARIO_RUN_LEASE_TTL=1`` so that a killed run is dead within
a second instead of a minute; the tests poll for that, they never time anything.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_state import SCENARIOS, STACK, lambda_config, outputs, table_items, users
from support_faults import faults_env
from support_lost_server import kill_server_env

from engine.aws.clients import Clients
from engine.local.server import LocalServer

BIN = Path(sys.executable).parent
FAST_TTL = {"SCENARIO_RUN_LEASE_TTL": "1"}


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "CI": "true", **FAST_TTL, **(env or {})},
        timeout=timeout,
    )


def replay(url: str, name: str, state: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    answers = SCENARIOS / "answers" / f"{name}.yaml"
    return run(
        "scenario-run",
        str(SCENARIOS / f"{name}.yaml"),
        "--answers",
        str(answers),
        "--endpoint-url",
        url,
        "--stack",
        STACK,
        env={"SCENARIO_RUN_STATE_DIR": str(state), **(env or {})},
    )


def cleanup(url: str, state: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run("scenario", "cleanup", "--endpoint-url", url, *extra, env={"SCENARIO_RUN_STATE_DIR": str(state)})


def as_found(clients: Clients, out: dict[str, str]) -> tuple[object, object, object]:
    return (
        users(clients, out["UserPoolId"]),
        lambda_config(clients, out["UserPoolId"]),
        table_items(clients, out["TableName"]),
    )


def journals(state: Path) -> list[Path]:
    return sorted((state / "journals").glob("*.jsonl")) if (state / "journals").is_dir() else []


def deploy(url: str, state: Path) -> None:
    deployed = run("scenario", "stack", "deploy", "--endpoint-url", url, env={"SCENARIO_RUN_STATE_DIR": str(state)})
    assert deployed.returncode == 0, deployed.stderr


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Clients, dict[str, str]]]:
    with LocalServer(port=0) as running:
        deploy(running.url, tmp_path_factory.mktemp("deploy-state"))
        clients = Clients.for_local("us-east-1", endpoint_url=running.url)
        yield running.url, clients, outputs(clients)


def until_dead(url: str, state: Path) -> subprocess.CompletedProcess[str]:
    """`scenario cleanup --dry-run` once the killed run's heartbeat has lapsed (its TTL is a second)."""
    for _ in range(100):
        dry = cleanup(url, state, "--dry-run")
        assert dry.returncode == 0, dry.stdout + dry.stderr
        if "to undo" in dry.stdout:
            return dry
        time.sleep(0.2)
    raise AssertionError(dry.stdout)


def test_kill_9_then_cleanup_from_another_machine_leaves_the_target_as_found(served, tmp_path):
    url, clients, out = served
    before = as_found(clients, out)
    killed = replay(url, "migrate_user", tmp_path / "machine-a", env=faults_env("after:9:KILL"))
    assert killed.returncode == -9, killed.stdout + killed.stderr
    assert as_found(clients, out) != before
    other = tmp_path / "machine-b"
    dry = until_dead(url, other)
    assert f"of {SCENARIOS / 'migrate_user.yaml'} on {url}" in dry.stdout, dry.stdout
    assert "killed?): " in dry.stdout and "  - restore the Lambda triggers (UserMigration)" in dry.stdout
    assert f"Dry run: nothing was changed. Run `scenario cleanup --endpoint-url {url}`" in dry.stdout
    assert as_found(clients, out) != before  # a dry run changes nothing
    finished = cleanup(url, other)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "[undo] restore the Lambda triggers (UserMigration)" in finished.stdout
    assert as_found(clients, out) == before
    again = cleanup(url, other)
    assert again.returncode == 0 and again.stdout.startswith("Nothing to clean up"), again.stdout


def test_a_rerun_from_another_machine_finishes_the_dead_run_first(served, tmp_path):
    """Straight after the kill the dead run still holds the trigger's lease: the new run waits, takes it
    over, undoes the dead run's trigger and item, and only then records what it will restore."""
    url, clients, out = served
    before = as_found(clients, out)
    killed = replay(url, "migrate_user", tmp_path / "machine-a", env=faults_env("after:9:KILL"))
    assert killed.returncode == -9, killed.stdout + killed.stderr
    rerun = replay(url, "migrate_user", tmp_path / "machine-c")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "Finishing first the cleanup of a dead run" in rerun.stdout, rerun.stdout
    first = rerun.stdout.index("Finishing first")
    assert first < rerun.stdout.index("[ok] add_trigger (set_trigger)"), rerun.stdout
    assert as_found(clients, out) == before  # the leaked trigger was not restored as "the value before"
    assert cleanup(url, tmp_path / "machine-d").stdout.startswith("Nothing to clean up")


def test_a_live_runs_journal_is_left_alone(served, tmp_path, write):
    url, clients, out = served
    pool, arn = out["UserPoolId"], out["AutoConfirmFunctionArn"]
    scenario = write(
        "live.yaml",
        f"name: live\nsteps:\n  - set_trigger: {{user_pool_id: {pool}, trigger: PreSignUp, function_arn: '{arn}'}}\n"
        "  - sleep: 60\n",
    )
    env = {**os.environ, "CI": "true", "PYTHONUNBUFFERED": "1", **FAST_TTL}
    env["SCENARIO_RUN_STATE_DIR"] = str(tmp_path / "machine-a")
    live = subprocess.Popen(
        [str(BIN / "scenario-run"), str(scenario), "--endpoint-url", url],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert live.stdout is not None
        seen = ""
        while "[ok] set_trigger" not in seen:
            line = live.stdout.readline()
            assert line, seen
            seen += line
        time.sleep(1.5)  # past the TTL: only the heartbeat keeps the run alive now
        other = cleanup(url, tmp_path / "machine-b")
        assert other.returncode == 0, other.stdout + other.stderr
        assert "is alive (its heartbeat is recent): left alone" in other.stdout, other.stdout
        assert "PreSignUp" in lambda_config(clients, pool)
    finally:
        live.terminate()
        live.communicate(timeout=60)
    assert live.returncode == 130
    assert lambda_config(clients, pool) == {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [str(BIN / "scenario"), "serve", "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    assert "Local AWS listening on" in proc.stdout.readline()
    return proc


def test_a_server_lost_mid_run_is_exit_1_with_what_was_left_and_how_to_finish(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = _serve(port)
    state, home = tmp_path / "state", tmp_path / "xdg"
    crash_env = {"XDG_STATE_HOME": str(home)}
    try:
        deploy(url, tmp_path / "deploy")
        # after call 12 the migrated user, the known user's item and the trigger all exist
        lost = replay(url, "migrate_user", state, env={**kill_server_env(server.pid, "after:12"), **crash_env})
    finally:
        server.kill()
        server.communicate(timeout=30)
    text = lost.stdout + lost.stderr
    assert lost.returncode == 1, text
    assert f'EndpointConnectionError: Could not connect to the endpoint URL: "{url}/"' in lost.stderr, text
    assert "internal error" not in text and "Traceback" not in text, text
    assert not (home / "scenario-run" / "crashes").exists()
    assert "left behind: delete user 'migrated_user' from user pool" in lost.stderr, text
    assert "left behind: restore the Lambda triggers (UserMigration) of user pool" in lost.stderr, text
    assert f"run `scenario cleanup --endpoint-url {url}` to finish (journal: {state / 'journals'}" in lost.stderr
    (journal,) = journals(state)
    assert {"op": "end", "outcome": "failed"} in [json.loads(line) for line in journal.read_text().splitlines()]

    unreachable = cleanup(url, state)
    assert unreachable.returncode == 1, unreachable.stdout + unreachable.stderr
    assert f"cannot read the run journals kept on {url}: EndpointConnectionError" in unreachable.stderr
    assert "Traceback" not in unreachable.stderr

    noticed = run("scenario-run", str(SCENARIOS / "hello.yaml"), env={"SCENARIO_RUN_STATE_DIR": str(state)})
    assert "1 earlier run(s) ended before their cleanup was done (1 cleanup failed)" in noticed.stderr

    # The server's state was in memory: what the run left went with it, and its undos say so.
    server = _serve(port)
    try:
        finished = cleanup(url, state)
        assert finished.returncode == 0, finished.stdout + finished.stderr
        assert "[undo] delete user 'migrated_user' from user pool" in finished.stdout
        assert "(already gone)" in finished.stdout and "(the table is gone)" in finished.stdout, finished.stdout
        assert "(the user pool is gone)" in finished.stdout, finished.stdout
        assert journals(state) == []
    finally:
        server.kill()
        server.communicate(timeout=30)
