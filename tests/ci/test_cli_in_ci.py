"""scenario-run in CI: data on stdout, reports on every exit with stable names, filters, annotations."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from support import POOL_STEPS

BIN = Path(sys.executable).parent


def ok(name: str, tags: str) -> str:
    return f"name: {name}\ntags: [{tags}]\nsteps:\n" + POOL_STEPS + f"  - say: done {name}\n"


FAILS = (
    "name: Fails\nsteps:\n"
    + POOL_STEPS
    + """\
  - id: describe
    aws_call: {service: cognito-idp, operation: DescribeUserPool, params: {UserPoolId: us-east-1_nope}}
  - say: never
"""
)


def test_json_on_stdout_pipes_into_json_tool_and_the_narrative_goes_to_stderr(write):
    scenario = write("ok.yaml", ok("ok", "smoke"))
    pipeline = f"{BIN / 'scenario-run'} {scenario} --json - | {sys.executable} -m json.tool"
    done = subprocess.run(pipeline, shell=True, capture_output=True, text=True, env={"CI": "true", "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scenarios"][0]["status"] == "passed"
    assert "PASSED ok.yaml" in done.stderr


def test_stack_deploy_and_outputs_print_only_json_on_stdout(scenario_cli):
    from engine.local.server import LocalServer

    server = LocalServer(port=0)
    url = server.start()
    try:
        deployed = scenario_cli("stack", "deploy", "--endpoint-url", url)
        shown = scenario_cli("stack", "outputs", "--endpoint-url", url)
    finally:
        server.stop()
    assert deployed.exit_code == 0, deployed.output
    assert "Stack scenario-run-cognito is ready." in deployed.stderr
    for result in (deployed, shown):
        tool = subprocess.run([sys.executable, "-m", "json.tool"], input=result.stdout, capture_output=True, text=True)
        assert tool.returncode == 0, result.stdout
        assert "UserPoolId" in json.loads(result.stdout)


def test_reports_after_bad_input_list_the_error_and_the_files_not_run(scenario_run, write, tmp_path):
    good = write("good.yaml", ok("good", "x"))
    bad = write("bad.yaml", "name: bad\nsteps:\n  - nope: 1\n")
    junit, summary = tmp_path / "j.xml", tmp_path / "s.json"
    result = scenario_run(good, bad, "--junit", junit, "--json", summary)
    assert result.exit_code == 2
    document = json.loads(summary.read_text())
    assert document["exit_code"] == 2
    first, second = document["scenarios"]
    assert (first["status"], first["not_run"], len(first["steps"])) == ("not_run", "not run (bad input)", 3)
    assert second["error"]["message"] == "unknown action 'nope'"
    assert second["error"]["location"] == f"{bad}:3:5"
    suites = ET.parse(junit).getroot().findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures"), s.get("skipped")) for s in suites] == [
        ("good", "3", "0", "3"),
        ("bad", "1", "1", "0"),
    ]
    setup = suites[1].find("testcase")
    assert setup is not None and setup.get("name") == "setup"


def test_junit_names_are_stable_and_steps_after_a_failure_are_skipped(scenario_run, write, tmp_path):
    scenario = write("fails.yaml", FAILS)
    runs = []
    for n in (1, 2):
        junit = tmp_path / f"j{n}.xml"
        assert scenario_run(scenario, "--junit", junit).exit_code == 1
        runs.append([(c.get("classname"), c.get("name")) for c in ET.parse(junit).getroot().iter("testcase")])
    assert (
        runs[0]
        == runs[1]
        == [
            ("fails.steps", "pool (aws_call)"),
            ("fails.steps", "app (aws_call)"),
            ("fails.steps", "describe (aws_call)"),
            ("fails.steps", "say (say)"),
            ("fails.undo", "pool (undo)"),
        ]
    )
    last = list(ET.parse(tmp_path / "j1.xml").getroot().iter("testcase"))[3]
    skipped = last.find("skipped")
    assert skipped is not None and skipped.get("message") == "not reached"


def test_tags_fail_fast_and_shards(scenario_run, write, tmp_path):
    files = [
        write("a.yaml", ok("a", "smoke")),
        write("b.yaml", FAILS),
        write("c.yaml", ok("c", "slow")),
    ]
    result = scenario_run(*files, "--tag", "smoke")
    assert result.exit_code == 0 and "2 of 3 scenarios left out by --tag/--skip-tag" in result.stdout
    result = scenario_run(*files, "--skip-tag", "slow", "-q")
    assert result.exit_code == 1
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [
        "PASSED a.yaml",
        "[failed] describe (aws_call)  ResourceNotFoundException",
        "FAILED b.yaml",
    ]
    summary = tmp_path / "s.json"
    result = scenario_run(files[1], files[0], "--fail-fast", "--json", summary)
    assert result.exit_code == 1
    assert [s["status"] for s in json.loads(summary.read_text())["scenarios"]] == ["failed", "not_run"]
    shards = [scenario_run(*files, "--shard", f"{i}/2", "--tag", "smoke", "--tag", "slow") for i in (1, 2)]
    assert "shard 1/2: 2 of 3 scenario files" in shards[0].stdout  # a.yaml and c.yaml
    assert "PASSED a.yaml" in shards[0].stdout and "PASSED c.yaml" in shards[0].stdout
    assert "shard 2/2: 1 of 3 scenario files" in shards[1].stdout
    bad = scenario_run(*files, "--shard", "3/2")
    assert bad.exit_code == 2
    assert bad.stderr == (
        "Error: --shard '3/2' is not of the form INDEX/COUNT with 1 <= INDEX <= COUNT\n"
        "  hint: for example --shard 1/3 on the first of three machines\n"
    )


def test_github_annotations_and_version(scenario_run, scenario_cli, write):
    scenario = write("fails.yaml", FAILS)
    result = scenario_run(scenario, env={"GITHUB_ACTIONS": "true"})
    assert f"::error file={scenario},line=22,col=5,title=Fails::step 'describe'%3A" not in result.stdout
    assert f"::error file={scenario},line=22,col=5,title=Fails::step 'describe': aws_call failed" in result.stdout
    bad = write("bad.yaml", "name: bad\nsteps:\n  - nope: 1\n")
    result = scenario_cli("validate", bad, env={"GITHUB_ACTIONS": "true"})
    assert result.stdout == (
        f"::error file={bad},line=3,col=5::unknown action 'nope'%0Ahint: run `scenario actions` to list the actions\n"
    )
    assert scenario_run("--version").stdout == "scenario-run, version 0.1.0\n"


def test_verbose_shows_each_request_and_response(scenario_run, write):
    scenario = write("ok.yaml", ok("ok", "x"))
    result = scenario_run(scenario, "-v")
    assert result.exit_code == 0, result.output
    assert '-> cognito-idp.CreateUserPool {"Policies": {"PasswordPolicy"' in result.stderr
    assert "<- cognito-idp.CreateUserPoolClient {" in result.stderr
