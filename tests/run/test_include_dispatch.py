"""An included file's steps run on a dispatcher of their own: their ids and folder, the run's undo."""

from __future__ import annotations

import json

INNER = """\
params: [word]
steps:
  - id: greet
    say: "inner {{ params.word }}"
"""

MIDDLE = """\
params: [word]
steps:
  - id: inner
    include: {file: inner.yaml, with: {word: "{{ params.word }}"}}
  - id: after
    say: "middle {{ params.word }}"
"""


def test_an_include_inside_an_include_prefixes_each_id_once(scenario_run, write, tmp_path):
    write("parts/inner.yaml", INNER)
    write("parts/middle.yaml", MIDDLE)
    scenario = write(
        "main.yaml",
        """\
name: nested
steps:
  - id: outer
    include: {file: parts/middle.yaml, with: {word: hi}}
  - say: "{{ steps.outer.result.inner.result.greet.status }}"
""",
    )
    log = tmp_path / "t.jsonl"
    result = scenario_run(scenario, "--transcript", log)
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["id"] for line in log.read_text().splitlines()]
    assert ids == ["outer/inner/greet", "outer/inner", "outer/after", "outer", "say"]
    assert "inner hi\n" in result.stdout and "middle hi\n" in result.stdout and "\nok\n" in result.stdout
