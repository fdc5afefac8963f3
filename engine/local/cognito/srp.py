"""The server side of Cognito's SRP (Secure Remote Password, SRP-6a over the 3072-bit group of RFC 5054,
SHA-256), as the AWS SDKs' clients compute it: the PASSWORD_VERIFIER challenge of USER_SRP_AUTH (and of a
custom authentication flow that starts with SRP_A), and DEVICE_PASSWORD_VERIFIER for remembered devices.

The client proves it knows the password (or the device secret) without sending it: from ``SRP_A``
(``A = g^a``) and the server's ``SRP_B`` (``B = k·v + g^b``) both sides derive the same secret ``S``, then
a 16-byte key by HKDF ("Caldera Derived Key"), and the client signs
``<prefix><user id><secret block><timestamp>`` with it. The prefix is the part of the pool id after the
underscore for a password, the device group key for a device; the user id is USER_ID_FOR_SRP, or the
device key. Constants and encodings follow the AWS SDK for JavaScript's ``AuthenticationHelper``
(amazon-cognito-identity-js), which every Cognito SRP client copies: hex numbers are padded to a
whole, non-negative byte string before hashing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
_INFO = b"Caldera Derived Key\x01"
_SECRET_BLOCK_BYTES = 512  # opaque to the client, which echoes it back signed


def pad_hex(value: int | str) -> str:
    """Hex of a non-negative number as the SDKs hash it: even length, and a leading 00 when the top
    bit is set (so it reads as positive)."""
    text = value if isinstance(value, str) else f"{value:x}"
    if len(text) % 2:
        return "0" + text
    if text[:1] in "89abcdefABCDEF":
        return "00" + text
    return text


def _hash_hex(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest()


K = int(_hash_hex(pad_hex(N) + pad_hex(G)), 16)


def new_salt() -> str:
    return pad_hex(secrets.randbits(128))


def verifier(prefix: str, user_id: str, password: str, salt_hex: str) -> int:
    """``v = g^x`` with ``x = H(salt | H(prefix + user_id + ":" + password))``: for a password, the
    prefix is the pool id's suffix and user_id is USER_ID_FOR_SRP; a device's verifier is made by the
    client (ConfirmDevice) from its group key, device key and random password the same way."""
    inner = hashlib.sha256(f"{prefix}{user_id}:{password}".encode()).hexdigest()
    x = int(_hash_hex(pad_hex(salt_hex) + inner), 16)
    return pow(G, x, N)


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


def _key(srp_a: str, issued: Challenge) -> bytes | None:
    big_a, big_b = int(srp_a, 16), int(issued.srp_b, 16)
    u = int(_hash_hex(pad_hex(big_a) + pad_hex(big_b)), 16)
    if u == 0:
        return None
    shared = pow(big_a * pow(issued.verifier, u, N), issued.b, N)
    prk = hmac.new(bytes.fromhex(pad_hex(f"{u:x}")), bytes.fromhex(pad_hex(shared)), hashlib.sha256).digest()
    return hmac.new(prk, _INFO, hashlib.sha256).digest()[:16]


def signature_matches(
    srp_a: str, issued: Challenge, prefix: str, user_id: str, timestamp: str, secret_block: str, signature: str
) -> bool:
    """Whether PASSWORD_CLAIM_SIGNATURE is the client's proof for this exchange."""
    if not valid_a(srp_a) or secret_block != issued.secret_block:
        return False
    key = _key(srp_a, issued)
    if key is None:
        return False
    message = prefix.encode() + user_id.encode() + base64.b64decode(secret_block) + timestamp.encode()
    expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected.encode(), signature.encode())  # bytes: any text compares
