"""What botocore's service models say about a call, read without calling AWS.

``scenario validate`` checks ``aws_call`` parameters here: a constant value against every
constraint of its shape, a templated value only where it sits (its shape's type decides nothing,
since ``{{ 5 }}`` renders to a number and ``{{ steps.x.result.Items }}`` to a list). It also
knows which error codes an operation can give, so a misspelt ``expect_error`` is caught.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache

from botocore.exceptions import UnknownServiceError
from botocore.model import OperationModel, ServiceModel, Shape, StructureShape
from botocore.validate import ParamValidator

from engine.aws.service_data import session
from engine.plan.schema_errors import suggest
from engine.template.render import NodePath, is_template

# Codes any AWS operation can give although no model lists them: AWS's common errors
# (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/CommonErrors.html and the
# same page for other services), and the client-side errors botocore raises as codes.
COMMON_ERRORS = frozenset(
    {
        "AccessDeniedException",
        "AccessDenied",
        "ExpiredTokenException",
        "IncompleteSignature",
        "InternalErrorException",
        "InternalFailure",
        "InternalServerError",
        "InvalidAction",
        "InvalidClientTokenId",
        "InvalidParameterCombination",
        "InvalidParameterValue",
        "InvalidQueryParameter",
        "MalformedQueryString",
        "MissingAction",
        "MissingAuthenticationToken",
        "MissingParameter",
        "NotAuthorizedException",
        "OptInRequired",
        "RequestExpired",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "SignatureDoesNotMatch",
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "UnrecognizedClientException",
        "ValidationError",
        "ValidationException",
        # botocore's own (a BotoCoreError is reported by its class name)
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "ConnectionClosedError",
    }
)
# Codes the engine itself gives a step (StepFailed codes), whatever the action.
ENGINE_ERRORS = frozenset(
    {
        "AssertionFailed",
        "BudgetExceeded",
        "CheckFailed",
        "CleanupFailed",
        "InjectedFault",
        "LeaseTimeout",
        "NoChoices",
        "NoMessage",
        "NoOutbox",
        "RetryExhausted",
        "StepTimeout",
        "TemplateBudgetExceeded",
        "UnexpectedSuccess",
        "UnsupportedRuntime",
    }
)


def _operation_name(service_model: ServiceModel, name: str) -> str | None:
    names = service_model.operation_names
    if name in names:
        return str(name)
    wanted = name.replace("_", "").lower()
    for candidate in names:
        if candidate.lower() == wanted:
            return str(candidate)
    return None


@lru_cache(maxsize=1024)
def operation(service: str, name: str) -> tuple[OperationModel | None, str | None]:
    """(model, None) or (None, why not); looked up once per process (every ``aws_call`` step asks)."""
    try:
        model = session().get_service_model(service)
    except UnknownServiceError:
        known = session().get_available_services()
        close = [s for s in known if service.replace("_", "-") in s or s in service][:5]
        return None, (
            f"unknown AWS service '{service}'"
            + (f"; did you mean {', '.join(close)}?" if close else "; use boto3 service names")
        )
    found = _operation_name(model, name)
    if found is None:
        return None, f"service '{service}' has no operation '{name}'"
    return model.operation_model(found), None


@cache
def _operation_errors(service: str, name: str) -> frozenset[str] | None:
    model, _ = operation(service, name)
    if model is None:
        return None
    codes: set[str] = set()
    for shape in model.error_shapes:
        codes.add(shape.name)
        code = (shape.metadata.get("error") or {}).get("code")
        if code:
            codes.add(str(code))
    return frozenset(codes)


def codes_for(operations: Iterable[tuple[str, str]]) -> frozenset[str] | None:
    """Every code a step calling ``operations`` can end with; None when that is not known."""
    codes: set[str] = set()
    listed = False
    for service, name in operations:
        found = _operation_errors(service, name)
        if found is None:
            return None
        codes |= found
        listed = True
    return frozenset(codes | COMMON_ERRORS | ENGINE_ERRORS) if listed else None


# -- parameters ------------------------------------------------------------------------------


def _stand_in(shape: Shape | None) -> object:
    """A value of ``shape`` that meets all of its constraints: what a templated value is checked as."""
    if shape is None:
        return "x"
    kind = shape.type_name
    low = int(shape.metadata.get("min", 0) or 0)
    if kind == "string":
        enum = getattr(shape, "enum", None)
        return enum[0] if enum else "x" * max(low, 1)
    if kind in ("integer", "long"):
        return max(low, int(shape.metadata.get("min", 1)))
    if kind in ("float", "double"):
        return float(max(low, 1))
    if kind == "boolean":
        return True
    if kind == "blob":
        return b"x" * max(low, 1)
    if kind == "timestamp":
        return datetime.datetime(2000, 1, 1)
    if kind == "list":
        return [_stand_in(getattr(shape, "member", None)) for _ in range(low)]
    if kind == "map":
        return {f"k{i}": _stand_in(getattr(shape, "value", None)) for i in range(low)}
    if isinstance(shape, StructureShape):
        return {name: _stand_in(shape.members[name]) for name in shape.required_members}
    return "x"


def _with_stand_ins(value: object, shape: Shape | None) -> object:
    if is_template(value):
        return _stand_in(shape)
    if isinstance(value, dict):
        members = getattr(shape, "members", None)
        if members is not None:
            return {k: _with_stand_ins(v, members.get(k)) for k, v in value.items()}
        value_shape = getattr(shape, "value", None)
        return {k: _with_stand_ins(v, value_shape) for k, v in value.items()}
    if isinstance(value, list):
        member = getattr(shape, "member", None)
        return [_with_stand_ins(v, member) for v in value]
    return value


def _constraints(value: object, shape: Shape | None, path: NodePath) -> Iterator[tuple[NodePath, str]]:
    """What botocore does not check on a constant value: maximum lengths and values, and enums."""
    if shape is None or is_template(value):
        return
    name = _dotted(path)
    high = shape.metadata.get("max")
    if isinstance(value, dict):
        members = getattr(shape, "members", None)
        for key, item in value.items():
            inner = members.get(key) if members is not None else getattr(shape, "value", None)
            yield from _constraints(item, inner, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _constraints(item, getattr(shape, "member", None), (*path, index))
    if shape.type_name == "string" and isinstance(value, str):
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            close = suggest(value, list(enum))
            yield (
                path,
                (
                    f"Invalid value for parameter {name}, value: {value!r}, valid values: {', '.join(enum)}"
                    + (f" ({close})" if close else "")
                ),
            )
    if high is None or isinstance(value, bool):
        return
    if shape.type_name in ("string", "list", "map", "blob") and isinstance(value, str | list | dict | bytes):
        if len(value) > int(high):
            yield path, f"Invalid length for parameter {name}, value: {len(value)}, valid max length: {high}"
    elif shape.type_name in ("integer", "long", "float", "double") and isinstance(value, int | float) and value > high:
        yield path, f"Invalid value for parameter {name}, value: {value}, valid max value: {high}"


def _dotted(path: NodePath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "input"


def parameter_problems(model: OperationModel, params: object) -> tuple[str | None, list[tuple[NodePath, str]]]:
    """(botocore's report on the parameters, or None; the other constraints broken, each with its path)."""
    shape = model.input_shape
    if shape is None:
        return (None if not params else "the operation takes no parameters"), []
    report = ParamValidator().validate(_with_stand_ins(params, shape), shape)
    text = report.generate_report() if report.has_errors() else None
    return text, list(_constraints(params, shape, ()))
