"""A remembered device proving its secret at the end of a sign-in: RespondToAuthChallenge DEVICE_SRP_AUTH
(USERNAME, DEVICE_KEY, SRP_A) answers DEVICE_PASSWORD_VERIFIER (SRP_B, SALT, SECRET_BLOCK from the
verifier ConfirmDevice stored), whose answer (PASSWORD_CLAIM_SIGNATURE over the device group key, the
device key, the secret block and TIMESTAMP) ends the sign-in with TokenGeneration_AuthenticateDevice, see
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-device-tracking.html
(Signing in with a device). The devices themselves are ``devices``'.

Clients that send no Session with these answers (pycognito, the AWS SDK code examples) find their sign-in
by user and device key, and then by the SECRET_BLOCK they sign.
"""

from __future__ import annotations

from typing import Any

from engine.local.cognito import devices, srp
from engine.local.cognito.common import check_secret_hash, pool_for_client, unknown_user
from engine.local.cognito.exceptions import InvalidParameterException, NotAuthorizedError
from engine.local.cognito.models import AppClient, Pool, User
from engine.local.cognito.signin import complete


def _required(responses: dict[str, str], *names: str) -> list[str]:
    for name in names:
        if not responses.get(name):
            raise InvalidParameterException(f"Missing required parameter {name}")
    return [responses[name] for name in names]


def _user(pool: Pool, client: AppClient, username: str) -> User:
    user = pool._get_user(username)
    if user is None:
        raise unknown_user(client)
    return user


def respond_device_srp(client_id: str, session: str | None, responses: dict[str, str]) -> dict[str, Any]:
    """DEVICE_SRP_AUTH: the device starts its SRP exchange; the answer is DEVICE_PASSWORD_VERIFIER."""
    _, pool, client = pool_for_client(client_id)
    username, device_key, srp_a = _required(responses, "USERNAME", "DEVICE_KEY", "SRP_A")
    user = _user(pool, client, username)
    token, proof = devices.find_proof(
        pool, client, session, lambda p: p.username == user.username and p.device_key == device_key
    )
    if not srp.valid_a(srp_a):
        raise NotAuthorizedError("Incorrect username or password.")
    device = devices.device_of(user, device_key)
    if device.verifier is None or device.salt is None:
        raise NotAuthorizedError("Incorrect username or password.")
    proof.issued, proof.srp_a = srp.challenge(device.verifier, device.salt), srp_a
    parameters = {
        "USERNAME": user.username,
        "DEVICE_KEY": device_key,
        "SRP_B": proof.issued.srp_b,
        "SALT": proof.issued.salt,
        "SECRET_BLOCK": proof.issued.secret_block,
    }
    return {
        "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
        "ChallengeParameters": parameters,
        "Session": devices.next_session(pool, token),
    }


def respond_device_verifier(
    client_id: str, session: str | None, responses: dict[str, str], client_metadata: dict[str, str] | None
) -> dict[str, Any]:
    """DEVICE_PASSWORD_VERIFIER: the device's signature ends the sign-in (one try per exchange)."""
    _, pool, client = pool_for_client(client_id)
    username, device_key, signature, block, timestamp = _required(
        responses, "USERNAME", "DEVICE_KEY", "PASSWORD_CLAIM_SIGNATURE", "PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP"
    )
    user = _user(pool, client, username)
    check_secret_hash(client, username, responses.get("SECRET_HASH"))
    token, proof = devices.find_proof(
        pool,
        client,
        session,
        lambda p: p.issued is not None and p.issued.secret_block == block,
    )
    devices.end_proof(pool, token)
    device = devices.device_of(user, device_key)
    proven = (
        proof.issued is not None
        and proof.username == user.username
        and proof.device_key == device_key
        and srp.signature_matches(proof.srp_a, proof.issued, device.group_key, device_key, timestamp, block, signature)
    )  # the session names the exchange; the answer must be about the same user and device
    if not proven:
        raise NotAuthorizedError("Incorrect username or password.")
    return complete(
        pool,
        client,
        user,
        proof.username,
        source=devices.AUTHENTICATE_DEVICE,
        client_metadata=client_metadata,
        device_key=device_key,
    )
