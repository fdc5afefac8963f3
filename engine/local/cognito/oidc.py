"""The local Cognito as an OIDC relying party: the calls to a user pool's OIDC identity provider
(discovery, code exchange, JWKS, userInfo) and the checks on the ID token it returns.

Amazon Cognito's side of this exchange, as the developer guide describes it
(https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-idp.html and
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-flow.html):

- the code is exchanged at the IdP's token endpoint with ``client_secret_post`` client
  authentication (Cognito does not support ``client_secret_basic``);
- the ID token must be signed (HMAC-SHA, ECDSA or RSA) with a key the IdP publishes at its
  ``jwks_uri``; its ``iss`` must be the provider's ``oidc_issuer``, its ``aud`` the provider's
  ``client_id``, and it must not have expired;
- with an ``attributes_url``, the user's attributes come from the IdP's userInfo endpoint too,
  called with the access token (``attributes_request_method`` GET or POST).

Unlike Cognito, plain ``http`` endpoints and any port are accepted (a test IdP on loopback), but
only ``http`` and ``https``: a provider cannot make the server read a ``file:`` URL. Every call has
a timeout, and while the local AWS is up the endpoint guard refuses AWS hosts here as everywhere.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from engine.aws.endpoint_guard import AwsEndpointRefused

TIMEOUT_SECONDS = 5.0
MAX_RESPONSE_BYTES = 1024 * 1024
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512")
CLOCK_SKEW_SECONDS = 60


class IdpUnreachable(Exception):
    """The identity provider could not be reached or answered something unusable."""


class IdpRejected(Exception):
    """The identity provider answered with an OAuth error (relayed to the app as Cognito does)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


class InvalidIdToken(Exception):
    """The ID token from the identity provider failed a check."""


def _url(url: str) -> str:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise IdpUnreachable(f"{url!r} is not an http or https URL")
    return url


def _call(request: urllib.request.Request) -> Any:
    """The JSON answer to ``request``; an OAuth error answer raises ``IdpRejected``."""
    _url(request.full_url)
    request.add_header("Accept", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as error:
        body = error.read(MAX_RESPONSE_BYTES)
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if isinstance(answer, dict) and isinstance(answer.get("error"), str):
            description = f"{error.code} {answer.get('error_description') or ''}".strip()
            raise IdpRejected(answer["error"], description) from None
        raise IdpUnreachable(f"{request.full_url} answered HTTP {error.code}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, AwsEndpointRefused):
            raise IdpUnreachable(str(error.reason)) from None
        raise IdpUnreachable(f"{request.full_url} could not be reached: {error.reason}") from None
    except (TimeoutError, OSError) as error:
        raise IdpUnreachable(f"{request.full_url} could not be reached: {error}") from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise IdpUnreachable(f"{request.full_url} answered more than {MAX_RESPONSE_BYTES} bytes")
    try:
        return json.loads(body)
    except ValueError:
        raise IdpUnreachable(f"{request.full_url} did not answer JSON") from None


def endpoints(details: dict[str, str]) -> dict[str, str]:
    """authorize_url, token_url, jwks_uri and attributes_url of a provider: as configured, else
    from the issuer's discovery document (``/.well-known/openid-configuration``)."""
    found = {k: details[k] for k in ("authorize_url", "token_url", "jwks_uri", "attributes_url") if details.get(k)}
    if {"authorize_url", "token_url", "jwks_uri"} <= set(found):
        return found
    issuer = details.get("oidc_issuer", "").rstrip("/")
    document = _call(urllib.request.Request(_url(f"{issuer}/.well-known/openid-configuration")))
    if not isinstance(document, dict):
        raise IdpUnreachable(f"{issuer}/.well-known/openid-configuration is not a discovery document")
    names = {
        "authorize_url": "authorization_endpoint",
        "token_url": "token_endpoint",
        "jwks_uri": "jwks_uri",
        "attributes_url": "userinfo_endpoint",
    }
    for ours, theirs in names.items():
        if ours not in found and isinstance(document.get(theirs), str):
            found[ours] = document[theirs]
    missing = {"authorize_url", "token_url", "jwks_uri"} - set(found)
    if missing:
        raise IdpUnreachable(f"the identity provider publishes no {', '.join(sorted(missing))}")
    return found


def authorize_location(authorize_url: str, details: dict[str, str], redirect_uri: str, state: str) -> str:
    """Where the browser goes to sign in at the identity provider."""
    query = {
        "response_type": "code",
        "client_id": details.get("client_id", ""),
        "redirect_uri": redirect_uri,
        "scope": details.get("authorize_scopes", "openid"),
        "state": state,
    }
    separator = "&" if urllib.parse.urlsplit(authorize_url).query else "?"
    return f"{_url(authorize_url)}{separator}{urllib.parse.urlencode(query)}"


def exchange_code(token_url: str, details: dict[str, str], code: str, redirect_uri: str) -> dict[str, Any]:
    """The IdP's token response for ``code`` (client_secret_post)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": details.get("client_id", ""),
        "client_secret": details.get("client_secret", ""),
    }
    request = urllib.request.Request(
        _url(token_url),
        data=urllib.parse.urlencode(form).encode("ascii"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    answer = _call(request)
    if not isinstance(answer, dict) or not isinstance(answer.get("id_token"), str):
        raise IdpUnreachable(f"{token_url} answered no id_token")
    return answer


def verified_claims(id_token: str, jwks_uri: str, details: dict[str, str]) -> dict[str, Any]:
    """The claims of ``id_token`` once its signature (a key from ``jwks_uri``), issuer, audience and
    expiry are checked."""
    keys = _call(urllib.request.Request(_url(jwks_uri)))
    try:
        key_set = KeySet.import_key_set(keys)
        token = jwt.decode(id_token, key_set, algorithms=list(SIGNING_ALGORITHMS))
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise InvalidIdToken(f"the ID token's signature could not be verified ({error})") from None
    claims = dict(token.claims)
    issuer = details.get("oidc_issuer", "")
    if claims.get("iss") != issuer and str(claims.get("iss", "")).rstrip("/") != issuer.rstrip("/"):
        raise InvalidIdToken(f"the ID token's issuer {claims.get('iss')!r} is not {issuer!r}")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if details.get("client_id") not in audiences:
        raise InvalidIdToken("the ID token's audience is not this provider's client_id")
    expires = claims.get("exp")
    if not isinstance(expires, (int, float)) or expires + CLOCK_SKEW_SECONDS < time.time():
        raise InvalidIdToken("the ID token has expired")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise InvalidIdToken("the ID token has no sub")
    return claims


def user_info(attributes_url: str, details: dict[str, str], access_token: str) -> dict[str, Any]:
    """The IdP's userInfo answer, called with the access token."""
    method = "POST" if details.get("attributes_request_method", "GET").upper() == "POST" else "GET"
    request = urllib.request.Request(
        _url(attributes_url),
        headers={"Authorization": f"Bearer {access_token}"},
        method=method,
        data=b"" if method == "POST" else None,
    )
    answer = _call(request)
    if not isinstance(answer, dict):
        raise IdpUnreachable(f"{attributes_url} did not answer a JSON object")
    return answer


def sign_in_claims(details: dict[str, str], code: str, redirect_uri: str) -> dict[str, Any]:
    """The whole back-channel exchange: the code for tokens, the ID token verified, and the userInfo
    attributes (when the provider has an attributes URL) merged over its claims."""
    found = endpoints(details)
    answer = exchange_code(found["token_url"], details, code, redirect_uri)
    claims = verified_claims(answer["id_token"], found["jwks_uri"], details)
    access_token = answer.get("access_token")
    if found.get("attributes_url") and isinstance(access_token, str):
        info = user_info(found["attributes_url"], details, access_token)
        if info.get("sub", claims["sub"]) != claims["sub"]:
            raise InvalidIdToken("the userInfo sub is not the ID token's sub")
        claims.update(info)
    return claims
