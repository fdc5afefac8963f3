"""moto's CloudFormation parser loaded without the services a template does not use
(``engine.local.cloudformation_imports``, hook ``cloudformation-lazy-models``): a Cognito stack deploys without
importing EC2 or API Gateway, and a template of any of those services still deploys as with moto's parser.

Each runs in a fresh interpreter: the test process may have imported every moto service already."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.local import cloudformation_imports

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> dict[str, object]:
    """``code`` in a fresh interpreter (the repository importable, no AWS reachable); what it printed last, as
    JSON."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT / ".no-home"), "SCENARIO_RUN_DEPLOY_CACHE": "off"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_shipped_stack_deploys_without_ec2_or_api_gateway() -> None:
    found = _run(
        """
        import json, sys
        from engine import stack
        from engine.aws.clients import Clients
        from engine.local import LocalAWS, cloudformation_imports
        with LocalAWS() as local:
            outputs = stack.deploy(Clients.for_local(local.region), log=lambda _: None)
            print(json.dumps({
                "lazy": cloudformation_imports.lazy(),
                "pool": outputs["UserPoolId"],
                "loaded": sorted(m for m in ("moto.ec2", "moto.apigateway", "moto.ssm") if m in sys.modules),
            }))
        """
    )
    assert found["lazy"] is True
    assert str(found["pool"]).startswith("us-east-1_")
    assert found["loaded"] == []


def test_every_type_the_local_cloudformation_creates_is_found_by_the_lazy_parser() -> None:
    """Each type of ``LOCAL_TYPES`` (the pinned moto's models and ours) looked up one by one, in a process that
    has imported none of the deferred services: the lookup imports the service's models when it needs them."""
    found = _run(
        """
        import json
        from engine.local import LocalAWS, cloudformation_imports, hooks
        from engine.stack.local_types import LOCAL_TYPES
        with LocalAWS():
            hooks.install_cloudformation()
            from moto.cloudformation import parsing
            missing = [
                kind for kind in sorted(LOCAL_TYPES)
                if kind not in parsing.NULL_MODELS and parsing.resource_class_from_type(kind) is None
            ]
            print(json.dumps({"lazy": cloudformation_imports.lazy(), "missing": missing}))
        """
    )
    assert found == {"lazy": True, "missing": []}


EC2_AND_SSM = """
import json, boto3, sys
from engine.local import LocalAWS, cloudformation_imports
from engine.aws.clients import Clients

TEMPLATE = {
    "Parameters": {"Cidr": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/network/cidr"}},
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": {"Ref": "Cidr"}}},
        "Subnet": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.7.1.0/24"},
        },
        "Name": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Name": "/network/vpc", "Type": "String", "Value": {"Ref": "Vpc"}},
        },
    },
    "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}}},
}

with LocalAWS() as local:
    clients = Clients.for_local(local.region)
    cfn = clients.client("cloudformation")
    # A first stack builds the parser's list of models before EC2 and SSM are imported.
    cfn.create_stack(StackName="first", TemplateBody=json.dumps(
        {"Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST"}}}}))
    before = sorted(m for m in ("moto.ec2", "moto.ssm") if m in sys.modules)
    clients.client("ssm").put_parameter(Name="/network/cidr", Value="10.7.0.0/16", Type="String")  # imports SSM
    cfn.create_stack(StackName="network", TemplateBody=json.dumps(TEMPLATE))
    stack = cfn.describe_stacks(StackName="network")["Stacks"][0]
    vpc_id = stack["Outputs"][0]["OutputValue"]
    vpc = clients.client("ec2").describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    tags = {t["Key"]: t["Value"] for t in vpc.get("Tags", [])}
    resources = cfn.describe_stack_resources(StackName="network")["StackResources"]
    refused = None
    try:
        cfn.create_stack(StackName="bad", TemplateBody=json.dumps(
            {"Resources": {"Thing": {"Type": "AWS::EC2::NotAThing"}}}))
    except Exception as exc:
        refused = str(exc)
    print(json.dumps({
        "lazy": cloudformation_imports.lazy(),
        "before": before,
        "status": stack["StackStatus"],
        "cidr": vpc["CidrBlock"],
        "tags": tags,
        "types": sorted(r["ResourceType"] for r in resources),
        "refused": refused,
    }))
"""


def test_a_template_of_deferred_services_deploys_as_with_moto_s_parser() -> None:
    """EC2 and SSM imported after the parser listed its models (one by a template's type, one by an SSM call
    the template's parameter then reads); the VPC is tagged as moto tags a stack's EC2 resources."""
    found = _run(EC2_AND_SSM)
    assert found["lazy"] is True
    assert found["before"] == []
    assert found["status"] == "CREATE_COMPLETE"
    assert found["cidr"] == "10.7.0.0/16"  # the SSM parameter's value
    tags = found["tags"]
    assert isinstance(tags, dict)
    assert tags["aws:cloudformation:stack-name"] == "network"
    assert tags["aws:cloudformation:logical-id"] == "Vpc"
    assert found["types"] == ["AWS::EC2::Subnet", "AWS::EC2::VPC", "AWS::SSM::Parameter"]
    refused = str(found["refused"])
    assert "resource Thing has type AWS::EC2::NotAThing, which the local CloudFormation cannot create" in refused
    assert "AWS::EC2::VPC" in refused  # what of EC2 it does create


def test_only_the_import_block_it_knows_is_rewritten() -> None:
    """The pinned moto's parser is rewritten; a block with an import this does not know, or a deferred alias
    that the parser reads, leaves the parser as moto ships it."""
    import moto

    source = (Path(moto.__file__).parent / "cloudformation" / "parsing.py").read_text(encoding="utf-8")
    rewritten = cloudformation_imports._rewrite(source)
    assert rewritten is not None
    assert "from moto.ec2 import" not in rewritten and "from moto.apigateway import" not in rewritten
    assert "from moto.awslambda import models as lambda_models" in rewritten  # the others imported as before
    compile(rewritten, "parsing.py", "exec")
    assert rewritten.count("\n") == source.count("\n")  # a traceback's line numbers are those of moto's file
    unknown = source.replace(
        "from moto.ec2.models.core import TaggedEC2Resource\n",
        "from moto.ec2.models.core import TaggedEC2Resource\nfrom moto.ec2.utils import random_id\n",
    )
    assert cloudformation_imports._rewrite(unknown) is None
    assert cloudformation_imports._rewrite(source + "\nprint(rds_models)\n") is None
    assert cloudformation_imports._rewrite(source.replace("# End ugly list of imports", "# the end")) is None


@pytest.mark.parametrize("kind", ["AWS::Lambda::Function", "Custom::Thing", "AWS::EC2", 42, None])
def test_a_type_of_no_deferred_service_imports_nothing(kind: object) -> None:
    cloudformation_imports.load_for([kind])  # no error, whatever the template holds
