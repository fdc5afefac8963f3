"""Malformed requests to ``scenario serve`` get AWS's 4xx error shape, never a 500 or a traceback."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.parsers import QueryParser
from localaws import REGION, Env, session

from engine.local.server import LocalServer

COGNITO = "AWSCognitoIdentityProviderService."
DYNAMODB = "DynamoDB_20120810."
LOGS = "Logs_20140328."
SER = "SerializationException"
INVALID = "InvalidParameterException"
VALID = "ValidationException"
DEEP = b"[" * 5000 + b"]" * 5000
DEEP_MAP = b'{"TableName":"t","Item":{"a":' + b'{"M":{"a":' * 70 + b'{"S":"x"}' + b"}}" * 70 + b"}}"


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


# (service, target, body, status, error type)
JSON_CASES: list[tuple[str, str, bytes, int, str]] = [
    ("cognito-idp", COGNITO + "ListUserPools", b"{", 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b"", 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b"   \n", 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b'\xef\xbb\xbf{"MaxResults":1}', 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b'{"MaxResults":1}{"MaxResults":2}', 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b'{"MaxResults":1} x', 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", DEEP, 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b"[]", 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b"null", 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b'"text"', 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b"17", 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b'{"MaxResults":"1"}', 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b'{"MaxResults":true}', 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b'{"MaxResults":1.5e400}', 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b"{}", 400, INVALID),
    ("cognito-idp", COGNITO + "ListUserPools", b"\xff\xfe{}", 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b'{"MaxResults":1,"NextToken":"\xc3"}', 400, SER),
    ("cognito-idp", COGNITO + "ListUserPools", b'{"MaxResults": NaN}', 400, SER),
    ("cognito-idp", COGNITO + "SignUp", _json({"ClientId": "c", "Username": ["a"], "Password": "p"}), 400, SER),
    ("cognito-idp", COGNITO + "SignUp", _json({"ClientId": "c", "Username": {"a": 1}, "Password": "p"}), 400, SER),
    ("cognito-idp", COGNITO + "SignUp", _json({"ClientId": 5, "Username": "a", "Password": "p"}), 400, SER),
    (
        "cognito-idp",
        COGNITO + "SignUp",
        _json({"ClientId": "c", "Username": "a", "Password": "p", "UserAttributes": "x"}),
        400,
        SER,
    ),
    (
        "cognito-idp",
        COGNITO + "SignUp",
        _json({"ClientId": "c", "Username": "a", "Password": "p", "UserAttributes": ["x"]}),
        400,
        SER,
    ),
    (
        "cognito-idp",
        COGNITO + "SignUp",
        _json({"ClientId": "c", "Username": "a", "Password": "p", "UserAttributes": [{"Value": "v"}]}),
        400,
        INVALID,
    ),
    (
        "cognito-idp",
        COGNITO + "SignUp",
        _json({"ClientId": "c", "Username": "a", "Password": "p", "ClientMetadata": {"k": 1}}),
        400,
        SER,
    ),
    ("cognito-idp", COGNITO + "SignUp", _json({"ClientId": "c", "Password": "p"}), 400, INVALID),
    ("cognito-idp", COGNITO + "SignUp", b'{"ClientId":"c","Username":"\\ud800","Password":"p"}', 400, INVALID),
    ("cognito-idp", COGNITO + "AdminCreateUser", b'{"UserPoolId":"us-east-1_x","Username":"a\\udfff"}', 400, INVALID),
    (
        "cognito-idp",
        COGNITO + "InitiateAuth",
        _json({"ClientId": "c", "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": []}),
        400,
        SER,
    ),
    (
        "cognito-idp",
        COGNITO + "InitiateAuth",
        b'{"ClientId":"c","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"\\ud800"}}',
        400,
        INVALID,
    ),
    ("cognito-idp", COGNITO + "AdminGetUser", _json({"UserPoolId": None, "Username": "a"}), 400, INVALID),
    (
        "cognito-idp",
        COGNITO + "CreateUserPool",
        _json({"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": "8"}}}),
        400,
        SER,
    ),
    ("cognito-idp", COGNITO + "CreateUserPool", _json({"PoolName": "p", "Schema": {"Name": "x"}}), 400, SER),
    ("cognito-idp", COGNITO + "ListUsers", _json({"UserPoolId": "us-east-1_x", "Limit": "5"}), 400, SER),
    ("cognito-idp", COGNITO + "ListUsers", _json({"UserPoolId": "us-east-1_x", "AttributesToGet": "email"}), 400, SER),
    ("dynamodb", DYNAMODB + "PutItem", _json({"TableName": "t", "Item": []}), 400, SER),
    ("dynamodb", DYNAMODB + "PutItem", _json({"TableName": "t", "Item": {"a": {"Q": "1"}}}), 400, VALID),
    ("dynamodb", DYNAMODB + "PutItem", _json({"TableName": "t", "Item": {"a": {}}}), 400, VALID),
    ("dynamodb", DYNAMODB + "PutItem", _json({"TableName": "t", "Item": {"a": {"S": "x", "N": "1"}}}), 400, VALID),
    ("dynamodb", DYNAMODB + "PutItem", _json({"TableName": "t", "Item": {"a": "x"}}), 400, SER),
    ("dynamodb", DYNAMODB + "PutItem", _json({"TableName": "t", "Item": {"a": {"S": 1}}}), 400, SER),
    ("dynamodb", DYNAMODB + "PutItem", _json({"TableName": "t", "Item": {"a": {"L": {"S": "x"}}}}), 400, SER),
    ("dynamodb", DYNAMODB + "PutItem", _json({"TableName": ["t"], "Item": {}}), 400, SER),
    ("dynamodb", DYNAMODB + "PutItem", DEEP_MAP, 400, SER),
    ("dynamodb", DYNAMODB + "GetItem", _json({"TableName": "t"}), 400, VALID),
    ("dynamodb", DYNAMODB + "Query", _json({"TableName": "t", "Limit": "10"}), 400, SER),
    ("dynamodb", DYNAMODB + "ListTables", b"{", 400, SER),
    ("dynamodb", DYNAMODB + "BatchWriteItem", _json({"RequestItems": {"t": {"PutRequest": {}}}}), 400, SER),
    ("logs", LOGS + "PutLogEvents", _json({"logGroupName": "g", "logStreamName": "s", "logEvents": {}}), 400, SER),
    (
        "logs",
        LOGS + "PutLogEvents",
        _json({"logGroupName": "g", "logStreamName": "s", "logEvents": [{"message": "m"}]}),
        400,
        VALID,
    ),
    ("logs", LOGS + "FilterLogEvents", _json({"logGroupName": "g", "startTime": "yesterday"}), 400, SER),
    ("logs", LOGS + "DescribeLogGroups", b"[1]", 400, SER),
]

# (method, path, body, status, error type) for Lambda's REST API
LAMBDA = "/2015-03-31/functions"
REST_CASES: list[tuple[str, str, bytes, int, str]] = [
    ("POST", LAMBDA, b'{"FunctionName": "f", "Code": {"ZipFile": "UEsDB', 400, "InvalidRequestContentException"),
    ("POST", LAMBDA, b"{", 400, "InvalidRequestContentException"),
    ("POST", LAMBDA, b"\xff", 400, "InvalidRequestContentException"),
    ("POST", LAMBDA, b"[]", 400, "InvalidRequestContentException"),
    ("POST", LAMBDA, _json({"FunctionName": ["f"], "Role": "r", "Code": {}}), 400, SER),
    ("POST", LAMBDA, _json({"FunctionName": "f", "Role": "r", "Code": {}, "MemorySize": "128"}), 400, SER),
    ("POST", LAMBDA, _json({"FunctionName": "f", "Code": {}}), 400, "InvalidParameterValueException"),
    ("PUT", LAMBDA + "/f/configuration", _json({"Timeout": "3"}), 400, SER),
    ("PUT", LAMBDA + "/f/configuration", _json({"Environment": {"Variables": {"A": 1}}}), 400, SER),
]


@pytest.fixture
def server(caplog: pytest.LogCaptureFixture) -> Iterator[LocalServer]:
    with LocalServer(region=REGION) as running:
        yield running
    assert "Traceback" not in caplog.text
    assert [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []


def _send(
    server: LocalServer, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"Content-Length": str(len(body)), **headers})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _signed(service: str) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )


def _assert_aws_error(status: int, headers: dict[str, str], body: bytes, want_status: int, want_type: str) -> None:
    assert (status, headers.get("x-amzn-errortype")) == (want_status, want_type), body[:300]
    assert json.loads(body)["__type"] == want_type


@pytest.mark.parametrize(("service", "target", "body", "status", "error"), JSON_CASES)
def test_a_malformed_json_request_gets_the_aws_error(
    server: LocalServer, service: str, target: str, body: bytes, status: int, error: str
) -> None:
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target, "Authorization": _signed(service)}
    _assert_aws_error(*_send(server, "POST", "/", body, headers), status, error)


@pytest.mark.parametrize(("method", "path", "body", "status", "error"), REST_CASES)
def test_a_malformed_lambda_request_gets_the_aws_error(
    server: LocalServer, method: str, path: str, body: bytes, status: int, error: str
) -> None:
    headers = {"Content-Type": "application/json", "Authorization": _signed("lambda")}
    _assert_aws_error(*_send(server, method, path, body, headers), status, error)


# (service, form body, error code, message): query-protocol services answer in XML, with AWS's common errors
QUERY_CASES: list[tuple[str, bytes, str, str]] = [
    ("iam", b"Version=2010-05-08", "MissingAction", "Missing Action"),
    ("sts", b"garbage%%%", "MissingAction", "Missing Action"),
    ("iam", b"Action=Nope&Version=2010-05-08", "InvalidAction", "Could not find operation Nope for version 2010-05-08"),
    (
        "iam",
        b"Action=CreateRole&Version=2010-05-08&AssumeRolePolicyDocument=%7B%7D",
        "ValidationError",
        "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null",
    ),
    (
        "cloudformation",
        b"Action=CreateStack&Version=2010-05-15",
        "ValidationError",
        "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null",
    ),
    (
        "sns",
        b"Action=Publish&Version=2010-03-31",
        "ValidationError",
        "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null",
    ),
    ("iam", b"Action=ListRoles&Marker=\xff", "MalformedQueryString", "The request body is not UTF-8 (byte 24)"),
]


@pytest.mark.parametrize(("service", "body", "code", "message"), QUERY_CASES)
def test_a_malformed_query_request_gets_the_aws_error_in_xml(
    server: LocalServer, service: str, body: bytes, code: str, message: str
) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": _signed(service)}
    status, got, text = _send(server, "POST", "/", body, headers)
    assert (status, got.get("x-amzn-errortype"), got.get("content-type")) == (400, code, "text/xml"), text[:300]
    # botocore reads the error the way it reads AWS's own query errors
    parsed = QueryParser().parse({"status_code": 400, "headers": got, "body": text}, None)
    assert (parsed["Error"]["Code"], parsed["Error"]["Message"]) == (code, message)


def test_a_role_is_never_made_without_its_name(server: LocalServer) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": _signed("iam")}
    _send(server, "POST", "/", b"Action=CreateRole&Version=2010-05-08&AssumeRolePolicyDocument=%7B%7D", headers)
    env = Env(server.url, server.outbox)
    try:
        assert env.client("iam").list_roles()["Roles"] == []
    finally:
        env.close()


def test_an_unsigned_cognito_request_is_checked_too(server: LocalServer) -> None:
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": COGNITO + "InitiateAuth"}
    _assert_aws_error(*_send(server, "POST", "/", b'{"ClientId": 1}', headers), 400, SER)


def test_a_body_over_the_documented_size_is_refused_from_its_length(server: LocalServer) -> None:
    # Only the headers are sent: the refusal comes from Content-Length, before any body is read.
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    with connection:
        head = (
            f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/x-amz-json-1.1\r\n"
            f"X-Amz-Target: {COGNITO}SignUp\r\nContent-Length: {50 * 1024 * 1024}\r\nConnection: close\r\n\r\n"
        )
        connection.sendall(head.encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"413"
    assert b"x-amzn-ErrorType: RequestTooLargeException" in rest
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["__type"] == "RequestTooLargeException"


def test_a_body_cut_short_by_the_client_is_a_serialization_error(server: LocalServer) -> None:
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    with connection:
        head = (
            f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/x-amz-json-1.1\r\n"
            f"X-Amz-Target: {COGNITO}ListUserPools\r\nContent-Length: 100\r\nConnection: close\r\n\r\n"
        )
        connection.sendall(head.encode() + b'{"MaxRes')
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    assert answer.split()[1] == b"400" and b"x-amzn-ErrorType: SerializationException" in answer


def test_a_lambda_invoke_payload_over_6_mb_is_refused(server: LocalServer) -> None:
    env = Env(server.url, server.outbox)
    try:
        with pytest.raises(ClientError) as caught:
            env.lam.invoke(FunctionName="nope", Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
        assert caught.value.response["Error"]["Code"] == "RequestTooLargeException"
    finally:
        env.close()


UNVALIDATED = Config(parameter_validation=False, retries={"max_attempts": 1})


@pytest.mark.parametrize(
    ("service", "operation", "params", "error"),
    [
        ("cognito-idp", "sign_up", {"ClientId": "c", "Username": ["a"], "Password": "p"}, SER),
        ("cognito-idp", "list_user_pools", {"MaxResults": "1"}, SER),
        (
            "cognito-idp",
            "admin_update_user_attributes",
            {"UserPoolId": "p", "Username": "u", "UserAttributes": [{"Name": 5}]},
            SER,
        ),
        ("cognito-idp", "list_users", {"UserPoolId": "us-east-1_x", "Limit": "5"}, SER),
        ("cognito-idp", "admin_create_user", {"UserPoolId": "us-east-1_x", "Username": "\ud800"}, INVALID),
        ("dynamodb", "put_item", {"TableName": "t", "Item": {"a": {"S": 1}}}, SER),
        ("dynamodb", "put_item", {"TableName": "t", "Item": {"a": {}}}, VALID),
        ("logs", "put_log_events", {"logGroupName": "g", "logStreamName": "s", "logEvents": [{"message": "m"}]}, VALID),
        ("iam", "create_role", {"AssumeRolePolicyDocument": "{}"}, "ValidationError"),
        ("sts", "assume_role", {"RoleSessionName": "s"}, "ValidationError"),
    ],
)
def test_boto3_without_its_own_validation_gets_the_aws_error(
    server: LocalServer, service: str, operation: str, params: dict[str, object], error: str
) -> None:
    client = session().client(service, endpoint_url=server.url, config=UNVALIDATED)
    try:
        with pytest.raises(ClientError) as caught:
            getattr(client, operation)(**params)
        assert caught.value.response["Error"]["Code"] == error
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    finally:
        client.close()


def test_the_server_still_serves_after_bad_input(server: LocalServer) -> None:
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": COGNITO + "ListUserPools"}
    _send(server, "POST", "/", b"{", headers)
    env = Env(server.url, server.outbox)
    try:
        assert env.idp.list_user_pools(MaxResults=5)["UserPools"] == []
    finally:
        env.close()
