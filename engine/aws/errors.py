"""Reading an AWS error out of an exception: its code, its message, one line for people.

botocore puts the error in ``exc.response["Error"]``; every part of the engine reads it here.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from engine.errors import ScenarioError


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ``ClientError`` (``UserNotFoundException``); else the exception's class name."""
    if isinstance(exc, ClientError):
        return str(_error(exc).get("Code") or "ClientError")
    return type(exc).__name__


def error_message(exc: BaseException) -> str:
    """The AWS error message of a ``ClientError``; else ``str(exc)``."""
    if isinstance(exc, ClientError):
        return str(_error(exc).get("Message") or exc)
    return str(exc)


def describe(exc: BaseException) -> str:
    """One line for people: ``Code: message`` for an AWS error, else the exception's class and text."""
    if isinstance(exc, ClientError):
        return f"{error_code(exc)}: {error_message(exc)}"
    if isinstance(exc, ScenarioError):
        return exc.message
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"{type(exc).__name__}: {exc}"


def client_error(code: str, message: str, operation: str) -> ClientError:
    """A ``ClientError`` shaped like the ones botocore raises, for errors found without a call."""
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def _error(exc: ClientError) -> dict[str, object]:
    error = exc.response.get("Error")
    return error if isinstance(error, dict) else {}
