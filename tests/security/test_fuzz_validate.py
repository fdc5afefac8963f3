"""A seeded fuzz of the shipped scenarios through `scenario validate`: only exit 0, or exit 2 at file:line.

Each mutation takes a shipped scenario and either puts a hostile value at a random place of its
data (null, 1e308, 2**64, a NUL, deep nesting, an empty container, a template that does not
parse...), or puts a NUL byte or an invalid UTF-8 byte at a random place of its text. Never exit
3, never a traceback, never a byte or character offset instead of a line.

CI runs a sample of 30 mutations; SCENARIO_RUN_FULL_SWEEP=1 runs all 500 (same seed, so the
sample is the first 30 of the full sweep).
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((PROJECT / "scenarios").glob("*.yaml"))
FULL = os.environ.get("SCENARIO_RUN_FULL_SWEEP") == "1"
COUNT = 500 if FULL else 30
SEED = 22

HOSTILE: list[object] = [
    None,
    1e308,
    -1e308,
    2**64,
    -(2**64),
    0,
    True,
    "",
    "\0",
    "a\0b",
    "{{",
    "{{ x.__class__ }}",
    [],
    {},
    [None],
    {"": None},
    {2**64: 1},
    "x" * 5000,
]
WHERE = re.compile(r"^Error: (?P<file>[^\n:]+):(?P<line>\d+)(?::\d+)?: ", re.MULTILINE)


DEEP = "deep-nesting-goes-here"


def _places(data: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found.extend(_places(value, (*path, key)))
            found.append((*path, ("key", key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.extend(_places(value, (*path, i)))
    return found


def _put(data: object, path: tuple[object, ...], value: object) -> object:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, tuple) and isinstance(data, dict):  # replace a key: its value stays
        old = head[1]
        return {
            (value if k == old and isinstance(value, str | int | float | bool | None) else k): v
            for k, v in data.items()
        }
    if isinstance(data, dict):
        return {k: (_put(v, rest, value) if k == head else v) for k, v in data.items()}
    if isinstance(data, list) and isinstance(head, int):
        return [(_put(v, rest, value) if i == head else v) for i, v in enumerate(data)]
    return data


def mutation(number: int) -> tuple[str, bytes]:
    rng = random.Random(SEED * 100_000 + number)
    source = rng.choice(SCENARIOS)
    text = source.read_bytes()
    kind = rng.random()
    if kind < 0.25:
        at = rng.randrange(len(text))
        return f"{source.name}: byte {rng.choice(['NUL', 'xff', 'xc3'])} at {at}", _insert_byte(rng, text, at)
    data = yaml.safe_load(text)
    path = rng.choice(_places(data))
    value = DEEP if rng.random() < 0.1 else rng.choice(HOSTILE)
    mutated = _put(data, path, value)
    dumped = yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False, width=1 << 20)
    depth = rng.choice([40, 150, 5000])
    # Written as text: building it as data would take Python's own recursion past its limit first.
    dumped = dumped.replace(DEEP, "[" * depth + "]" * depth)
    return f"{source.name}: {path!r} = {str(value)[:40]!r}", dumped.encode("utf-8")


def _insert_byte(rng: random.Random, text: bytes, at: int) -> bytes:
    byte = rng.choice([b"\x00", b"\xff", b"\xc3"])
    return text[:at] + byte + text[at:]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's layout whose scenarios folder takes the mutated files (paths resolve as shipped)."""
    root = tmp_path_factory.mktemp("fuzz")
    (root / "scenarios").mkdir()
    for name in ("infra", "schema"):
        (root / name).symlink_to(PROJECT / name)
    for name in ("answers", "functions"):
        (root / "scenarios" / name).symlink_to(PROJECT / "scenarios" / name)
    return root


@pytest.mark.parametrize("number", range(COUNT))
def test_a_mutated_scenario_is_valid_or_bad_input_at_a_line(scenario_cli, project, number):
    what, data = mutation(number)
    path = project / "scenarios" / f"fuzz_{number}.yaml"
    path.write_bytes(data)
    result = scenario_cli("validate", path)
    context = f"mutation {number} ({what}):\n{result.output}"
    assert result.exit_code in (0, 2), context
    assert "Traceback" not in result.output and "internal error" not in result.output, context
    if result.exit_code == 2:
        assert WHERE.search(result.stderr), context
        assert "position" not in result.stderr and "(byte" not in result.stderr, context
