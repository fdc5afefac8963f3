"""RevokeToken: a refresh token revoked, with every access and ID token issued from it.

As the developer guide's "Ending user sessions with token revocation" says: revoking a refresh token
invalidates the access tokens it issued (the first one, from the sign-in, included) and leaves the
user's other refresh tokens alone. Afterwards REFRESH_TOKEN_AUTH with it is NotAuthorizedException
"Refresh Token has been revoked" and an API call with one of its access tokens is NotAuthorizedException
"Access Token has been revoked". The app client must have ``EnableTokenRevocation`` (the default) and,
when it has a secret, the request must carry it. An unknown refresh token is no error (RFC 7009 revocation
answers 200 for a token that is not valid). Where the API reference names an error but not its message
(a wrong secret, a token of another client, an access token given instead of a refresh token) the
message here is ours.
"""

from __future__ import annotations

import weakref

from moto.core.exceptions import JsonRESTError

from engine.local.cognito.models import AppClient, Pool
from engine.template.helpers import HelperError, jwt_claims

# Per user pool: the origin_jti of every revoked refresh token, which its access and ID tokens carry.
_REVOKED: weakref.WeakKeyDictionary[Pool, set[str]] = weakref.WeakKeyDictionary()


class UnauthorizedError(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnauthorizedException", message)


class UnsupportedOperationError(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedOperationException", message)


class UnsupportedTokenTypeError(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedTokenTypeException", message)


def revoke_token(pool: Pool, client: AppClient, client_secret: str | None, token: str) -> None:
    """RevokeToken with ``token``, a refresh token the app client ``client`` of ``pool`` was issued."""
    if client.generate_secret and client_secret != client.secret:
        raise UnauthorizedError(
            "Invalid client secret" if client_secret else f"Client {client.id} is configured with a secret"
        )
    if not client.extended_config.get("EnableTokenRevocation", True):
        raise UnsupportedOperationError(f"Token revocation is not enabled for the app client {client.id}")
    if token not in pool.refresh_tokens:
        if _token_use(token) in ("access", "id"):
            raise UnsupportedTokenTypeError("RevokeToken takes a refresh token, not an access or ID token")
        return
    found = pool.refresh_tokens[token]
    if found is None:
        return  # revoked already (or signed out everywhere)
    token_client_id, _, origin_jti = found
    if token_client_id != client.id:
        raise UnauthorizedError(f"The refresh token was not issued to the app client {client.id}")
    pool.refresh_tokens[token] = None
    _REVOKED.setdefault(pool, set()).add(origin_jti)
    for table in (pool.access_tokens, pool.id_tokens):
        for issued in [t for t in table if _origin(t) == origin_jti]:
            del table[issued]


def is_revoked(pool: Pool, access_token: str) -> bool:
    """Whether ``access_token`` came from a refresh token that RevokeToken revoked."""
    origin = _origin(access_token)
    return origin is not None and origin in _REVOKED.get(pool, ())


def _claims(token: str) -> dict[str, object]:
    try:
        return jwt_claims(token)
    except HelperError:
        return {}


def _origin(token: str) -> str | None:
    origin = _claims(token).get("origin_jti")
    return origin if isinstance(origin, str) else None


def _token_use(token: str) -> str | None:
    use = _claims(token).get("token_use")
    return use if isinstance(use, str) else None
