"""``AWS::Cognito::UserPoolDomain``, ``UserPoolResourceServer`` and ``UserPoolIdentityProvider`` in moto's
CloudFormation (moto 5.2.1 models none of them): what a pool needs for its hosted endpoints, scopes and
federated sign-in, created through the backend calls ``CreateUserPoolDomain``, ``CreateResourceServer`` and
``CreateIdentityProvider`` make, so the local server's federated sign-in sees them.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

from engine.local.cloudformation.common import ResourceMixin, cognito_backend, moto_attr, required


def _replaced(original: ResourceMixin, properties: dict[str, Any], keys: tuple[str, ...]) -> bool:
    return any(properties.get(key) != original.properties.get(key) for key in keys)


class CognitoUserPoolDomainResource(ResourceMixin, CloudFormationModel):
    """``AWS::Cognito::UserPoolDomain``: Ref is the domain; GetAtt CloudFrontDistribution."""

    CFN_TYPE = "AWS::Cognito::UserPoolDomain"
    CFN_NAME_PROPERTY = "Domain"
    CFN_ATTRIBUTES = frozenset({"CloudFrontDistribution"})

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name != "CloudFrontDistribution":
            raise UnformattedGetAttTemplateException()
        domain = cognito_backend(self.account_id, self.region).describe_user_pool_domain(self.physical_id)
        return str(moto_attr(domain, "_distribution_name")())

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CognitoUserPoolDomainResource:
        properties = cloudformation_json.get("Properties") or {}
        kind = cls.cloudformation_type()
        pool_id, domain = required(properties, "UserPoolId", kind), required(properties, "Domain", kind)
        cognito_backend(account_id, region_name).create_user_pool_domain(
            pool_id, domain, properties.get("CustomDomainConfig")
        )
        return cls(account_id, region_name, domain, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CognitoUserPoolDomainResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CognitoUserPoolDomainResource:
        properties = cloudformation_json.get("Properties") or {}
        if _replaced(original_resource, properties, ("UserPoolId", "Domain")):
            new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        cognito_backend(account_id, region_name).update_user_pool_domain(
            original_resource.physical_id, properties.get("CustomDomainConfig") or {}
        )
        original_resource.properties = properties
        return original_resource

    def _delete(self) -> None:
        cognito_backend(self.account_id, self.region).delete_user_pool_domain(self.physical_id)


class CognitoUserPoolResourceServerResource(ResourceMixin, CloudFormationModel):
    """``AWS::Cognito::UserPoolResourceServer``: Ref is the identifier; it has no attributes."""

    CFN_TYPE = "AWS::Cognito::UserPoolResourceServer"
    CFN_NAME_PROPERTY = "Identifier"
    CFN_ATTRIBUTES = frozenset()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CognitoUserPoolResourceServerResource:
        properties = cloudformation_json.get("Properties") or {}
        kind = cls.cloudformation_type()
        pool_id, identifier = required(properties, "UserPoolId", kind), required(properties, "Identifier", kind)
        cognito_backend(account_id, region_name).create_resource_server(
            pool_id, identifier, required(properties, "Name", kind), properties.get("Scopes") or []
        )
        return cls(account_id, region_name, identifier, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CognitoUserPoolResourceServerResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CognitoUserPoolResourceServerResource:
        properties = cloudformation_json.get("Properties") or {}
        if _replaced(original_resource, properties, ("UserPoolId", "Identifier")):
            new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        server = cognito_backend(account_id, region_name).describe_resource_server(
            properties["UserPoolId"], original_resource.physical_id
        )
        for attr, value in (("name", properties.get("Name")), ("scopes", properties.get("Scopes") or [])):
            moto_attr(server, attr)
            setattr(server, attr, value)
        original_resource.properties = properties
        return original_resource

    def _delete(self) -> None:
        # moto has no DeleteResourceServer: the server is an entry of its pool's map.
        pool = cognito_backend(self.account_id, self.region).describe_user_pool(self.properties["UserPoolId"])
        moto_attr(pool, "resource_servers").pop(self.physical_id, None)


class CognitoUserPoolIdentityProviderResource(ResourceMixin, CloudFormationModel):
    """``AWS::Cognito::UserPoolIdentityProvider``: Ref is the provider name; it has no attributes."""

    CFN_TYPE = "AWS::Cognito::UserPoolIdentityProvider"
    CFN_NAME_PROPERTY = "ProviderName"
    CFN_ATTRIBUTES = frozenset()

    @staticmethod
    def _config(properties: dict[str, Any]) -> dict[str, Any]:
        keys = ("ProviderType", "ProviderDetails", "AttributeMapping", "IdpIdentifiers")
        config = {key: properties[key] for key in keys if key in properties}
        config["ProviderName"] = properties.get("ProviderName")
        return config

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CognitoUserPoolIdentityProviderResource:
        properties = cloudformation_json.get("Properties") or {}
        kind = cls.cloudformation_type()
        pool_id, name = required(properties, "UserPoolId", kind), required(properties, "ProviderName", kind)
        required(properties, "ProviderType", kind)
        cognito_backend(account_id, region_name).create_identity_provider(pool_id, name, cls._config(properties))
        return cls(account_id, region_name, name, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CognitoUserPoolIdentityProviderResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CognitoUserPoolIdentityProviderResource:
        properties = cloudformation_json.get("Properties") or {}
        if _replaced(original_resource, properties, ("UserPoolId", "ProviderName", "ProviderType")):
            new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        provider = cognito_backend(account_id, region_name).describe_identity_provider(
            properties["UserPoolId"], original_resource.physical_id
        )
        # UpdateIdentityProvider merges; CloudFormation sets the provider to what the template says.
        moto_attr(provider, "extended_config").clear()
        provider.extended_config.update(cls._config(properties))
        original_resource.properties = properties
        return original_resource

    def _delete(self) -> None:
        cognito_backend(self.account_id, self.region).delete_identity_provider(
            self.properties["UserPoolId"], self.physical_id
        )
