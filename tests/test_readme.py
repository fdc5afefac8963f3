"""The README's examples are real: its scenario validates, its commands exist."""

from __future__ import annotations

import re

from support import PROJECT


def test_readme_scenario_example_validates(scenario_cli, tmp_path):
    readme = (PROJECT / "README.md").read_text()
    examples = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    scenario = next(e for e in examples if e.startswith("# yaml-language-server"))
    path = tmp_path / "example.yaml"
    path.write_text(scenario)
    result = scenario_cli("validate", path)
    assert result.exit_code == 0, result.output


def test_readme_quick_start_is_the_ci_install_and_test(tmp_path):
    readme = (PROJECT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert len(quick) == 2
    assert quick[0].endswith("scenario-run scenarios/migrate_user.yaml --answers scenarios/answers/migrate_user.yaml")
    assert quick[1] == ".venv/bin/pytest"
    ci = (PROJECT / ".ci" / "run").read_text()
    # CI installs the quick start's extras (plus the dev tools, and Locust for the load tests, which skip
    # without it), pinned by the constraints file.
    assert "pip install -q -e '.[test]'" in quick[0]
    assert "pip install --quiet -c requirements/constraints.txt -e '.[test,dev,load]'" in ci
    assert "\n.venv/bin/pytest\n" in ci


def test_the_walk_through_builds_the_shipped_flow():
    readme = (PROJECT / "README.md").read_text()
    walk = readme.split("## Write your own flow", 1)[1].split("\n## ", 1)[0]
    shipped = (PROJECT / "scenarios" / "groups_in_token.yaml").read_text()
    for block in re.findall(r"```yaml\n(.*?)```", walk, re.S):
        for line in block.splitlines():
            assert line.split("   #", 1)[0].rstrip() in shipped.splitlines(), line
