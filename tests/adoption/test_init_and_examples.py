"""scenario init and scenario examples: a new project that runs, and the shipped scenarios copied out."""

from __future__ import annotations

import json
from pathlib import Path


def test_init_scaffolds_a_project_whose_flow_runs_green(tmp_path: Path, scenario_cli) -> None:
    created = scenario_cli("init", tmp_path / "proj")
    assert created.exit_code == 0, created.output
    project = tmp_path / "proj"
    assert "scenario run scenarios/sign_up.yaml --answers scenarios/answers/sign_up.yaml" in created.output
    flow = project / "scenarios" / "sign_up.yaml"
    modeline = flow.read_text().splitlines()[0]
    assert modeline == "# yaml-language-server: $schema=../schema/scenario.schema.json"
    assert json.loads((flow.parent / "../schema/scenario.schema.json").read_text())["title"] == "scenario-run scenario"
    assert (project / ".pre-commit-config.yaml").is_file()
    assert (project / ".github" / "workflows" / "scenarios.yml").is_file()
    ran = scenario_cli(
        "run", flow, "--answers", project / "scenarios" / "answers" / "sign_up.yaml", "--non-interactive"
    )
    assert ran.exit_code == 0, ran.output
    assert "alice was confirmed by the trigger and signed in." in ran.output
    again = scenario_cli("init", project)
    assert again.exit_code == 2
    assert again.stderr.startswith(f"Error: {flow} already exists\n")


def test_examples_lists_and_copies_a_shipped_scenario_that_runs(tmp_path: Path, scenario_cli) -> None:
    listed = scenario_cli("examples")
    assert listed.exit_code == 0
    assert "migrate_user     Migrate known users" in listed.output
    copied = scenario_cli("examples", "auto_confirm", "--to", tmp_path)
    assert copied.exit_code == 0, copied.output
    scenario = tmp_path / "scenarios" / "auto_confirm.yaml"
    ran = scenario_cli(
        "run", scenario, "--answers", tmp_path / "scenarios" / "answers" / "auto_confirm.yaml", "--non-interactive"
    )
    assert ran.exit_code == 0, ran.output
    unknown = scenario_cli("examples", "nope")
    assert unknown.exit_code == 2
    assert "no shipped scenario named 'nope'" in unknown.stderr


def test_a_shipped_scenario_runs_by_name_from_any_directory(scenario_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = scenario_run("migrate_user")  # its answers file is found by convention in a replay
    assert result.exit_code == 0, result.output
    assert "PASSED migrate_user.yaml" in result.stdout


def test_a_copied_example_brings_the_fragments_and_data_it_uses(scenario_cli, scenario_run, tmp_path):
    result = scenario_cli("examples", "data_driven_sign_ups", "--to", tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "scenarios" / "common" / "sign_up_and_check.yaml").is_file()
    assert (tmp_path / "scenarios" / "data" / "sign_ups.csv").is_file()
    copied = tmp_path / "scenarios"
    result = scenario_run(
        copied / "data_driven_sign_ups.yaml", "--answers", copied / "answers" / "data_driven_sign_ups.yaml"
    )
    assert result.exit_code == 0, result.output
