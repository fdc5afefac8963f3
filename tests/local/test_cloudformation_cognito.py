"""engine.local.cloudformation: Cognito user pools and clients (and Lambda permissions) in moto's CloudFormation."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import boto3
import moto.cognitoidp.models
import pytest
from moto import mock_aws

from engine.local import cloudformation
from engine.local.cloudformation import install
from engine.local.compat import HookError

REGION = "us-east-1"
PRE_SIGN_UP_CODE = "def handler(event, context):\n    return event\n"

TEMPLATE: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {
        # A string where the API wants a boolean: CloudFormation converts it, and so must the local backend.
        "RequireSymbols": {"Type": "String", "Default": "false"},
    },
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                        }
                    ],
                }
            },
        },
        "PreSignUpFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"ZipFile": PRE_SIGN_UP_CODE},
            },
        },
        "UserPool": {
            "Type": "AWS::Cognito::UserPool",
            "Properties": {
                "UserPoolName": "cfn-pool",
                "Schema": [
                    {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
                    {"Name": "team", "AttributeDataType": "String", "Mutable": True},
                ],
                "AutoVerifiedAttributes": ["email"],
                "UsernameConfiguration": {"CaseSensitive": False},
                "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
                "Policies": {
                    "PasswordPolicy": {
                        "MinimumLength": 10,
                        "RequireUppercase": True,
                        "RequireLowercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": {"Ref": "RequireSymbols"},
                    }
                },
                "LambdaConfig": {"PreSignUp": {"Fn::GetAtt": ["PreSignUpFunction", "Arn"]}},
                "MfaConfiguration": "OFF",
                "UserPoolTags": {"project": "scenario-run"},
            },
        },
        "UserPoolClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "ClientName": "cfn-client",
                "UserPoolId": {"Ref": "UserPool"},
                "GenerateSecret": True,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "RefreshTokenValidity": 10,
            },
        },
        "InvokePermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "Principal": "cognito-idp.amazonaws.com",
                "FunctionName": {"Fn::GetAtt": ["PreSignUpFunction", "Arn"]},
                "SourceArn": {"Fn::GetAtt": ["UserPool", "Arn"]},
            },
        },
    },
    "Outputs": {
        "PoolRef": {"Value": {"Ref": "UserPool"}},
        "PoolArn": {"Value": {"Fn::GetAtt": ["UserPool", "Arn"]}},
        "PoolIdAtt": {"Value": {"Fn::GetAtt": ["UserPool", "UserPoolId"]}},
        "ProviderName": {"Value": {"Fn::GetAtt": ["UserPool", "ProviderName"]}},
        "ProviderURL": {"Value": {"Fn::GetAtt": ["UserPool", "ProviderURL"]}},
        "ClientRef": {"Value": {"Ref": "UserPoolClient"}},
        "ClientIdAtt": {"Value": {"Fn::GetAtt": ["UserPoolClient", "ClientId"]}},
        "ClientNameAtt": {"Value": {"Fn::GetAtt": ["UserPoolClient", "Name"]}},
        "ClientSecret": {"Value": {"Fn::GetAtt": ["UserPoolClient", "ClientSecret"]}},
        "PermissionRef": {"Value": {"Ref": "InvokePermission"}},
        "FunctionArn": {"Value": {"Fn::GetAtt": ["PreSignUpFunction", "Arn"]}},
    },
}


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        install()
        yield {name: boto3.client(name, region_name=REGION) for name in ("cloudformation", "cognito-idp", "lambda")}


def deploy(cfn: Any, template: dict[str, Any], update: bool = False) -> dict[str, str]:
    call = cfn.update_stack if update else cfn.create_stack
    call(StackName="cognito", TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"])
    stack = cfn.describe_stacks(StackName="cognito")["Stacks"][0]
    assert stack["StackStatus"] == ("UPDATE_COMPLETE" if update else "CREATE_COMPLETE")
    return {out["OutputKey"]: out["OutputValue"] for out in stack["Outputs"]}


def policy_statements(lam: Any, function_arn: str) -> list[dict[str, Any]]:
    try:
        return list(json.loads(lam.get_policy(FunctionName=function_arn)["Policy"])["Statement"])
    except lam.exceptions.ResourceNotFoundException:
        return []


def test_template_with_cognito_resources_deploys_and_outputs_resolve(aws: dict[str, Any]) -> None:
    out = deploy(aws["cloudformation"], TEMPLATE)
    pool_id = out["PoolRef"]
    assert pool_id.startswith(f"{REGION}_")
    assert out["PoolIdAtt"] == pool_id
    assert out["PoolArn"] == f"arn:aws:cognito-idp:{REGION}:123456789012:userpool/{pool_id}"
    assert out["ProviderName"] == f"cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    assert out["ProviderURL"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    assert out["ClientIdAtt"] == out["ClientRef"]
    assert out["ClientNameAtt"] == "cfn-client"

    client = aws["cognito-idp"].describe_user_pool_client(UserPoolId=pool_id, ClientId=out["ClientRef"])
    assert client["UserPoolClient"]["ClientSecret"] == out["ClientSecret"]
    assert client["UserPoolClient"]["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert client["UserPoolClient"]["RefreshTokenValidity"] == 10

    resources = aws["cloudformation"].list_stack_resources(StackName="cognito")["StackResourceSummaries"]
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}
    assert physical["UserPool"] == pool_id
    assert physical["UserPoolClient"] == out["ClientRef"]


def test_the_pool_has_the_template_settings(aws: dict[str, Any]) -> None:
    out = deploy(aws["cloudformation"], TEMPLATE)
    pool = aws["cognito-idp"].describe_user_pool(UserPoolId=out["PoolRef"])["UserPool"]
    assert pool["Name"] == "cfn-pool"
    assert pool["LambdaConfig"] == {"PreSignUp": out["FunctionArn"]}
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["AccountRecoverySetting"] == {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]}
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert pool["MfaConfiguration"] == "OFF"
    assert pool["UserPoolTags"] == {"project": "scenario-run"}
    password = pool["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] == 10
    assert password["RequireSymbols"] is False  # "false" from the parameter became a boolean
    attributes = {a["Name"]: a for a in pool["SchemaAttributes"]}
    assert attributes["email"]["Required"] is True
    assert "custom:team" in attributes


def test_the_pool_works_like_an_api_created_one(aws: dict[str, Any]) -> None:
    out = deploy(aws["cloudformation"], TEMPLATE)
    idp = aws["cognito-idp"]
    # The template's password policy is enforced: 10 characters at least.
    with pytest.raises(idp.exceptions.InvalidPasswordException):
        idp.sign_up(
            ClientId=out["ClientRef"],
            Username="short",
            Password="Ab1defg",
            UserAttributes=[{"Name": "email", "Value": "a@example.com"}],
            SecretHash=_secret_hash("short", out["ClientRef"], out["ClientSecret"]),
        )
    idp.admin_create_user(
        UserPoolId=out["PoolRef"],
        Username="someone",
        UserAttributes=[{"Name": "email", "Value": "someone@example.com"}],
    )
    assert idp.admin_get_user(UserPoolId=out["PoolRef"], Username="someone")["Username"] == "someone"


def _secret_hash(user: str, client_id: str, secret: str) -> str:
    import base64
    import hashlib
    import hmac

    digest = hmac.new(secret.encode(), (user + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_the_permission_lets_the_pool_invoke_the_function(aws: dict[str, Any]) -> None:
    out = deploy(aws["cloudformation"], TEMPLATE)
    statements = policy_statements(aws["lambda"], out["FunctionArn"])
    assert len(statements) == 1
    assert statements[0]["Sid"] == out["PermissionRef"]
    assert statements[0]["Principal"] == {"Service": "cognito-idp.amazonaws.com"}
    assert statements[0]["Condition"] == {"ArnLike": {"AWS:SourceArn": out["PoolArn"]}}


def test_update_changes_the_pool_and_client_in_place(aws: dict[str, Any]) -> None:
    cfn, idp = aws["cloudformation"], aws["cognito-idp"]
    before = deploy(cfn, TEMPLATE)
    template = copy.deepcopy(TEMPLATE)
    pool_props = template["Resources"]["UserPool"]["Properties"]
    pool_props["Policies"]["PasswordPolicy"]["MinimumLength"] = 12
    pool_props["Schema"].append({"Name": "level", "AttributeDataType": "Number", "Mutable": True})
    del pool_props["LambdaConfig"]  # the triggers are detached
    client_props = template["Resources"]["UserPoolClient"]["Properties"]
    client_props["ClientName"] = "renamed-client"
    client_props["ExplicitAuthFlows"] = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    del client_props["RefreshTokenValidity"]

    after = deploy(cfn, template, update=True)
    assert after["PoolRef"] == before["PoolRef"]
    assert after["ClientRef"] == before["ClientRef"]
    assert after["ClientNameAtt"] == "renamed-client"
    pool = idp.describe_user_pool(UserPoolId=after["PoolRef"])["UserPool"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert pool.get("LambdaConfig", {}) == {}
    assert {"custom:team", "custom:level"} <= {a["Name"] for a in pool["SchemaAttributes"]}
    client = idp.describe_user_pool_client(UserPoolId=after["PoolRef"], ClientId=after["ClientRef"])
    assert client["UserPoolClient"]["ClientName"] == "renamed-client"
    assert client["UserPoolClient"]["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert client["UserPoolClient"].get("RefreshTokenValidity") != 10


def test_changing_generate_secret_replaces_the_client(aws: dict[str, Any]) -> None:
    cfn, idp = aws["cloudformation"], aws["cognito-idp"]
    before = deploy(cfn, TEMPLATE)
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["UserPoolClient"]["Properties"]["GenerateSecret"] = False
    del template["Outputs"]["ClientSecret"]
    after = deploy(cfn, template, update=True)
    assert after["ClientRef"] != before["ClientRef"]
    clients = idp.list_user_pool_clients(UserPoolId=after["PoolRef"], MaxResults=10)["UserPoolClients"]
    assert [c["ClientId"] for c in clients] == [after["ClientRef"]]


def test_removing_the_permission_removes_the_statement(aws: dict[str, Any]) -> None:
    cfn = aws["cloudformation"]
    out = deploy(cfn, TEMPLATE)
    template = copy.deepcopy(TEMPLATE)
    del template["Resources"]["InvokePermission"]
    del template["Outputs"]["PermissionRef"]
    deploy(cfn, template, update=True)
    assert policy_statements(aws["lambda"], out["FunctionArn"]) == []


def test_delete_removes_pool_client_and_function(aws: dict[str, Any]) -> None:
    cfn, idp = aws["cloudformation"], aws["cognito-idp"]
    deploy(cfn, TEMPLATE)
    cfn.delete_stack(StackName="cognito")
    assert idp.list_user_pools(MaxResults=10)["UserPools"] == []
    assert aws["lambda"].list_functions()["Functions"] == []
    stacks = cfn.describe_stacks()["Stacks"]
    assert all(stack["StackStatus"] == "DELETE_COMPLETE" for stack in stacks)


def test_names_are_generated_when_the_template_gives_none(aws: dict[str, Any]) -> None:
    template = copy.deepcopy(TEMPLATE)
    del template["Resources"]["UserPool"]["Properties"]["UserPoolName"]
    del template["Resources"]["UserPoolClient"]["Properties"]["ClientName"]
    out = deploy(aws["cloudformation"], template)
    pool = aws["cognito-idp"].describe_user_pool(UserPoolId=out["PoolRef"])["UserPool"]
    assert pool["Name"].startswith("cognito-UserPool-")
    assert out["ClientNameAtt"].startswith("cognito-UserPoolClient-")


def test_install_is_idempotent_and_checks_its_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    install()
    install()
    monkeypatch.setattr(cloudformation, "_installed", False)
    monkeypatch.delattr(moto.cognitoidp.models.CognitoIdpBackend, "update_user_pool")
    with pytest.raises(HookError, match=r"cloudformation-cognito.*CognitoIdpBackend\.update_user_pool") as caught:
        install()
    assert caught.value.hook == "cloudformation-cognito"
