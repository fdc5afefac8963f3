"""Malformed requests get AWS's error for their protocol before moto sees them (``scenario serve``).

moto parses a request body on the assumption that a real SDK wrote it: a body that is not JSON, a
``Username`` that is a list or a DynamoDB ``Item`` that is a list ends in a Python exception, which the
HTTP server answers with a 500 page and a traceback (and boto3 retries a 500). AWS answers 400 with
the error its protocol carries (``__type`` in the body and ``x-amzn-ErrorType`` in the headers), so
``refusal`` checks each request of a JSON-protocol service (Cognito, DynamoDB, CloudWatch Logs, ...)
and of Lambda's REST API against botocore's model of its operation, the model the SDKs are built from
(a query-protocol one, IAM, STS, CloudFormation..., for its ``Action`` and required parameters, in XML):

* a body that is not UTF-8 JSON (empty, a BOM, two documents, nested past ``MAX_DEPTH``), or whose top
  level is not an object: ``SerializationException`` (Lambda: ``InvalidRequestContentException``);
* a member of the wrong JSON type (a string where the model has a list, a string for an integer):
  ``SerializationException``, as AWS's deserializer answers;
* a required member missing, a union (DynamoDB's ``AttributeValue``) with no known member or with two,
  a string holding a lone surrogate (not Unicode: it could never be stored or sent back): the service's
  validation error (``InvalidParameterException`` for Cognito, ``ValidationException`` elsewhere).

``body_limit`` is the largest body a request may have, read from its headers before the body is read;
a larger one is refused with 413 ``RequestTooLargeException`` (the sizes are in ``BODY_LIMITS``).
Members the model does not have are left alone, as AWS leaves them.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from botocore.model import ListShape, MapShape, StructureShape

from engine.aws.service_data import service_model

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel, Shape

QUERY_ERROR_TYPE = "text/xml"
MAX_DEPTH = 64  # DynamoDB allows 32 levels of nested attributes; no SDK request nests deeper
# Documented sizes (request body, bytes). Lambda: a 50 MB zip sent as base64 in JSON, and Invoke's 6 MB
# synchronous payload; DynamoDB: BatchWriteItem's 16 MB; CloudWatch Logs: PutLogEvents' 1,048,576 bytes;
# Cognito documents none: 1 MiB is far above any request an SDK builds (a 100 KB UI image as base64).
BODY_LIMITS = {
    "lambda": 70 * 1024 * 1024,
    "dynamodb": 16 * 1024 * 1024,
    "logs": 1024 * 1024,
    "cognito-idp": 1024 * 1024,
}
INVOKE_LIMIT = 6 * 1024 * 1024
_SCOPE = re.compile(r"Credential=[^/,\s]+/[^/]+/[^/]+/([^/]+)/")
_VALIDATION = {"cognito-idp": "InvalidParameterException", "lambda": "InvalidParameterValueException"}
_NOT_JSON = {"lambda": "InvalidRequestContentException"}
_TARGETS = {
    "AWSCognitoIdentityProviderService": "cognito-idp",
    "DynamoDB_20120810": "dynamodb",
    "Logs_20140328": "logs",
}
# Unions older botocore models do not mark as such (``"union": true``).
_ONE = "1 validation error detected:"
_UNIONS = frozenset({"AttributeValue"})
_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
}


@dataclass(frozen=True)
class Refusal:
    """An AWS error answer: HTTP status, error code (``__type``), message, and the protocol's content type."""

    status: int
    code: str
    message: str
    content_type: str

    def body(self) -> bytes:
        if self.content_type == QUERY_ERROR_TYPE:  # the query protocol's ErrorResponse, as botocore parses it
            return (
                "<ErrorResponse><Error><Type>Sender</Type>"
                f"<Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message>"
                "</Error><RequestId>0</RequestId></ErrorResponse>"
            ).encode()
        return json.dumps({"__type": self.code, "message": self.message}).encode("utf-8")


def service_of(environ: Mapping[str, object]) -> str | None:
    """The service a request is for: its signature's credential scope, else its ``X-Amz-Target`` prefix."""
    scope = _SCOPE.search(str(environ.get("HTTP_AUTHORIZATION", "")))
    if scope:
        return scope.group(1)
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    return _TARGETS.get(target.split(".", 1)[0]) if target else None


def body_limit(environ: Mapping[str, object]) -> int | None:
    """The largest body this request may carry, or None: the server's own limit applies."""
    service = service_of(environ)
    if service == "lambda" and str(environ.get("PATH_INFO", "")).endswith("/invocations"):
        return INVOKE_LIMIT
    return BODY_LIMITS.get(service or "")


def too_large(environ: Mapping[str, object], limit: int) -> Refusal:
    service = service_of(environ) or ""
    operation = "InvokeFunction" if str(environ.get("PATH_INFO", "")).endswith("/invocations") else "this"
    content_type = "application/json" if service == "lambda" else "application/x-amz-json-1.1"
    message = f"Request must be smaller than {limit} bytes for the {operation} operation"
    return Refusal(413, "RequestTooLargeException", message, content_type)


def refusal(environ: Mapping[str, object], body: bytes) -> Refusal | None:
    """Why AWS would refuse this request before acting on it, or None (moto handles it)."""
    service = service_of(environ)
    model = service_model(service) if service else None
    if model is None or service is None:
        return None
    if model.protocol == "query":
        return _query_refusal(model, environ, body)
    if model.protocol == "json":
        operation = _json_operation(model, str(environ.get("HTTP_X_AMZ_TARGET", "")))
        content_type = "application/x-amz-json-1.1"
    elif model.protocol == "rest-json":
        operation = _rest_operation(service, str(environ.get("REQUEST_METHOD", "")), str(environ.get("PATH_INFO", "")))
        content_type = "application/json"
    else:
        return None
    if operation is None:
        return None
    shape = operation.input_shape
    if model.protocol == "rest-json" and (
        shape is None or shape.serialization.get("payload") or not any(_in_body(m) for m in shape.members.values())
    ):
        return None  # the body is a payload (Invoke) or there is none: nothing to parse
    if model.protocol == "rest-json" and not body:
        return None
    parsed = _parse(body)
    if isinstance(parsed, str):
        return Refusal(400, _NOT_JSON.get(service, "SerializationException"), parsed, content_type)
    if shape is None:
        return None
    problem = _first(shape, parsed, rest=model.protocol == "rest-json")
    if problem is None:
        return None
    kind, message = problem
    code = "SerializationException" if kind == "type" else _VALIDATION.get(service, "ValidationException")
    return Refusal(400, code, message, content_type)


def _query_refusal(model: ServiceModel, environ: Mapping[str, object], body: bytes) -> Refusal | None:
    """A query-protocol request (IAM, STS, CloudFormation, SNS...): form parameters naming an ``Action`` of the
    service's version, with every required top-level member. moto would answer an unknown action with a 500 and
    make a role without a ``RoleName``; AWS answers 400 ``MissingAction``, ``InvalidAction`` or
    ``ValidationError`` (its common errors), in the protocol's XML."""
    if environ.get("REQUEST_METHOD") == "GET":
        text = str(environ.get("QUERY_STRING", ""))
    else:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            return Refusal(400, "MalformedQueryString", f"The request body is not UTF-8 (byte {error.start})",
                           QUERY_ERROR_TYPE)  # fmt: skip
    params = dict(parse_qsl(text, keep_blank_values=True))
    action = params.get("Action")
    if not action:
        if not text and environ.get("REQUEST_METHOD") == "GET":
            return None  # a plain GET (a browser, a health check): moto answers it as it does
        return Refusal(400, "MissingAction", "Missing Action", QUERY_ERROR_TYPE)
    if action not in model.operation_names:
        version = params.get("Version") or model.api_version
        return Refusal(400, "InvalidAction", f"Could not find operation {action} for version {version}",
                       QUERY_ERROR_TYPE)  # fmt: skip
    shape = model.operation_model(action).input_shape
    if shape is None:
        return None
    for name in shape.required_members:
        wire = str(shape.members[name].serialization.get("name", name))
        if not any(key == wire or key.startswith(wire + ".") for key in params):
            message = f"{_ONE} Value null at '{_lower(name)}' failed to satisfy constraint: Member must not be null"
            return Refusal(400, "ValidationError", message, QUERY_ERROR_TYPE)
    return None


def _json_operation(model: ServiceModel, target: str) -> OperationModel | None:
    prefix, _, name = target.partition(".")
    if prefix != model.metadata.get("targetPrefix") or name not in model.operation_names:
        return None
    return model.operation_model(name)


@lru_cache(maxsize=8)
def _routes(service: str) -> tuple[tuple[str, re.Pattern[str], str], ...]:
    model = service_model(service)
    if model is None:
        return ()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path = str(http.get("requestUri", "/")).split("?", 1)[0]
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path).replace(r"\+\}", r"\}"))
        routes.append((str(http.get("method", "POST")), re.compile(pattern + "/?$"), name))
    return tuple(routes)


def _rest_operation(service: str, method: str, path: str) -> OperationModel | None:
    model = service_model(service)
    for verb, pattern, name in _routes(service):
        if verb == method and pattern.match(path) and model is not None:
            return model.operation_model(name)
    return None


def _in_body(member: Shape) -> bool:
    return "location" not in member.serialization


def _parse(body: bytes) -> object:
    """The decoded JSON, or a str saying why the body is not one JSON object."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"The request body is not UTF-8 (byte {error.start})"
    if not text.strip():
        return "The request body is empty; send a JSON object ({} for no parameters)"
    try:
        value: object = json.loads(text)
    except RecursionError:
        return "The request body is nested too deeply"
    except ValueError as error:
        return f"The request body is not valid JSON: {error}"
    if not isinstance(value, dict):
        return f"The request body must be a JSON object, not {_json_type(value)}"
    return value


def _json_type(value: object) -> str:
    return "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)


_EXPECTED = {
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
    "string": (str,),
    "blob": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "timestamp": (int, float, str),
}


_Problems = list[tuple[str, str]]
_ENOUGH = 20  # a request with thousands of bad values is refused without walking all of them


def _first(shape: Shape, value: object, *, rest: bool) -> tuple[str, str] | None:
    """The problem AWS reports first: its deserializer's (a wrong type) before its validator's."""
    problems: _Problems = []
    _check(shape, value, "", 0, problems, rest=rest)
    types = [p for p in problems if p[0] == "type"]
    return (types or problems)[0] if problems else None


def _check(shape: Shape, value: object, path: str, depth: int, out: _Problems, *, rest: bool = False) -> None:
    """Add ("type" | "validation", message) to ``out`` for each problem in ``value``."""
    where = path or "the request"
    if len(out) >= _ENOUGH or value is None:  # JSON null is an absent member, as AWS reads it
        return
    if depth > MAX_DEPTH:
        out.append(("type", f"The request is nested more than {MAX_DEPTH} levels deep at '{where}'"))
        return
    expected = _EXPECTED.get(shape.type_name)
    wrong_bool = isinstance(value, bool) and shape.type_name != "boolean"
    if expected is not None and (not isinstance(value, expected) or wrong_bool):
        wanted = _JSON_TYPES[expected[0]]
        out.append(("type", f"Value at '{where}' must be {wanted} ({shape.type_name}), not {_json_type(value)}"))
    elif isinstance(value, str):
        _check_text(value, where, out)
    elif isinstance(shape, StructureShape) and isinstance(value, dict):
        _check_structure(shape, value, path, depth, out, rest=rest)
    elif isinstance(shape, ListShape) and isinstance(value, list):
        for index, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{index}.member", depth + 1, out)
    elif isinstance(shape, MapShape) and isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, f"{path}.{key}", out)
            _check(shape.value, item, f"{path}.{key}", depth + 1, out)


def _check_structure(
    shape: StructureShape, value: Mapping[str, object], path: str, depth: int, out: _Problems, *, rest: bool
) -> None:
    members = shape.members
    for name in shape.required_members:
        if value.get(name) is None and not (rest and not _in_body(members[name])):
            at = f"{path}.{_lower(name)}" if path else _lower(name)
            out.append(
                ("validation", f"{_ONE} Value null at '{at}' failed to satisfy constraint: Member must not be null")
            )
    known = [name for name in value if name in members and value[name] is not None]
    if (shape.metadata.get("union") or shape.name in _UNIONS) and len(known) != 1:
        state = "is empty" if not known else "has more than one datatypes set"
        out.append(
            (
                "validation",
                f"Supplied {shape.name} {state}, must contain exactly one of the supported datatypes"
                f" (at '{path or 'the request'}')",
            )
        )
    for name in known:
        if not (rest and not _in_body(members[name])):
            _check(members[name], value[name], f"{path}.{_lower(name)}" if path else _lower(name), depth + 1, out)


def _check_text(text: str, where: str, out: _Problems) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        out.append(
            (
                "validation",
                f"{_ONE} Value at '{where}' failed to satisfy constraint: "
                f"Member must be valid Unicode (a lone surrogate at character {error.start})",
            )
        )


def _lower(name: str) -> str:
    return name[:1].lower() + name[1:]


class BodyError(Exception):
    """The body could not be read in full (status, reason)."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status

    def refusal(self) -> Refusal:
        code = "RequestTimeoutException" if self.status.startswith("408") else "SerializationException"
        return Refusal(int(self.status[:3]), code, str(self), "application/x-amz-json-1.1")


class TooLarge(Exception):
    """The body is over its limit (read from Content-Length, before the body)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


def buffer_body(environ: dict[str, Any], limit: int) -> None:
    """Read the whole request body now (the socket has a timeout), before any lock is taken; one over
    ``limit`` is refused from its Content-Length, before it is read."""
    length_text = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    try:
        if length_text:
            length = int(length_text)
            if length < 0:
                raise ValueError(length_text)
            if length > limit:
                raise TooLarge(limit)
            body = stream.read(length)
            if len(body) < length:
                raise BodyError("400 Bad Request", "request body shorter than its Content-Length")
        else:
            body = stream.read(limit + 1) if environ.get("wsgi.input_terminated") else b""
            if len(body) > limit:
                raise TooLarge(limit)
    except ValueError:
        raise BodyError("400 Bad Request", "bad Content-Length") from None
    except OSError:  # socket.timeout included
        raise BodyError("408 Request Timeout", "the request body did not arrive in time") from None
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def answer(start_response: Callable[..., Any], refused: Refusal) -> Iterable[bytes]:
    """Send ``refused`` as AWS does: the status, ``x-amzn-ErrorType`` and a ``__type`` body."""
    body = refused.body()
    status = f"{refused.status} {HTTPStatus(refused.status).phrase}"
    headers = [("Content-Type", refused.content_type), ("x-amzn-ErrorType", refused.code)]
    start_response(
        status,
        [
            *headers,
            ("x-amzn-ErrorMessage", refused.message[:200].encode("ascii", "replace").decode()),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]
