"""Cognito's SRP (Secure Remote Password, SRP-6a over the 3072-bit group of RFC 5054, SHA-256), both sides.

The client proves it knows a password (or a remembered device's secret) without sending it: from its
``SRP_A`` (``A = g^a``) and the server's ``SRP_B`` (``B = k·v + g^b``) both sides derive the same secret
``S``, then a 16-byte key by HKDF ("Caldera Derived Key"), and the client signs
``<prefix><user id><secret block><timestamp>`` with it. The prefix is the part of the pool id after the
underscore for a password, the device group key for a device; the user id is USER_ID_FOR_SRP, or the
device key. Constants and encodings follow the AWS SDK for JavaScript's ``AuthenticationHelper``
(amazon-cognito-identity-js), which every Cognito SRP client copies: hex numbers are padded to a whole,
non-negative byte string before hashing.

``Client`` is what the ``srp_sign_in`` action runs; the local Cognito's server side is
``engine.local.cognito.srp``. Standard library only: ``--target aws`` uses it without moto.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

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
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def pad_hex(value: int | str) -> str:
    """Hex of a non-negative number as the SDKs hash it: even length, and a leading 00 when the top
    bit is set (so it reads as positive)."""
    text = value if isinstance(value, str) else f"{value:x}"
    if len(text) % 2:
        return "0" + text
    if text[:1] in "89abcdefABCDEF":
        return "00" + text
    return text


def hash_hex(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest()


K = int(hash_hex(pad_hex(N) + pad_hex(G)), 16)


def new_salt() -> str:
    """A random 128-bit salt, as hex padded the way it is hashed."""
    return pad_hex(secrets.randbits(128))


def private_value(prefix: str, user_id: str, password: str, salt_hex: str) -> int:
    """``x = H(salt | H(prefix + user_id + ":" + password))``."""
    inner = hashlib.sha256(f"{prefix}{user_id}:{password}".encode()).hexdigest()
    return int(hash_hex(pad_hex(salt_hex) + inner), 16)


def verifier(prefix: str, user_id: str, password: str, salt_hex: str) -> int:
    """``v = g^x``: what the server keeps instead of the password (for a device, ConfirmDevice sends it)."""
    return pow(G, private_value(prefix, user_id, password, salt_hex), N)


def scrambler(big_a: int, big_b: int) -> int:
    """``u = H(A | B)``; 0 makes the exchange worthless, and both sides refuse it."""
    return int(hash_hex(pad_hex(big_a) + pad_hex(big_b)), 16)


def derive_key(shared: int, u: int) -> bytes:
    prk = hmac.new(bytes.fromhex(pad_hex(f"{u:x}")), bytes.fromhex(pad_hex(shared)), hashlib.sha256).digest()
    return hmac.new(prk, _INFO, hashlib.sha256).digest()[:16]


def signature(key: bytes, prefix: str, user_id: str, secret_block: str, timestamp: str) -> str:
    message = prefix.encode() + user_id.encode() + base64.b64decode(secret_block) + timestamp.encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def timestamp(now: datetime | None = None) -> str:
    """The TIMESTAMP Cognito expects: ``Thu Nov 6 08:07:05 UTC 2026`` (English names, day unpadded)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return (
        f"{_DAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} UTC {moment.year}"
    )


class Client:
    """One SRP exchange from the client's side: ``srp_a`` goes in InitiateAuth (or DEVICE_SRP_AUTH),
    ``claim`` answers the PASSWORD_VERIFIER (or DEVICE_PASSWORD_VERIFIER) challenge."""

    def __init__(self) -> None:
        while True:
            self._a = secrets.randbits(1024) % N
            self._big_a = pow(G, self._a, N)
            if self._a and self._big_a:
                break

    @property
    def srp_a(self) -> str:
        return f"{self._big_a:x}"

    def claim(
        self, prefix: str, user_id: str, password: str, parameters: dict[str, str], when: str | None = None
    ) -> dict[str, str]:
        """PASSWORD_CLAIM_SIGNATURE, PASSWORD_CLAIM_SECRET_BLOCK and TIMESTAMP (now, unless ``when`` is given)
        for a challenge whose parameters carry SALT, SRP_B and SECRET_BLOCK; ValueError when SRP_B cannot be
        right."""
        big_b = int(parameters["SRP_B"], 16)
        if big_b % N == 0:
            raise ValueError("the server's SRP_B is 0 modulo N")
        u = scrambler(self._big_a, big_b)
        if u == 0:
            raise ValueError("the SRP scrambler u is 0")
        x = private_value(prefix, user_id, password, parameters["SALT"])
        shared = pow((big_b - K * pow(G, x, N)) % N, self._a + u * x, N)
        when = when or timestamp()
        block = parameters["SECRET_BLOCK"]
        return {
            "PASSWORD_CLAIM_SIGNATURE": signature(derive_key(shared, u), prefix, user_id, block, when),
            "PASSWORD_CLAIM_SECRET_BLOCK": block,
            "TIMESTAMP": when,
        }


def device_secret(device_group_key: str, device_key: str) -> tuple[str, dict[str, str]]:
    """A new remembered device's random password, and the DeviceSecretVerifierConfig ConfirmDevice
    takes for it (PasswordVerifier and Salt, base64)."""
    password = base64.b64encode(secrets.token_bytes(40)).decode()
    salt = new_salt()
    value = pad_hex(verifier(device_group_key, device_key, password, salt))
    config = {
        "PasswordVerifier": base64.b64encode(bytes.fromhex(value)).decode(),
        "Salt": base64.b64encode(bytes.fromhex(salt)).decode(),
    }
    return password, config
