"""Cleanup you can trust, against `scenario serve` (state outlives each run's process).

A run killed with SIGKILL at chosen AWS calls or inside its cleanup, then `scenario cleanup`,
leaves the stack exactly as found; SIGTERM/SIGINT at chosen calls (with and without latency)
leave nothing and exit 130; runs that share one pool, at once or interleaved on purpose, leave
its triggers and table exactly as they found them.

CI runs a fixed sample of the moments; SCENARIO_RUN_FULL_SWEEP=1 runs every one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_state import SCENARIOS, STACK, lambda_config, outputs, table_items, users
from support_faults import faults_env

from engine.aws.clients import Clients
from engine.local.server import LocalServer

BIN = Path(sys.executable).parent
FULL = os.environ.get("SCENARIO_RUN_FULL_SWEEP") == "1"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Clients, dict[str, str]]]:
    with LocalServer(port=0) as running:
        env = {**os.environ, "SCENARIO_RUN_STATE_DIR": str(tmp_path_factory.mktemp("deploy-state"))}
        deployed = subprocess.run(
            [str(BIN / "scenario"), "stack", "deploy", "--endpoint-url", running.url],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert deployed.returncode == 0, deployed.stderr
        clients = Clients.for_local("us-east-1", endpoint_url=running.url)
        yield running.url, clients, outputs(clients)


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "CI": "true", **(env or {})},
        timeout=timeout,
    )


def replay(url: str, name: str, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run(
        "scenario-run",
        str(SCENARIOS / f"{name}.yaml"),
        "--answers",
        str(SCENARIOS / "answers" / f"{name}.yaml"),
        "--endpoint-url",
        url,
        "--stack",
        STACK,
        *extra,
        env=env,
    )


def as_found(clients: Clients, out: dict[str, str]) -> tuple[object, object, object]:
    return (
        users(clients, out["UserPoolId"]),
        lambda_config(clients, out["UserPoolId"]),
        table_items(clients, out["TableName"]),
    )


def journals(state: Path) -> list[Path]:
    return sorted((state / "journals").glob("*.jsonl")) if (state / "journals").is_dir() else []


def step_calls(url: str, tmp_path: Path, name: str) -> int:
    log = tmp_path / "t.jsonl"
    done = replay(url, name, "--transcript", str(log))
    assert done.returncode == 0, done.stdout + done.stderr
    return sum(len(r["aws_calls"]) for r in map(json.loads, log.read_text().splitlines()) if r["phase"] == "steps")


def _moments(calls: int) -> list[str]:
    every = [f"{w}:{n}" for n in range(1, calls + 1) for w in ("before", "after")] + ["undo:1", "undo:2"]
    if FULL:
        return every
    return [m for i, m in enumerate(every) if i % 5 == 2] + ["undo:1", "undo:2"]


def test_kill_9_then_scenario_cleanup_leaves_the_stack_as_found(served, tmp_path, _private_state_dir):
    url, clients, out = served
    before = as_found(clients, out)
    calls = step_calls(url, tmp_path, "migrate_user")
    for moment in _moments(calls):
        killed = replay(url, "migrate_user", env=faults_env(f"{moment}:KILL"))
        assert killed.returncode == -9, f"{moment}: {killed.stdout}{killed.stderr}"
        finished = run("scenario", "cleanup")
        context = f"{moment}:\n{killed.stdout}\n{finished.stdout}{finished.stderr}"
        assert finished.returncode == 0, context
        assert as_found(clients, out) == before, context
        assert journals(_private_state_dir) == [], context
        again = run("scenario", "cleanup")
        assert again.returncode == 0 and again.stdout.startswith("Nothing to clean up"), context


def test_scenario_cleanup_dry_run_shows_and_changes_nothing(served, _private_state_dir):
    url, clients, out = served
    before = as_found(clients, out)
    killed = replay(url, "migrate_user", env=faults_env("after:9:KILL"))
    assert killed.returncode == -9
    (journal,) = journals(_private_state_dir)
    dry = run("scenario", "cleanup", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"Run {journal.stem} of {SCENARIOS / 'migrate_user.yaml'} on {url}" in dry.stdout
    assert "  - restore the Lambda triggers (UserMigration) of user pool" in dry.stdout
    assert "Dry run: nothing was changed." in dry.stdout
    assert journals(_private_state_dir) == [journal] and as_found(clients, out) != before
    noticed = replay(url, "hello")
    assert "1 earlier run(s) ended before their cleanup was done (1 killed?)" in noticed.stderr
    assert run("scenario", "cleanup").returncode == 0
    assert as_found(clients, out) == before


@pytest.mark.parametrize("latency", ["0", "0.1"], ids=["fast", "latency"])
@pytest.mark.parametrize("name", ["TERM", "INT"])
def test_a_signal_at_any_moment_cleans_up_and_exits_130(served, tmp_path, _private_state_dir, name, latency):
    url, clients, out = served
    before = as_found(clients, out)
    # The full sweep signals at every call the steps make, as many as a run makes now (not a number written here).
    moments = (
        ["before:1", "after:5", "before:9", "after:12"]
        if not FULL
        else _moments(step_calls(url, tmp_path, "migrate_user"))
    )
    for moment in moments:
        env = faults_env(f"{moment}:{name}", latency)
        stopped = replay(url, "migrate_user", env=env)
        context = f"{moment}:\n{stopped.stdout}{stopped.stderr}"
        assert stopped.returncode == 130, context
        assert as_found(clients, out) == before, context
        assert journals(_private_state_dir) == [], context
        assert "left behind" not in stopped.stderr, context


def test_a_second_signal_during_cleanup_is_finished_by_scenario_cleanup(served, _private_state_dir):
    url, clients, out = served
    before = as_found(clients, out)
    # The first signal stops the steps; the scenario's own cleanup steps then run; a second one
    # lands on the first undo, and again when it is tried once more: whatever is left stays in the
    # journal.
    stopped = replay(url, "migrate_user", env=faults_env("after:9:TERM,undo:1:INT:every"))
    assert stopped.returncode == 130, stopped.stdout + stopped.stderr
    assert len(journals(_private_state_dir)) == 1 and as_found(clients, out) != before, stopped.stderr
    finished = run("scenario", "cleanup")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert as_found(clients, out) == before
    assert journals(_private_state_dir) == []


def test_runs_that_share_a_pool_leave_it_as_found(served):
    url, clients, out = served
    before = as_found(clients, out)
    runs = [
        ("auto_confirm", "--answer", "user=test_user_1"),
        ("auto_confirm", "--answer", "user=test_user_2"),
        ("migrate_user", "--answer", "username=m_one", "--answer", "email=m_one@example.com"),
        ("migrate_user", "--answer", "username=m_two", "--answer", "email=m_two@example.com"),
        ("activity_log",),
    ]
    procs = [
        subprocess.Popen(
            [
                str(BIN / "scenario-run"),
                str(SCENARIOS / f"{name}.yaml"),
                "--answers",
                str(SCENARIOS / "answers" / f"{name}.yaml"),
                "--endpoint-url",
                url,
                "--stack",
                STACK,
                *extra,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "CI": "true"},
        )
        for name, *extra in runs
    ]
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stdout + stderr
    assert as_found(clients, out) == before


def test_an_interleaving_that_used_to_lose_a_trigger(served, write):
    """A sets PreSignUp; B sets UserMigration; A cleans up first, then B. With whole-LambdaConfig
    snapshots A's restore wiped B's trigger and B's restore brought A's back; each undo now restores
    only its own key. The runs wait for each other by polling the pool: no timing guesses."""
    url, clients, out = served
    pool, arn = out["UserPoolId"], out["AutoConfirmFunctionArn"]
    watch = (
        "  - aws_call: {{service: cognito-idp, operation: DescribeUserPool, params: {{UserPoolId: {pool}}}}}\n"
        '    retry: {{until: "{cond}", attempts: 100, delay: 0.2}}\n'
    )
    a = write(
        "a.yaml",
        f"name: a\nsteps:\n  - set_trigger: {{user_pool_id: {pool}, trigger: PreSignUp, function_arn: '{arn}'}}\n"
        + watch.format(pool=pool, cond="'UserMigration' in result.UserPool.LambdaConfig"),
    )
    b = write(
        "b.yaml",
        f"name: b\nsteps:\n  - set_trigger: {{user_pool_id: {pool}, trigger: UserMigration, function_arn: '{arn}'}}\n"
        + watch.format(pool=pool, cond="'PreSignUp' not in result.UserPool.LambdaConfig")
        + "    assert: \"'UserMigration' in result.UserPool.LambdaConfig\"\n",  # A's cleanup left B's trigger
    )
    env = {**os.environ, "CI": "true", "PYTHONUNBUFFERED": "1"}
    first = subprocess.Popen(
        [str(BIN / "scenario-run"), str(a), "--endpoint-url", url],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert first.stdout is not None
    seen = ""
    while "[ok] set_trigger" not in seen:
        line = first.stdout.readline()
        assert line, seen
        seen += line
    second = run("scenario-run", str(b), "--endpoint-url", url)
    stdout, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, seen + stdout + stderr
    assert second.returncode == 0, second.stdout + second.stderr
    assert lambda_config(clients, pool) == {}


def test_runs_that_need_the_same_trigger_take_turns(served, write):
    url, clients, out = served
    pool, arn = out["UserPoolId"], out["AutoConfirmFunctionArn"]
    text = (
        f"name: turn\nsteps:\n  - set_trigger: {{user_pool_id: {pool}, trigger: PreSignUp, function_arn: '{arn}'}}\n"
        "  - sleep: 1\n"
    )
    scenario = write("turn.yaml", text)
    procs = [
        subprocess.Popen(
            [str(BIN / "scenario-run"), str(scenario), "--endpoint-url", url],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "CI": "true"},
        )
        for _ in range(2)
    ]
    outputs_ = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs_
    assert any("[wait] lease (lease)  waiting for the lease on cognito:" in o for o, _ in outputs_), outputs_
    assert lambda_config(clients, pool) == {}


@pytest.mark.parametrize("delay", [0.6, 1.2, 2.0])
@pytest.mark.parametrize("name", ["TERM", "INT"])
def test_a_signal_during_start_up_exits_130(write, name, delay):
    scenario = write("slow.yaml", "name: slow\nsteps:\n  - sleep: 30\n")
    proc = subprocess.Popen(
        [str(BIN / "scenario-run"), str(scenario)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI": "true"},
    )
    time.sleep(delay)
    proc.send_signal(getattr(signal, f"SIG{name}"))
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stdout + stderr
    assert "Traceback" not in stdout + stderr
