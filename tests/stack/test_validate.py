"""`scenario validate` reads the stack template: an unknown transform, a type the local target cannot
create and a CDK asset missing from the assembly are reported, at the template's file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures"
SCENARIO = "name: x\nstack: {name: x, template: template.yaml}\nsteps:\n  - say: hi\n"


def test_an_unknown_transform_and_an_unsupported_type_are_reported(scenario_cli, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Transform: [AWS::Serverless-2016-10-31, AWS::LanguageExtensions]\n"
        "Resources:\n"
        "  Fn: {Type: AWS::Serverless::Function, Properties: {InlineCode: x, Handler: a.b, Runtime: python3.12}}\n"
        "  Api:\n"
        "    Type: AWS::AppSync::GraphQLApi\n"
    )
    (tmp_path / "s.yaml").write_text(SCENARIO)
    result = scenario_cli("validate", tmp_path / "s.yaml")
    assert result.exit_code == 2, result.output
    template = tmp_path / "template.yaml"
    assert (
        f"Error: {template}:1: the template {template} uses the transform AWS::LanguageExtensions, "
        "which the local target cannot expand\n"
        "  hint: the local target expands AWS::Serverless-2016-10-31; deploy this one with --target aws\n"
    ) in result.output
    assert f"Error: {template}:4: resource Api has type AWS::AppSync::GraphQLApi, " in result.output
    assert "Fn" not in result.output  # SAM's own types are expanded, not refused


def test_a_missing_cdk_asset_is_reported(scenario_cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "cdk_app", tmp_path, dirs_exist_ok=True)
    [asset] = (tmp_path / "cdk.out").glob("asset.*")
    shutil.rmtree(asset)
    result = scenario_cli("validate", tmp_path / "scenario.yaml")
    assert result.exit_code == 2, result.output
    assert (
        f"Error: {tmp_path}/cdk.out/CognitoAppStack.assets.json: CDK asset {asset} is missing from the cloud assembly\n"
        "  hint: synthesize the app again (`npx cdk synth`) so cdk.out holds its assets\n"
    ) in result.output


def test_the_sam_cdk_and_every_type_fixtures_validate(scenario_cli) -> None:
    result = scenario_cli("validate", FIXTURES / "sam_stack" / "scenario.yaml", FIXTURES / "cdk_app" / "scenario.yaml")
    assert result.exit_code == 0, result.output
