"""The server side of Cognito's SRP (the shared math is ``engine.crypto.srp``): the PASSWORD_VERIFIER challenge
of USER_SRP_AUTH (and of a custom authentication flow that starts with SRP_A), and
DEVICE_PASSWORD_VERIFIER for remembered devices.

The server keeps a verifier ``v`` (from the password it knows, or the one ConfirmDevice sent), sends
``SRP_B = k·v + g^b``, SALT and an opaque SECRET_BLOCK, and checks the client's signature over them.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from dataclasses import dataclass

from engine.crypto.srp import N_HEX, G, K, N, derive_key, new_salt, scrambler, signature, verifier

__all__ = ["N_HEX", "Challenge", "N", "challenge", "new_salt", "signature_matches", "valid_a", "verifier"]

# Cognito parses TIMESTAMP and refuses the claim unless it reads like "Thu Nov 6 08:07:05 UTC 2026" (English
# names, the day not zero-padded): clients that format the day with %d fail from the 1st to the 9th of each
# month with "Incorrect username or password." - a bug worth catching locally.
TIMESTAMP = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]|[12][0-9]|3[01]) "
    r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] UTC [0-9]{4}"
)
_SECRET_BLOCK_BYTES = 512  # opaque to the client, which echoes it back signed


@dataclass(frozen=True)
class Challenge:
    """The server's half of one SRP exchange: its secret ``b``, what it sends (SRP_B, SALT, SECRET_BLOCK)
    and the verifier it checks against."""

    b: int
    srp_b: str
    salt: str
    secret_block: str
    verifier: int


def challenge(verifier_value: int, salt_hex: str) -> Challenge:
    while True:
        b = secrets.randbits(1024) % N
        big_b = (K * verifier_value + pow(G, b, N)) % N
        if b and big_b:
            break
    block = base64.b64encode(secrets.token_bytes(_SECRET_BLOCK_BYTES)).decode()
    return Challenge(b, f"{big_b:x}", salt_hex, block, verifier_value)


def valid_a(srp_a: str) -> bool:
    """SRP_A is a hex number that is not 0 modulo N (else the exchange proves nothing)."""
    try:
        value = int(srp_a, 16)
    except ValueError:
        return False
    return value % N != 0


def signature_matches(
    srp_a: str, issued: Challenge, prefix: str, user_id: str, timestamp: str, secret_block: str, claimed: str
) -> bool:
    """Whether PASSWORD_CLAIM_SIGNATURE is the client's proof for this exchange."""
    if not valid_a(srp_a) or secret_block != issued.secret_block or not TIMESTAMP.fullmatch(timestamp):
        return False
    big_a = int(srp_a, 16)
    u = scrambler(big_a, int(issued.srp_b, 16))
    if u == 0:
        return False
    shared = pow(big_a * pow(issued.verifier, u, N), issued.b, N)
    expected = signature(derive_key(shared, u), prefix, user_id, secret_block, timestamp)
    return hmac.compare_digest(expected.encode(), claimed.encode())  # bytes: any text compares
