"""boto3 clients for one target: the embedded local AWS, an endpoint URL, or real AWS."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

# Fake credentials for the local target: a real account can never be reached by accident.
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}


class Clients:
    """Creates and caches one boto3 client per service, all on the same session and endpoint."""

    def __init__(self, session: boto3.session.Session, *, endpoint_url: str | None = None) -> None:
        self.session = session
        self.endpoint_url = endpoint_url
        self.region = session.region_name or "us-east-1"
        # botocore's standard retry mode backs off on throttling and transient errors.
        self._config = Config(retries={"mode": "standard", "max_attempts": 5})
        self._cache: dict[str, Any] = {}
        # Every call the scenario's steps make, in order ("cognito-idp.SignUp"); counted only while
        # ``counting`` is on, so deploying the stack and cleaning up are not part of it.
        self.calls: list[str] = []
        self.counting = False
        # Testing aid (--fault-at N): the Nth counted call fails with InjectedFault.
        self.fault_at: int | None = None

    @classmethod
    def for_local(cls, region: str, endpoint_url: str | None = None) -> Clients:
        """Clients with fake credentials, for the embedded backend or a local server."""
        return cls(boto3.session.Session(region_name=region, **LOCAL_CREDENTIALS), endpoint_url=endpoint_url)

    @classmethod
    def for_aws(cls, region: str | None, profile: str | None = None) -> Clients:
        """Clients on the default credential chain: only when the user asked for real AWS."""
        return cls(boto3.session.Session(region_name=region, profile_name=profile))

    def client(self, service: str) -> Any:
        """The cached client for ``service`` (a boto3 service name such as ``cognito-idp``)."""
        if service not in self._cache:
            client = self.session.client(service, endpoint_url=self.endpoint_url, config=self._config)
            client.meta.events.register("before-call.*.*", self._before_call)
            self._cache[service] = client
        return self._cache[service]

    def _before_call(self, model: Any, **_: Any) -> None:
        if not self.counting:
            return
        self.calls.append(f"{model.service_model.service_name}.{model.name}")
        if self.fault_at is not None and len(self.calls) == self.fault_at:
            from botocore.exceptions import ClientError

            raise ClientError(
                {
                    "Error": {
                        "Code": "InjectedFault",
                        "Message": f"fault injected at AWS call {self.fault_at} ({model.name})",
                    }
                },
                model.name,
            )
