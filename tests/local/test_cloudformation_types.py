"""The Cognito types of the local CloudFormation, each deployed through the CLI and read back with boto3,
in-process and over `scenario serve`; a type it cannot create is refused before anything is created; a
resource that fails is named, rolled back, and the hint's command works."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import boto3
import pytest

from engine.local.cloudformation import install
from engine.local.cloudformation.guard import supported_types
from engine.local.server import LocalServer
from engine.stack.local_types import LOCAL_TYPES

TEMPLATE = Path(__file__).parent.parent / "fixtures" / "cognito_types" / "template.yaml"

READ_BACK = """\
name: Every Cognito type
stack:
  name: every-type
  template: {template}
  outputs: [UserPoolId, GroupName, DomainName, CloudFrontDistribution, ResourceServer, UserName, Attachment,
            ProviderName]
vars:
  pool: "{{{{ stack.UserPoolId }}}}"
steps:
  - aws_call:
      service: cognito-idp
      operation: GetGroup
      params: {{UserPoolId: "{{{{ vars.pool }}}}", GroupName: admins}}
    assert: result.Group.Description == 'The admins' and result.Group.Precedence == 1
  - aws_call: {{service: cognito-idp, operation: DescribeUserPoolDomain, params: {{Domain: every-type-domain}}}}
    assert: result.DomainDescription.UserPoolId == vars.pool and stack.DomainName == 'every-type-domain'
  - aws_call:
      service: cognito-idp
      operation: DescribeResourceServer
      params: {{UserPoolId: "{{{{ vars.pool }}}}", Identifier: "https://api.example.com"}}
    assert: result.ResourceServer.Scopes[0].ScopeName == 'read' and stack.ResourceServer == 'https://api.example.com'
  - aws_call:
      service: cognito-idp
      operation: AdminListGroupsForUser
      params: {{UserPoolId: "{{{{ vars.pool }}}}", Username: ada}}
    assert: result.Groups[0].GroupName == 'admins' and stack.Attachment.startswith('UserToGroupAttachment-')
  - aws_call:
      service: cognito-idp
      operation: DescribeIdentityProvider
      params: {{UserPoolId: "{{{{ vars.pool }}}}", ProviderName: Corporate}}
    assert: result.IdentityProvider.ProviderType == 'OIDC' and stack.ProviderName == 'Corporate'
"""


def _check_read_back(idp: Any, out: dict[str, str]) -> None:
    pool = out["UserPoolId"]
    group = idp.get_group(UserPoolId=pool, GroupName=out["GroupName"])["Group"]
    assert (group["GroupName"], group["Description"], group["Precedence"]) == ("admins", "The admins", 1)
    domain = idp.describe_user_pool_domain(Domain=out["DomainName"])["DomainDescription"]
    assert domain["UserPoolId"] == pool
    assert out["CloudFrontDistribution"].endswith(".amazoncognito.com")
    server = idp.describe_resource_server(UserPoolId=pool, Identifier=out["ResourceServer"])["ResourceServer"]
    assert (server["Name"], server["Scopes"]) == (
        "Example API",
        [{"ScopeName": "read", "ScopeDescription": "Read things"}],
    )
    user = idp.admin_get_user(UserPoolId=pool, Username=out["UserName"])
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert {"Name": "email", "Value": "ada@example.com"} in user["UserAttributes"]
    groups = idp.admin_list_groups_for_user(UserPoolId=pool, Username="ada")["Groups"]
    assert [g["GroupName"] for g in groups] == ["admins"]
    assert out["Attachment"].startswith("UserToGroupAttachment-")
    provider = idp.describe_identity_provider(UserPoolId=pool, ProviderName=out["ProviderName"])["IdentityProvider"]
    assert provider["ProviderType"] == "OIDC"
    assert provider["ProviderDetails"]["client_id"] == "corp-client"
    assert provider["AttributeMapping"] == {"email": "email"}


def test_every_cognito_type_deploys_over_the_endpoint_and_reads_back(scenario_cli) -> None:
    with LocalServer(port=0) as server:
        args = ("--endpoint-url", server.url, "--stack", "every-type")
        deployed = scenario_cli("stack", "deploy", *args, "--template", TEMPLATE)
        assert deployed.exit_code == 0, deployed.output
        idp = boto3.client(
            "cognito-idp",
            region_name="us-east-1",
            endpoint_url=server.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        _check_read_back(idp, json.loads(deployed.stdout))
        destroyed = scenario_cli("stack", "destroy", *args)
        assert destroyed.exit_code == 0, destroyed.output
        assert idp.list_user_pools(MaxResults=10)["UserPools"] == []


def test_every_cognito_type_deploys_in_process_and_reads_back(scenario_run, tmp_path: Path) -> None:
    scenario = tmp_path / "types.yaml"
    scenario.write_text(READ_BACK.format(template=TEMPLATE))
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert "PASSED types.yaml: 5 steps" in result.output


def test_an_update_changes_a_group_in_place_and_replaces_a_renamed_user(scenario_cli, tmp_path: Path) -> None:
    changed = tmp_path / "template.yaml"
    text = TEMPLATE.read_text()
    changed.write_text(
        text.replace("Description: The admins, Precedence: 1", "Precedence: 5").replace(
            "Username: ada", "Username: bea"
        )
    )
    with LocalServer(port=0) as server:
        args = ("--endpoint-url", server.url, "--stack", "every-type")
        first = json.loads(scenario_cli("stack", "deploy", *args, "--template", TEMPLATE).stdout)
        updated = scenario_cli("stack", "deploy", *args, "--template", changed)
        assert updated.exit_code == 0, updated.output
        out = json.loads(updated.stdout)
        idp = boto3.client(
            "cognito-idp",
            region_name="us-east-1",
            endpoint_url=server.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        group = idp.get_group(UserPoolId=first["UserPoolId"], GroupName="admins")["Group"]
        assert (group["Description"], group["Precedence"]) == ("", 5)
        users = [u["Username"] for u in idp.list_users(UserPoolId=first["UserPoolId"])["Users"]]
        assert (out["UserName"], users) == ("bea", ["bea"])
        # The attachment reads the user's Ref: replacing the user replaced it too, as on AWS.
        members = idp.list_users_in_group(UserPoolId=first["UserPoolId"], GroupName="admins")["Users"]
        assert [u["Username"] for u in members] == ["bea"]
        assert out["Attachment"] != first["Attachment"]


UNSUPPORTED = """\
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties: {UserPoolName: refused-pool}
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: index.handler, Role: arn:aws:iam::123456789012:role/r, Code: fn.py}
  Api:
    Type: AWS::AppSync::GraphQLApi
    Properties: {Name: api, AuthenticationType: API_KEY}
"""
REFUSED = (
    "resource Api has type AWS::AppSync::GraphQLApi, which the local CloudFormation cannot create "
    "(it creates no AWS::AppSync::* type; its services are ApiGateway, AutoScaling, Batch, CDK, CloudFormation, "
    "CloudWatch, Cognito, DataPipeline, DynamoDB, EC2, ECR, ECS, EFS, EMR, ElasticLoadBalancing, "
    "ElasticLoadBalancingV2, Events, IAM, IoT, KMS, Kinesis, Lambda, Logs, RDS, Redshift, Route53, S3, SNS, SQS, "
    "SSM, SageMaker, StepFunctions)"
)
HINT = "hint: remove it or replace it with a supported type, or deploy this template with --target aws"


def test_an_unsupported_type_is_refused_in_process_before_anything_is_created(scenario_run, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(UNSUPPORTED)
    (tmp_path / "fn.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "s.yaml").write_text(
        "name: refused\nstack: {name: refused, template: template.yaml}\nsteps:\n  - say: never reached\n"
    )
    result = scenario_run(tmp_path / "s.yaml")
    assert result.exit_code == 2, result.output
    assert f"Error: {tmp_path}/template.yaml:8: {REFUSED}\n  {HINT}" in result.output
    assert "Uploaded" not in result.output and "Created bucket" not in result.output


def test_an_unsupported_type_is_refused_over_the_endpoint_leaving_nothing(scenario_cli, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(UNSUPPORTED)
    (tmp_path / "fn.py").write_text("def handler(event, context):\n    return event\n")
    with LocalServer(port=0) as server:
        session = boto3.session.Session(
            region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        result = scenario_cli(
            "stack",
            "deploy",
            "--endpoint-url",
            server.url,
            "--stack",
            "refused",
            "--template",
            tmp_path / "template.yaml",
        )
        assert result.exit_code == 2, result.output
        assert f"Error: {tmp_path}/template.yaml:8: {REFUSED}\n  {HINT}" in result.output
        assert session.client("cognito-idp", endpoint_url=server.url).list_user_pools(MaxResults=10)["UserPools"] == []
        assert session.client("s3", endpoint_url=server.url).list_buckets()["Buckets"] == []
        stacks = session.client("cloudformation", endpoint_url=server.url).list_stacks()["StackSummaries"]
        assert stacks == []


def test_a_client_that_skips_the_check_is_refused_by_the_backend(tmp_path: Path) -> None:
    with LocalServer(port=0) as server:
        cfn = boto3.client(
            "cloudformation",
            region_name="us-east-1",
            endpoint_url=server.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        template = UNSUPPORTED.replace("Code: fn.py", "Code: {ZipFile: 'def handler(e, c): return e'}")
        with pytest.raises(cfn.exceptions.ClientError, match="resource Api has type AWS::AppSync::GraphQLApi"):
            cfn.create_stack(StackName="refused", TemplateBody=template)
        assert cfn.list_stacks()["StackSummaries"] == []


FAILING = """\
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties: {UserPoolName: failing-pool}
  Attach:
    Type: AWS::Cognito::UserPoolUserToGroupAttachment
    Properties: {UserPoolId: !Ref UserPool, GroupName: no-such-group, Username: nobody}
"""


def test_a_failing_resource_is_named_rolled_back_and_the_hint_command_works(scenario_cli, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(FAILING)
    with LocalServer(port=0) as server:
        result = scenario_cli(
            "stack",
            "deploy",
            "--endpoint-url",
            server.url,
            "--stack",
            "failing",
            "--template",
            tmp_path / "template.yaml",
        )
        assert result.exit_code == 1, result.output
        assert (
            "Error: stack failing ended ROLLBACK_COMPLETE: Attach (AWS::Cognito::UserPoolUserToGroupAttachment): "
            "ResourceNotFoundException: no-such-group" in result.output
        )
        command = f"scenario stack destroy --endpoint-url {server.url} --stack failing"
        assert f"hint: fix the cause, then `{command}` and deploy again" in result.output
        idp = boto3.client(
            "cognito-idp",
            region_name="us-east-1",
            endpoint_url=server.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert idp.list_user_pools(MaxResults=10)["UserPools"] == []  # the pool created first was rolled back
        hinted = scenario_cli(*shlex.split(command)[1:])
        assert hinted.exit_code == 0, hinted.output
        assert "Deleted stack failing." in hinted.output


def test_the_known_local_types_are_ones_the_installed_moto_creates() -> None:
    install()
    assert sorted(LOCAL_TYPES - set(supported_types())) == []
