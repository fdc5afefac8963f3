"""Helpers for the local-AWS tests: real boto3 clients on an in-process or HTTP-served local AWS,
and small Lambda functions built as zip files right here. (A module of its own, not conftest,
so that tests import it under a name no other conftest.py shadows.)"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.config import Config

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}
REGION = "us-east-1"
PASSWORD = "Passw0rd!"
_SHARED: dict[str, Any] = {}
_SESSION: list[boto3.session.Session] = []


def session() -> boto3.session.Session:
    """One session for the whole suite: it loads each service model once. Made on first use,
    after moto is imported, so that its clients carry moto's interception hook. In-process
    clients (no endpoint) are shared by all tests; clients of a server die with it."""
    if not _SESSION:
        import moto  # noqa: F401 - registers moto's botocore handler before the session exists

        _SESSION.append(boto3.session.Session(region_name=REGION, **CREDENTIALS))
    return _SESSION[0]


# A trigger handler driven by its environment: it prints the event (read back from CloudWatch
# Logs), then answers with RESPONSE merged into event["response"], or misbehaves on purpose.
TRIGGER_CODE = """
import json, os, time

def handler(event, context):
    print("EVENT " + json.dumps(event))
    mode = os.environ.get("MODE", "")
    if mode == "raise":
        raise Exception(os.environ["MESSAGE"])
    if mode == "garbage":
        return "this is not an event"
    if mode == "sleep":
        time.sleep(float(os.environ["SECONDS"]))
    event["response"].update(json.loads(os.environ.get("RESPONSE", "{}")))
    return event
"""


def zipped(files: dict[str, str]) -> bytes:
    """A zip archive holding ``files`` (name -> source)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@dataclass
class Env:
    """A running local AWS and clients on it (in-process, or over HTTP when ``url`` is set)."""

    url: str | None
    outbox: Any
    clients: dict[str, Any] = field(default_factory=dict)
    role_arn: str = ""

    def client(self, service: str) -> Any:
        clients = self.clients if self.url else _SHARED
        if service not in clients:
            clients[service] = session().client(
                service, endpoint_url=self.url, config=Config(retries={"max_attempts": 1})
            )
        return clients[service]

    @property
    def idp(self) -> Any:
        return self.client("cognito-idp")

    @property
    def lam(self) -> Any:
        return self.client("lambda")

    def role(self) -> str:
        if not self.role_arn:
            self.role_arn = self.client("iam").create_role(
                RoleName="trigger-role",
                AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"}),
            )["Role"]["Arn"]
        return self.role_arn

    def function(
        self,
        name: str,
        code: str | dict[str, str] = TRIGGER_CODE,
        *,
        handler: str = "index.handler",
        env: dict[str, str] | None = None,
        timeout: int = 3,
        runtime: str = "python3.12",
    ) -> str:
        """Create a function from a zip built here; returns its ARN."""
        files = {"index.py": code} if isinstance(code, str) else code
        return str(
            self.lam.create_function(
                FunctionName=name,
                Runtime=runtime,
                Role=self.role(),
                Handler=handler,
                Code={"ZipFile": zipped(files)},
                Timeout=timeout,
                Environment={"Variables": env or {}},
            )["FunctionArn"]
        )

    def trigger(
        self,
        name: str,
        *,
        response: dict[str, Any] | None = None,
        mode: str = "",
        message: str = "",
        seconds: float = 0,
        timeout: int = 3,
    ) -> str:
        """A trigger function built from TRIGGER_CODE; returns its ARN."""
        env = {"RESPONSE": json.dumps(response or {}), "MODE": mode, "MESSAGE": message, "SECONDS": str(seconds)}
        return self.function(name, env=env, timeout=timeout)

    def events(self, function: str) -> list[dict[str, Any]]:
        """The events ``function`` received, in order (from its CloudWatch log group)."""
        logs = self.client("logs")
        group = f"/aws/lambda/{function}"
        found: list[tuple[int, dict[str, Any]]] = []
        if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
            return []  # never invoked
        for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
            for event in logs.get_log_events(
                logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True
            )["events"]:
                if event["message"].startswith("EVENT "):
                    found.append((event["timestamp"], json.loads(event["message"][6:])))
        return [event for _, event in sorted(found, key=lambda item: item[0])]

    def pool(self, lambda_config: dict[str, Any] | None = None, **config: Any) -> tuple[str, str]:
        """A user pool (email auto-verified unless given) and an app client: (pool id, client id)."""
        config.setdefault("AutoVerifiedAttributes", ["email"])
        pool_id = self.idp.create_user_pool(PoolName="pool", LambdaConfig=lambda_config or {}, **config)["UserPool"][
            "Id"
        ]
        client_id = self.idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="app",
            ExplicitAuthFlows=[
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        )["UserPoolClient"]["ClientId"]
        return pool_id, client_id

    def sign_up(self, client_id: str, username: str, email: str | None = None, **kwargs: Any) -> Any:
        return self.idp.sign_up(
            ClientId=client_id,
            Username=username,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email or f"{username}@example.com"}],
            **kwargs,
        )

    def sign_in(self, client_id: str, username: str, password: str = PASSWORD, **kwargs: Any) -> Any:
        return self.idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
            **kwargs,
        )

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    """(code, message) of the ClientError ``call`` raises."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]
