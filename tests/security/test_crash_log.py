"""Crash logs: a private folder, a new 0600 file created exclusively, never through a symlink, secrets masked."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from engine.cli import crash_log
from engine.cli.error_handler import write_crash_log
from engine.secrets import Secrets


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "scenario-run" / "crashes"


def test_crash_log_is_private_exclusive_and_masked(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = Secrets()
    value = "Sup3r" + '"Secret&'
    secrets.add(value)
    monkeypatch.setattr("sys.argv", ["scenario-run", "x.yaml", "--answer", "password=hunter22", "--answer=pin=4321x"])
    try:
        raise RuntimeError(f"boom with {json.dumps({'password': value})}")
    except RuntimeError as exc:
        path = write_crash_log(exc)
    assert path.parent == state_dir
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(state_dir).st_mode) == 0o700
    text = path.read_text()
    assert "argv: ['scenario-run', 'x.yaml', '--answer', 'password=********', '--answer=pin=********']" in text
    for leaked in ("hunter22", "4321x", "Sup3r", 'Sup3r\\"Secret&'):
        assert leaked not in text
    del secrets


def test_planted_symlink_is_never_followed(state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    state_dir.parent.mkdir(parents=True)
    state_dir.symlink_to(tmp_path)  # the folder itself is a planted symlink
    monkeypatch.setattr(crash_log.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    path = crash_log.write_private("trace")
    assert path.parent == tmp_path / "tmp" / f"scenario-run-{os.getuid()}"
    assert victim.read_text() == "precious"


def test_an_existing_file_is_never_reused(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crash_log.secrets, "token_hex", lambda n: "fixed")
    first = crash_log.write_private("one")
    second_dir_file = first  # same name again: O_EXCL refuses, the next folder is used
    monkeypatch.setattr(crash_log.tempfile, "gettempdir", lambda: str(state_dir.parent / "tmp"))
    second = crash_log.write_private("two")
    assert second != second_dir_file and first.read_text() == "one"


def test_open_folder_is_closed_again(state_dir: Path) -> None:
    state_dir.mkdir(parents=True, mode=0o777)
    os.chmod(state_dir, 0o777)
    crash_log.write_private("x")
    assert stat.S_IMODE(os.stat(state_dir).st_mode) == 0o700
