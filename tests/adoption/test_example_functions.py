"""A copied example brings the Lambda handlers it deploys with create_function."""

from __future__ import annotations


def test_an_example_with_a_handler_copies_it_and_still_validates(scenario_cli, tmp_path):
    result = scenario_cli("examples", "custom_claims", "--to", tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "scenarios" / "functions" / "pre_token_claims.py").is_file()
    result = scenario_cli("validate", tmp_path / "scenarios" / "custom_claims.yaml")
    assert result.exit_code == 0, result.output
    assert "(9 steps, 0 cleanup steps, 2 after_cleanup steps)" in result.stdout
