"""`scenario serve`'s side of ``engine.aws.along``: the lease-table writes a request carries, applied first.

A request with an ``X-Scenario-Along`` header carries a DynamoDB TransactWriteItems (a run's lease or
journal write). ``apply`` runs it, in this process, while the request holds the backend lock, so nothing
comes between it and the request's own call. It goes straight to the DynamoDB backend the request's own
DynamoDB calls reach (its account, from the key it is signed with, and its region), the transaction moto's
API runs (``engine.local.dynamodb_transactions``), without making a request of it. The server then runs the
call and answers with ``X-Scenario-Along-Result: applied``. When the transaction fails (a lease another run
holds, the table gone, a malformed header), nothing of it is written and the call is not run: the answer is a
409 with ``X-Scenario-Along-Result: refused`` and the reason in ``X-Scenario-Along-Reason``, and the client
writes it the usual way and sends the call again.

A request with an ``X-Scenario-Along-After`` header (a run's end: its leases given back, its journal removed)
is run first; when it succeeded, the write is applied right after it, still under the lock, and the answer says
``X-Scenario-Along-After-Result: applied`` (``refused`` when the write could not be, ``skipped`` when the call
failed: nothing of it written either way, and the client does it the usual way).

It is a DynamoDB write like any other, so it is let in only where one would be: with ``--access-key-id``, a
request that may go unsigned (Cognito's public operations, the managed-login paths) must still carry the
server's key id (or a function process's) to carry one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from moto.core.exceptions import JsonRESTError

from engine.aws import along as protocol

ENVIRON_KEY = "HTTP_" + protocol.HEADER.upper().replace("-", "_")
AFTER_ENVIRON_KEY = "HTTP_" + protocol.AFTER_HEADER.upper().replace("-", "_")
_SCOPE = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/")


class Refused(Exception):
    """The write could not be applied: the request's call is not run."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def carried(environ: Mapping[str, Any]) -> str | None:
    """The header's value, when the request carries a write."""
    value = environ.get(ENVIRON_KEY)
    return str(value) if value is not None else None


def carried_after(environ: Mapping[str, Any]) -> str | None:
    """The value of ``X-Scenario-Along-After``, when the request carries a write for after its call."""
    value = environ.get(AFTER_ENVIRON_KEY)
    return str(value) if value is not None else None


def apply_after(
    value: str, status: str, environ: Mapping[str, Any], *, allowed: Callable[[], bool], default_region: str
) -> str:
    """Run the write for after the call (the caller still holds the backend lock the call ran under), only when
    the call succeeded: what ``X-Scenario-Along-After-Result`` says (applied, refused, skipped)."""
    if not status.startswith("2"):
        return protocol.SKIPPED
    try:
        apply(value, environ, allowed=allowed, default_region=default_region)
    except Refused:
        return protocol.REFUSED  # nothing of it written: the run does it the usual way
    return protocol.APPLIED


def apply(value: str, environ: Mapping[str, Any], *, allowed: Callable[[], bool], default_region: str) -> None:
    """Run the write ``value`` carries (the caller holds the backend lock); raises ``Refused``."""
    if not allowed():
        raise Refused("this server needs the access key id it was started with for a write sent along")
    try:
        items = protocol.decode(value)
    except ValueError as exc:
        raise Refused(str(exc)) from None
    scope = _SCOPE.search(str(environ.get("HTTP_AUTHORIZATION", "")))
    region = scope.group(2) if scope else default_region
    try:
        _backend(environ, scope.group(1) if scope else None, region).transact_write_items(items)
    except JsonRESTError as exc:  # what the DynamoDB API would answer: cancelled, no such table, malformed
        raise Refused(f"{exc.error_type}: {' '.join(str(exc.message).split())}") from None
    except Exception as exc:  # a shape the API would have refused before reaching the backend
        raise Refused(f"ValidationException: {type(exc).__name__}: {exc}") from None


def _backend(environ: Mapping[str, Any], access_key: str | None, region: str) -> Any:
    """The DynamoDB backend the request's own DynamoDB calls reach: the account moto gives them (its
    ``MOTO_ACCOUNT_ID``, an ``x-moto-account-id`` header, else the access key's), in ``region``."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.iam.models import get_account_id_from

    account = (
        os.environ.get("MOTO_ACCOUNT_ID")
        or environ.get("HTTP_X_MOTO_ACCOUNT_ID")
        or get_account_id_from(access_key or "AKIAEXAMPLE")
    )
    return dynamodb_backends[str(account)][region]


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
