"""Time-based one-time passwords (RFC 6238) as Amazon Cognito's software-token MFA uses them:
HMAC-SHA1, 30-second steps, 6 digits, a base32 shared secret. Standard library only, so both the
local Cognito (checking codes) and a scenario (computing them, as an authenticator app would) use it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """A base32 shared secret (no padding), 52 characters like Cognito's SecretCode."""
    return base64.b32encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def code(secret: str, at: float | None = None) -> str:
    """The 6-digit code for ``secret`` at time ``at`` (now by default)."""
    counter = int((time.time() if at is None else at) // STEP_SECONDS)
    digest = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**DIGITS:0{DIGITS}d}"


def matching_step(secret: str, given: str, at: float | None = None, window: int = 1) -> int | None:
    """The time step (counter) whose code ``given`` is, looking at this step and ``window`` steps
    either side (clock drift), latest first; ``None`` when it is none of them."""
    now = time.time() if at is None else at
    current = int(now // STEP_SECONDS)
    for step in range(current + window, current - window - 1, -1):
        if hmac.compare_digest(code(secret, step * STEP_SECONDS), str(given).strip()):
            return step
    return None


def matches(secret: str, given: str, at: float | None = None, window: int = 1) -> bool:
    """Whether ``given`` is the code of this step or one of ``window`` steps either side (clock drift)."""
    return matching_step(secret, given, at, window) is not None
