"""`scenario serve`'s side of ``engine.aws.along``: the lease-table writes a request carries, applied first.

A request with an ``X-Scenario-Along`` header carries a DynamoDB TransactWriteItems (a run's lease or
journal write). ``apply`` runs it, in this process, while the request holds the backend lock, so nothing
comes between it and the request's own call; the server then runs the call and answers with
``X-Scenario-Along-Result: applied``. When the transaction fails (a lease another run holds, the table gone,
a malformed header), the call is not run: the answer is a 409 with ``X-Scenario-Along-Result: refused`` and
the reason in ``X-Scenario-Along-Reason``, and the client writes it the usual way and sends the call again.

It is a DynamoDB write like any other, so it is let in only where one would be: with ``--access-key-id``, a
request that may go unsigned (Cognito's public operations, the managed-login paths) must still carry the
server's key id (or a function process's) to carry one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from engine.aws import along as protocol
from engine.aws.clients import Clients
from engine.aws.errors import error_code, error_message

ENVIRON_KEY = "HTTP_" + protocol.HEADER.upper().replace("-", "_")
_REGION = re.compile(r"Credential=[^/,\s]+/[^/]+/([^/]+)/")


class Refused(Exception):
    """The write could not be applied: the request's call is not run."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def carried(environ: Mapping[str, Any]) -> str | None:
    """The header's value, when the request carries a write."""
    value = environ.get(ENVIRON_KEY)
    return str(value) if value is not None else None


def apply(value: str, environ: Mapping[str, Any], *, allowed: Callable[[], bool], default_region: str) -> None:
    """Run the write ``value`` carries (the caller holds the backend lock); raises ``Refused``."""
    if not allowed():
        raise Refused("this server needs the access key id it was started with for a write sent along")
    try:
        items = protocol.decode(value)
    except ValueError as exc:
        raise Refused(str(exc)) from None
    scope = _REGION.search(str(environ.get("HTTP_AUTHORIZATION", "")))
    region = scope.group(1) if scope else default_region
    client = _client(region)
    try:
        client.transact_write_items(TransactItems=items)
    except ClientError as exc:
        raise Refused(f"{error_code(exc)}: {error_message(exc)}") from None
    except BotoCoreError as exc:  # a malformed item (ParamValidationError) included
        raise Refused(f"{type(exc).__name__}: {' '.join(str(exc).split())}") from None


@lru_cache(maxsize=64)
def _client(region: str) -> BaseClient:
    """This process's DynamoDB in ``region``, as the request's own call reaches it (one per region, kept)."""
    return Clients.for_local(region).client("dynamodb")


def refused_answer(start_response: Callable[..., Any], reason: str) -> list[bytes]:
    """409, the call not run; the reason is a header (an error body would have to fit every protocol's parser)."""
    start_response(
        "409 Conflict",
        [
            (protocol.RESULT_HEADER, protocol.REFUSED),
            ("X-Scenario-Along-Reason", reason[:300].encode("ascii", "replace").decode()),
            (protocol.FEATURE_HEADER, protocol.FEATURE),
            ("Content-Length", "0"),
        ],
    )
    return [b""]
