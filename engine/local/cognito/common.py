"""Small shared pieces of the local Cognito: finding pools and users, attribute helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from moto.cognitoidp.models import UserStatus
from moto.cognitoidp.utils import check_secret_hash as _secret_hash_matches
from moto.cognitoidp.utils import expand_attrs, flatten_attrs, validate_username_format

from engine.local.cognito.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotFoundError,
)
from engine.local.cognito.models import AppClient, Backend, Pool, User, backends
from engine.local.cognito.revocation import is_revoked
from engine.template.helpers import HelperError, jwt_claims

NO_CLIENT = "CLIENT_ID_NOT_APPLICABLE"  # callerContext.clientId of admin API calls

__all__ = [
    "NO_CLIENT",
    "UserStatus",
    "check_secret_hash",
    "client_call_user",
    "event_attributes",
    "expand_attrs",
    "find_by_access_token",
    "flatten_attrs",
    "pool_for_client",
    "resolve_new_username",
    "status_name",
    "unknown_user",
]


def every_pool() -> Iterator[tuple[Backend, Pool]]:
    """(backend, pool) for every user pool, in every account and region."""
    for backend in backends():
        for pool in list(backend.user_pools.values()):
            yield backend, pool


def pool_for_client(client_id: str) -> tuple[Backend, Pool, AppClient]:
    """(backend, pool, client) of the app client ``client_id``, in whichever account and region."""
    for backend, pool in every_pool():
        client = pool.clients.get(client_id)
        if client is not None:
            return backend, pool, client
    raise ResourceNotFoundError(f"User pool client {client_id} does not exist.")


ADMIN_SCOPE = "aws.cognito.signin.user.admin"


def _scopes(access_token: str) -> list[str]:
    """The ``scope`` claim of an access token the pool issued (its signature needs no check here)."""
    try:
        scope = jwt_claims(access_token).get("scope")
    except HelperError:
        return []
    return scope.split() if isinstance(scope, str) else []


def find_by_access_token(access_token: str) -> tuple[Pool, User, str]:
    """(pool, user, token user name) for a live access token, else NotAuthorizedException. Every operation
    a user authorizes with their own access token (GetUser, UpdateUserAttributes, DeleteUser, the device
    and software-token operations...) needs the aws.cognito.signin.user.admin scope in it, which a
    federated sign-in grants only when asked for and a pre token generation trigger may suppress: see
    "Authorize this action with a signed-in user's access token. It must include the scope
    aws.cognito.signin.user.admin" in each operation's API reference."""
    for _, pool in every_pool():
        found = pool.access_tokens.get(access_token)
        if found is not None:
            if ADMIN_SCOPE not in _scopes(access_token):
                raise NotAuthorizedError("Access Token does not have required scopes")
            _, username = found
            user = pool._get_user(username)
            if user is None:
                raise NotAuthorizedError("User does not exist.")
            return pool, user, username
    if any(is_revoked(pool, access_token) for _, pool in every_pool()):
        raise NotAuthorizedError("Access Token has been revoked")
    raise NotAuthorizedError("Invalid Access Token")


def check_secret_hash(client: AppClient, username: str, secret_hash: str | None) -> None:
    """App clients with a secret need the request's SECRET_HASH, as in Cognito."""
    if not client.generate_secret:
        return
    if not secret_hash:
        raise NotAuthorizedError(f"Client {client.id} is configured for secret but secret was not received")
    if not _secret_hash_matches(client.secret, client.id, username, secret_hash):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client.id}")


def unknown_user(client: AppClient) -> Exception:
    """What Cognito answers a sign-in for a user that does not exist."""
    if client is not None and client.extended_config.get("PreventUserExistenceErrors") == "ENABLED":
        return NotAuthorizedError("Incorrect username or password.")
    return UserNotFoundError("User does not exist.")


def client_call_user(client_id: str, username: str, secret_hash: str | None) -> tuple[Backend, Pool, User]:
    """(backend, pool, user) of a client-based call about an existing user (ConfirmSignUp,
    ConfirmForgotPassword, ...): the client must exist, the secret hash match and the user exist."""
    backend, pool, client = pool_for_client(client_id)
    check_secret_hash(client, username, secret_hash)
    user = pool._get_user(username)
    if user is None:
        raise UserNotFoundError("Username/client id combination not found.")
    return backend, pool, user


def resolve_new_username(
    pool: Pool, username: str, attributes: list[dict[str, str]]
) -> tuple[str | None, list[dict[str, str]]]:
    """The internal user name (``None``: Cognito generates one) and attributes of a new user.

    In a pool whose users sign in with email or phone number (UsernameAttributes), the given
    user name must be one of those and is stored as that attribute, as moto and Cognito do.
    """
    username_attributes = pool.extended_config.get("UsernameAttributes") or []
    if not username_attributes:
        return username, list(attributes or [])
    for attribute in username_attributes:
        if validate_username_format(username, _format=attribute):
            flat = flatten_attrs(attributes or [])
            flat[attribute] = username
            return None, expand_attrs(flat)
    raise InvalidParameterException("Username should be either an email or a phone number.")


@contextmanager
def tentatively(pool: Pool, user: User, *, insert: bool = False) -> Iterator[None]:
    """Changes made to ``user`` in the block (and, with ``insert``, the user itself) are undone
    if the block fails.

    Cognito runs PostConfirmation and PostAuthentication once the user is in its new state, and
    their functions often look the user up (AdminAddUserToGroup, AdminGetUser...). So the
    change is made first, the trigger runs, and a failing trigger rolls the change back.
    """
    saved = (user.status, list(user.attributes), user.password)
    if insert:
        pool.users[user.username] = user
    try:
        yield
    except BaseException:
        user.status, attributes, user.password = saved
        user.attributes = attributes
        user.attribute_lookup = flatten_attrs(attributes)
        if insert:
            pool.users.pop(user.username, None)
        raise


def status_name(user: User) -> str:
    status = user.status
    return str(status.value if isinstance(status, UserStatus) else status)


def _pool_of(user: User) -> Pool | None:
    for _, pool in every_pool():
        if pool.id == user.user_pool_id:
            return pool
    return None


def event_attributes(user: User, *, status: str | None = None, pool: Pool | None = None) -> dict[str, str]:
    """A user's attributes as trigger events show them: sub first, then the attributes, with
    ``email_verified``/``phone_number_verified`` ``"false"`` until verified, the
    ``cognito:email_alias``/``cognito:phone_number_alias`` of a verified alias, and ``cognito:user_status``.
    """
    flat = flatten_attrs(user.attributes)
    attributes = {"sub": flat.pop("sub", user.id)}
    attributes.update(flat)
    for name in ("email", "phone_number"):
        if attributes.get(name):
            attributes.setdefault(f"{name}_verified", "false")
    pool = pool if pool is not None else _pool_of(user)
    aliases = (pool.extended_config.get("AliasAttributes") or []) if pool is not None else []
    # An email or phone number users sign in with (UsernameAttributes) is their alias, verified or not.
    sign_in = (pool.extended_config.get("UsernameAttributes") or []) if pool is not None else []
    for name in ("email", "phone_number"):
        verified_alias = name in aliases and attributes.get(f"{name}_verified") == "true"
        if attributes.get(name) and (verified_alias or name in sign_in):
            attributes[f"cognito:{name}_alias"] = attributes[name]
    attributes["cognito:user_status"] = status or status_name(user)
    return attributes
