"""The SRP server math (``engine.local.cognito.srp``) against pycognito's client, which follows the AWS
SDK for JavaScript: the right password or device secret proves itself, anything else does not."""

from __future__ import annotations

import base64
from datetime import UTC

from pycognito.aws_srp import AWSSRP, generate_hash_device

from engine.local.cognito import srp

POOL_ID = "us-east-1_AbCdEf123"
SUFFIX = POOL_ID.split("_")[1]


def _claim(client: AWSSRP, issued: srp.Challenge, user_id: str) -> dict[str, str]:
    parameters = {"USER_ID_FOR_SRP": user_id, "SALT": issued.salt, "SRP_B": issued.srp_b}
    return dict(client.process_challenge({**parameters, "SECRET_BLOCK": issued.secret_block}, {"USERNAME": "alice"}))


def _matches(srp_a: str, issued: srp.Challenge, prefix: str, user_id: str, claim: dict[str, str]) -> bool:
    return srp.signature_matches(
        srp_a,
        issued,
        prefix,
        user_id,
        claim["TIMESTAMP"],
        claim["PASSWORD_CLAIM_SECRET_BLOCK"],
        claim["PASSWORD_CLAIM_SIGNATURE"],
    )


def test_the_right_password_proves_itself_and_a_wrong_one_does_not() -> None:
    client = AWSSRP("alice", "Passw0rd!", POOL_ID, "client", pool_region="us-east-1")
    srp_a = client.get_auth_params()["SRP_A"]
    for _ in range(5):  # fresh salts and b values: the padding of each must agree with the client's
        salt = srp.new_salt()
        right = srp.challenge(srp.verifier(SUFFIX, "alice", "Passw0rd!", salt), salt)
        assert _matches(srp_a, right, SUFFIX, "alice", _claim(client, right, "alice"))
        wrong = srp.challenge(srp.verifier(SUFFIX, "alice", "Passw0rd?", salt), salt)
        assert not _matches(srp_a, wrong, SUFFIX, "alice", _claim(client, wrong, "alice"))


def test_a_claim_is_bound_to_its_exchange() -> None:
    client = AWSSRP("alice", "Passw0rd!", POOL_ID, "client", pool_region="us-east-1")
    srp_a = client.get_auth_params()["SRP_A"]
    salt = srp.new_salt()
    issued = srp.challenge(srp.verifier(SUFFIX, "alice", "Passw0rd!", salt), salt)
    claim = _claim(client, issued, "alice")
    other = srp.challenge(issued.verifier, salt)  # another b: the old signature proves nothing here
    assert not _matches(srp_a, other, SUFFIX, "alice", claim)
    assert not _matches(srp_a, issued, SUFFIX, "bob", claim)
    assert not _matches(srp_a, issued, SUFFIX, "alice", {**claim, "TIMESTAMP": "Mon Jan 1 00:00:00 UTC 2024"})
    assert not _matches(srp.N_HEX, issued, SUFFIX, "alice", claim)  # A = N, i.e. 0 mod N
    assert not _matches("not hex", issued, SUFFIX, "alice", claim)


def test_a_device_verifier_from_confirm_device_proves_the_device_secret() -> None:
    group_key, device_key = "-kQ3pLsSX", "us-east-1_0f9b6c2a-5d1e-4a4e-9a55-8d2c1b7e3f10"
    device_password, config = generate_hash_device(group_key, device_key)
    verifier = int.from_bytes(base64.b64decode(config["PasswordVerifier"]), "big")
    salt = base64.b64decode(config["Salt"]).hex()
    client = AWSSRP(
        "alice",
        "Passw0rd!",
        POOL_ID,
        "client",
        pool_region="us-east-1",
        device_key=device_key,
        device_group_key=group_key,
        device_password=device_password,
    )
    srp_a = client.get_auth_params()["SRP_A"]
    issued = srp.challenge(verifier, salt)
    parameters = {"USERNAME": "alice", "SALT": issued.salt, "SRP_B": issued.srp_b, "SECRET_BLOCK": issued.secret_block}
    claim = client.process_device_challenge(parameters)
    assert _matches(srp_a, issued, group_key, device_key, claim)
    assert not _matches(srp_a, issued, SUFFIX, device_key, claim)


def test_our_client_signs_what_the_server_and_pycognito_agree_on() -> None:
    from datetime import datetime

    from engine.crypto import srp as shared

    client = shared.Client()
    salt = srp.new_salt()
    issued = srp.challenge(srp.verifier(SUFFIX, "alice", "Passw0rd!", salt), salt)
    parameters = {"SALT": issued.salt, "SRP_B": issued.srp_b, "SECRET_BLOCK": issued.secret_block}
    claim = client.claim(SUFFIX, "alice", "Passw0rd!", parameters)
    assert _matches(client.srp_a, issued, SUFFIX, "alice", claim)
    assert not _matches(client.srp_a, issued, SUFFIX, "alice", client.claim(SUFFIX, "alice", "nope", parameters))
    for moment in (
        datetime(2026, 11, 6, 8, 7, 5, tzinfo=UTC),
        datetime(2027, 1, 31, 23, 0, 0, tzinfo=UTC),
    ):
        assert shared.timestamp(moment) == AWSSRP.get_cognito_formatted_timestamp(moment.replace(tzinfo=None))


def test_our_device_secret_is_one_pycognito_can_prove() -> None:
    from engine.crypto import srp as shared

    group_key, device_key = "-Zx81", "us-east-1_5c1a0e55-0f0e-4d7a-8a2b-3c4d5e6f7a8b"
    device_password, config = shared.device_secret(group_key, device_key)
    verifier = int.from_bytes(base64.b64decode(config["PasswordVerifier"]), "big")
    issued = srp.challenge(verifier, base64.b64decode(config["Salt"]).hex())
    client = AWSSRP(
        "alice",
        "Passw0rd!",
        POOL_ID,
        "client",
        pool_region="us-east-1",
        device_key=device_key,
        device_group_key=group_key,
        device_password=device_password,
    )
    parameters = {"USERNAME": "alice", "SALT": issued.salt, "SRP_B": issued.srp_b, "SECRET_BLOCK": issued.secret_block}
    claim = client.process_device_challenge(parameters)
    assert _matches(client.get_auth_params()["SRP_A"], issued, group_key, device_key, claim)


def test_a_zero_padded_day_in_the_timestamp_is_refused() -> None:
    from engine.crypto import srp as shared

    client = shared.Client()
    salt = srp.new_salt()
    issued = srp.challenge(srp.verifier(SUFFIX, "alice", "Passw0rd!", salt), salt)
    parameters = {"SALT": issued.salt, "SRP_B": issued.srp_b, "SECRET_BLOCK": issued.secret_block}
    # A proof signed over a day written with %d, as some clients do: Cognito refuses it.
    padded = client.claim(SUFFIX, "alice", "Passw0rd!", parameters, when="Fri Nov 06 08:07:05 UTC 2026")
    assert not _matches(client.srp_a, issued, SUFFIX, "alice", padded)
    plain = client.claim(SUFFIX, "alice", "Passw0rd!", parameters, when="Fri Nov 6 08:07:05 UTC 2026")
    assert _matches(client.srp_a, issued, SUFFIX, "alice", plain)
