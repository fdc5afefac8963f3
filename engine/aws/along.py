"""Bookkeeping writes that go with the run's next AWS call instead of a request of their own.

A run against a shared target writes to its lease table before some calls: the leases a change needs and
the intent that announces it (``engine.cleanup.leases``, ``engine.cleanup.target_journal``). On a target that
says it can (``scenario serve`` answers every request with ``X-Scenario-Serve: along``), such a write does
not need a round trip of its own: ``defer`` keeps it for this thread's next call to that endpoint, which
carries it as a DynamoDB TransactWriteItems in the ``X-Scenario-Along`` header. The server applies it under
its backend lock *before* that call, nothing else in between, and answers ``X-Scenario-Along-Result:
applied``; when it cannot (a lease another run holds, the lease table gone) it answers ``refused`` without
running the call. Then the write is done the usual way (its ``fallback``: waiting for the lease, making the
table again), and the call is sent again without it. Either way the write is on the target before the call
it went with, exactly as if it had been sent first by itself, so what the journal guarantees is unchanged;
only requests are saved. A call that gets no answer at all (the target unreachable) leaves it unknown
whether the write was applied: the caller keeps its records as if it was (``unknown``), locally. A write
is deferred only on an endpoint that said so, only one at a time per thread (a second one sends the first
by itself), only up to ``MAX_ENCODED`` characters, and a write still pending
when the run needs it on the target regardless (its journal kept at the end) is sent by itself (``flush``).

The run's end (its leases given back, its journal's copy on the target deleted) has no call after it, so it
goes *after* one: the runner offers it (``offer_end``) while its last undo runs, and that undo's final call, marked
by ``last_call`` (the one call of a kind that nothing follows), carries it in ``X-Scenario-Along-After``. The
server applies it under the same lock right after the call, only when the call succeeded (a 2xx answer), and
says ``X-Scenario-Along-After-Result: applied``; else (the call failed, the write refused, no answer) nothing of
it is applied and the run gives back its leases the usual way, with a request of its own. Either way nothing of
the run's end happens before its last change is made.

AWS has no such header: against AWS (or any endpoint that does not say it can) nothing is deferred.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

HEADER = "X-Scenario-Along"
RESULT_HEADER = "X-Scenario-Along-Result"
AFTER_HEADER = "X-Scenario-Along-After"  # applied after the call, when it succeeded (the run's end)
AFTER_RESULT_HEADER = "X-Scenario-Along-After-Result"
FEATURE_HEADER = "X-Scenario-Serve"
FEATURE = "along"
APPLIED, REFUSED, SKIPPED = "applied", "refused", "skipped"  # skipped: the call failed, so no write after it
# A header this long is far below what servers accept (http.server: 64 KiB a line); a bigger write goes alone.
MAX_ENCODED = 32 * 1024
_CONTEXT_KEY = "scenario_run_along"
_AFTER_KEY = "scenario_run_along_after"

_SUPPORTING: set[str] = set()  # endpoint URLs that answered with FEATURE_HEADER
_SUPPORTING_LOCK = threading.Lock()


class _Pending(threading.local):
    along: _Along | None = None
    sending = False  # a write is being done the usual way: anything it writes in turn is sent at once
    end: _End | None = None  # the run's end, offered to its last call (``offer_end``)
    last = False  # inside ``last_call``


_PENDING = _Pending()


@dataclass
class _Along:
    endpoint: str
    encoded: str
    fallback: Callable[[], None]  # do the write the usual way (the call it went with was refused, or never came)
    applied: Callable[[], None] = field(default=lambda: None)  # the server applied it
    # The call went and no answer came (the connection lost, every attempt): whether it was applied is unknown.
    unknown: Callable[[], None] | None = None


@dataclass
class _End:
    endpoint: str
    items: Callable[[], Sequence[Mapping[str, object]]]  # what the end writes, as it stands when the call goes
    applied: Callable[[], None]  # the server applied it after the call


def encode(items: Sequence[Mapping[str, object]]) -> str:
    """The header's value: the TransactWriteItems items, as JSON, in base64 (a header is one line of ASCII)."""
    return base64.b64encode(json.dumps({"TransactItems": list(items)}, separators=(",", ":")).encode()).decode()


def decode(value: str) -> list[dict[str, Any]]:
    """The items of a header's value (ValueError when it is not one)."""
    try:
        data = json.loads(base64.b64decode(value.encode("ascii"), validate=True))
    except (ValueError, UnicodeError) as exc:
        raise ValueError(f"{HEADER} is not base64 of JSON: {exc}") from None
    items = data.get("TransactItems") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        raise ValueError(f'{HEADER} must be {{"TransactItems": [...]}} with at least one item')
    return items


def supported(endpoint_url: str | None) -> bool:
    """Whether ``endpoint_url`` said it applies writes sent along with a call."""
    return endpoint_url is not None and endpoint_url in _SUPPORTING


def defer(
    endpoint_url: str | None,
    items: Sequence[Mapping[str, object]],
    fallback: Callable[[], None],
    *,
    applied: Callable[[], None] = lambda: None,
    unknown: Callable[[], None] | None = None,
) -> bool:
    """Keep ``items`` for this thread's next call to ``endpoint_url``: True when kept; False when that
    endpoint cannot take them (or they are too big), and the caller writes them itself now."""
    if not supported(endpoint_url) or _PENDING.sending:
        return False
    assert endpoint_url is not None
    encoded = encode(items)
    if len(encoded) > MAX_ENCODED:
        return False
    flush()  # one at a time: an earlier write still waiting goes now, by itself, in order
    _PENDING.along = _Along(endpoint_url, encoded, fallback, applied, unknown)
    return True


def flush() -> None:
    """Send this thread's deferred write now, by itself (the run needs it on the target before anything else)."""
    along, _PENDING.along = _PENDING.along, None
    if along is not None:
        _fall_back(along)


def _fall_back(along: _Along) -> None:
    sending, _PENDING.sending = _PENDING.sending, True
    try:
        along.fallback()
    finally:
        _PENDING.sending = sending


def offer_end(
    endpoint_url: str | None, items: Callable[[], Sequence[Mapping[str, object]]], applied: Callable[[], None]
) -> bool:
    """Offer the run's end (``items``, computed when a call takes them) to this thread's next call to
    ``endpoint_url`` made inside ``last_call``; ``applied`` is told when the server applied it after that call.
    False when that endpoint cannot take it: the run ends the usual way. ``withdraw_end`` takes it back."""
    if not supported(endpoint_url):
        return False
    assert endpoint_url is not None
    _PENDING.end = _End(endpoint_url, items, applied)
    return True


def withdraw_end() -> None:
    """The offer of ``offer_end`` no longer holds (the undo it was for is over): no later call takes it."""
    _PENDING.end = None


@contextmanager
def last_call() -> Iterator[None]:
    """Around the one call an undo kind makes last, with nothing of the kind after it but returning: when the
    run offered its end (its last undo is running), that call carries it, applied right after it succeeds."""
    last, _PENDING.last = _PENDING.last, True
    try:
        yield
    finally:
        _PENDING.last = last


def pending() -> bool:
    """Whether this thread has a write waiting for its next call."""
    return _PENDING.along is not None


# -- botocore handlers, registered on every client the engine makes (``engine.aws.clients``) --------------


def attach(request: Any, endpoint_url: str | None, **_: object) -> None:
    """``request-created``: the call takes this thread's deferred write (every attempt of it, until answered)."""
    context = request.context
    _attach_end(request, context, endpoint_url)
    along = context.get(_CONTEXT_KEY, _UNSET)
    if along is _UNSET:
        along = _PENDING.along
        if along is None or along.endpoint != endpoint_url:
            context[_CONTEXT_KEY] = None
            return
        _PENDING.along = None
        context[_CONTEXT_KEY] = along
    if along is not None:
        request.headers[HEADER] = along.encoded


def _attach_end(request: Any, context: dict[str, Any], endpoint_url: str | None) -> None:
    """The run's end goes with the call marked as the last one (every attempt of it, until applied)."""
    end = context.get(_AFTER_KEY, _UNSET)
    if end is _UNSET:
        end = _PENDING.end
        if end is None or not _PENDING.last or end.endpoint != endpoint_url:
            context[_AFTER_KEY] = None
            return
        _PENDING.end = None  # one call takes it: a second one in ``last_call`` is not the last
        items = end.items()
        encoded = encode(items) if items else ""  # nothing to end with (no lease held, no journal copy)
        context[_AFTER_KEY] = end = (end, encoded) if 0 < len(encoded) <= MAX_ENCODED else None
    if end is not None:
        request.headers[AFTER_HEADER] = end[1]


def answered(response: Any, request_dict: Mapping[str, Any], **_: object) -> int | None:
    """``needs-retry``: what the server did with the write; a refused call is sent again once it is written."""
    context = request_dict.get("context") or {}
    end = context.get(_AFTER_KEY)
    if end is not None and response is not None and response[0].headers.get(AFTER_RESULT_HEADER) == APPLIED:
        context[_AFTER_KEY] = None  # applied once: an attempt after this one carries nothing
        end[0].applied()
    along = context.get(_CONTEXT_KEY)
    if along is None or response is None:
        return None  # nothing went with it, or no answer (sent again with it, as the SDK retries)
    result = response[0].headers.get(RESULT_HEADER)
    context[_CONTEXT_KEY] = None  # answered: an attempt after this one carries nothing
    if result == APPLIED:
        along.applied()
        return None
    # Refused (or, from an endpoint that stopped saying it can, ignored): written the usual way, then the call
    # is made again. The fallback may wait for a lease (and raise LeaseTimeout, which fails the call as it did).
    _fall_back(along)
    return 0 if result == REFUSED else None


def unanswered(context: dict[str, Any], **_: object) -> None:
    """``after-call-error``: the call failed with no answer to its write (the target unreachable). It may have
    been applied: the caller keeps what it wrote as if it were (``unknown``, by default ``applied``), and the
    call's own error is what the run sees."""
    if isinstance(context, dict):
        context[_AFTER_KEY] = None  # the run's end may have been applied: it is sent again by itself, which holds
    along = context.get(_CONTEXT_KEY) if isinstance(context, dict) else None
    if along is None:
        return
    context[_CONTEXT_KEY] = None
    (along.unknown or along.applied)()


def notice(http_response: Any, endpoint_url: str | None, **_: object) -> None:
    """``after-call``: remember an endpoint that says it applies writes sent along, and forget one that stopped
    saying so (another server on the same address since: one that does not, as AWS)."""
    if endpoint_url is None or http_response is None:
        return
    says = http_response.headers.get(FEATURE_HEADER) == FEATURE
    if says != (endpoint_url in _SUPPORTING):
        with _SUPPORTING_LOCK:
            if says:
                _SUPPORTING.add(endpoint_url)
            else:
                _SUPPORTING.discard(endpoint_url)


class _Unset:
    pass


_UNSET: Any = _Unset()
