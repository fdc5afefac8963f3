"""The user pool authorization server endpoints a federated sign-in needs, served by ``scenario serve``
(``LocalServer``) next to the AWS API: ``GET /oauth2/authorize`` (with ``identity_provider``),
``GET /oauth2/idpresponse`` and ``POST /oauth2/token``. The in-process local AWS has no HTTP
endpoint, so it has none of them.

One server serves every user pool that has a domain (CreateUserPoolDomain): the app client in the
request names the pool, and the IdP is told to answer at ``<this server>/oauth2/idpresponse``
(register that as the redirect URI at the IdP). There are no managed login pages: an authorize
request must name its OIDC ``identity_provider``; SAML and social providers, ``response_type=token``
and the other grants of the token endpoint answer "not implemented".

The backend lock is taken per step, never across a call to the IdP (``oidc``), so a slow IdP holds
up nobody else. How the server's security gate treats these paths is in ``server``'s docstring.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from engine.local.cognito import federation, oidc
from engine.local.cognito.triggers import CALLER_AGENT
from engine.local.locking import holding

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

AUTHORIZE_PATH = "/oauth2/authorize"
IDP_RESPONSE_PATH = "/oauth2/idpresponse"
TOKEN_PATH = "/oauth2/token"
PATHS = frozenset({AUTHORIZE_PATH, IDP_RESPONSE_PATH, TOKEN_PATH})
NAVIGATION_PATHS = frozenset({AUTHORIZE_PATH, IDP_RESPONSE_PATH})


def is_navigation(environ: WSGIEnvironment) -> bool:
    """A GET to a page a browser is sent to (from the app, or back from the IdP), as a top-level
    navigation: the only kind of cross-site request the server accepts. A browser that sends no
    ``Sec-Fetch-*`` headers cannot be told apart and is accepted too, as everywhere on the server."""
    return (
        environ.get("PATH_INFO") in NAVIGATION_PATHS
        and environ.get("REQUEST_METHOD") == "GET"
        and environ.get("HTTP_SEC_FETCH_MODE") in (None, "navigate")
        and environ.get("HTTP_SEC_FETCH_DEST") in (None, "document")
        and environ.get("HTTP_ORIGIN") is None
    )


def _query(environ: WSGIEnvironment) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}


def _redirect(start_response: StartResponse, location: str) -> Iterable[bytes]:
    start_response("302 Found", [("Location", location), ("Cache-Control", "no-store"), ("Content-Length", "0")])
    return [b""]


def _page(start_response: StartResponse, status: str, error: str, description: str) -> Iterable[bytes]:
    body = (
        "<!doctype html><html><head><title>An error was encountered with the requested page.</title></head>"
        f"<body><h1>An error was encountered with the requested page.</h1><p>{html.escape(error)}</p>"
        f"<p>{html.escape(description)}</p></body></html>\n"
    ).encode()
    start_response(
        status,
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


def _json(start_response: StartResponse, status: str, value: dict[str, object]) -> Iterable[bytes]:
    body = json.dumps(value).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json;charset=UTF-8"),
            ("Cache-Control", "no-store"),
            ("Pragma", "no-cache"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


def _authorize(params: dict[str, str], idp_redirect_uri: str) -> str:
    with holding():
        state, details = federation.start(params)
    authorize_url = oidc.endpoints(details)["authorize_url"]
    return oidc.authorize_location(authorize_url, details, idp_redirect_uri, state)


def _idp_response(params: dict[str, str], idp_redirect_uri: str) -> str:
    with holding():
        flow, details = federation.take_flow(params.get("state", ""))
    if "error" in params:
        raise federation.idp_error(flow, params["error"], params.get("error_description", ""))
    try:
        claims = oidc.sign_in_claims(details, params.get("code", ""), idp_redirect_uri)
    except oidc.IdpRejected as rejected:
        raise federation.idp_error(flow, rejected.error, rejected.description) from None
    except oidc.InvalidIdToken as invalid:
        raise federation.idp_error(flow, "invalid_request", f"Invalid id_token: {invalid}") from None
    with holding():
        return federation.complete(flow, claims)


def _token(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    if environ.get("REQUEST_METHOD") != "POST":
        start_response("405 Method Not Allowed", [("Allow", "POST"), ("Content-Length", "0")])
        return [b""]
    content_type = str(environ.get("CONTENT_TYPE", "")).split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return _json(start_response, "400 Bad Request", {"error": "invalid_request"})
    raw = environ["wsgi.input"].read().decode("utf-8", "replace")
    form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
    try:
        with holding():
            answer = federation.redeem(form, environ.get("HTTP_AUTHORIZATION"))
    except federation.TokenError as error:
        return _json(start_response, "400 Bad Request", {"error": error.error})
    return _json(start_response, "200 OK", answer)


def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Serve one of ``PATHS`` (the server has already passed the request through its gate)."""
    CALLER_AGENT.set("")  # triggers fired from managed login show no caller SDK
    path = environ.get("PATH_INFO")
    if path == TOKEN_PATH:
        return _token(environ, start_response)
    if environ.get("REQUEST_METHOD") != "GET":
        start_response("405 Method Not Allowed", [("Allow", "GET"), ("Content-Length", "0")])
        return [b""]
    idp_redirect_uri = f"http://{environ.get('HTTP_HOST', '')}{IDP_RESPONSE_PATH}"
    params = _query(environ)
    try:
        if path == AUTHORIZE_PATH:
            return _redirect(start_response, _authorize(params, idp_redirect_uri))
        return _redirect(start_response, _idp_response(params, idp_redirect_uri))
    except federation.RedirectError as error:
        return _redirect(start_response, error.location)
    except federation.PageError as error:
        return _page(start_response, error.status, error.error, error.description)
    except oidc.IdpUnreachable as error:
        return _page(start_response, "502 Bad Gateway", "the identity provider could not be reached", str(error))
    except oidc.IdpRejected as error:  # discovery answered an OAuth error
        return _page(start_response, "502 Bad Gateway", error.error, error.description)
