"""CDK apps: the cloud assembly `npx cdk synth` wrote (tests/fixtures/cdk_app, regenerate.sh), deployed with
its assets published as cdk-assets publishes them, on the embedded backend and over `scenario serve`."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from engine import stack
from engine.aws.clients import Clients
from engine.errors import InputError, TargetError

FIXTURE = Path(__file__).parent.parent / "fixtures" / "cdk_app"
ASSEMBLY = FIXTURE / "cdk.out"
ASSETS_BUCKET = "cdk-hnb659fds-assets-123456789012-us-east-1"
CODE_ASSET = "5b9e93e68fa802f01cea4aeb5f3217bd650f28541deb35bd9149fac76e35df3b"


@pytest.mark.parametrize("template", ["cdk.out", "cdk.out/CognitoAppStack.template.json"])
def test_a_cdk_app_runs_on_the_embedded_backend(scenario_run, tmp_path: Path, template: str) -> None:
    shutil.copytree(FIXTURE, tmp_path, dirs_exist_ok=True)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(scenario.read_text().replace("template: cdk.out", f"template: {template}"))
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert (
        f"Bootstrapped the local CDK environment: bucket {ASSETS_BUCKET}, /cdk-bootstrap/hnb659fds/version"
        in result.output
    )
    assert f"Published CDK asset PreSignUp/Code (401 bytes) to s3://{ASSETS_BUCKET}/{CODE_ASSET}.zip" in result.output


def test_a_cdk_app_deploys_over_the_endpoint(scenario_cli, scenario_run, served) -> None:
    args = ("--endpoint-url", served.url, "--stack", "CognitoAppStack")
    deployed = scenario_cli("stack", "deploy", *args, "--template", ASSEMBLY)
    assert deployed.exit_code == 0, deployed.output
    out = json.loads(deployed.stdout)
    s3: Any = served.client("s3")
    code = s3.get_object(Bucket=ASSETS_BUCKET, Key=f"{CODE_ASSET}.zip")["Body"].read()
    assert zipfile.ZipFile(io.BytesIO(code)).namelist() == ["index.py"]
    version = served.client("ssm").get_parameter(Name="/cdk-bootstrap/hnb659fds/version")["Parameter"]["Value"]
    assert int(version) >= 6
    idp = served.client("cognito-idp")
    config = idp.describe_user_pool(UserPoolId=out["UserPoolId"])["UserPool"]["LambdaConfig"]
    assert config == {"PreSignUp": out["PreSignUpFunctionArn"]}
    assert idp.get_group(UserPoolId=out["UserPoolId"], GroupName="testers")["Group"]["Precedence"] == 1

    # Deployed again: the assets are already there (content-addressed), nothing is published twice.
    again = scenario_cli("stack", "deploy", *args, "--template", ASSEMBLY)
    assert again.exit_code == 0, again.output
    assert "Published" not in again.stderr
    ran = scenario_run(FIXTURE / "scenario.yaml", *args)
    assert ran.exit_code == 0, ran.output
    destroyed = scenario_cli("stack", "destroy", *args)
    assert destroyed.exit_code == 0, destroyed.output
    assert idp.list_user_pools(MaxResults=10)["UserPools"] == []


def test_a_missing_asset_is_bad_input_naming_it(clients_on_server: Clients, tmp_path: Path) -> None:
    shutil.copytree(ASSEMBLY, tmp_path / "cdk.out")
    shutil.rmtree(tmp_path / "cdk.out" / f"asset.{CODE_ASSET}")
    with pytest.raises(InputError) as caught:
        stack.deploy(clients_on_server, "CognitoAppStack", tmp_path / "cdk.out", log=lambda _: None)
    assert caught.value.message == (
        f"CDK asset {CODE_ASSET} is missing: {tmp_path}/cdk.out/asset.{CODE_ASSET} does not exist"
    )
    assert caught.value.hint == "synthesize the app again (`npx cdk synth`) so cdk.out holds its assets"
    assert clients_on_server.client("cloudformation").list_stacks()["StackSummaries"] == []


def test_an_assembly_of_several_stacks_needs_the_name_of_one(clients_on_server: Clients, tmp_path: Path) -> None:
    assembly = tmp_path / "cdk.out"
    shutil.copytree(ASSEMBLY, assembly)
    manifest = json.loads((assembly / "manifest.json").read_text())
    manifest["artifacts"]["OtherStack"] = dict(manifest["artifacts"]["CognitoAppStack"], displayName="OtherStack")
    (assembly / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError) as caught:
        stack.deploy(clients_on_server, "my-stack", assembly, log=lambda _: None)
    assert caught.value.message == (
        f"the cloud assembly {assembly} has no stack called my-stack (its stacks: CognitoAppStack, OtherStack)"
    )
    assert caught.value.hint == "set stack.name to one of them, or point stack.template at its <Stack>.template.json"
    assert str(caught.value.location) == f"{assembly}/manifest.json"
    # With one stack, the assembly's only stack is deployed under the name given (as `cdk deploy` allows).
    assert stack.deploy(clients_on_server, "my-stack", ASSEMBLY, log=lambda _: None)["GroupName"] == "testers"


def test_on_aws_an_environment_that_is_not_bootstrapped_says_to_bootstrap(aws_like: Clients) -> None:
    with pytest.raises(TargetError) as caught:
        stack.deploy(aws_like, "CognitoAppStack", ASSEMBLY, log=lambda _: None)
    assert caught.value.message == (
        "the environment aws://123456789012/us-east-1 is not bootstrapped for the CDK "
        "(no SSM parameter /cdk-bootstrap/hnb659fds/version)"
    )
    assert caught.value.hint == (
        "run `npx cdk bootstrap aws://123456789012/us-east-1` once for this account and region, then deploy again"
    )
    assert aws_like.client("s3").list_buckets()["Buckets"] == []


def test_on_aws_a_bootstrapped_environment_gets_the_assets_and_the_template(aws_like: Clients) -> None:
    aws_like.client("s3").create_bucket(Bucket=ASSETS_BUCKET)  # what `cdk bootstrap` made
    aws_like.client("ssm").put_parameter(Name="/cdk-bootstrap/hnb659fds/version", Value="21", Type="String")
    out = stack.deploy(aws_like, "CognitoAppStack", ASSEMBLY, log=lambda _: None)
    assert out["GroupName"] == "testers"
    keys = [o["Key"] for o in aws_like.client("s3").list_objects_v2(Bucket=ASSETS_BUCKET)["Contents"]]
    assert f"{CODE_ASSET}.zip" in keys
