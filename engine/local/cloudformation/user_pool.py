"""``AWS::Cognito::UserPool`` in moto's CloudFormation (moto 5.2.1 has no model for it).

Created, updated and deleted through moto's Cognito backend as ``CreateUserPool`` and friends would be,
with the MFA settings applied the way CloudFormation applies them.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

from engine.local.cloudformation.common import ResourceMixin, api_params, cognito_backend, moto_attr


class CognitoUserPoolResource(ResourceMixin, CloudFormationModel):
    """``AWS::Cognito::UserPool``: Ref is the pool id; GetAtt Arn, ProviderName, ProviderURL, UserPoolId."""

    CFN_TYPE = "AWS::Cognito::UserPool"
    CFN_NAME_PROPERTY = "UserPoolName"
    CFN_ATTRIBUTES = frozenset({"Arn", "ProviderName", "ProviderURL", "UserPoolId"})

    def get_cfn_attribute(self, attribute_name: str) -> str:
        pool = cognito_backend(self.account_id, self.region).describe_user_pool(self.physical_id)
        suffix = "amazonaws.com.cn" if self.region.startswith("cn-") else "amazonaws.com"
        # The issuer of the pool's tokens; ProviderName is the same without the scheme.
        provider = f"cognito-idp.{self.region}.{suffix}/{self.physical_id}"
        values = {
            "Arn": moto_attr(pool, "arn"),
            "ProviderName": provider,
            "ProviderURL": f"https://{provider}",
            "UserPoolId": self.physical_id,
        }
        if attribute_name not in values:
            raise UnformattedGetAttTemplateException()
        return str(values[attribute_name])

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CognitoUserPoolResource:
        properties = cloudformation_json.get("Properties") or {}
        backend = cognito_backend(account_id, region_name)
        # resource_name is UserPoolName when given, else a name moto generated from the stack and logical id.
        pool = backend.create_user_pool(resource_name, api_params(properties, "CreateUserPool", ("PoolName",)))
        pool_id = moto_attr(pool, "id")
        _set_mfa(backend, pool_id, properties)
        return cls(account_id, region_name, pool_id, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CognitoUserPoolResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CognitoUserPoolResource:
        properties = cloudformation_json.get("Properties") or {}
        backend = cognito_backend(account_id, region_name)
        pool = backend.describe_user_pool(original_resource.physical_id)
        extended = moto_attr(pool, "extended_config")
        # Like UpdateUserPool, settings the template no longer gives go back to their defaults; the sign-in
        # attributes cannot change on a real pool, so they are kept.
        config = api_params(properties, "CreateUserPool", ("PoolName", "Schema"))
        config.update({k: extended[k] for k in ("UsernameAttributes", "AliasAttributes") if k in extended})
        backend.update_user_pool(original_resource.physical_id, config)
        if "UserPoolName" in properties:
            pool.name = properties["UserPoolName"]
        # A schema update can only add custom attributes; existing attributes stay as they are.
        existing = moto_attr(pool, "schema_attributes")
        added = [
            attr
            for attr in api_params(properties, "CreateUserPool").get("Schema", [])
            if not {attr["Name"], f"custom:{attr['Name']}", f"dev:custom:{attr['Name']}"} & set(existing)
        ]
        if added:
            pool.add_custom_attributes(added)
        _set_mfa(backend, original_resource.physical_id, properties)
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
        cls(account_id, region_name, resource_name, {}).delete(account_id, region_name)

    def _delete(self) -> None:
        cognito_backend(self.account_id, self.region).delete_user_pool(self.physical_id)


def _set_mfa(backend: Any, pool_id: str, properties: dict[str, Any]) -> None:
    """MfaConfiguration and EnabledMfas, which CloudFormation applies with SetUserPoolMfaConfig."""
    mfa = properties.get("MfaConfiguration", "OFF")
    enabled = properties.get("EnabledMfas") or []
    token = {"Enabled": True} if "SOFTWARE_TOKEN_MFA" in enabled else None
    sms = None
    if "SMS_MFA" in enabled or (mfa != "OFF" and token is None and "SmsConfiguration" in properties):
        sms = {
            "SmsAuthenticationMessage": properties.get("SmsAuthenticationMessage"),
            "SmsConfiguration": properties.get("SmsConfiguration"),
        }
    backend.set_user_pool_mfa_config(pool_id, sms, token, mfa)
