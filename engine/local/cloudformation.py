"""Amazon Cognito user pools and app clients in moto's CloudFormation.

moto 5.2.1 has no CloudFormation model for ``AWS::Cognito::UserPool`` or ``AWS::Cognito::UserPoolClient``
(a template using them fails), and its ``AWS::Lambda::Permission`` model adds a statement with a random id
and keeps nothing, so the permission can be neither updated nor deleted. This module adds models for the
three types; ``install()`` makes moto's template parser use them.

moto finds CloudFormation models as the direct subclasses of ``CloudFormationModel``, keyed by
``cloudformation_type()``, through a map cached in ``moto.cloudformation.parsing``. Defining the classes
below registers them; ``install()`` rebuilds the cached map and checks every moto hook this module calls,
so a moto upgrade that moves one fails with ``HookError`` (``engine.local.compat``) instead of deploying
half a stack.

The models call moto's backends the way moto's own API handlers do, so a pool created from a template is
indistinguishable from one created with ``CreateUserPool``.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import botocore.session
from moto.awslambda import models as lambda_models
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.cognitoidp import models as cognito_models
from moto.core.common_models import CloudFormationModel

from engine.local.compat import HookError, check_attribute, check_callable, require

_installed = False
_HOOK = "cloudformation-cognito"


def _check_hooks() -> None:
    """Every moto function and module attribute the models call, with the parameters they pass."""
    for name in ("get_model_list", "get_model_map", "get_name_type_map"):  # the cached model map
        check_attribute(_HOOK, parsing, name)
        check_callable(_HOOK, getattr(parsing, name), "cache_clear", ("self",))
    check_attribute(_HOOK, cognito_models, "cognitoidp_backends")
    pool, client = ("self", "user_pool_id"), ("self", "user_pool_id", "client_id")
    for name, params in {
        "create_user_pool": ("self", "name", "extended_config"),
        "describe_user_pool": pool,
        "update_user_pool": (*pool, "extended_config"),
        "delete_user_pool": pool,
        "set_user_pool_mfa_config": (*pool, "sms_config", "token_config", "mfa_config"),
        "create_user_pool_client": (*pool, "generate_secret", "extended_config"),
        "describe_user_pool_client": client,
        "update_user_pool_client": (*client, "extended_config"),
        "delete_user_pool_client": client,
    }.items():
        check_callable(_HOOK, cognito_models.CognitoIdpBackend, name, params)
    check_callable(_HOOK, cognito_models.CognitoIdpUserPool, "add_custom_attributes", ("self", "custom_attributes"))
    check_attribute(_HOOK, lambda_models, "lambda_backends")
    check_callable(_HOOK, lambda_models.LambdaBackend, "add_permission", ("self", "function_name", "qualifier", "raw"))
    check_callable(
        _HOOK, lambda_models.LambdaBackend, "remove_permission", ("self", "function_name", "sid", "revision")
    )


def _attr(obj: Any, name: str) -> Any:
    """``obj.name`` for an attribute of a moto model instance, or HookError naming it."""
    require(_HOOK, obj, name)
    return getattr(obj, name)


def _cognito(account_id: str, region: str) -> Any:
    return cognito_models.cognitoidp_backends[account_id][region]


def _lambda(account_id: str, region: str) -> Any:
    return lambda_models.lambda_backends[account_id][region]


# --- CloudFormation properties -> API parameters ------------------------------------------------------


@functools.cache
def _input_shape(operation: str) -> Any:
    """The botocore input shape of a cognito-idp operation (CloudFormation property names match it)."""
    model = botocore.session.get_session().get_service_model("cognito-idp")
    return model.operation_model(operation).input_shape


def _coerce(value: Any, shape: Any) -> Any:
    """``value`` with the scalar types ``shape`` expects.

    CloudFormation passes parameters and some literals as strings ("true", "8") and converts them by the
    resource schema; moto's backends would keep the strings.
    """
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {k: _coerce(v, shape.members[k]) if k in shape.members else v for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_coerce(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _coerce(v, shape.value) for k, v in value.items()}
    if kind == "boolean" and isinstance(value, str):
        return value.lower() == "true"
    if kind in ("integer", "long") and isinstance(value, str):
        return int(value)
    return value


def _api_params(properties: dict[str, Any], operation: str, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The properties that are parameters of ``operation``, coerced to the API's types.

    CloudFormation-only properties (``EnabledMfas``, ``UserPoolName``) and read-only ones are left out.
    """
    shape = _input_shape(operation)
    return {k: _coerce(v, shape.members[k]) for k, v in properties.items() if k in shape.members and k not in exclude}


def _not_found(exc: Exception) -> bool:
    """Whether a moto error means "no such resource": deleting something already gone is success."""
    return getattr(exc, "error_type", None) == "ResourceNotFoundException" or type(exc).__name__ in (
        "ResourceNotFoundError",
        "UnknownFunctionException",
        "UnknownPolicyException",
    )


class _Resource:
    """What the three models share. A mixin: moto only sees *direct* CloudFormationModel subclasses."""

    def __init__(self, account_id: str, region: str, physical_id: str, properties: dict[str, Any]) -> None:
        self.account_id = account_id
        self.region = region
        self.physical_id = physical_id
        self.properties = properties

    @property
    def physical_resource_id(self) -> str:
        """What Ref returns and ListStackResources shows."""
        return self.physical_id

    def is_created(self) -> bool:
        return True

    def delete(self, account_id: str, region_name: str) -> None:
        """Delete the resource; one that is already gone (with its pool or function) counts as deleted."""
        try:
            self._delete()
        except Exception as exc:
            if not _not_found(exc):
                raise

    def _delete(self) -> None:
        raise NotImplementedError


# --- AWS::Cognito::UserPool ---------------------------------------------------------------------------


class CognitoUserPoolResource(_Resource, CloudFormationModel):
    """``AWS::Cognito::UserPool``: Ref is the pool id; GetAtt Arn, ProviderName, ProviderURL, UserPoolId."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return "UserPoolName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPool"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "ProviderName", "ProviderURL", "UserPoolId")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        pool = _cognito(self.account_id, self.region).describe_user_pool(self.physical_id)
        suffix = "amazonaws.com.cn" if self.region.startswith("cn-") else "amazonaws.com"
        # The issuer of the pool's tokens; ProviderName is the same without the scheme.
        provider = f"cognito-idp.{self.region}.{suffix}/{self.physical_id}"
        values = {
            "Arn": _attr(pool, "arn"),
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
        backend = _cognito(account_id, region_name)
        # resource_name is UserPoolName when given, else a name moto generated from the stack and logical id.
        pool = backend.create_user_pool(resource_name, _api_params(properties, "CreateUserPool", ("PoolName",)))
        pool_id = _attr(pool, "id")
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
        backend = _cognito(account_id, region_name)
        pool = backend.describe_user_pool(original_resource.physical_id)
        extended = _attr(pool, "extended_config")
        # Like UpdateUserPool, settings the template no longer gives go back to their defaults; the sign-in
        # attributes cannot change on a real pool, so they are kept.
        config = _api_params(properties, "CreateUserPool", ("PoolName", "Schema"))
        config.update({k: extended[k] for k in ("UsernameAttributes", "AliasAttributes") if k in extended})
        backend.update_user_pool(original_resource.physical_id, config)
        if "UserPoolName" in properties:
            pool.name = properties["UserPoolName"]
        # A schema update can only add custom attributes; existing attributes stay as they are.
        existing = _attr(pool, "schema_attributes")
        added = [
            attr
            for attr in _api_params(properties, "CreateUserPool").get("Schema", [])
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
        _cognito(self.account_id, self.region).delete_user_pool(self.physical_id)


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


# --- AWS::Cognito::UserPoolClient ---------------------------------------------------------------------

# Not client settings: the client's identity, and what is fixed at creation (a change replaces the client).
_CLIENT_FIXED = ("UserPoolId", "ClientId", "GenerateSecret", "ClientSecret")


class CognitoUserPoolClientResource(_Resource, CloudFormationModel):
    """``AWS::Cognito::UserPoolClient``: Ref is the client id; GetAtt ClientSecret, Name, ClientId."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return "ClientName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolClient"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("ClientSecret", "Name", "ClientId")

    @property
    def pool_id(self) -> str:
        return str(self.properties.get("UserPoolId", ""))

    def get_cfn_attribute(self, attribute_name: str) -> str:
        client = _cognito(self.account_id, self.region).describe_user_pool_client(self.pool_id, self.physical_id)
        if attribute_name == "ClientId":
            return self.physical_id
        if attribute_name == "Name":
            return str(_attr(client, "extended_config").get("ClientName", ""))
        if attribute_name == "ClientSecret" and _attr(client, "generate_secret"):
            return str(_attr(client, "secret"))
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
        params = _api_params(properties, "CreateUserPoolClient")
        config = {k: v for k, v in params.items() if k not in _CLIENT_FIXED}
        config["ClientName"] = resource_name  # ClientName when given, else a generated name
        client = _cognito(account_id, region_name).create_user_pool_client(
            properties["UserPoolId"], bool(params.get("GenerateSecret", False)), config
        )
        return cls(account_id, region_name, _attr(client, "id"), properties)

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
        backend = _cognito(account_id, region_name)
        pool_id, client_id = original_resource.pool_id, original_resource.physical_id
        extended = _attr(backend.describe_user_pool_client(pool_id, client_id), "extended_config")
        config = {k: v for k, v in _api_params(properties, "UpdateUserPoolClient").items() if k not in _CLIENT_FIXED}
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
        _cognito(self.account_id, self.region).delete_user_pool_client(self.pool_id, self.physical_id)


# --- AWS::Lambda::Permission --------------------------------------------------------------------------

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


class LambdaPermissionResource(_Resource, CloudFormationModel):
    """``AWS::Lambda::Permission`` as a policy statement whose id is the physical id (and Ref)."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""  # no name property: the statement id is generated from the stack and logical id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Permission"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

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
        _lambda(account_id, region_name).add_permission(properties["FunctionName"], None, json.dumps(statement))
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
        _lambda(self.account_id, self.region).remove_permission(self.properties["FunctionName"], self.physical_id)


# --- install ------------------------------------------------------------------------------------------

_MODELS: tuple[type[CloudFormationModel], ...] = (
    CognitoUserPoolResource,
    CognitoUserPoolClientResource,
    LambdaPermissionResource,
)


def install() -> None:
    """Make moto's CloudFormation deploy Cognito user pools and clients (and manage Lambda permissions).

    Idempotent; call it before the first stack is created. Raises ``HookError`` (hook
    ``cloudformation-cognito``) if the installed moto lacks something this relies on.
    """
    global _installed
    if _installed:
        return
    _check_hooks()
    # The model map is cached on first use; rebuild it so that it sees the classes defined here.
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    model_map = parsing.get_model_map()
    for model in _MODELS:
        if model_map.get(model.cloudformation_type()) is not model:
            raise HookError(_HOOK, f"moto's model map does not pick {model.__name__} for {model.cloudformation_type()}")
    _installed = True
