"""From a run by hand to a CI replay: --save-answers on a terminal, then a replay from that file,
with the secret answers supplied through the environment; and reports written after Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from support import POOL_STEPS
from test_interactive import BIN, Terminal

PASSWORDS = ("weakpassword", "Str0ng-Passw0rd!")
SCENARIO = (
    "name: Saved answers\nsteps:\n"
    + POOL_STEPS
    + """\
  - prompt: {id: username, text: "Username:"}
  - prompt: {id: password, type: password, text: "Password:", min_length: 8, retry_text: "Another password:"}
  - id: sign_up
    sign_up:
      client_id: "{{ steps.app.result.UserPoolClient.ClientId }}"
      user_name: "{{ answers.username }}"
      password: "{{ answers.password }}"
      email: someone@example.com
    retry: {on_error: InvalidPasswordException, reprompt: password, attempts: 3}
"""
)


def test_an_interactive_run_saves_answers_that_replay_green(tmp_path: Path):
    scenario = tmp_path / "flow.yaml"
    scenario.write_text(SCENARIO)
    saved = tmp_path / "flow.answers.yaml"
    term = Terminal(str(BIN / "scenario-run"), str(scenario), "--save-answers", str(saved))
    term.expect("Username:")
    term.type("alice")
    term.expect("Password:")
    term.type(PASSWORDS[0])
    term.expect("Another password:")
    term.type(PASSWORDS[1])
    term.expect(r"\(y/n\)\?")
    term.type("y")
    term.expect("PASSED flow.yaml")
    term.expect("before replaying")
    assert term.proc.wait(timeout=60) == 0, term.screen
    os.close(term.master)
    text = saved.read_text()
    assert "export SCENARIO_SECRET_PASSWORD_1, SCENARIO_SECRET_PASSWORD_2 before replaying" in term.screen
    assert not any(password in text for password in PASSWORDS)
    assert text.splitlines()[2:] == [
        "username: alice",
        "password:",
        "- env: SCENARIO_SECRET_PASSWORD_1",
        "- env: SCENARIO_SECRET_PASSWORD_2",
        "remove_resources: true",
    ]

    env = {**os.environ, "CI": "true", "SCENARIO_SECRET_PASSWORD_1": PASSWORDS[0]}
    env["SCENARIO_SECRET_PASSWORD_2"] = PASSWORDS[1]
    # No --answers: flow.answers.yaml next to flow.yaml is found by convention.
    replay = subprocess.run([str(BIN / "scenario-run"), str(scenario)], env=env, capture_output=True, text=True)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert f"answers: {saved}" in replay.stdout
    assert "[retry] sign_up (sign_up)  InvalidPasswordException" in replay.stdout
    assert not any(password in replay.stdout + replay.stderr for password in PASSWORDS)


def test_reports_are_written_after_ctrl_c(tmp_path: Path):
    scenario = tmp_path / "flow.yaml"
    scenario.write_text(SCENARIO)
    junit, summary = tmp_path / "j.xml", tmp_path / "s.json"
    term = Terminal(str(BIN / "scenario-run"), str(scenario), "--junit", str(junit), "--json", str(summary))
    term.expect("Username:")
    time.sleep(0.5)
    term.proc.send_signal(signal.SIGINT)
    assert term.proc.wait(timeout=60) == 130, term.screen
    os.close(term.master)
    document = json.loads(summary.read_text())
    assert document["exit_code"] == 130
    statuses = {step["id"]: step["status"] for step in document["scenarios"][0]["steps"]}
    assert statuses == {"pool": "ok", "app": "ok", "username": "failed", "password": "skipped", "sign_up": "skipped"}
    cases = ET.parse(junit).getroot().iter("testcase")
    assert [case.get("name") for case in cases] == [
        "pool (aws_call)",
        "app (aws_call)",
        "username (prompt)",
        "password (prompt)",
        "sign_up (sign_up)",
        "pool (undo)",
    ]
