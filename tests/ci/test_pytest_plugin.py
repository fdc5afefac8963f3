"""The pytest plugin, driven by pytester: collection, -k, -m, -n 2, shards, failure reports, the fixture."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator

import pytest

from engine.api import close, run_scenario

PASSING = """\
name: {name}
tags: [{tags}]
steps:
  - prompt: {{id: who, text: "Who?"}}
  - say: "hello {{{{ answers.who }}}}"
  - id: pools
    list_user_pools: {{max_results: 5}}
"""

FAILING = """\
name: Broken pool
tags: [smoke]
steps:
  - say: before
  - id: describe
    aws_call:
      service: cognito-idp
      operation: DescribeUserPool
      params: {UserPoolId: us-east-1_doesnotexist}
  - say: never reached
"""


@pytest.fixture(scope="module", autouse=True)
def _warm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One scenario run in this process first: pytester drops the modules an in-process run imported
    when it ends, and a module imported again must not meet the classes of its first import."""
    path = tmp_path_factory.mktemp("warm") / "warm.yaml"
    path.write_text(FAILING)
    assert run_scenario(path).exit_code == 1
    yield
    close()  # the other tests in this worker expect no local backend left running


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini("[pytest]\nscenario_files = scenarios/*.yaml\n")
    folder = pytester.mkdir("scenarios")
    (folder / "answers").mkdir()
    (folder / "alpha.yaml").write_text(PASSING.format(name="Alpha greets", tags="smoke, fast"))
    (folder / "answers" / "alpha.yaml").write_text("who: alice\n")  # found by convention
    (folder / "beta.yaml").write_text(PASSING.format(name="Beta greets", tags="slow"))
    (folder / "beta.answers.yaml").write_text("who: bob\n")  # the other convention
    (folder / "broken.yaml").write_text(FAILING)
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    return pytester


def test_nothing_is_collected_unless_configured(pytester: pytest.Pytester):
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "alpha.yaml").write_text(PASSING.format(name="Alpha", tags="x"))
    result = pytester.runpytest("--collect-only", "-q", "scenarios")
    assert "alpha" not in result.stdout.str()


def test_scenarios_are_collected_and_answers_files_are_not(project: pytest.Pytester):
    result = project.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "scenarios/alpha.yaml::Alpha greets",
            "scenarios/beta.yaml::Beta greets",
            "scenarios/broken.yaml::Broken pool",
            "test_plain.py::test_plain",
        ]
    )
    assert "answers" not in result.stdout.str()


def test_k_and_m_select_scenarios_and_a_failure_shows_step_and_aws_error(project: pytest.Pytester):
    result = project.runpytest("-m", "smoke", "-k", "not plain", "--strict-markers")
    result.assert_outcomes(passed=1, failed=1, deselected=2)
    result.stdout.fnmatch_lines(
        [
            "*scenario 'Broken pool' failed (exit 1)",
            "*  at:    */scenarios/broken.yaml:5:5",
            "*  step:  describe (aws_call)",
            "*  error: ResourceNotFoundException: *",
            "*last * lines of the transcript:",
            "*| before",
        ]
    )
    result = project.runpytest("-k", "beta")
    result.assert_outcomes(passed=1, deselected=3)


def test_parallel_with_xdist(project: pytest.Pytester):
    result = project.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*ResourceNotFoundException*"])


def test_shards_split_the_scenarios_like_the_cli(project: pytest.Pytester):
    first = project.runpytest("--scenario-shard", "1/2", "--collect-only", "-q")
    second = project.runpytest("--scenario-shard", "2/2", "--collect-only", "-q")
    collected = [
        [line.split("::")[0] for line in run.stdout.lines if line.startswith("scenarios/")] for run in (first, second)
    ]
    # Sorted by path and dealt round-robin: alpha, broken to shard 1; beta to shard 2.
    assert collected == [["scenarios/alpha.yaml", "scenarios/broken.yaml"], ["scenarios/beta.yaml"]]
    assert "test_plain.py::test_plain" in first.stdout.str() and "test_plain.py::test_plain" in second.stdout.str()


def test_the_fixture_runs_a_scenario_through_the_public_api(project: pytest.Pytester):
    project.makepyfile(
        test_api=textwrap.dedent(
            """
            from engine.api import ScenarioResult

            def test_run(scenario_runner):
                result = scenario_runner("scenarios/broken.yaml")
                assert isinstance(result, ScenarioResult)
                assert (result.passed, result.exit_code) == (False, 1)
                assert result.error.code == "ResourceNotFoundException"
                assert result.error.step == "describe"
                assert [r.step_id for r in result.records] == ["say", "describe"]
                ok = scenario_runner("scenarios/alpha.yaml", answers={"who": "carol"})
                assert ok.passed and "hello carol" in ok.transcript
            """
        )
    )
    result = project.runpytest("test_api.py")
    result.assert_outcomes(passed=1)


GC_PROBE = """\
import gc

def test_{name}():
    assert gc.isenabled(), "the collector is off in a user's test"
    print("frozen", gc.get_freeze_count())
"""


def test_the_collector_is_held_off_until_the_first_scenario_and_given_back(project: pytest.Pytester):
    # test_z_probe.py runs after the scenario files, with what start-up made frozen out.
    project.makepyfile(test_z_probe=GC_PROBE.format(name="after_scenarios"))
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    result.assert_outcomes(passed=4, failed=1)
    frozen = re.search(r"frozen (\d+)", result.stdout.str())
    assert frozen is not None and int(frozen.group(1)) > 10_000, result.stdout.str()


def test_a_session_that_collects_no_scenario_keeps_its_collector(project: pytest.Pytester):
    project.makepyfile(test_probe=GC_PROBE.format(name="alone"))
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-s", "test_probe.py")
    result.assert_outcomes(passed=1)
    frozen = re.search(r"frozen (\d+)", result.stdout.str())
    # Nothing of start-up frozen (some Pythons or plugins freeze a few hundred objects of their own).
    assert frozen is not None and int(frozen.group(1)) < 5_000, result.stdout.str()
