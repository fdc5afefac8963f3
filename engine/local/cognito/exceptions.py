"""Cognito errors the local AWS raises, in moto's style so boto3 sees the real error codes.

Messages are the ones Amazon Cognito returns (in-process and over HTTP alike).
"""

from __future__ import annotations

from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    ExpiredCodeException,
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UsernameExistsException,
    UserNotConfirmedException,
    UserNotFoundError,
)
from moto.core.exceptions import JsonRESTError

__all__ = [
    "AliasExistsError",
    "CodeMismatchException",
    "EnableSoftwareTokenMFAException",
    "ExpiredCodeException",
    "InvalidLambdaResponseException",
    "InvalidParameterException",
    "InvalidPasswordError",
    "LimitExceededError",
    "NotAuthorizedError",
    "NotSupportedLocally",
    "PasswordResetRequiredException",
    "ResourceNotFoundError",
    "TooManyFailedAttemptsError",
    "UnexpectedLambdaException",
    "UnsupportedUserStateException",
    "UserLambdaValidationException",
    "UserNotConfirmedException",
    "UserNotFoundError",
    "UsernameExistsException",
    "code_mismatch",
    "expired_code",
]


class InvalidPasswordError(JsonRESTError):
    """A password the pool's policy refuses, with the rule it breaks."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidPasswordException", message)


class UserLambdaValidationException(JsonRESTError):
    """A trigger function raised: ``<Trigger> failed with error <its message>.``"""

    def __init__(self, message: str) -> None:
        super().__init__("UserLambdaValidationException", message)


class InvalidLambdaResponseException(JsonRESTError):
    """A trigger function returned something Cognito cannot read."""

    def __init__(self, message: str = "Unrecognizable lambda output") -> None:
        super().__init__("InvalidLambdaResponseException", message)


class UnexpectedLambdaException(JsonRESTError):
    """A trigger function could not be found or run."""

    def __init__(self, message: str) -> None:
        super().__init__("UnexpectedLambdaException", message)


class PasswordResetRequiredException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("PasswordResetRequiredException", "Password reset required for the user")


class UnsupportedUserStateException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedUserStateException", message)


def code_mismatch() -> CodeMismatchException:
    return CodeMismatchException("Invalid verification code provided, please try again.")


def expired_code() -> ExpiredCodeException:
    return ExpiredCodeException("Invalid code provided, please request a code again.")


class AliasExistsError(JsonRESTError):
    """An email or phone number alias another user already has."""

    def __init__(self, message: str) -> None:
        super().__init__("AliasExistsException", message)


class EnableSoftwareTokenMFAException(JsonRESTError):
    """VerifySoftwareToken with a code that does not match the associated secret."""

    def __init__(self) -> None:
        super().__init__("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")


class LimitExceededError(JsonRESTError):
    """Too many codes asked for or wrong codes given in a short time."""

    def __init__(self, message: str = "Attempt limit exceeded, please try after some time.") -> None:
        super().__init__("LimitExceededException", message)


class TooManyFailedAttemptsError(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("TooManyFailedAttemptsException", message)


class NotSupportedLocally(JsonRESTError):
    """Something Amazon Cognito does that the local target does not: a 400, so a run fails (exit 1)."""

    def __init__(self, operation: str, what: str = "") -> None:
        detail = f" ({what})" if what else ""
        super().__init__(
            "UnsupportedOperationException",
            f"{operation}{detail} is not supported by the local target; run with --target aws",
        )
