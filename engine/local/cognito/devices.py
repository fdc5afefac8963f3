"""Device tracking ("remembered devices"): the devices Cognito keys for each user, the API that manages them
(ConfirmDevice, GetDevice, ListDevices, UpdateDeviceStatus, ForgetDevice and their Admin variants), and
what a sign-in needs of them. The challenges a remembered device answers are ``device_auth``'s.

As https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-device-tracking.html
describes it: a pool tracks devices once its DeviceConfiguration has any field. A sign-in without a
DEVICE_KEY then gets NewDeviceMetadata (DeviceKey ``<region>_<uuid>``, the user's DeviceGroupKey);
ConfirmDevice stores the device's SRP verifier, and the device is remembered at once, or only after
UpdateDeviceStatus when DeviceOnlyRememberedOnUserPrompt is true (then UserConfirmationNecessary).
A sign-in with the key of a remembered device ends with the device proving its secret (DEVICE_SRP_AUTH),
instead of MFA when ChallengeRequiredOnNewDevice is true (DeviceConfigurationType: "users who sign in
with devices that have not been confirmed or remembered must still provide a second factor"). A key
Cognito does not know (a forgotten device) is ResourceNotFoundException "Device does not exist.".
With tracking, refresh tokens are bound to their device: REFRESH_TOKEN_AUTH needs its DEVICE_KEY, and
fails once the device is forgotten (https://aws.amazon.com/blogs/mobile/tracking-and-remembering-devices-using-amazon-cognito-your-user-pools/).
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import secrets
import string
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.local.cognito import srp
from engine.local.cognito.common import find_by_access_token
from engine.local.cognito.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotFoundError,
)
from engine.local.cognito.models import AppClient, Backend, Pool, User
from engine.local.cognito.resign import with_access_claims

AUTHENTICATE_DEVICE = "TokenGeneration_AuthenticateDevice"  # the end of a device's authentication
REMEMBERED, NOT_REMEMBERED = "remembered", "not_remembered"
MAX_LIMIT = 60  # ListDevices / AdminListDevices Limit
PROOF_SECONDS = 180  # like any sign-in session
# The caller's address (set by ``server`` for each HTTP request), kept as the device's last_ip_used.
CALLER_IP: contextvars.ContextVar[str] = contextvars.ContextVar("caller_ip", default="")
_DEVICES_ATTR = "_scenario_devices"  # on moto's user: {device key: Device}
_GROUP_ATTR = "_scenario_device_group"  # on moto's user: its DeviceGroupKey
_BOUND_ATTR = "_scenario_refresh_devices"  # on moto's pool: {refresh token: device key}
_PROOFS_ATTR = "_scenario_device_proofs"  # on moto's pool: {session: DeviceProof}
_GROUP_ALPHABET = string.ascii_letters + string.digits


@dataclass
class Device:
    """One device of a user: issued at a sign-in, tracked once confirmed."""

    key: str
    group_key: str
    created: float
    modified: float
    confirmed: bool = False
    remembered: bool = False
    name: str | None = None
    verifier: int | None = None
    salt: str | None = None
    last_authenticated: float | None = None
    last_ip: str | None = None


@dataclass
class DeviceProof:
    """A sign-in waiting for its device to prove its secret (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER)."""

    username: str
    client_id: str
    device_key: str
    expires: float
    srp_a: str = ""
    issued: srp.Challenge | None = None


def _config(pool: Pool) -> dict[str, Any]:
    config = pool.extended_config.get("DeviceConfiguration")
    return config if isinstance(config, dict) else {}


def tracking(pool: Pool) -> bool:
    """Whether the pool tracks devices: "When you provide a value for any property of DeviceConfiguration,
    you activate the device remembering for the user pool." (DeviceConfigurationType)"""
    config = _config(pool)
    return "ChallengeRequiredOnNewDevice" in config or "DeviceOnlyRememberedOnUserPrompt" in config


def _devices(user: User) -> dict[str, Device]:
    found: dict[str, Device] | None = getattr(user, _DEVICES_ATTR, None)
    if found is None:
        found = {}
        setattr(user, _DEVICES_ATTR, found)
    return found


def _group_key(user: User) -> str:
    key: str | None = getattr(user, _GROUP_ATTR, None)
    if key is None:
        key = "-" + "".join(secrets.choice(_GROUP_ALPHABET) for _ in range(8))
        setattr(user, _GROUP_ATTR, key)
    return key


def for_sign_in(pool: Pool, user: User, device_key: str | None) -> Device | None:
    """The device a sign-in names (AuthParameters DEVICE_KEY), if the pool tracks devices."""
    if not device_key or not tracking(pool):
        return None
    device = _devices(user).get(device_key)
    if device is None:
        raise ResourceNotFoundError("Device does not exist.")
    return device


def needs_proof(device: Device | None) -> bool:
    """A remembered device proves its secret at the end of each sign-in; others are only tracked."""
    return device is not None and device.confirmed and device.remembered


def skips_mfa(pool: Pool, device: Device | None) -> bool:
    """Whether the device's own authentication replaces MFA (ChallengeRequiredOnNewDevice)."""
    return needs_proof(device) and bool(_config(pool).get("ChallengeRequiredOnNewDevice"))


def with_device(pool: Pool, user: User, tokens: dict[str, Any], device: Device | None) -> dict[str, Any]:
    """A sign-in's AuthenticationResult as a tracking pool gives it: NewDeviceMetadata for a sign-in with no
    known device, and the refresh token bound to the device either way."""
    if not tracking(pool):
        return tokens
    if device is None:
        now = time.time()
        region = pool.id.split("_", 1)[0]
        device = Device(f"{region}_{uuid.uuid4()}", _group_key(user), now, now)
        _devices(user)[device.key] = device
        tokens = {**tokens, "NewDeviceMetadata": {"DeviceKey": device.key, "DeviceGroupKey": device.group_key}}
    else:
        device.last_authenticated = time.time()
        device.last_ip = CALLER_IP.get() or device.last_ip
    if tokens.get("RefreshToken"):
        _bound(pool)[tokens["RefreshToken"]] = device.key
    # The access token names the device it was issued to (the device_key claim of
    # https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html).
    return {**tokens, "AccessToken": with_access_claims(pool, tokens["AccessToken"], {"device_key": device.key})}


def _bound(pool: Pool) -> dict[str, str]:
    found: dict[str, str] | None = getattr(pool, _BOUND_ATTR, None)
    if found is None:
        found = {}
        setattr(pool, _BOUND_ATTR, found)
    return found


def check_refresh(pool: Pool, user: User, refresh_token: str, device_key: str | None) -> str | None:
    """REFRESH_TOKEN_AUTH with a token bound to a device needs that DEVICE_KEY, of a device not forgotten;
    returns the device key the new access token names, if any."""
    bound = _bound(pool).get(refresh_token)
    if bound is None or not tracking(pool):
        return None
    if device_key != bound or bound not in _devices(user):
        raise NotAuthorizedError("Invalid Refresh Token")
    return bound


# --- the proof a remembered device gives at sign-in (answered in ``device_auth``) ---------------------


def _proofs(pool: Pool) -> dict[str, DeviceProof]:
    found: dict[str, DeviceProof] | None = getattr(pool, _PROOFS_ATTR, None)
    if found is None:
        found = {}
        setattr(pool, _PROOFS_ATTR, found)
    return found


def start_proof(pool: Pool, client: AppClient, user: User, device: Device) -> dict[str, Any]:
    """The DEVICE_SRP_AUTH challenge that ends a remembered device's sign-in."""
    session = secrets.token_urlsafe(96)
    _proofs(pool)[session] = DeviceProof(user.username, client.id, device.key, time.time() + PROOF_SECONDS)
    return {"ChallengeName": "DEVICE_SRP_AUTH", "ChallengeParameters": {}, "Session": session}


def find_proof(
    pool: Pool, client: AppClient, session: str | None, match: Callable[[DeviceProof], bool]
) -> tuple[str, DeviceProof]:
    """(session, proof) of a live device sign-in of this app client that ``match`` accepts: the one the
    Session names, else (clients such as pycognito's send none) the newest."""
    proofs = _proofs(pool)
    now = time.time()
    for token in [t for t, p in proofs.items() if p.expires < now]:
        proofs.pop(token)
    if session:
        found = proofs.get(session)
        candidates = [(session, found)] if found is not None else []
    else:
        candidates = list(reversed(proofs.items()))
    for token, proof in candidates:
        if proof.client_id == client.id and match(proof):
            return token, proof
    raise NotAuthorizedError("Invalid session for the user, session is expired.")


def next_session(pool: Pool, session: str) -> str:
    """The same device sign-in under a new Session (one per challenge, as Cognito gives)."""
    proofs = _proofs(pool)
    new = secrets.token_urlsafe(96)
    proofs[new] = proofs.pop(session)
    return new


def end_proof(pool: Pool, session: str) -> None:
    _proofs(pool).pop(session, None)


def device_of(user: User, device_key: str) -> Device:
    device = _devices(user).get(device_key)
    if device is None or not device.confirmed:
        raise ResourceNotFoundError("Device does not exist.")
    return device


# --- the device API ----------------------------------------------------------------------------------


def _now_modified(device: Device) -> None:
    device.modified = time.time()


def _device_json(pool: Pool, user: User, device: Device) -> dict[str, object]:
    owner = f"{user.username}.{pool.id}"
    attributes = [{"Name": "device_status", "Value": "valid"}]
    if device.name:
        attributes.append({"Name": "device_name", "Value": device.name})
    attributes += [
        {
            "Name": "dev:device_arn",
            "Value": f"arn:aws:cognito-idp:{pool.region}:{pool.account_id}:owner/{owner}/device/{device.key}",
        },
        {"Name": "dev:device_owner", "Value": owner},
    ]
    if device.last_ip:
        attributes.append({"Name": "last_ip_used", "Value": device.last_ip})
    status = REMEMBERED if device.remembered else NOT_REMEMBERED
    attributes.append({"Name": "dev:device_remembered_status", "Value": status})
    found: dict[str, object] = {
        "DeviceKey": device.key,
        "DeviceAttributes": attributes,
        "DeviceCreateDate": device.created,
        "DeviceLastModifiedDate": device.modified,
    }
    if device.last_authenticated is not None:
        found["DeviceLastAuthenticatedDate"] = device.last_authenticated
    return found


def _admin_user(backend: Backend, pool_id: str, username: str) -> tuple[Pool, User]:
    pool = backend.describe_user_pool(pool_id)
    user = pool._get_user(username)
    if user is None:
        raise UserNotFoundError("User does not exist.")
    return pool, user


def _token_user(access_token: str) -> tuple[Pool, User]:
    pool, user, _ = find_by_access_token(access_token)
    return pool, user


def _base64(value: object, name: str) -> bytes:
    try:
        decoded = base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if not decoded:
        raise InvalidParameterException(f"DeviceSecretVerifierConfig {name} is not valid base64.")
    return decoded


def confirm_device(
    access_token: str, device_key: str, verifier_config: dict[str, str] | None, device_name: str | None
) -> dict[str, object]:
    """ConfirmDevice: the device (issued to this user at a sign-in) is tracked, with its SRP verifier;
    remembered at once unless the pool leaves that to the user (UserConfirmationNecessary)."""
    pool, user = _token_user(access_token)
    device = _devices(user).get(device_key)
    if device is None:
        raise ResourceNotFoundError("Device does not exist.")
    config = verifier_config or {}
    if "PasswordVerifier" not in config or "Salt" not in config:
        raise InvalidParameterException("DeviceSecretVerifierConfig needs PasswordVerifier and Salt.")
    verifier = int.from_bytes(_base64(config["PasswordVerifier"], "PasswordVerifier"), "big")
    salt = _base64(config["Salt"], "Salt").hex()
    on_prompt = bool(_config(pool).get("DeviceOnlyRememberedOnUserPrompt"))
    device.verifier, device.salt, device.confirmed = verifier, salt, True
    device.remembered = not on_prompt
    device.name = device_name or device.name
    device.last_ip = CALLER_IP.get() or device.last_ip
    _now_modified(device)
    return {"UserConfirmationNecessary": on_prompt}


def _status(value: str | None) -> bool:
    if value not in (REMEMBERED, NOT_REMEMBERED):
        raise InvalidParameterException(
            f"1 validation error detected: Value '{value}' at 'deviceRememberedStatus' failed to satisfy "
            "constraint: Member must satisfy enum value set: [remembered, not_remembered]"
        )
    return value == REMEMBERED


def _list(pool: Pool, user: User, limit: int | None, pagination_token: str | None) -> dict[str, object]:
    if limit is not None and not 0 <= int(limit) <= MAX_LIMIT:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
            f"Member must have value less than or equal to {MAX_LIMIT}"
        )
    devices = sorted((d for d in _devices(user).values() if d.confirmed), key=lambda d: (d.created, d.key))
    start = 0
    if pagination_token:
        keys = [d.key for d in devices]
        if pagination_token not in keys:
            raise InvalidParameterException("Invalid pagination token.")
        start = keys.index(pagination_token)
    size = MAX_LIMIT if limit is None else int(limit)
    page = devices[start : start + size]
    result: dict[str, object] = {"Devices": [_device_json(pool, user, d) for d in page]}
    if start + size < len(devices):
        result["PaginationToken"] = devices[start + size].key
    return result


def get_device(access_token: str, device_key: str) -> dict[str, object]:
    pool, user = _token_user(access_token)
    return {"Device": _device_json(pool, user, device_of(user, device_key))}


def admin_get_device(backend: Backend, pool_id: str, username: str, device_key: str) -> dict[str, object]:
    pool, user = _admin_user(backend, pool_id, username)
    return {"Device": _device_json(pool, user, device_of(user, device_key))}


def list_devices(access_token: str, limit: int | None, pagination_token: str | None) -> dict[str, object]:
    pool, user = _token_user(access_token)
    return _list(pool, user, limit, pagination_token)


def admin_list_devices(
    backend: Backend, pool_id: str, username: str, limit: int | None, pagination_token: str | None
) -> dict[str, object]:
    pool, user = _admin_user(backend, pool_id, username)
    return _list(pool, user, limit, pagination_token)


def _set_status(user: User, device_key: str, status: str | None) -> None:
    remembered = _status(status)
    device = device_of(user, device_key)
    device.remembered = remembered
    _now_modified(device)


def update_device_status(access_token: str, device_key: str, status: str | None) -> None:
    _, user = _token_user(access_token)
    _set_status(user, device_key, status)


def admin_update_device_status(
    backend: Backend, pool_id: str, username: str, device_key: str, status: str | None
) -> None:
    _, user = _admin_user(backend, pool_id, username)
    _set_status(user, device_key, status)


def _forget(user: User, device_key: str) -> None:
    device_of(user, device_key)
    del _devices(user)[device_key]


def forget_device(access_token: str, device_key: str) -> None:
    _, user = _token_user(access_token)
    _forget(user, device_key)


def admin_forget_device(backend: Backend, pool_id: str, username: str, device_key: str) -> None:
    _, user = _admin_user(backend, pool_id, username)
    _forget(user, device_key)
