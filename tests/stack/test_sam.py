"""SAM templates: expanded for the local target (in-process and over `scenario serve`), sent as they are,
code packaged and with CAPABILITY_AUTO_EXPAND, to AWS."""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from engine import stack
from engine.aws.clients import Clients
from engine.errors import InputError

FIXTURE = Path(__file__).parent.parent / "fixtures" / "sam_stack"
ARTIFACTS = "scenario-run-artifacts-123456789012-us-east-1"


def test_a_sam_app_runs_on_the_embedded_backend(scenario_run) -> None:
    result = scenario_run(FIXTURE / "scenario.yaml")
    assert result.exit_code == 0, result.output
    assert "Expanded the SAM template template.yaml (6 resources)." in result.output
    assert "signed up, was confirmed by the trigger and joined members." in result.output


def test_a_sam_app_deploys_over_the_endpoint_and_destroys_cleanly(scenario_cli, scenario_run, served) -> None:
    deployed = scenario_cli(
        "stack", "deploy", "--endpoint-url", served.url, "--stack", "sam-app", "--template", FIXTURE / "template.yaml"
    )
    assert deployed.exit_code == 0, deployed.output
    out = json.loads(deployed.stdout)
    idp: Any = served.client("cognito-idp")
    config = idp.describe_user_pool(UserPoolId=out["UserPoolId"])["UserPool"]["LambdaConfig"]
    # The Cognito event wired both triggers to the function, and let Cognito invoke it.
    assert config == {"PreSignUp": out["SignUpFunctionArn"], "PostConfirmation": out["SignUpFunctionArn"]}
    policy = json.loads(served.client("lambda").get_policy(FunctionName=out["SignUpFunctionArn"])["Policy"])
    assert [s["Principal"] for s in policy["Statement"]] == [{"Service": "cognito-idp.amazonaws.com"}]
    group = idp.get_group(UserPoolId=out["UserPoolId"], GroupName="members")["Group"]
    assert group["Description"] == "Everyone who signed up"

    ran = scenario_run(FIXTURE / "scenario.yaml", "--endpoint-url", served.url, "--stack", "sam-app")
    assert ran.exit_code == 0, ran.output

    destroyed = scenario_cli("stack", "destroy", "--endpoint-url", served.url, "--stack", "sam-app")
    assert destroyed.exit_code == 0, destroyed.output
    assert idp.list_user_pools(MaxResults=10)["UserPools"] == []
    assert served.client("lambda").list_functions()["Functions"] == []


def _sent_to_aws(aws_like: Clients, stack_name: str, template: Path) -> dict[str, Any]:
    """The CreateStack request a deploy of ``template`` sends (the local server then refuses it: it has no
    transforms, and refuses what CloudFormation on AWS would expand)."""
    sent: list[dict[str, Any]] = []
    cfn = aws_like.client("cloudformation")
    cfn.meta.events.register(
        "provide-client-params.cloudformation.CreateStack", lambda params, **_: sent.append(params)
    )
    try:
        with pytest.raises(InputError, match="resource SignUpFunction has type AWS::Serverless::Function"):
            stack.deploy(aws_like, stack_name, template, log=lambda _: None)
    finally:
        cfn.meta.events.unregister("provide-client-params.cloudformation.CreateStack")
    [request] = sent
    return request


def test_on_aws_the_template_keeps_its_transform_with_code_uri_packaged(aws_like: Clients, tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path, dirs_exist_ok=True)
    request = _sent_to_aws(aws_like, "sam-on-aws", tmp_path / "template.yaml")
    assert request["Capabilities"] == ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
    body = json.loads(request["TemplateBody"])
    assert body["Transform"] == "AWS::Serverless-2016-10-31"
    code = body["Resources"]["SignUpFunction"]["Properties"]["CodeUri"]
    assert code["Bucket"] == ARTIFACTS
    assert code["Key"].startswith("sam-on-aws/SignUpFunction-")
    assert body["Resources"]["SignUpFunction"]["Properties"]["Events"]["SignUp"]["Type"] == "Cognito"


def test_code_uri_is_the_folder_zipped(aws_like: Clients, tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path, dirs_exist_ok=True)
    uploads: list[tuple[str, bytes]] = []
    s3 = aws_like.client("s3")
    s3.meta.events.register(
        "provide-client-params.s3.PutObject", lambda params, **_: uploads.append((params["Key"], params["Body"]))
    )
    try:
        with pytest.raises(InputError):  # refused by the local server, as above; the upload happened first
            stack.deploy(aws_like, "sam-zip", tmp_path / "template.yaml", log=lambda _: None)
    finally:
        s3.meta.events.unregister("provide-client-params.s3.PutObject")
    [(key, body)] = uploads
    assert key.startswith("sam-zip/SignUpFunction-")
    assert zipfile.ZipFile(io.BytesIO(body)).namelist() == ["index.py"]
    # A refused stack takes its upload back: nothing is left in the artifact bucket.
    assert aws_like.client("s3").list_buckets()["Buckets"] == []


def test_a_sam_template_that_does_not_expand_is_bad_input_at_its_resource(scenario_run, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      InlineCode: 'def handler(e, c): return e'\n"
        "      Handler: index.handler\n"
        "      Runtime: python3.12\n"
        "      Events:\n"
        "        SignUp: {Type: Cognito, Properties: {UserPool: us-east-1_abc, Trigger: PreSignUp}}\n"
    )
    (tmp_path / "s.yaml").write_text("name: x\nstack: {name: bad-sam, template: template.yaml}\nsteps:\n  - say: hi\n")
    result = scenario_run(tmp_path / "s.yaml")
    assert result.exit_code == 2, result.output
    template = tmp_path / "template.yaml"
    assert (
        f"Error: {template}:3: the SAM template {template} does not expand: Resource with id [Fn] is invalid. "
        "Event with id [SignUp] is invalid. Cognito events must reference a Cognito UserPool in the same template.\n"
        "  hint: fix the template (`sam validate --lint` shows the same problems)\n"
    ) in result.output


def _with_code_uri_in_globals(tmp_path: Path) -> Path:
    """The fixture app with its function's CodeUri and Handler moved to ``Globals: Function:``."""
    shutil.copytree(FIXTURE, tmp_path, dirs_exist_ok=True)
    template = tmp_path / "template.yaml"
    text = template.read_text(encoding="utf-8")
    text = text.replace(
        "Function: {Runtime: python3.12, Timeout: 10, MemorySize: 128}",
        "Function: {Runtime: python3.12, Timeout: 10, MemorySize: 128, CodeUri: functions/sign_up/, "
        "Handler: index.handler}",
    )
    text = text.replace("      CodeUri: functions/sign_up/\n      Handler: index.handler\n", "")
    assert "CodeUri: functions/sign_up/," in text and "\n      CodeUri" not in text
    template.write_text(text, encoding="utf-8")
    return template


def test_a_code_uri_given_in_globals_is_packaged_for_each_function_that_inherits_it(scenario_run, tmp_path) -> None:
    _with_code_uri_in_globals(tmp_path)
    result = scenario_run(tmp_path / "scenario.yaml")
    assert result.exit_code == 0, result.output
    assert "signed up, was confirmed by the trigger and joined members." in result.output


def test_on_aws_a_code_uri_in_globals_becomes_each_functions_own_s3_location(aws_like: Clients, tmp_path) -> None:
    request = _sent_to_aws(aws_like, "sam-globals", _with_code_uri_in_globals(tmp_path))
    body = json.loads(request["TemplateBody"])
    assert body["Resources"]["SignUpFunction"]["Properties"]["CodeUri"]["Key"].startswith("sam-globals/SignUpFunction-")
    assert body["Globals"]["Function"] == {
        "Runtime": "python3.12",
        "Timeout": 10,
        "MemorySize": 128,
        "Handler": "index.handler",
    }


def test_a_runtime_given_in_globals_is_checked_before_any_step(scenario_run, scenario_cli, tmp_path) -> None:
    template = _with_code_uri_in_globals(tmp_path)
    text = template.read_text(encoding="utf-8").replace("Runtime: python3.12", "Runtime: nodejs20.x")
    template.write_text(text, encoding="utf-8")
    no_node = {"PATH": str(Path(os.__file__).parent)}  # a PATH with no node on it
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "Runtime: nodejs20.x" in row)
    column = text.splitlines()[line - 1].index("nodejs20.x") + 1
    expected = (
        f"Error: {template}:{line}:{column}: function SignUpFunction uses runtime nodejs20.x, but `node` is "
        "not on PATH: install Node.js 18 or newer (e.g. apt-get install nodejs)\n"
    )
    result = scenario_run(tmp_path / "scenario.yaml", "--non-interactive", env=no_node)
    assert result.exit_code == 2
    assert result.stderr.startswith(expected)
    assert "[ok]" not in result.output
    checked = scenario_cli("validate", tmp_path / "scenario.yaml", env=no_node)
    assert checked.exit_code == 2 and checked.stderr.startswith(expected)
