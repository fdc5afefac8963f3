"""``AWS::CDK::Metadata`` in moto's CloudFormation: the resource every CDK stack carries (its construct
library versions, for AWS's statistics). It creates nothing on AWS either, so it is accepted and kept."""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from engine.local.cloudformation.common import ResourceMixin


class CdkMetadataResource(ResourceMixin, CloudFormationModel):
    """``AWS::CDK::Metadata``: Ref is its logical id's generated name; no attributes."""

    CFN_TYPE = "AWS::CDK::Metadata"
    CFN_NAME_PROPERTY = ""
    CFN_ATTRIBUTES = frozenset()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CdkMetadataResource:
        return cls(account_id, region_name, resource_name, cloudformation_json.get("Properties") or {})

    def _delete(self) -> None:
        pass  # nothing was created
