"""A stand-in for the user's authenticator app: given the software-token secret Cognito returned
from AssociateSoftwareToken, return the current 6-digit TOTP code (RFC 6238: HMAC-SHA1, 30-second
steps), as a JSON string. Invoked directly by scenarios/totp_mfa.yaml; not a Cognito trigger.

Cognito accepts each code once ("Your software token has already been used once."), so given
``after`` (a code already used) it waits, as a user would, until the app shows the next one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from typing import Any


def totp(secret: str, at: float | None = None) -> str:
    cleaned = secret.replace(" ", "").upper()
    key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def handler(event: dict[str, Any], context: Any) -> str:
    code = totp(event["secret"])
    if code == str(event.get("after") or ""):
        time.sleep(30 - time.time() % 30 + 0.1)  # into the next 30-second step
        code = totp(event["secret"])
    return code
