"""YAML bombs and odd files are bad input (exit 2, file:line, no traceback); merge keys work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BOMB = "name: x\nsteps:\n  - say: hi\nvars:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  {c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def validate(*args: object) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from engine.cli.main import main; main()", "validate", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env={**os.environ, "CI": "true"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BOMB, ":11:6: this value expands to more than 1,000,000 YAML nodes (aliases repeated inside aliases)"),
        ("name: x\nsteps:\n  - say: " + "[" * 600 + "]" * 600 + "\n", ":3:107: nesting deeper than 100 levels"),
        ("name: x\nsteps:\n  - sleep: .nan\n", ":3:12: '.nan' is not a finite number"),
        ("a: &a [*a]\n", ":1:4: recursive alias: a value contains itself"),
    ],
)
def test_yaml_bombs_are_bad_input(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    result = validate(path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == f"Error: {path}{message}"
    assert "Traceback" not in result.stderr


def test_odd_files_are_bad_input(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    for path, reason in [
        (fifo, "not a regular file"),
        ("/dev/zero", "not a regular file"),
        (tmp_path, "not a regular file"),
    ]:
        result = validate(path)
        assert result.returncode == 2, path
        assert result.stderr.splitlines()[0] == f"Error: cannot read {path}: {reason}"
    result = validate(binary)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        f"Error: {binary}:1:1: not UTF-8 text: byte 0xff cannot start or continue a character"
    )


def test_binary_stack_template_is_bad_input(scenario_run, write, tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_bytes(b"\x00\xff\xfe binary")
    path = write("s.yaml", "name: s\nstack: {name: s, template: t.yaml}\nsteps:\n  - say: hi\n")
    result = scenario_run(path)
    assert result.exit_code == 2
    assert f"Error: {tmp_path / 't.yaml'}:1:2: not UTF-8 text: byte 0xff cannot start" in result.stderr


def test_merge_keys_override_as_yaml_defines(scenario_run, write) -> None:
    path = write(
        "m.yaml",
        "name: m\nvars:\n  base: &b {a: one, b: two}\n  over:\n    <<: *b\n    a: three\n"
        'steps:\n  - say: "{{ vars.over.a }} {{ vars.over.b }}"\n',
    )
    result = scenario_run(path)
    assert result.exit_code == 0, result.output
    assert "three two" in result.stdout


def test_a_key_written_twice_is_still_a_duplicate(scenario_cli, write) -> None:
    path = write("d.yaml", "name: m\nname: n\nsteps:\n  - say: hi\n")
    result = scenario_cli("validate", path)
    assert result.exit_code == 2 and result.stderr.startswith(
        f"Error: {path}:2:1: duplicate key 'name' (first at line 1)"
    )
