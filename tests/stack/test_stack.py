"""engine.stack: deploy, outputs and destroy of infra/template.yaml on moto (with the Cognito models)."""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint_file
from moto import mock_aws

from engine import stack
from engine.aws.clients import Clients
from engine.errors import InputError, TargetError
from engine.local.cloudformation import install

OUTPUT_NAMES = {
    "TableName",
    "UserPoolId",
    "UserPoolArn",
    "UserPoolClientId",
    "AutoConfirmFunction",
    "AutoConfirmFunctionArn",
    "MigrateUserFunction",
    "MigrateUserFunctionArn",
    "ActivityLogFunction",
    "ActivityLogFunctionArn",
}
HANDLERS = {
    "AutoConfirmFunction": "auto_confirm",
    "MigrateUserFunction": "migrate_user",
    "ActivityLogFunction": "activity_log",
}
BUCKET = "scenario-run-artifacts-123456789012-{region}"


@pytest.fixture
def clients() -> Iterator[Clients]:
    with mock_aws():
        install()
        yield Clients.for_local("us-east-1")


@pytest.fixture
def logged() -> list[str]:
    return []


def bucket_keys(clients: Clients, bucket: str) -> list[str]:
    return [obj["Key"] for obj in clients.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_the_template_passes_cfn_lint() -> None:
    matches = lint_file(stack.DEFAULT_TEMPLATE, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    errors = [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches if m.rule.id.startswith("E")]
    assert errors == []


def test_deploy_creates_the_stack_with_all_outputs(clients: Clients, logged: list[str]) -> None:
    out = stack.deploy(clients, log=logged.append)
    assert set(out) == OUTPUT_NAMES
    assert out["UserPoolArn"].endswith(f"userpool/{out['UserPoolId']}")
    for function in HANDLERS:
        assert out[f"{function}Arn"].endswith(f":function:{out[function]}")
    status = clients.client("cloudformation").describe_stacks(StackName=stack.DEFAULT_STACK_NAME)
    assert status["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert any(line.startswith("Creating stack scenario-run-cognito") for line in logged)
    assert logged[-1] == "Stack scenario-run-cognito is ready."


def test_the_functions_run_the_packaged_triggers(clients: Clients) -> None:
    out = stack.deploy(clients, log=lambda _: None)
    code = stack.package_triggers(stack.TRIGGERS_DIR)
    expected_sha = base64.b64encode(hashlib.sha256(code).digest()).decode()
    names = set(zipfile.ZipFile(io.BytesIO(code)).namelist())
    assert {"auto_confirm.py", "migrate_user.py", "activity_log.py"} <= names
    lam = clients.client("lambda")
    for function, module in HANDLERS.items():
        config = lam.get_function_configuration(FunctionName=out[function])
        assert config["Handler"] == f"{module}.handler"
        assert config["Runtime"] == "python3.12"
        assert config["Environment"]["Variables"] == {"TABLE_NAME": out["TableName"]}
        assert config["CodeSha256"] == expected_sha
        policy = lam.get_policy(FunctionName=out[function])["Policy"]
        assert "cognito-idp.amazonaws.com" in policy and out["UserPoolArn"] in policy


def test_the_pool_table_and_client_match_the_seed_stack(clients: Clients) -> None:
    out = stack.deploy(clients, log=lambda _: None)
    idp = clients.client("cognito-idp")
    pool = idp.describe_user_pool(UserPoolId=out["UserPoolId"])["UserPool"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert "UsernameAttributes" not in pool  # users sign in with their user name
    assert pool.get("LambdaConfig", {}) == {}  # the scenarios attach the triggers themselves
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    client = idp.describe_user_pool_client(UserPoolId=out["UserPoolId"], ClientId=out["UserPoolClientId"])
    assert "ClientSecret" not in client["UserPoolClient"]
    assert set(client["UserPoolClient"]["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    table = clients.client("dynamodb").describe_table(TableName=out["TableName"])["Table"]
    assert table["KeySchema"] == [{"AttributeName": "UserEmail", "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_outputs_match_deploy(clients: Clients) -> None:
    out = stack.deploy(clients, log=lambda _: None)
    assert stack.outputs(clients, stack.DEFAULT_STACK_NAME) == out


def test_redeploy_is_idempotent(clients: Clients, logged: list[str]) -> None:
    first = stack.deploy(clients, log=lambda _: None)
    second = stack.deploy(clients, log=logged.append)
    assert second == first
    assert "Stack scenario-run-cognito is already up to date." in logged
    assert len(bucket_keys(clients, BUCKET.format(region="us-east-1"))) == 1


def test_changed_code_updates_the_functions(clients: Clients, tmp_path: Path) -> None:
    first = stack.deploy(clients, log=lambda _: None)
    triggers = tmp_path / "triggers"
    shutil.copytree(stack.TRIGGERS_DIR, triggers, ignore=shutil.ignore_patterns("__pycache__"))
    with (triggers / "activity_log.py").open("a") as source:
        source.write("\n# changed\n")
    second = stack.deploy(clients, log=lambda _: None, triggers_dir=triggers)
    assert second == first
    new_sha = base64.b64encode(hashlib.sha256(stack.package_triggers(triggers)).digest()).decode()
    config = clients.client("lambda").get_function_configuration(FunctionName=second["ActivityLogFunction"])
    assert config["CodeSha256"] == new_sha
    keys = bucket_keys(clients, BUCKET.format(region="us-east-1"))
    assert keys == [f"scenario-run-cognito/triggers-{hashlib.sha256(stack.package_triggers(triggers)).hexdigest()}.zip"]


def test_destroy_leaves_nothing(clients: Clients, logged: list[str]) -> None:
    stack.deploy(clients, log=lambda _: None)
    stack.destroy(clients, stack.DEFAULT_STACK_NAME, log=logged.append)
    with pytest.raises(TargetError, match="no CloudFormation stack named scenario-run-cognito"):
        stack.outputs(clients, stack.DEFAULT_STACK_NAME)
    assert clients.client("s3").list_buckets()["Buckets"] == []
    assert clients.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []
    assert clients.client("lambda").list_functions()["Functions"] == []
    assert clients.client("dynamodb").list_tables()["TableNames"] == []
    assert clients.client("iam").list_roles()["Roles"] == []
    assert clients.client("logs").describe_log_groups()["logGroups"] == []
    assert logged[-1] == "Deleted bucket scenario-run-artifacts-123456789012-us-east-1."


def test_destroy_keeps_a_bucket_other_stacks_use(clients: Clients, logged: list[str]) -> None:
    stack.deploy(clients, log=lambda _: None)
    stack.deploy(clients, "another-stack", log=lambda _: None)
    stack.destroy(clients, stack.DEFAULT_STACK_NAME, log=logged.append)
    keys = bucket_keys(clients, BUCKET.format(region="us-east-1"))
    assert keys and all(key.startswith("another-stack/") for key in keys)
    assert "still holds other stacks' artifacts" in logged[-1]
    assert set(stack.outputs(clients, "another-stack")) == OUTPUT_NAMES


def test_destroy_of_a_missing_stack_is_not_an_error(clients: Clients, logged: list[str]) -> None:
    stack.destroy(clients, "never-deployed", log=logged.append)
    assert logged == ["No stack named never-deployed in us-east-1; nothing to delete."]


def test_outputs_of_a_missing_stack_is_a_target_error(clients: Clients) -> None:
    with pytest.raises(TargetError) as caught:
        stack.outputs(clients, "never-deployed")
    assert "no CloudFormation stack named never-deployed in us-east-1" in caught.value.message
    assert caught.value.hint == "deploy it with `scenario stack deploy`"


def test_deploy_outside_us_east_1_sets_the_bucket_location() -> None:
    with mock_aws():
        install()
        clients = Clients.for_local("eu-west-1")
        out = stack.deploy(clients, log=lambda _: None)
        assert out["UserPoolId"].startswith("eu-west-1_")
        bucket = BUCKET.format(region="eu-west-1")
        location = clients.client("s3").get_bucket_location(Bucket=bucket)["LocationConstraint"]
        assert location == "eu-west-1"


def test_a_failed_stack_is_reported_with_the_failed_resource(clients: Clients) -> None:
    from moto.cloudformation.models import Event, cloudformation_backends

    stack.deploy(clients, log=lambda _: None)
    backend = cloudformation_backends["123456789012"]["us-east-1"]
    moto_stack = next(s for s in backend.stacks.values() if s.name == stack.DEFAULT_STACK_NAME)
    moto_stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    moto_stack.events.append(
        Event(
            moto_stack.stack_id,
            moto_stack.name,
            "UserPool",
            "",
            "AWS::Cognito::UserPool",
            "UPDATE_FAILED",
            "Invalid AttributeDataType input",
            None,
        )
    )
    moto_stack.status = "UPDATE_ROLLBACK_FAILED"
    with pytest.raises(TargetError) as caught:
        stack.deploy(clients, log=lambda _: None)
    assert caught.value.message == (
        "stack scenario-run-cognito is UPDATE_ROLLBACK_FAILED: "
        "UserPool (AWS::Cognito::UserPool): Invalid AttributeDataType input"
    )
    assert "continue-update-rollback" in (caught.value.hint or "")
    with pytest.raises(TargetError, match="UPDATE_ROLLBACK_FAILED: UserPool"):
        stack.outputs(clients, stack.DEFAULT_STACK_NAME)


def test_a_template_the_local_backend_rejects_is_a_target_error(clients: Clients, tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Parameters:\n  CodeBucket: {Type: String}\n  CodeKey: {Type: String}\n"
        "Resources:\n  Client:\n    Type: AWS::Cognito::UserPoolClient\n    Properties: {ClientName: x}\n"
    )
    with pytest.raises(TargetError) as caught:
        stack.deploy(clients, "broken", template, log=lambda _: None)
    # The resource and its cause are named; the stack was rolled back, as CloudFormation does.
    assert caught.value.message == (
        "stack broken ended ROLLBACK_COMPLETE: Client (AWS::Cognito::UserPoolClient): "
        "ValueError: AWS::Cognito::UserPoolClient needs the property UserPoolId"
    )
    assert caught.value.hint == (
        "fix the cause, then run again (the embedded local AWS starts empty on every run, so nothing is left to delete)"
    )
    assert clients.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []
    # The rolled-back stack blocks a redeploy until it is destroyed, and destroy clears it.
    with pytest.raises(TargetError, match="ROLLBACK_COMPLETE"):
        stack.deploy(clients, "broken", template, log=lambda _: None)
    stack.destroy(clients, "broken", log=lambda _: None)
    assert clients.client("s3").list_buckets()["Buckets"] == []


def test_a_required_parameter_nobody_gives_is_bad_input_before_anything_is_created(
    clients: Clients, tmp_path: Path
) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Parameters:\n  CodeBucket: {Type: String}\n  CodeKey: {Type: String}\n"
        "  Extra: {Type: String}\n"
        "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n"
        "      KeySchema: [{AttributeName: k, KeyType: HASH}]\n"
        "      AttributeDefinitions: [{AttributeName: k, AttributeType: S}]\n"
        "      BillingMode: PAY_PER_REQUEST\n"
    )
    with pytest.raises(InputError) as caught:
        stack.deploy(clients, "bad", template, log=lambda _: None)
    assert caught.value.message == f"the template {template} requires the parameter 'Extra' (it has no Default)"
    assert caught.value.hint == "pass --parameter Extra=VALUE"
    # Given, it deploys (with the project's triggers in CodeBucket/CodeKey).
    assert stack.deploy(clients, "bad", template, log=lambda _: None, parameters={"Extra": "x"}) == {}
    stack.destroy(clients, "bad", log=lambda _: None)
    assert clients.client("s3").list_buckets()["Buckets"] == []


def test_a_template_that_is_not_yaml_is_rejected_before_anything_is_created(clients: Clients, tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text("Resources: [this is not a template\n")
    with pytest.raises(TargetError, match=r"(?s)is not valid YAML: .*template\.yaml\", line 1, column 12"):
        stack.deploy(clients, "bad", template, log=lambda _: None)
    template.write_text("- just a list\n")
    with pytest.raises(TargetError, match="has no Resources mapping"):
        stack.deploy(clients, "bad", template, log=lambda _: None)
    assert clients.client("s3").list_buckets()["Buckets"] == []


def test_missing_template_is_a_target_error(clients: Clients, tmp_path: Path) -> None:
    with pytest.raises(TargetError, match=r"template .* not found"):
        stack.deploy(clients, template=tmp_path / "nope.yaml", log=lambda _: None)


def test_package_triggers_is_deterministic_and_only_has_handlers(tmp_path: Path) -> None:
    (tmp_path / "b_handler.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "a_handler.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "test_a_handler.py").write_text("def test(): pass\n")
    (tmp_path / "conftest.py").write_text("")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a_handler.cpython-312.pyc").write_bytes(b"\0")
    (tmp_path / "README.md").write_text("notes")
    first = stack.package_triggers(tmp_path)
    (tmp_path / "a_handler.py").touch()  # a newer mtime must not change the zip
    assert stack.package_triggers(tmp_path) == first
    archive = zipfile.ZipFile(io.BytesIO(first))
    assert archive.namelist() == ["a_handler.py", "b_handler.py"]
    assert archive.getinfo("a_handler.py").external_attr >> 16 == 0o644


def test_package_triggers_needs_handlers(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="no Lambda handler modules"):
        stack.package_triggers(tmp_path)


def test_a_bucket_name_owned_elsewhere_is_a_target_error(clients: Clients) -> None:
    from botocore.exceptions import ClientError

    class ForbiddenS3:
        def head_bucket(self, **_: object) -> None:
            raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadBucket")

    clients._cache["s3"] = ForbiddenS3()
    with pytest.raises(TargetError, match="exists but these credentials cannot use it") as caught:
        stack.deploy(clients, log=lambda _: None)
    assert "another account" in (caught.value.hint or "")


def test_missing_credentials_are_a_target_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    clients = Clients(boto3.session.Session(region_name="us-east-1"))
    with pytest.raises(TargetError, match="no AWS credentials") as caught:
        stack.outputs(clients, stack.DEFAULT_STACK_NAME)
    assert "aws configure" in (caught.value.hint or "")
