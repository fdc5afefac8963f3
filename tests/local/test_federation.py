"""Federated sign-in through an OIDC identity provider at the managed-login endpoints of the local
server: a fake IdP (werkzeug, in a thread) signs its ID tokens with a key made here; the browser is
plain urllib following each redirect by hand; the app side is boto3 and the token endpoint."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from localaws import Env, error_of
from test_trigger_conformance import COMMON, FEDERATED_SHAPES, SHAPES, shape_problems
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CALLBACK = "http://localhost:3000/callback"
PROVIDER = "Corp"
RP_CLIENT_ID = "cognito-rp"
RP_SECRET = "rp-secret"
TRIGGERS = ("PreSignUp", "PostConfirmation", "PreAuthentication", "PostAuthentication", "PreTokenGeneration")


@dataclass
class FakeIdp:
    """A tiny OIDC provider: /authorize sends the browser straight back with a code for ``user``."""

    user: dict[str, Any] = field(default_factory=lambda: {"sub": "u-1", "email": "ana@corp.example"})
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "idp-1"}))
    signing_key: RSAKey | None = None  # sign with another key than the published one (a forgery)
    url: str = ""
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path == "/authorize":
            code = secrets.token_urlsafe(8)
            self.codes[code] = dict(self.user)
            target = f"{request.args['redirect_uri']}?code={code}&state={urllib.parse.quote(request.args['state'])}"
            response = Response(status=302, headers={"Location": target})
        elif request.path == "/token":
            form = dict(request.form)
            self.token_requests.append(form)
            claims = self.codes.pop(form.get("code", ""), None)
            if claims is None or form.get("client_secret") != RP_SECRET:
                response = Response(json.dumps({"error": "invalid_grant"}), status=400, mimetype="application/json")
            else:
                now = int(time.time())
                payload = {"iss": self.url, "aud": RP_CLIENT_ID, "iat": now, "exp": now + 300, **claims}
                id_token = jwt.encode({"alg": "RS256", "kid": "idp-1"}, payload, self.signing_key or self.key)
                answer = {"id_token": id_token, "access_token": "idp-access", "token_type": "Bearer"}
                response = Response(json.dumps(answer), mimetype="application/json")
        elif request.path == "/jwks":
            response = Response(json.dumps(KeySet([self.key]).as_dict(private=False)), mimetype="application/json")
        else:
            response = Response(status=404)
        return response(environ, start_response)


@pytest.fixture
def fake_idp() -> Iterator[FakeIdp]:
    idp = FakeIdp()
    server = make_server("127.0.0.1", 0, idp, threaded=True)
    idp.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield idp
    server.shutdown()
    server.server_close()
    thread.join()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_BROWSER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of a GET, redirects not followed."""
    try:
        with _BROWSER.open(urllib.request.Request(url, headers=headers or {}), timeout=15) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def post(url: str, form: dict[str, str], headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"})
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with _BROWSER.open(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, json.loads(body) if error.headers.get_content_type() == "application/json" else {}


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).items()}


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


@dataclass
class Setup:
    env: Env
    idp: FakeIdp
    pool_id: str
    client_id: str
    client_secret: str | None

    def authorize_url(self, **overrides: str) -> str:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": CALLBACK,
            "identity_provider": PROVIDER,
            "scope": "openid email",
            "state": "app-state",
            **overrides,
        }
        return f"{self.env.url}/oauth2/authorize?{urllib.parse.urlencode(params)}"

    def browse(self, **overrides: str) -> dict[str, str]:
        """A browser signing in: to the server, to the IdP, back to the server; returns the query of
        where the server finally sends it (the app's callback URL)."""
        status, headers, _ = get(self.authorize_url(**overrides))
        assert status == 302, headers
        at_idp = headers["Location"]
        assert at_idp.startswith(f"{self.idp.url}/authorize?")
        status, headers, _ = get(at_idp, {"Sec-Fetch-Site": "cross-site"})
        assert status == 302
        back = headers["Location"]
        assert back.startswith(f"{self.env.url}/oauth2/idpresponse?")
        nav = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
        status, headers, body = get(back, nav)
        assert status == 302, body
        assert headers["Location"].startswith(CALLBACK + "?")
        return query_of(headers["Location"])

    def redeem(self, code: str, **extra: str) -> tuple[int, dict[str, Any]]:
        form = {"grant_type": "authorization_code", "client_id": self.client_id, "code": code, "redirect_uri": CALLBACK}
        headers = {}
        if self.client_secret:
            basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            headers["Authorization"] = f"Basic {basic}"
        return post(f"{self.env.url}/oauth2/token", {**form, **extra}, headers)


def _setup(served: Env, idp: FakeIdp, lambda_config: dict[str, str], *, secret: bool = False) -> Setup:
    pool_id, _ = served.pool(lambda_config)
    idp_api = served.idp
    idp_api.create_user_pool_domain(Domain=f"local-{pool_id.split('_')[1].lower()}", UserPoolId=pool_id)
    idp_api.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName=PROVIDER,
        ProviderType="OIDC",
        ProviderDetails={
            "client_id": RP_CLIENT_ID,
            "client_secret": RP_SECRET,
            "authorize_scopes": "openid email",
            "oidc_issuer": idp.url,
            "attributes_request_method": "GET",
            "authorize_url": f"{idp.url}/authorize",
            "token_url": f"{idp.url}/token",
            "jwks_uri": f"{idp.url}/jwks",
        },
        AttributeMapping={"username": "sub", "email": "email", "name": "name"},
    )
    client = idp_api.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        GenerateSecret=secret,
        CallbackURLs=[CALLBACK],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "aws.cognito.signin.user.admin"],
        AllowedOAuthFlowsUserPoolClient=True,
        SupportedIdentityProviders=[PROVIDER],
    )["UserPoolClient"]
    return Setup(served, idp, pool_id, client["ClientId"], client.get("ClientSecret"))


def test_first_and_later_federated_sign_in(served: Env, fake_idp: FakeIdp) -> None:
    recorder = served.trigger("recorder")
    setup = _setup(served, fake_idp, {name: recorder for name in TRIGGERS}, secret=True)
    fake_idp.user = {"sub": "u-1", "email": "ana@corp.example", "name": "Ana", "email_verified": True}

    back = setup.browse()
    assert back["state"] == "app-state"
    status, tokens = setup.redeem(back["code"])
    assert status == 200, tokens
    assert set(tokens) == {"id_token", "access_token", "refresh_token", "expires_in", "token_type"}
    assert tokens["token_type"] == "Bearer"
    # Cognito's side of the code exchange: client_secret_post, the redirect_uri it sent the browser with.
    sent = fake_idp.token_requests[-1]
    assert sent["client_id"] == RP_CLIENT_ID and sent["client_secret"] == RP_SECRET
    assert sent["redirect_uri"] == f"{served.url}/oauth2/idpresponse"

    events = served.events("recorder")
    assert [e["triggerSource"] for e in events] == [
        "PreSignUp_ExternalProvider",
        "PostConfirmation_ConfirmSignUp",
        "TokenGeneration_HostedAuth",
    ]
    problems = []
    for event in events:
        request, response = {**SHAPES, **FEDERATED_SHAPES}[event["triggerSource"]]
        problems += shape_problems(event, COMMON, event["triggerSource"])
        problems += shape_problems(event["request"], request, f"{event['triggerSource']}.request")
        problems += shape_problems(event["response"], response, f"{event['triggerSource']}.response")
    assert problems == []
    pre_sign_up = events[0]
    assert pre_sign_up["userName"] == f"{PROVIDER}_u-1"
    assert pre_sign_up["callerContext"]["clientId"] == setup.client_id
    assert pre_sign_up["request"]["userAttributes"] == {"email": "ana@corp.example", "name": "Ana"}
    assert events[1]["request"]["userAttributes"]["cognito:user_status"] == "EXTERNAL_PROVIDER"

    user = served.idp.admin_get_user(UserPoolId=setup.pool_id, Username=f"{PROVIDER}_u-1")
    assert user["UserStatus"] == "EXTERNAL_PROVIDER"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == "ana@corp.example" and attributes["name"] == "Ana"
    identities = json.loads(attributes["identities"])
    assert identities == [
        {
            "userId": "u-1",
            "providerName": PROVIDER,
            "providerType": "OIDC",
            "issuer": None,
            "primary": True,
            "dateCreated": identities[0]["dateCreated"],
        }
    ]

    id_claims = claims_of(tokens["id_token"])
    assert id_claims["cognito:username"] == f"{PROVIDER}_u-1"
    assert id_claims["aud"] == setup.client_id and id_claims["email"] == "ana@corp.example"
    assert id_claims["identities"][0]["providerName"] == PROVIDER
    assert id_claims["identities"][0]["primary"] == "true"
    access = claims_of(tokens["access_token"])
    assert access["username"] == f"{PROVIDER}_u-1" and access["scope"] == "openid email"
    status, _, keys = get(f"{served.url}/{setup.pool_id}/.well-known/jwks.json")
    assert status == 200
    for token in (tokens["id_token"], tokens["access_token"]):
        jwt.decode(token, KeySet.import_key_set(json.loads(keys)))  # signed by the user pool

    # A later sign-in updates the mapped attributes and runs no PreSignUp.
    fake_idp.user = {"sub": "u-1", "email": "ana@corp.example", "name": "Ana Maria"}
    back = setup.browse()
    assert setup.redeem(back["code"])[0] == 200
    later = [e["triggerSource"] for e in served.events("recorder")][3:]
    assert later == [
        "PreAuthentication_Authentication",
        "PostAuthentication_Authentication",
        "TokenGeneration_HostedAuth",
    ]
    user = served.idp.admin_get_user(UserPoolId=setup.pool_id, Username=f"{PROVIDER}_u-1")
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["name"] == "Ana Maria"


def test_a_failing_pre_sign_up_blocks_the_sign_in(served: Env, fake_idp: FakeIdp) -> None:
    deny = served.trigger("deny", mode="raise", message="outsiders not welcome")
    setup = _setup(served, fake_idp, {"PreSignUp": deny})
    back = setup.browse()
    assert back == {
        "error": "invalid_request",
        "error_description": "PreSignUp failed with error outsiders not welcome.",
        "state": "app-state",
    }
    assert served.idp.list_users(UserPoolId=setup.pool_id)["Users"] == []


def test_code_is_single_use_and_checks_pkce_and_client(served: Env, fake_idp: FakeIdp) -> None:
    setup = _setup(served, fake_idp, {}, secret=True)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = setup.browse(code_challenge=challenge, code_challenge_method="S256")["code"]
    assert setup.redeem(code, code_verifier="not-the-verifier") == (400, {"error": "invalid_grant"})
    assert setup.redeem(code, code_verifier=verifier) == (400, {"error": "invalid_grant"})  # spent by the try

    code = setup.browse(code_challenge=challenge, code_challenge_method="S256")["code"]
    secret, setup.client_secret = setup.client_secret, "wrong"
    assert setup.redeem(code, code_verifier=verifier) == (400, {"error": "invalid_client"})
    setup.client_secret = secret
    status, tokens = setup.redeem(code, code_verifier=verifier)
    assert status == 200 and "id_token" in tokens
    assert setup.redeem(code, code_verifier=verifier) == (400, {"error": "invalid_grant"})  # reused

    code = setup.browse()["code"]
    assert setup.redeem(code, redirect_uri="http://localhost:3000/other") == (400, {"error": "unauthorized_client"})
    # The ID token comes only with the openid scope, and carries the authorize request's nonce.
    status, tokens = setup.redeem(setup.browse(scope="email")["code"])
    assert status == 200 and "id_token" not in tokens and claims_of(tokens["access_token"])["scope"] == "email"
    status, tokens = setup.redeem(setup.browse(nonce="n-42")["code"])
    assert claims_of(tokens["id_token"])["nonce"] == "n-42"
    status, _ = setup.redeem("made-up")
    assert status == 400


def test_authorize_refuses_bad_requests(served: Env, fake_idp: FakeIdp) -> None:
    setup = _setup(served, fake_idp, {})
    status, _, body = get(setup.authorize_url(redirect_uri="https://evil.example/cb"))
    assert status == 400 and "redirect_mismatch" in body
    status, headers, _ = get(setup.authorize_url(identity_provider="Nobody"))
    assert status == 302
    assert query_of(headers["Location"])["error"] == "invalid_request"
    status, headers, _ = get(setup.authorize_url(scope="openid phone"))
    assert query_of(headers["Location"])["error"] == "invalid_scope"
    status, _, body = get(setup.authorize_url(client_id="nope"))
    assert status == 400
    status, _, body = get(f"{served.url}/oauth2/idpresponse?code=x&state=unknown")
    assert status == 400


def test_a_forged_id_token_is_refused(served: Env, fake_idp: FakeIdp) -> None:
    recorder = served.trigger("recorder")
    setup = _setup(served, fake_idp, {"PreSignUp": recorder})
    fake_idp.signing_key = RSAKey.generate_key(2048, parameters={"kid": "idp-1"})
    back = setup.browse()
    assert back["error"] == "invalid_request" and "id_token" in back["error_description"]
    assert "code" not in back
    assert served.events("recorder") == []
    assert served.idp.list_users(UserPoolId=setup.pool_id)["Users"] == []


@pytest.mark.parametrize(
    ("token_url", "shown"),
    [
        ("http://127.0.0.1:9/token", "could not be reached"),  # discard port: nothing listens
        ("https://cognito-idp.us-east-1.amazonaws.com/token", "refused a connection to the real AWS endpoint"),
        ("file:///etc/passwd", "is not an http or https URL"),
    ],
)
def test_an_unreachable_idp_shows_an_error_page(served: Env, fake_idp: FakeIdp, token_url: str, shown: str) -> None:
    setup = _setup(served, fake_idp, {})
    status, headers, _ = get(setup.authorize_url())
    state = query_of(headers["Location"])["state"]
    served.idp.update_identity_provider(
        UserPoolId=setup.pool_id,
        ProviderName=PROVIDER,
        ProviderDetails={
            "client_id": RP_CLIENT_ID,
            "client_secret": RP_SECRET,
            "authorize_scopes": "openid email",
            "oidc_issuer": fake_idp.url,
            "attributes_request_method": "GET",
            "authorize_url": f"{fake_idp.url}/authorize",
            "token_url": token_url,
            "jwks_uri": f"{fake_idp.url}/jwks",
        },
    )
    status, _, body = get(f"{served.url}/oauth2/idpresponse?code=x&state={state}")
    assert status == 502 and shown in body
    assert served.idp.list_users(UserPoolId=setup.pool_id)["Users"] == []


def test_the_security_gate_on_managed_login_paths(served: Env, fake_idp: FakeIdp) -> None:
    setup = _setup(served, fake_idp, {})
    url = setup.authorize_url()
    navigation = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    assert get(url, navigation)[0] == 302
    assert get(url, {**navigation, "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"})[0] == 403
    assert get(url, {"Origin": "https://evil.example"})[0] == 403
    status, _ = post(f"{served.url}/oauth2/token", {"grant_type": "x"}, {"Origin": "https://evil.example"})
    assert status == 403
    # The AWS API behind the same server still refuses a cross-site navigation.
    assert get(f"{served.url}/_scenario/outbox", navigation)[0] == 403


def test_a_federated_user_reads_itself_with_the_admin_scope_only(served: Env, fake_idp: FakeIdp) -> None:
    # GetUser needs aws.cognito.signin.user.admin in the access token; a federated user (EXTERNAL_PROVIDER)
    # holding it reads its attributes like any other user.
    setup = _setup(served, fake_idp, {})
    fake_idp.user = {"sub": "u-7", "email": "eve@corp.example", "name": "Eve"}
    _, narrow = setup.redeem(setup.browse()["code"])
    assert error_of(lambda: served.idp.get_user(AccessToken=narrow["access_token"])) == (
        "NotAuthorizedException",
        "Access Token does not have required scopes",
    )
    _, full = setup.redeem(setup.browse(scope="openid email aws.cognito.signin.user.admin")["code"])
    me = served.idp.get_user(AccessToken=full["access_token"])
    assert me["Username"] == f"{PROVIDER}_u-7"
    assert {a["Name"]: a["Value"] for a in me["UserAttributes"]}["email"] == "eve@corp.example"
