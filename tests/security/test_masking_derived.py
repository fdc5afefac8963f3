"""A secret is masked in the forms a template derives from it, in the console and the transcript:
Jinja's ``tojson`` (``\\u003c``, ``\\u0027``), ``urlencode``, unicode escapes and base64, alone or
inside a longer value (``user:secret``, as in a Basic auth header)."""

from __future__ import annotations

import base64
import json
import urllib.parse
from pathlib import Path

from jinja2.utils import htmlsafe_json_dumps

PASSWORD = "Pä\"ss <wörd>&'Xy9"

SCENARIO = """\
name: derived
steps:
  - prompt: {id: password, type: password, text: Password}
  - say: "tojson {{ answers.password | tojson }} urlencode {{ answers.password | urlencode }}"
  - say: "b64 {{ answers.password | b64encode }} basic {{ ('alice:' ~ answers.password) | b64encode }}"
  - say: "basic2 {{ ('al:' ~ answers.password ~ ':x') | b64encode }} json {{ {'p': answers.password} | to_json }}"
"""


def derived(value: str) -> list[str]:
    raw = value.encode()
    return [
        value,
        str(htmlsafe_json_dumps(value))[1:-1],
        json.dumps(value)[1:-1],
        urllib.parse.quote(value, safe="/"),
        value.encode("unicode_escape").decode("ascii"),
        base64.b64encode(raw).decode(),
        base64.b64encode(b"alice:" + raw).decode()[8:-4],  # the part only the secret decides
        base64.b64encode(b"al:" + raw + b":x").decode()[4:-4],
    ]


def test_derived_forms_never_reach_the_console_or_transcript(scenario_run, write, tmp_path: Path) -> None:
    scenario = write("derived.yaml", SCENARIO)
    secret_file = write("pw.txt", PASSWORD + "\n")
    answers = write("answers.yaml", f"password: {{file: {secret_file}}}\n")
    transcript = tmp_path / "t.jsonl"
    result = scenario_run(scenario, "--answers", answers, "--transcript", transcript)
    assert result.exit_code == 0, result.output
    assert "tojson " in result.output and "basic " in result.output
    for text in (result.output, transcript.read_text()):
        for form in derived(PASSWORD):
            assert form not in text, form
