"""``AWS::Lambda::Permission`` in moto's CloudFormation, replacing moto's own model.

moto's model adds a statement with a random id and keeps nothing, so the permission can be neither
updated nor deleted; this one uses the physical id as the statement id.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel

from engine.local.cloudformation.common import ResourceMixin, lambda_backend

# The AddPermission parameters a Permission resource carries; FunctionName says where it goes.
_PERMISSION_PARAMS = (
    "Action",
    "Principal",
    "SourceArn",
    "SourceAccount",
    "EventSourceToken",
    "PrincipalOrgID",
    "FunctionUrlAuthType",
)


class LambdaPermissionResource(ResourceMixin, CloudFormationModel):
    """``AWS::Lambda::Permission`` as a policy statement whose id is the physical id (and Ref)."""

    CFN_TYPE = "AWS::Lambda::Permission"
    CFN_NAME_PROPERTY = ""  # no name property: the statement id is generated from the stack and logical id
    CFN_ATTRIBUTES = frozenset()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LambdaPermissionResource:
        properties = cloudformation_json.get("Properties") or {}
        statement = {k: properties[k] for k in _PERMISSION_PARAMS if k in properties}
        statement["StatementId"] = resource_name
        lambda_backend(account_id, region_name).add_permission(properties["FunctionName"], None, json.dumps(statement))
        return cls(account_id, region_name, resource_name, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: LambdaPermissionResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LambdaPermissionResource:
        # Every property of a permission is create-only: an update replaces it.
        new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        original_resource.delete(account_id, region_name)
        return new

    def _delete(self) -> None:
        lambda_backend(self.account_id, self.region).remove_permission(
            self.properties["FunctionName"], self.physical_id
        )
