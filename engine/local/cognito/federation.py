"""Federated sign-in through an OIDC identity provider, as the user pool's authorization server
does it: the authorize request, the IdP's answer at ``/oauth2/idpresponse``, the user it creates or
updates with its triggers, and the authorization code the app redeems at ``/oauth2/token``.

Everything here runs under the backend lock; the calls to the IdP (``oidc``) happen between the
steps, outside it (``managed_login`` drives the steps).

The triggers of a federated sign-in, per "Lambda triggers for federated users"
(https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html#lambda-triggers-for-federated-users):

- the first sign-in (federated sign-up) runs pre sign-up as ``PreSignUp_ExternalProvider`` with the
  mapped attributes, then post confirmation (``PostConfirmation_ConfirmSignUp``), then pre token
  generation; the user is created in status ``EXTERNAL_PROVIDER``, so ``autoConfirmUser`` changes
  nothing, while ``autoVerifyEmail``/``autoVerifyPhone`` mark the attribute verified
  (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html);
- a later sign-in updates the mapped attributes and runs pre authentication, post authentication
  and pre token generation -- never pre sign-up;
- pre token generation runs as ``TokenGeneration_HostedAuth``
  (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html),
  before the browser returns to the app: its tokens are issued then, and the code stands for them.

A failing trigger ends the sign-in the way Cognito reports errors of federated sign-in: a redirect to
the app's callback URL with ``error=invalid_request`` and the trigger's message as
``error_description``
(https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoint-idp-responses.html).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import JsonRESTError

from engine.local.cognito.common import every_pool, pool_for_client, tentatively
from engine.local.cognito.models import AppClient, Backend, Pool, User, new_user
from engine.local.cognito.signin import post_authentication, pre_authentication
from engine.local.cognito.signup_triggers import post_confirmation, pre_sign_up
from engine.local.cognito.tokens import issue_tokens, pre_token_generation

EXTERNAL_PROVIDER = "EXTERNAL_PROVIDER"
FLOW_SECONDS = 300  # "Amazon Cognito cancels authentication requests that do not complete within 5 minutes"
CODE_SECONDS = 300  # an authorization code is good for 5 minutes, and once
_FLOWS_ATTR = "_scenario_federation_flows"  # kept on moto's pool object: reset with the backend
_CODES_ATTR = "_scenario_authorization_codes"


class PageError(Exception):
    """An error shown on a page of the server (no redirect to the app is safe or possible)."""

    def __init__(self, status: str, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description


class RedirectError(Exception):
    """An error sent back to the app's (already checked) callback URL."""

    def __init__(self, redirect_uri: str, error: str, description: str, state: str | None) -> None:
        super().__init__(f"{error}: {description}")
        self.location = with_query(redirect_uri, error_description=description, error=error, state=state)


class TokenError(Exception):
    """A token endpoint error: ``{"error": ...}`` with HTTP 400."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class Flow:
    """An authorize request waiting for the IdP's answer."""

    client_id: str
    redirect_uri: str
    app_state: str | None
    scopes: list[str]
    provider: str
    code_challenge: str | None
    nonce: str | None
    expires: float


@dataclass
class Grant:
    """An authorization code: the tokens it stands for and what redeeming it must show."""

    client_id: str
    redirect_uri: str
    tokens: dict[str, Any]
    code_challenge: str | None
    expires: float
    id_token: bool


def with_query(url: str, **params: str | None) -> str:
    """``url`` with ``params`` (those not None) added to its query."""
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    return f"{url}{'&' if urllib.parse.urlsplit(url).query else '?'}{query}"


def _table(pool: Pool, name: str) -> dict[str, Any]:
    found: dict[str, Any] | None = getattr(pool, name, None)
    if found is None:
        found = {}
        setattr(pool, name, found)
    return found


def _has_domain(backend: Backend, pool: Pool) -> bool:
    return any(domain.user_pool_id == pool.id for domain in backend.user_pool_domains.values())


def _granted_scopes(client: AppClient, requested: str | None, redirect_uri: str, state: str | None) -> list[str]:
    allowed = list(client.extended_config.get("AllowedOAuthScopes") or [])
    if not requested:
        return allowed
    scopes = requested.split()
    if any(scope not in allowed for scope in scopes):
        raise RedirectError(redirect_uri, "invalid_scope", "Invalid scope requested", state)
    return scopes


def start(params: dict[str, str]) -> tuple[str, dict[str, str]]:
    """GET /oauth2/authorize with an ``identity_provider``
    (https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html):
    the app client, its callback URL, OAuth flow, scopes and provider checked; returns this server's
    ``state`` for the IdP and the provider's details."""
    client_id, redirect_uri, state = params.get("client_id", ""), params.get("redirect_uri", ""), params.get("state")
    try:
        backend, pool, client = pool_for_client(client_id)
    except JsonRESTError:
        raise PageError("400 Bad Request", "invalid_request", "Invalid client_id") from None
    if not _has_domain(backend, pool):
        raise PageError("404 Not Found", "invalid_request", "The user pool has no domain (CreateUserPoolDomain)")
    if not redirect_uri or redirect_uri not in (client.extended_config.get("CallbackURLs") or []):
        raise PageError("400 Bad Request", "redirect_mismatch", "redirect_uri is not a callback URL of the client")
    if params.get("response_type") not in ("code", "token"):
        raise RedirectError(redirect_uri, "unsupported_response_type", "response_type must be code", state)
    flows = client.extended_config.get("AllowedOAuthFlows") or []
    if not client.extended_config.get("AllowedOAuthFlowsUserPoolClient") or params["response_type"] not in flows:
        raise RedirectError(redirect_uri, "unauthorized_client", "Client is not allowed this OAuth flow", state)
    if params["response_type"] != "code":
        raise PageError("501 Not Implemented", "unsupported_response_type", "the local server issues codes only")
    scopes = _granted_scopes(client, params.get("scope"), redirect_uri, state)
    name = params.get("identity_provider") or ""
    if not name:
        raise PageError(
            "501 Not Implemented",
            "invalid_request",
            "the local server has no managed login pages: pass identity_provider=<an OIDC provider>",
        )
    provider = pool.identity_providers.get(name)
    if provider is None or name not in (client.extended_config.get("SupportedIdentityProviders") or []):
        message = f"Identity provider {name} is not enabled for the client"
        raise RedirectError(redirect_uri, "invalid_request", message, state)
    if provider.extended_config.get("ProviderType") != "OIDC":
        raise PageError("501 Not Implemented", "invalid_request", f"{name}: only OIDC providers sign in locally")
    challenge = params.get("code_challenge")
    if challenge is not None and params.get("code_challenge_method") != "S256":
        raise RedirectError(redirect_uri, "invalid_request", "code_challenge_method must be S256", state)
    ours = secrets.token_urlsafe(32)
    _table(pool, _FLOWS_ATTR)[ours] = Flow(
        client.id, redirect_uri, state, scopes, name, challenge, params.get("nonce"), time.time() + FLOW_SECONDS
    )
    return ours, dict(provider.extended_config.get("ProviderDetails") or {})


def take_flow(state: str) -> tuple[Flow, dict[str, str]]:
    """The flow an IdP answer belongs to (each is answered once), and its provider's details."""
    for _, pool in every_pool():
        flow = _table(pool, _FLOWS_ATTR).pop(state, None)
        if flow is None:
            continue
        provider = pool.identity_providers.get(flow.provider)
        if flow.expires < time.time() or provider is None:
            break
        return flow, dict(provider.extended_config.get("ProviderDetails") or {})
    raise PageError("400 Bad Request", "invalid_request", "Something went wrong: no sign-in is waiting for this answer")


def idp_error(flow: Flow, error: str, description: str) -> RedirectError:
    """An IdP's error, relayed to the app with the provider's name added, as Cognito does."""
    return RedirectError(flow.redirect_uri, error, f"{flow.provider} Error - {description}".strip(), flow.app_state)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def mapped_attributes(mapping: dict[str, str], claims: dict[str, Any]) -> dict[str, str]:
    """The user pool attributes the provider's AttributeMapping (pool attribute -> IdP claim) gives."""
    return {
        attribute: _text(claims[claim])
        for attribute, claim in mapping.items()
        if attribute != "username" and claims.get(claim) is not None
    }


def _identities(name: str, subject: str) -> str:
    entry = {
        "userId": subject,
        "providerName": name,
        "providerType": "OIDC",
        "issuer": None,
        "primary": True,
        "dateCreated": int(time.time() * 1000),
    }
    return json.dumps([entry], separators=(",", ":"))


def _as_list(attributes: dict[str, str]) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in attributes.items()]


def _sign_up(pool: Pool, client: AppClient, username: str, attributes: dict[str, str], identities: str) -> User:
    user = new_user(pool.id, username, secrets.token_urlsafe(48), EXTERNAL_PROVIDER, _as_list(attributes))
    _, verify_email, verify_phone = pre_sign_up(
        pool, user, "PreSignUp_ExternalProvider", client.id, _as_list(attributes), None, None
    )
    verified = {}
    if verify_email and attributes.get("email"):
        verified["email_verified"] = "true"
    if verify_phone and attributes.get("phone_number"):
        verified["phone_number_verified"] = "true"
    user.update_attributes(_as_list({**verified, "identities": identities}))
    with tentatively(pool, user, insert=True):
        post_confirmation(pool, user, "PostConfirmation_ConfirmSignUp", client.id, None, status=EXTERNAL_PROVIDER)
    return user


def _sign_in(pool: Pool, client: AppClient, user: User, attributes: dict[str, str]) -> None:
    if not user.enabled:
        raise _Refused("User is disabled.")
    with tentatively(pool, user):
        changed = {k: v for k, v in attributes.items() if user.attribute_lookup.get(k) != v}
        if changed:
            user.update_attributes(_as_list(changed))
        pre_authentication(pool, client, user, user.username, None)
        post_authentication(pool, client, user)


class _Refused(Exception):
    pass


def complete(flow: Flow, claims: dict[str, Any]) -> str:
    """The user signed in at the IdP (``claims`` verified): create or update the user with the
    triggers, issue the tokens, and return the app's callback URL with a new code."""
    try:
        _, pool, client = pool_for_client(flow.client_id)
    except JsonRESTError:
        raise PageError("400 Bad Request", "invalid_request", "The app client no longer exists") from None
    provider = pool.identity_providers.get(flow.provider)
    if provider is None:
        raise PageError("400 Bad Request", "invalid_request", f"Identity provider {flow.provider} no longer exists")
    mapping = dict(provider.extended_config.get("AttributeMapping") or {"username": "sub"})
    subject = claims.get(mapping.get("username", "sub"))
    if subject is None:
        raise idp_error(flow, "invalid_request", "the ID token has no claim for the username")
    username = f"{provider.name}_{_text(subject)}"
    attributes = mapped_attributes(mapping, claims)
    try:
        user = pool.users.get(username)
        if user is None:
            user = _sign_up(pool, client, username, attributes, _identities(provider.name, _text(subject)))
        else:
            _sign_in(pool, client, user, attributes)
        overrides = pre_token_generation(pool, client, user, "TokenGeneration_HostedAuth", scopes=flow.scopes)
    except _Refused as refused:
        raise RedirectError(flow.redirect_uri, "invalid_request", str(refused), flow.app_state) from None
    except JsonRESTError as error:
        message = str(getattr(error, "message", "") or error)
        raise RedirectError(flow.redirect_uri, "invalid_request", message, flow.app_state) from None
    tokens = issue_tokens(pool, client, user.username, overrides, user, scopes=flow.scopes, nonce=flow.nonce)
    code = secrets.token_urlsafe(32)
    _table(pool, _CODES_ATTR)[code] = Grant(
        client.id, flow.redirect_uri, tokens, flow.code_challenge, time.time() + CODE_SECONDS, "openid" in flow.scopes
    )
    return with_query(flow.redirect_uri, code=code, state=flow.app_state)


def _client_credentials(form: dict[str, str], authorization: str | None) -> tuple[str, str | None]:
    """(client_id, client_secret) from HTTP Basic auth or the form."""
    if authorization and authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
        except ValueError:
            raise TokenError("invalid_client") from None
        client_id, _, secret = decoded.partition(":")
        return urllib.parse.unquote(client_id), urllib.parse.unquote(secret)
    return form.get("client_id", ""), form.get("client_secret")


def _pkce_matches(challenge: str, verifier: str | None) -> bool:
    if not verifier:
        return False
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, challenge)


def redeem(form: dict[str, str], authorization: str | None) -> dict[str, Any]:
    """POST /oauth2/token with ``grant_type=authorization_code``
    (https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html): the client
    authenticated when it has a secret, the code single-use, unexpired and issued to this client and
    redirect_uri, the PKCE verifier matching the challenge; returns the token response."""
    if form.get("grant_type") != "authorization_code":
        raise TokenError("unsupported_grant_type")
    client_id, secret = _client_credentials(form, authorization)
    try:
        _, pool, client = pool_for_client(client_id)
    except JsonRESTError:
        raise TokenError("invalid_client") from None
    if client.generate_secret and not (secret and hmac.compare_digest(secret, client.secret)):
        raise TokenError("invalid_client")
    grant: Grant | None = _table(pool, _CODES_ATTR).pop(form.get("code", ""), None)
    if grant is None or grant.expires < time.time() or grant.client_id != client.id:
        raise TokenError("invalid_grant")
    if form.get("redirect_uri") != grant.redirect_uri:
        raise TokenError("unauthorized_client")  # what Cognito answers a redirect_uri that differs
    if grant.code_challenge is not None and not _pkce_matches(grant.code_challenge, form.get("code_verifier")):
        raise TokenError("invalid_grant")
    tokens = grant.tokens
    answer: dict[str, Any] = {
        "access_token": tokens["AccessToken"],
        "refresh_token": tokens["RefreshToken"],
        "expires_in": tokens["ExpiresIn"],
        "token_type": "Bearer",
    }
    if grant.id_token:  # only with the openid scope (authorization-endpoint.html)
        answer["id_token"] = tokens["IdToken"]
    return answer
