"""boto3 clients for one target: the embedded local AWS, an endpoint URL, or real AWS."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

# Fake credentials for the local target: a real account can never be reached by accident.
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing",
                     "aws_session_token": "testing"}


class Clients:
    """Creates and caches one boto3 client per service, all on the same session and endpoint."""

    def __init__(self, session: boto3.session.Session, *, endpoint_url: str | None = None) -> None:
        self.session = session
        self.endpoint_url = endpoint_url
        self.region = session.region_name or "us-east-1"
        # botocore's standard retry mode backs off on throttling and transient errors.
        self._config = Config(retries={"mode": "standard", "max_attempts": 5})
        self._cache: dict[str, Any] = {}

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
            self._cache[service] = self.session.client(
                service, endpoint_url=self.endpoint_url, config=self._config)  # type: ignore[call-overload]
        return self._cache[service]
