"""Helpers templates can call: a JWT's claims, JSON, base64, the current time, regular expressions.

``make_environment`` registers them (``FILTERS`` as filters, ``TESTS`` as tests, ``GLOBALS`` as functions), so they
run inside the sandbox and its budget like Jinja's own. ``run_id`` is not here: it is a per-run
value, set by ``engine.template.scope.Scope``.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
from functools import lru_cache


class HelperError(ValueError):
    """A helper was given something it cannot read (the message says what)."""


def jwt_claims(token: object) -> dict[str, object]:
    """The claims of a JSON Web Token (its payload, decoded but NOT verified)."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise HelperError("jwt_claims() needs a JSON Web Token: three base64url parts joined by dots")
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise HelperError(f"jwt_claims(): the token's payload is not base64url JSON ({exc})") from None
    if not isinstance(claims, dict):
        raise HelperError("jwt_claims(): the token's payload is not a JSON object")
    return claims


def from_json(text: object) -> object:
    """``'{"a": 1}' | from_json``: the value a JSON text holds."""
    if not isinstance(text, str | bytes):
        raise HelperError(f"from_json needs a string, not {type(text).__name__}")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise HelperError(f"from_json: not valid JSON ({exc})") from None


def to_json(value: object, indent: int | None = None) -> str:
    """``value | to_json``: compact JSON text (``to_json(2)`` indents)."""
    if indent is not None and not 0 <= indent <= 16:
        raise HelperError("to_json indent must be between 0 and 16")
    separators = (",", ":") if indent is None else None
    return json.dumps(value, indent=indent, separators=separators, ensure_ascii=False, default=str)


def b64encode(value: object) -> str:
    """``'text' | b64encode``: standard base64 of the text's UTF-8 bytes."""
    data = value if isinstance(value, bytes) else str(value).encode("utf-8")
    return base64.b64encode(data).decode("ascii")


def b64decode(value: object) -> str:
    """``'dGV4dA==' | b64decode``: the text base64 (standard or URL-safe, padding optional) encodes."""
    if not isinstance(value, str | bytes):
        raise HelperError(f"b64decode needs a string, not {type(value).__name__}")
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    text = text.strip().replace("-", "+").replace("_", "/")
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise HelperError("b64decode: not valid base64") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise HelperError("b64decode: the decoded bytes are not UTF-8 text") from None


def now() -> str:
    """The current time in UTC, ISO 8601 to the second: ``2026-01-31T12:00:00Z``."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


FILTERS = {
    "jwt_claims": jwt_claims,
    "from_json": from_json,
    "to_json": to_json,
    "b64encode": b64encode,
    "b64decode": b64decode,
}
GLOBALS = {"jwt_claims": jwt_claims, "now": now}

MAX_PATTERN = 1_000
MAX_SUBJECT = 100_000
# A quantified group that itself holds a quantifier, `(a+)+` or `(\w*)*`: Python's re backtracks on it
# exponentially, and no render budget can interrupt a running match.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)(?:[+*]|\{\d*,)")


@lru_cache(maxsize=256)
def _pattern(pattern: object, test: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise HelperError(f"`is {test}(...)` needs a regular expression as a string, not {type(pattern).__name__}")
    if len(pattern) > MAX_PATTERN:
        raise HelperError(f"`is {test}(...)`: the pattern is longer than {MAX_PATTERN:,} characters")
    if _NESTED_QUANTIFIER.search(pattern):
        raise HelperError(
            f"`is {test}({pattern!r})`: a repeated group that repeats inside (like `(a+)+`) can take forever to "
            "match; write it without the nested repetition"
        )
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise HelperError(f"`is {test}({pattern!r})`: not a valid regular expression ({exc})") from None


def _subject(value: object, test: str) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise HelperError(f"`is {test}(...)` tests a string, not {type(value).__name__}")
    text = str(value)
    if len(text) > MAX_SUBJECT:
        raise HelperError(f"`is {test}(...)`: the value is longer than {MAX_SUBJECT:,} characters")
    return text


def matches(value: object, pattern: object) -> bool:
    """``value is matches('[0-9]{6}')``: the whole value matches the regular expression."""
    return _pattern(pattern, "matches").fullmatch(_subject(value, "matches")) is not None


def search(value: object, pattern: object) -> bool:
    """``value is search('Password')``: the regular expression matches somewhere in the value."""
    return _pattern(pattern, "search").search(_subject(value, "search")) is not None


TESTS = {"matches": matches, "search": search}
