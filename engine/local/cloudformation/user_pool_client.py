"""``AWS::Cognito::UserPoolClient`` in moto's CloudFormation (moto 5.2.1 has no model for it).

A change to the pool or to whether the client has a secret replaces the client, as on AWS; any other
change updates it in place.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

from engine.local.cloudformation.common import ResourceMixin, api_params, cognito_backend, moto_attr

# Not client settings: the client's identity, and what is fixed at creation (a change replaces the client).
_CLIENT_FIXED = ("UserPoolId", "ClientId", "GenerateSecret", "ClientSecret")


class CognitoUserPoolClientResource(ResourceMixin, CloudFormationModel):
    """``AWS::Cognito::UserPoolClient``: Ref is the client id; GetAtt ClientSecret, Name, ClientId."""

    CFN_TYPE = "AWS::Cognito::UserPoolClient"
    CFN_NAME_PROPERTY = "ClientName"
    CFN_ATTRIBUTES = frozenset({"ClientSecret", "Name", "ClientId"})

    @property
    def pool_id(self) -> str:
        return str(self.properties.get("UserPoolId", ""))

    def get_cfn_attribute(self, attribute_name: str) -> str:
        client = cognito_backend(self.account_id, self.region).describe_user_pool_client(self.pool_id, self.physical_id)
        if attribute_name == "ClientId":
            return self.physical_id
        if attribute_name == "Name":
            return str(moto_attr(client, "extended_config").get("ClientName", ""))
        if attribute_name == "ClientSecret" and moto_attr(client, "generate_secret"):
            return str(moto_attr(client, "secret"))
        # A client without a secret has no ClientSecret attribute, as on AWS.
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CognitoUserPoolClientResource:
        properties = cloudformation_json.get("Properties") or {}
        if "UserPoolId" not in properties:
            raise ValueError("AWS::Cognito::UserPoolClient needs the property UserPoolId")
        params = api_params(properties, "CreateUserPoolClient")
        config = {k: v for k, v in params.items() if k not in _CLIENT_FIXED}
        config["ClientName"] = resource_name  # ClientName when given, else a generated name
        client = cognito_backend(account_id, region_name).create_user_pool_client(
            properties["UserPoolId"], bool(params.get("GenerateSecret", False)), config
        )
        return cls(account_id, region_name, moto_attr(client, "id"), properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CognitoUserPoolClientResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CognitoUserPoolClientResource:
        properties = cloudformation_json.get("Properties") or {}
        old = original_resource.properties
        if any(properties.get(key) != old.get(key) for key in ("UserPoolId", "GenerateSecret")):
            # Replacement, in CloudFormation's order: the new client first, then the old one goes.
            new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        backend = cognito_backend(account_id, region_name)
        pool_id, client_id = original_resource.pool_id, original_resource.physical_id
        extended = moto_attr(backend.describe_user_pool_client(pool_id, client_id), "extended_config")
        config = {k: v for k, v in api_params(properties, "UpdateUserPoolClient").items() if k not in _CLIENT_FIXED}
        config["ClientName"] = properties.get("ClientName", extended.get("ClientName"))
        # Settings the template dropped fall back to moto's defaults instead of keeping their old values.
        for dropped in set(old) - set(properties):
            extended.pop(dropped, None)
        backend.update_user_pool_client(pool_id, client_id, config)
        original_resource.properties = properties
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        properties = cloudformation_json.get("Properties") or {}
        cls(account_id, region_name, resource_name, properties).delete(account_id, region_name)

    def _delete(self) -> None:
        cognito_backend(self.account_id, self.region).delete_user_pool_client(self.pool_id, self.physical_id)
