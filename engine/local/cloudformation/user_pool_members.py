"""``AWS::Cognito::UserPoolGroup``, ``UserPoolUser`` and ``UserPoolUserToGroupAttachment`` in moto's
CloudFormation (moto 5.2.1 models none of them, so a template using them deployed without them).

Each goes through the same backend calls as ``CreateGroup``, ``AdminCreateUser`` (with the local Cognito's
PreSignUp trigger and invitation, as CloudFormation's own handler calls AdminCreateUser) and
``AdminAddUserToGroup``. Every property of a user or an attachment requires replacement on AWS, so an update
replaces them; a group updates in place unless its pool or name changes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from moto.core.common_models import CloudFormationModel

from engine.local.cloudformation.common import ResourceMixin, cognito_backend, moto_attr, required


class CognitoUserPoolGroupResource(ResourceMixin, CloudFormationModel):
    """``AWS::Cognito::UserPoolGroup``: Ref is the group name; it has no attributes."""

    CFN_TYPE = "AWS::Cognito::UserPoolGroup"
    CFN_NAME_PROPERTY = "GroupName"
    CFN_ATTRIBUTES = frozenset()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CognitoUserPoolGroupResource:
        properties = cloudformation_json.get("Properties") or {}
        pool_id = required(properties, "UserPoolId", cls.cloudformation_type())
        precedence = properties.get("Precedence")
        cognito_backend(account_id, region_name).create_group(
            pool_id,
            resource_name,
            properties.get("Description"),
            properties.get("RoleArn"),
            int(precedence) if precedence is not None else None,
        )
        return cls(account_id, region_name, resource_name, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CognitoUserPoolGroupResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CognitoUserPoolGroupResource:
        properties = cloudformation_json.get("Properties") or {}
        old = original_resource.properties
        if any(properties.get(key) != old.get(key) for key in ("UserPoolId", "GroupName")):
            new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        group = cognito_backend(account_id, region_name).get_group(old["UserPoolId"], original_resource.physical_id)
        # UpdateGroup keeps what it is not given, but a property the template dropped is cleared on AWS.
        precedence = properties.get("Precedence")
        for attr, value in (
            ("description", properties.get("Description") or ""),
            ("role_arn", properties.get("RoleArn")),
            ("precedence", int(precedence) if precedence is not None else None),
        ):
            moto_attr(group, attr)
            setattr(group, attr, value)
        original_resource.properties = properties
        return original_resource

    def _delete(self) -> None:
        cognito_backend(self.account_id, self.region).delete_group(self.properties["UserPoolId"], self.physical_id)


class CognitoUserPoolUserResource(ResourceMixin, CloudFormationModel):
    """``AWS::Cognito::UserPoolUser``: Ref is the user name; it has no attributes."""

    CFN_TYPE = "AWS::Cognito::UserPoolUser"
    CFN_NAME_PROPERTY = "Username"
    CFN_ATTRIBUTES = frozenset()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CognitoUserPoolUserResource:
        from engine.local.cognito import signup  # the local Cognito's AdminCreateUser, triggers included

        properties = cloudformation_json.get("Properties") or {}
        pool_id = required(properties, "UserPoolId", cls.cloudformation_type())
        backend = cognito_backend(account_id, region_name)
        user = signup.admin_create_user(
            backend,
            pool_id,
            resource_name,
            properties.get("UserAttributes") or [],
            properties.get("ValidationData"),
            None,  # CloudFormation has no TemporaryPassword: Cognito generates one
            properties.get("MessageAction"),
            properties.get("DesiredDeliveryMediums"),
            properties.get("ClientMetadata"),
        )
        return cls(account_id, region_name, str(moto_attr(user, "username")), properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CognitoUserPoolUserResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CognitoUserPoolUserResource:
        if (cloudformation_json.get("Properties") or {}) == original_resource.properties:
            return original_resource
        # Every property requires replacement; the same name cannot exist twice, so the old user goes first.
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def _delete(self) -> None:
        cognito_backend(self.account_id, self.region).admin_delete_user(self.properties["UserPoolId"], self.physical_id)


class CognitoUserPoolUserToGroupAttachmentResource(ResourceMixin, CloudFormationModel):
    """``AWS::Cognito::UserPoolUserToGroupAttachment``: Ref is a generated id
    (``UserToGroupAttachment-…``); it has no attributes."""

    CFN_TYPE = "AWS::Cognito::UserPoolUserToGroupAttachment"
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
    ) -> CognitoUserPoolUserToGroupAttachmentResource:
        properties = cloudformation_json.get("Properties") or {}
        kind = cls.cloudformation_type()
        pool_id, group, user = (required(properties, key, kind) for key in ("UserPoolId", "GroupName", "Username"))
        cognito_backend(account_id, region_name).admin_add_user_to_group(pool_id, group, user)
        digest = hashlib.sha256(f"{pool_id}/{group}/{user}".encode()).hexdigest()[:12]
        return cls(account_id, region_name, f"UserToGroupAttachment-{digest}", properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CognitoUserPoolUserToGroupAttachmentResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CognitoUserPoolUserToGroupAttachmentResource:
        if (cloudformation_json.get("Properties") or {}) == original_resource.properties:
            return original_resource
        new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        original_resource.delete(account_id, region_name)
        return new

    def _delete(self) -> None:
        props = self.properties
        cognito_backend(self.account_id, self.region).admin_remove_user_from_group(
            props["UserPoolId"], props["GroupName"], props["Username"]
        )
