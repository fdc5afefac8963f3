"""The resource types the local CloudFormation creates, known without importing moto, so that
``scenario validate`` and a deploy can refuse a template before anything is created.

``LOCAL_TYPES`` is moto's CloudFormation models plus ``engine.local.cloudformation``'s, for the pinned moto;
``tests/local/test_cloudformation_types.py`` fails when it names a type the installed moto cannot create.
The local backend checks the same thing itself (``engine.local.cloudformation.guard``) with its live model
map, so a client that skips this check is refused as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

UNSUPPORTED_MARK = "which the local CloudFormation cannot create"
_UNSUPPORTED = re.compile(rf"resource (\S+) has type (\S+), {UNSUPPORTED_MARK}")

LOCAL_TYPES = frozenset(
    {
        "AWS::ApiGateway::Deployment",
        "AWS::ApiGateway::Method",
        "AWS::ApiGateway::Resource",
        "AWS::ApiGateway::RestApi",
        "AWS::AutoScaling::AutoScalingGroup",
        "AWS::AutoScaling::LaunchConfiguration",
        "AWS::AutoScaling::ScheduledAction",
        "AWS::Batch::ComputeEnvironment",
        "AWS::Batch::JobDefinition",
        "AWS::Batch::JobQueue",
        "AWS::CDK::Metadata",
        "AWS::CloudFormation::Stack",
        "AWS::CloudFormation::WaitCondition",
        "AWS::CloudFormation::WaitConditionHandle",
        "AWS::CloudWatch::Dashboard",
        "AWS::Cognito::UserPool",
        "AWS::Cognito::UserPoolClient",
        "AWS::Cognito::UserPoolDomain",
        "AWS::Cognito::UserPoolGroup",
        "AWS::Cognito::UserPoolIdentityProvider",
        "AWS::Cognito::UserPoolResourceServer",
        "AWS::Cognito::UserPoolUser",
        "AWS::Cognito::UserPoolUserToGroupAttachment",
        "AWS::DataPipeline::Pipeline",
        "AWS::DynamoDB::Table",
        "AWS::EC2::EIP",
        "AWS::EC2::FlowLog",
        "AWS::EC2::Instance",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::LaunchTemplate",
        "AWS::EC2::NatGateway",
        "AWS::EC2::NetworkInterface",
        "AWS::EC2::Route",
        "AWS::EC2::RouteTable",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::SpotFleet",
        "AWS::EC2::Subnet",
        "AWS::EC2::SubnetRouteTableAssociation",
        "AWS::EC2::TransitGateway",
        "AWS::EC2::VPC",
        "AWS::EC2::VPCEndpoint",
        "AWS::EC2::VPCGatewayAttachment",
        "AWS::EC2::VPCPeeringConnection",
        "AWS::EC2::VPNGateway",
        "AWS::EC2::Volume",
        "AWS::EC2::VolumeAttachment",
        "AWS::ECR::Repository",
        "AWS::ECS::Cluster",
        "AWS::ECS::Service",
        "AWS::ECS::TaskDefinition",
        "AWS::EFS::AccessPoint",
        "AWS::EFS::FileSystem",
        "AWS::EFS::MountTarget",
        "AWS::EMR::Cluster",
        "AWS::EMR::InstanceGroupConfig",
        "AWS::EMR::SecurityConfiguration",
        "AWS::ElasticLoadBalancing::LoadBalancer",
        "AWS::ElasticLoadBalancingV2::Listener",
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "AWS::Events::Archive",
        "AWS::Events::EventBus",
        "AWS::Events::Rule",
        "AWS::IAM::AccessKey",
        "AWS::IAM::InstanceProfile",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::Policy",
        "AWS::IAM::Role",
        "AWS::IAM::User",
        "AWS::IoT::BillingGroup",
        "AWS::IoT::JobTemplate",
        "AWS::IoT::Policy",
        "AWS::IoT::RoleAlias",
        "AWS::IoT::Thing",
        "AWS::IoT::ThingType",
        "AWS::KMS::Alias",
        "AWS::KMS::Key",
        "AWS::Kinesis::Stream",
        "AWS::Lambda::EventSourceMapping",
        "AWS::Lambda::Function",
        "AWS::Lambda::LayerVersion",
        "AWS::Lambda::Permission",
        "AWS::Lambda::Version",
        "AWS::Logs::LogGroup",
        "AWS::Logs::ResourcePolicy",
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBParameterGroup",
        "AWS::RDS::DBSecurityGroup",
        "AWS::RDS::DBSubnetGroup",
        "AWS::Redshift::Cluster",
        "AWS::Redshift::ClusterParameterGroup",
        "AWS::Redshift::ClusterSubnetGroup",
        "AWS::Route53::HealthCheck",
        "AWS::Route53::HostedZone",
        "AWS::Route53::RecordSet",
        "AWS::Route53::RecordSetGroup",
        "AWS::S3::Bucket",
        "AWS::SNS::Topic",
        "AWS::SQS::Queue",
        "AWS::SSM::Document",
        "AWS::SSM::Parameter",
        "AWS::SageMaker::Endpoint",
        "AWS::SageMaker::EndpointConfig",
        "AWS::SageMaker::Model",
        "AWS::SageMaker::NotebookInstance",
        "AWS::SageMaker::NotebookInstanceLifecycleConfig",
        "AWS::StepFunctions::StateMachine",
    }
)


def unsupported_message(logical: str, kind: str, supported: Iterable[str] = LOCAL_TYPES) -> str:
    """Why ``logical`` cannot be created, with the supported types of its service (or the services)."""
    known = sorted(set(supported))
    service = kind.rsplit("::", 1)[0] + "::"
    same = [name for name in known if name.startswith(service)]
    if same:
        offer = f"of {service}* it creates {', '.join(same)}"
    else:
        services = sorted({name.split("::")[1] for name in known if name.count("::") == 2})
        offer = f"it creates no {service}* type; its services are {', '.join(services)}"
    return f"resource {logical} has type {kind}, {UNSUPPORTED_MARK} ({offer})"


def parse_unsupported(message: str) -> tuple[str, str] | None:
    """``(logical id, type)`` from a local backend's refusal, or None for any other message."""
    found = _UNSUPPORTED.search(message)
    return (found.group(1), found.group(2)) if found else None
