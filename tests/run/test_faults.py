"""The fault hook point: inert by default, the test suite's injector only when a test names it."""

from __future__ import annotations

import sys

from support_faults import faults_env

from engine.aws.faults import NO_FAULTS, load_injector

CALLS = """\
name: calls
steps:
  - aws_call: {service: sts, operation: GetCallerIdentity}
  - say: after the call
"""


def test_without_the_test_variable_nothing_is_imported():
    before = set(sys.modules)
    assert load_injector({}) is NO_FAULTS
    assert set(sys.modules) == before


def test_the_injector_named_by_the_test_variable_signals_the_run(scenario_run, write):
    scenario = write("s.yaml", CALLS)
    result = scenario_run(scenario, env=faults_env("after:1:INT"))
    assert result.exit_code == 130, result.output
    assert "after the call" not in result.stdout
    assert "interrupted by Ctrl-C; cleaning up" in result.stderr


def test_a_test_variable_naming_no_injector_is_bad_input(scenario_run, write):
    scenario = write("s.yaml", CALLS)
    result = scenario_run(scenario, env={"SCENARIO_RUN_TEST_FAULTS": "no_such_injector"})
    assert result.exit_code == 2, result.output
    assert (
        "Error: SCENARIO_RUN_TEST_FAULTS=no_such_injector: no fault injector there "
        "(No module named 'no_such_injector')\n"
        "  hint: SCENARIO_RUN_TEST_FAULTS is for the engine's test suite: unset it, "
        "or name an importable module that defines fault_injector()"
    ) in result.stderr
    assert "Traceback" not in result.output
