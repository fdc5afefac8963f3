"""The shapes of moto's Cognito models, as far as the local Cognito reads and writes them.

Each Protocol names exactly the members of one moto class (``CognitoIdpUserPool``, ``CognitoIdpUser``,
``CognitoIdpUserPoolClient``, ``CognitoIdpGroup``, ``CognitoIdpIdentityProvider``,
``CognitoIdpUserPoolDomain``, ``CognitoIdpBackend``) that code here touches, so a reader (and mypy) sees
what the local Cognito relies on; ``tests/local/test_cognito_models.py`` checks that moto's objects have
every member. The private methods among them are checked by ``hooks.verify`` too (``hooks.MOTO_CALLS``).

moto's objects enter through ``backends``, ``new_user`` and the request's ``backend``
(``responses.OperationRequest``) only: moto types its containers with its own classes
(``dict[str, CognitoIdpUser]``), which mypy holds invariant, so a moto pool is a ``Pool`` member by member
but not as a whole; those three say so once, with a ``cast``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from moto.cognitoidp.models import CognitoIdpUser, cognitoidp_backends

if TYPE_CHECKING:
    from joserfc.jwk import RSAKey


@runtime_checkable
class Group(Protocol):
    group_name: str
    role_arn: str | None
    precedence: int | None
    users: set[User]


@runtime_checkable
class User(Protocol):
    id: str
    user_pool_id: str
    username: str
    password: str | None
    status: str  # a ``UserStatus`` (a ``str`` enum) once moto or the local Cognito set it
    enabled: bool
    attributes: list[dict[str, str]]
    attribute_lookup: dict[str, str]
    sms_mfa_enabled: bool
    software_token_mfa_enabled: bool
    token_verified: bool
    preferred_mfa_setting: str | None
    groups: set[Group]

    def update_attributes(self, new_attributes: list[dict[str, str]]) -> None: ...

    def to_json(
        self, extended: bool = False, attributes_key: str = "Attributes", attributes_to_get: list[str] | None = None
    ) -> dict[str, Any]: ...


@runtime_checkable
class AppClient(Protocol):
    id: str
    user_pool_id: str
    secret: str
    generate_secret: bool
    extended_config: dict[str, Any]  # Cognito's JSON (DescribeUserPool's fields)


@runtime_checkable
class IdentityProvider(Protocol):
    name: str
    extended_config: dict[str, Any]


@runtime_checkable
class Domain(Protocol):
    user_pool_id: str


@runtime_checkable
class SchemaAttribute(Protocol):
    """One attribute of a pool's schema (moto's CognitoIdpUserPoolAttribute)."""

    name: str
    required: bool
    mutable: bool


@runtime_checkable
class Pool(Protocol):
    id: str
    account_id: str
    region: str
    extended_config: dict[str, Any]
    mfa_config: str
    sms_mfa_config: dict[str, Any] | None
    token_mfa_config: dict[str, bool] | None
    clients: dict[str, AppClient]
    identity_providers: dict[str, IdentityProvider]
    users: dict[str, User]
    schema_attributes: dict[str, SchemaAttribute]
    refresh_tokens: dict[str, tuple[str, str, str] | None]  # token: (client id, user name, origin jti); None: revoked
    access_tokens: dict[str, tuple[str, str]]  # token: (client id, user name)
    id_tokens: dict[str, tuple[str, str]]
    json_web_key: RSAKey

    def _get_user(self, username: str) -> User | None: ...

    def create_refresh_token(self, client_id: str, username: str) -> tuple[str, str]: ...

    def create_access_token(self, client_id: str, username: str, origin_jti: str) -> tuple[str, int]: ...

    def create_id_token(self, client_id: str, username: str, origin_jti: str) -> tuple[str, int]: ...

    def create_tokens_from_refresh_token(self, refresh_token: str) -> tuple[str, str, int]: ...

    def sign_out(self, username: str) -> None: ...


@runtime_checkable
class Backend(Protocol):
    user_pools: dict[str, Pool]
    user_pool_domains: dict[str, Domain]
    sessions: dict[str, tuple[str, Pool]]  # moto's own table of sign-in sessions: token: (user name, pool)

    def describe_user_pool(self, user_pool_id: str) -> Pool: ...

    def _validate_password(self, user_pool_id: str, password: str) -> None: ...

    def _verify_email_is_not_used(self, user_pool_id: str, email: str | None) -> None: ...


def backends() -> Iterator[Backend]:
    """moto's Cognito backend of every account and region."""
    for account_backends in cognitoidp_backends.values():
        for region, backend in list(account_backends.items()):
            if region != "global":
                yield cast(Backend, backend)


def as_backend(backend: object) -> Backend:
    """A request's own backend (moto's ``CognitoIdpResponse.backend``)."""
    return cast(Backend, backend)


def new_user(
    pool_id: str, username: str | None, password: str | None, status: str, attributes: list[dict[str, str]]
) -> User:
    """A new moto user (not yet in its pool); ``username`` ``None``: moto makes one (the user's sub)."""
    return cast(User, CognitoIdpUser(pool_id, username, password, status, attributes))
