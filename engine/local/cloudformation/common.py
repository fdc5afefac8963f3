"""What the local CloudFormation models share: their moto backends, the hook name their checks report
under, CloudFormation properties turned into API parameters, and the base of every model."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from moto.awslambda import models as lambda_models
from moto.cognitoidp import models as cognito_models

from engine.aws.service_data import service_model
from engine.local.compat import require

HOOK = "cloudformation-cognito"


def moto_attr(obj: Any, name: str) -> Any:
    """``obj.name`` for an attribute of a moto model instance, or HookError naming it."""
    require(HOOK, obj, name)
    return getattr(obj, name)


def required(properties: dict[str, Any], name: str, resource_type: str) -> Any:
    """A required property, or the error CloudFormation gives for its absence (it names the property)."""
    if properties.get(name) in (None, ""):
        raise ValueError(f"{resource_type} needs the property {name}")
    return properties[name]


def cognito_backend(account_id: str, region: str) -> Any:
    """moto's Cognito user pools backend for one account and region."""
    return cognito_models.cognitoidp_backends[account_id][region]


def lambda_backend(account_id: str, region: str) -> Any:
    """moto's Lambda backend for one account and region."""
    return lambda_models.lambda_backends[account_id][region]


# --- CloudFormation properties -> API parameters ------------------------------------------------------


@functools.cache
def _input_shape(operation: str) -> Any:
    """The botocore input shape of a cognito-idp operation (CloudFormation property names match it)."""
    model = service_model("cognito-idp")
    assert model is not None  # botocore always has Cognito's
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


def api_params(properties: dict[str, Any], operation: str, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The properties that are parameters of ``operation``, coerced to the API's types.

    CloudFormation-only properties (``EnabledMfas``, ``UserPoolName``) and read-only ones are left out.
    """
    shape = _input_shape(operation)
    return {k: _coerce(v, shape.members[k]) for k, v in properties.items() if k in shape.members and k not in exclude}


def _not_found(exc: Exception) -> bool:
    """Whether a moto error means "no such resource": deleting something already gone is success."""
    return getattr(exc, "error_type", None) in ("ResourceNotFoundException", "UserNotFoundException") or type(
        exc
    ).__name__ in (
        "ResourceNotFoundError",
        "UnknownFunctionException",
        "UnknownPolicyException",
    )


class ResourceMixin:
    """What the models share. A mixin: moto only sees *direct* CloudFormationModel subclasses.

    Each model declares its type, its name property (what CloudFormation generates a name for; empty when
    none) and the attributes ``Fn::GetAtt`` reads as class attributes; moto asks for them through the
    CloudFormationModel methods below.
    """

    CFN_TYPE: ClassVar[str]
    CFN_NAME_PROPERTY: ClassVar[str] = ""
    CFN_ATTRIBUTES: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.CFN_TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.CFN_NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.CFN_ATTRIBUTES

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
