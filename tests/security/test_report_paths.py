"""Report paths are checked before anything runs: distinct, not an input, a regular file to write."""

from __future__ import annotations

import pytest


def test_two_reports_on_one_path_are_refused(scenario_run, write, tmp_path):
    scenario = write("s.yaml", "name: x\nsteps:\n  - say: ran\n")
    same = tmp_path / "out.xml"
    result = scenario_run(scenario, "--junit", same, "--json", same)
    assert result.exit_code == 2 and "ran" not in result.stdout
    assert f"Error: the JSON report would overwrite the JUnit report {same}\n" in result.stderr
    assert not same.exists()


def test_a_report_over_the_scenario_file_is_refused(scenario_run, write):
    scenario = write("s.yaml", "name: x\nsteps:\n  - say: ran\n")
    result = scenario_run(scenario, "--transcript", scenario)
    assert result.exit_code == 2
    assert f"the transcript would overwrite the input {scenario}" in result.stderr
    assert scenario.read_text() == "name: x\nsteps:\n  - say: ran\n"


@pytest.mark.parametrize("path", ["/dev/full", "/proc/self/status"])
def test_a_device_or_proc_path_is_refused_before_the_run(scenario_run, write, path):
    scenario = write("s.yaml", "name: x\nsteps:\n  - say: ran\n")
    result = scenario_run(scenario, "--junit", path)
    assert result.exit_code == 2 and "ran" not in result.stdout
    assert f"cannot write the JUnit report to {path}: not a regular file" in result.stderr
