"""What an operation of the local Cognito reads of moto's request: its ``self`` (``OperationRequest``)
and its parameters (``Request``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol, TypedDict, cast

from moto.core.responses import ActionResult

from engine.local.cognito.models import Backend
from engine.local.cognito.triggers import CALLER_AGENT


class OperationRequest(Protocol):
    """What an operation reads of moto's ``CognitoIdpResponse`` (the ``self`` of each function here)."""

    @property
    def parameters(self) -> object: ...

    @property
    def backend(self) -> Backend: ...


Operation = Callable[[OperationRequest], ActionResult]


class Request(TypedDict, total=False):
    """The request parameters the operations here read (each operation's own, in the API reference)."""

    AccessToken: str
    AttributeName: str
    AuthFlow: str
    AuthParameters: dict[str, str]
    ChallengeName: str
    ChallengeResponses: dict[str, str]
    ClientId: str
    ClientMetadata: dict[str, str]
    Code: str
    ConfirmationCode: str
    DesiredDeliveryMediums: list[str]
    DeviceKey: str
    DeviceName: str
    DeviceRememberedStatus: str
    DeviceSecretVerifierConfig: dict[str, str]
    Limit: int
    MessageAction: str
    PaginationToken: str
    Password: str
    SecretHash: str
    Session: str
    TemporaryPassword: str
    UserAttributes: list[dict[str, str]]
    UserCode: str
    UserPoolId: str
    Username: str
    ValidationData: list[dict[str, str]]


def params(response: OperationRequest) -> Request:
    headers: Mapping[str, str] = getattr(response, "headers", None) or {}
    CALLER_AGENT.set(str(headers.get("User-Agent") or headers.get("user-agent") or ""))
    body = response.parameters
    # botocore (or moto's server, over HTTP) has checked the request against the operation's shape.
    return cast(Request, body) if isinstance(body, dict) else {}
