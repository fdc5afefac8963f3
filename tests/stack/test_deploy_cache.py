"""The local deploy cache: a deploy restored from a snapshot when nothing it depends on changed, afresh otherwise."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from engine import stack
from engine.aws.clients import Clients
from engine.local import LocalAWS
from engine.stack import deploy_cache

ROOT = Path(__file__).resolve().parents[2]
CREATED = "Creating stack scenario-run-cognito"
RESTORED = "Stack scenario-run-cognito restored from the deploy cache"
# The migrate_user scenario prints the pool and function it configures: both come from the stack's outputs.
ADDED = re.compile(r"Lambda function (\S+) added to user pool (\S+)")

Run = Callable[[], str]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(deploy_cache.ENV, str(folder))
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's stack, handlers and migrate_user scenario, to change freely."""
    shutil.copytree(ROOT / "infra", tmp_path / "infra")
    shutil.copytree(ROOT / "triggers", tmp_path / "triggers", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "scenarios" / "answers").mkdir(parents=True)
    for name in ("migrate_user.yaml", "answers/migrate_user.yaml"):
        shutil.copy(ROOT / "scenarios" / name, tmp_path / "scenarios" / name)
    return tmp_path


@pytest.fixture
def run(project: Path, scenario_run, cache: Path) -> Run:
    def once() -> str:
        result = scenario_run(project / "scenarios" / "migrate_user.yaml", "--non-interactive", "--no-color")
        assert result.exit_code == 0, result.output
        return result.stdout

    return once


def test_a_cached_deploy_gives_the_same_outputs_and_working_triggers(run: Run, cache: Path) -> None:
    first = run()
    assert CREATED in first and RESTORED not in first
    [snapshot] = cache.glob("*.snapshot")
    assert cache.stat().st_mode & 0o777 == 0o700
    second = run()  # passes: the UserMigration trigger of the restored stack migrates the user
    assert RESTORED in second and CREATED not in second
    assert ADDED.findall(second) == ADDED.findall(first) != []
    assert list(cache.glob("*.snapshot")) == [snapshot]


def _change_template(project: Path) -> None:
    template = project / "infra" / "template.yaml"
    template.write_text(template.read_text() + "\n# changed\n")


def _change_moto(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy_cache, "moto_version", lambda: "0.0.0-another-moto")


@pytest.mark.parametrize("change", ["template", "moto version"])
def test_a_changed_template_or_moto_version_deploys_afresh(
    run: Run, project: Path, cache: Path, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run()
    if change == "template":
        _change_template(project)
    else:
        _change_moto(project, monkeypatch)
    again = run()
    assert CREATED in again and RESTORED not in again
    assert len(list(cache.glob("*.snapshot"))) == 2


def _deploy(triggers: Path) -> list[str]:
    """One cold process's deploy: a fresh local AWS, the project's template with ``triggers`` as its code."""
    logged: list[str] = []
    with LocalAWS() as local:
        clients = Clients.for_local(local.region)
        outputs = stack.deploy(clients, triggers_dir=triggers, log=logged.append)
        # The restored function runs the handler it was deployed with.
        answer = clients.client("lambda").invoke(FunctionName=outputs["AutoConfirmFunction"], Payload=b"{}")
        logged.append(answer["Payload"].read().decode())
        clients.close()
    return logged


def test_a_changed_handler_file_deploys_afresh(project: Path, cache: Path) -> None:
    triggers = project / "triggers"
    assert CREATED in " ".join(_deploy(triggers))
    assert RESTORED in " ".join(_deploy(triggers))
    handler = triggers / "auto_confirm.py"
    handler.write_text(handler.read_text() + "\n\ndef handler(event, context):\n    return {'changed': True}\n")
    changed = _deploy(triggers)
    assert CREATED in " ".join(changed) and changed[-1] == '{"changed": true}'
    again = _deploy(triggers)
    assert RESTORED in " ".join(again) and again[-1] == '{"changed": true}'


@pytest.mark.parametrize("damage", [b"", b"not a snapshot", b"{}\n\x80\x05garbage"])
def test_an_unreadable_snapshot_is_rebuilt(run: Run, cache: Path, damage: bytes) -> None:
    run()
    [snapshot] = cache.glob("*.snapshot")
    good = snapshot.read_bytes()
    snapshot.write_bytes(damage if damage else good[: len(good) // 2])
    rebuilt = run()
    assert CREATED in rebuilt
    assert RESTORED in run()


def test_the_cache_can_be_turned_off(run: Run, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(deploy_cache.ENV, "off")
    assert CREATED in run()
    assert CREATED in run()
    assert not cache.exists()


def test_the_cache_lives_in_the_users_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(deploy_cache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert deploy_cache.cache_dir() == tmp_path / "scenario-run" / "deploys"


def test_the_key_holds_every_input() -> None:
    base = {
        "stack_name": "s",
        "region": "us-east-1",
        "template_body": "Resources: {}",
        "parameters": {"A": "1"},
        "code": ["triggers:abc"],
        "moto": "5.2.1",
    }
    key = deploy_cache.deploy_key(**base)  # type: ignore[arg-type]
    for name, other in {
        "stack_name": "t",
        "region": "eu-west-1",
        "template_body": "Resources: {} ",
        "parameters": {"A": "2"},
        "code": ["triggers:abd"],
        "moto": "5.2.2",
    }.items():
        assert deploy_cache.deploy_key(**{**base, name: other}) != key, name  # type: ignore[arg-type]


def test_one_scenario_run_deploys_each_stack_once(project: Path, scenario_run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(deploy_cache.ENV, "off")
    first = project / "scenarios" / "migrate_user.yaml"
    second = project / "scenarios" / "migrate_again.yaml"
    shutil.copy(first, second)
    shutil.copy(
        project / "scenarios" / "answers" / "migrate_user.yaml", project / "scenarios" / "answers" / second.name
    )
    result = scenario_run(first, second, "--non-interactive", "--no-color")
    assert result.exit_code == 0, result.output
    assert result.stdout.count(CREATED) == 1 and result.stdout.count(RESTORED) == 1
    assert result.stdout.count("PASSED") == 2
