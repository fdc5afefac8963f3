"""Shared helpers: run the real CLI in-process (click's CliRunner) and write scenario files."""

from __future__ import annotations

import signal
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.aws import along
from engine.cli.main import _scenario_run, main

# A test suite started in the background by a shell inherits SIGINT ignored, and so would every
# process a test starts; the tests that interrupt a run need it delivered as a person would.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _writes_along_afresh(monkeypatch: pytest.MonkeyPatch):
    """Each test learns afresh which endpoints take writes along (``engine.aws.along``): a port an earlier
    test's server had is another server now; and nothing a failed test left waiting goes with a later call."""
    monkeypatch.setattr(along, "_SUPPORTING", set())
    yield
    along._PENDING.along = None
    along._PENDING.end = None


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _invoke(command: object, args: list[str], env: dict[str, str] | None, input: str | None) -> CliResult:
    runner = CliRunner()
    result = runner.invoke(
        command,
        [str(a) for a in args],
        input=input,  # type: ignore[arg-type]
        env={"CI": "true", **(env or {})},
        catch_exceptions=False,
    )
    return CliResult(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's run journals in a folder of its own, never the user's state directory."""
    folder = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("SCENARIO_RUN_STATE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _no_deploy_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test deploys afresh, and nothing is written to the user's cache (tests of the cache set their own)."""
    monkeypatch.setenv("SCENARIO_RUN_DEPLOY_CACHE", "off")


@pytest.fixture
def scenario_run():
    """``scenario_run(*args)``: the ``scenario-run`` command, in-process."""

    def run(*args: object, env: dict[str, str] | None = None, input: str | None = None) -> CliResult:
        return _invoke(_scenario_run, [str(a) for a in args], env, input)

    return run


@pytest.fixture
def scenario_cli():
    """``scenario_cli(*args)``: the ``scenario`` command group, in-process."""

    def run(*args: object, env: dict[str, str] | None = None, input: str | None = None) -> CliResult:
        return _invoke(main, [str(a) for a in args], env, input)

    return run


@pytest.fixture
def write(tmp_path: Path):
    """``write(name, text)``: a dedented file in a temporary folder; returns its path."""

    def make(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return make
