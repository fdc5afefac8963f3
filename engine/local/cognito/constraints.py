"""The request limits Amazon Cognito enforces before it looks at a request, and its attribute schema.

Lengths, list sizes and number ranges come from botocore's model of the API (the same ``min``/``max``
the API reference lists: a user name of at most 128 characters, an attribute value of at most 2,048, a
ListUsers filter of at most 256); a request outside them is ``InvalidParameterException`` with AWS's
``N validation error(s) detected: Value at 'username' failed to satisfy constraint: ...`` message, the
value left out when the model marks it sensitive. Patterns are not checked: the model writes them with
Unicode property classes Python's ``re`` does not have.

``check_attributes``: a user attribute the pool's schema does not have is refused, as Cognito refuses it
("Attributes did not conform to the schema").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.model import ServiceModel, Shape

from engine.aws.service_data import service_model
from engine.local.cognito.exceptions import InvalidParameterException
from engine.local.cognito.models import Pool

# Attributes every user has besides the schema's: Cognito keeps these itself.
_BUILT_IN = frozenset({"email_verified", "phone_number_verified", "cognito:mfa_enabled", "identities"})
_MAX_REPORTED = 10  # a request with thousands of bad values gets a message of readable size


def _model() -> ServiceModel:
    model = service_model("cognito-idp")  # the one request_guard checks member types with
    assert model is not None
    return model


def _member_name(name: str) -> str:
    return name[:1].lower() + name[1:]


def _limit(shape: Shape, value: object) -> str | None:
    """What ``value`` breaks of its shape's length or range limits, as AWS words it."""
    meta = shape.metadata
    if shape.type_name in ("string", "list", "map") and isinstance(value, str | list | dict):
        measure, what = len(value), "length"
    elif shape.type_name in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        measure, what = value, "value"
    else:
        return None
    if "max" in meta and measure > meta["max"]:
        return f"Member must have {what} less than or equal to {meta['max']}"
    if "min" in meta and measure < meta["min"]:
        return f"Member must have {what} greater than or equal to {meta['min']}"
    return None


def _shown(shape: Shape, value: object) -> str:
    if shape.metadata.get("sensitive") or not isinstance(value, str | int) or isinstance(value, bool):
        return "Value"
    text = str(value)
    return f"Value '{text if len(text) <= 100 else text[:100] + '...'}'"


def _problems(shape: Shape, value: object, path: str, out: list[str]) -> None:
    if len(out) >= _MAX_REPORTED:
        return
    broken = _limit(shape, value)
    if broken is not None:
        out.append(f"{_shown(shape, value)} at '{path}' failed to satisfy constraint: {broken}")
    if shape.type_name == "structure" and isinstance(value, Mapping):
        for name, member in shape.members.items():
            if name in value:
                _problems(member, value[name], f"{path}.{_member_name(name)}" if path else _member_name(name), out)
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value, start=1):
            _problems(shape.member, item, f"{path}.{index}.member", out)
    elif shape.type_name == "map" and isinstance(value, Mapping):
        for key, item in value.items():
            _problems(shape.value, item, f"{path}.{key}", out)


def check_request(operation: str, params: object) -> None:
    """Raise InvalidParameterException when ``params`` break a length or range limit of ``operation``."""
    if not isinstance(params, Mapping):
        return
    model = _model()
    if operation not in model.operation_names:
        return
    shape = model.operation_model(operation).input_shape
    if shape is None:
        return
    problems: list[str] = []
    _problems(shape, params, "", problems)
    if problems:
        count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected: "
        raise InvalidParameterException(count + "; ".join(problems))


def check_attributes(pool: Pool, attributes: Iterable[Mapping[str, object]]) -> None:
    """Every attribute must be in the pool's schema (or one Cognito keeps itself)."""
    known = pool.schema_attributes
    for attribute in attributes:
        name = str(attribute.get("Name", ""))
        if name not in known and name not in _BUILT_IN:
            raise InvalidParameterException(
                f"Attributes did not conform to the schema: {name}: Attribute does not exist in the schema.\n"
            )
