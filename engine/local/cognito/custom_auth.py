"""Custom authentication: the CUSTOM_AUTH flow of (Admin)InitiateAuth and the CUSTOM_CHALLENGE answers
of (Admin)RespondToAuthChallenge, driven by the DefineAuthChallenge, CreateAuthChallenge and
VerifyAuthChallengeResponse triggers.

Each round: DefineAuthChallenge sees the ``session`` so far and either issues tokens, fails the
sign-in, or names the next challenge; CreateAuthChallenge makes a CUSTOM_CHALLENGE (its public
parameters go to the caller, its private ones to VerifyAuthChallengeResponse with the answer).
See https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-challenge.html
A client that prevents user existence errors runs the flow for an unknown user too
(``userNotFound: true``), and it always fails in the end.

SRP first: InitiateAuth with ``SRP_A`` (and ``CHALLENGE_NAME: SRP_A``) starts the session with
``{challengeName: SRP_A, challengeResult: true}``; when DefineAuthChallenge then names PASSWORD_VERIFIER
the caller gets that challenge (``srp_auth``), and its result, right or wrong, is the next session entry
DefineAuthChallenge sees. See "Use SRP password verification in custom authentication flow" in
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow.html
and user-pool-lambda-define-auth-challenge.html.
"""

from __future__ import annotations

from typing import Any

from engine.local.cognito import srp_auth
from engine.local.cognito.common import UserStatus, event_attributes, pool_for_client, unknown_user
from engine.local.cognito.exceptions import (
    InvalidLambdaResponseException,
    InvalidParameterException,
    NotAuthorizedError,
    UserNotConfirmedException,
)
from engine.local.cognito.models import AppClient, Backend, Pool, User
from engine.local.cognito.signin import (
    SignInSession,
    close_session,
    complete,
    find_session,
    new_state,
    open_session,
    pre_authentication,
    prevents_existence_errors,
)
from engine.local.cognito.triggers import has_trigger, invoke_trigger, make_event, with_metadata

CHALLENGE = "CUSTOM_CHALLENGE"
MAX_ROUNDS = 8  # Cognito's limit on challenges in one custom sign-in
_TRIGGERS = ("DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse")


def _request(
    pool: Pool, user: User | None, state: SignInSession, client_metadata: dict[str, str] | None, **fields: Any
) -> dict[str, Any]:
    request: dict[str, Any] = {"userAttributes": event_attributes(user, pool=pool) if user is not None else {}}
    request.update(fields)
    with_metadata(request, client_metadata)
    request["userNotFound"] = not state.user_found
    return request


def _flag(response: dict[str, Any], key: str) -> bool:
    value = response.get(key)
    if value is not None and not isinstance(value, bool):
        raise InvalidLambdaResponseException()
    return bool(value)


def _string_params(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidLambdaResponseException()
    return dict(value)


def _next_round(
    backend: Backend,
    pool: Pool,
    client: AppClient,
    user: User | None,
    state: SignInSession,
    client_metadata: dict[str, str] | None,
) -> dict[str, Any]:
    """DefineAuthChallenge decides; then tokens, a failure, or CreateAuthChallenge's challenge."""
    request = _request(pool, user, state, client_metadata, session=list(state.history))
    defaults = {"challengeName": None, "issueTokens": None, "failAuthentication": None}
    answer = invoke_trigger(
        pool,
        "DefineAuthChallenge",
        make_event(pool, "DefineAuthChallenge_Authentication", state.username, client.id, request, defaults),
    )
    if _flag(answer, "failAuthentication"):
        raise NotAuthorizedError("Incorrect username or password.")
    if _flag(answer, "issueTokens"):
        if user is None:
            raise NotAuthorizedError("Incorrect username or password.")
        return complete(pool, client, user, state.username, client_metadata=client_metadata)
    name = answer.get("challengeName")
    if name not in (CHALLENGE, srp_auth.CHALLENGE):
        raise InvalidLambdaResponseException()
    if len(state.history) >= MAX_ROUNDS:
        raise NotAuthorizedError("Incorrect username or password.")
    if name == srp_auth.CHALLENGE:
        if state.srp_a is None:
            raise InvalidParameterException("Missing required parameter SRP_A")
        return srp_auth.issue(backend, pool, client, state, user, state.srp_a, custom=True)
    create_request = _request(pool, user, state, client_metadata, challengeName=name, session=list(state.history))
    created = invoke_trigger(
        pool,
        "CreateAuthChallenge",
        make_event(
            pool,
            "CreateAuthChallenge_Authentication",
            state.username,
            client.id,
            create_request,
            {"publicChallengeParameters": None, "privateChallengeParameters": None, "challengeMetadata": None},
        ),
    )
    public = _string_params(created.get("publicChallengeParameters"))
    state.private = _string_params(created.get("privateChallengeParameters"))
    metadata = created.get("challengeMetadata")
    if metadata is not None and not isinstance(metadata, str):
        raise InvalidLambdaResponseException()
    state.metadata = metadata
    state.challenge = name
    session = open_session(backend, pool, state)
    return {"ChallengeName": name, "ChallengeParameters": {**public, "USERNAME": state.username}, "Session": session}


def _check_configured(pool: Pool, client: AppClient) -> None:
    allowed = client.extended_config.get("ExplicitAuthFlows")
    if allowed and not {"ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"} & set(allowed):
        raise InvalidParameterException("Custom auth flow not enabled for this client")
    if not all(has_trigger(pool, trigger) for trigger in _TRIGGERS[:2]):
        raise InvalidParameterException("Custom auth lambda trigger is not configured for the user pool.")


def initiate(
    backend: Backend, pool: Pool, client: AppClient, parameters: dict[str, str], client_metadata: dict[str, str] | None
) -> dict[str, Any]:
    """(Admin)InitiateAuth CUSTOM_AUTH: PreAuthentication, then the first DefineAuthChallenge round."""
    _check_configured(pool, client)
    with_srp = bool(parameters.get("SRP_A")) or parameters.get("CHALLENGE_NAME") == "SRP_A"
    srp_a = srp_auth.srp_a_of(parameters) if with_srp else None
    username = parameters.get("USERNAME") or ""
    user = pool._get_user(username)
    if user is None and not prevents_existence_errors(client):
        raise unknown_user(client)
    if user is not None:
        if not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        if user.status == UserStatus.UNCONFIRMED:
            raise UserNotConfirmedException("User is not confirmed.")
    pre_authentication(pool, client, user, username, client_metadata)
    state = new_state(user.username if user is not None else username, client, CHALLENGE, user is not None)
    if srp_a is not None:
        state.srp_a = srp_a
        state.device_key = parameters.get("DEVICE_KEY") or None
        state.history.append({"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None})
    # InitiateAuth's ClientMetadata does not reach the challenge triggers (see ``signin``).
    return _next_round(backend, pool, client, user, state, None)


def respond(
    client_id: str, session: str, responses: dict[str, str], client_metadata: dict[str, str] | None
) -> dict[str, Any]:
    """RespondToAuthChallenge CUSTOM_CHALLENGE: VerifyAuthChallengeResponse judges ``ANSWER``, then
    DefineAuthChallenge sees the result in the next round."""
    backend, _, client = pool_for_client(client_id)
    pool, state = find_session(backend, session)
    if state.challenge != CHALLENGE or state.client_id != client.id:
        raise NotAuthorizedError("Invalid session for the user.")
    if "ANSWER" not in responses:
        raise InvalidParameterException("Missing required parameter ANSWER")
    close_session(backend, pool, session)  # every round gets a new session
    user = pool._get_user(state.username) if state.user_found else None
    correct = False
    if has_trigger(pool, "VerifyAuthChallengeResponse"):
        request = _request(
            pool,
            user,
            state,
            client_metadata,
            privateChallengeParameters=dict(state.private),
            challengeAnswer=responses["ANSWER"],
        )
        verdict = invoke_trigger(
            pool,
            "VerifyAuthChallengeResponse",
            make_event(
                pool,
                "VerifyAuthChallengeResponse_Authentication",
                state.username,
                client.id,
                request,
                {"answerCorrect": None},
            ),
        )
        correct = _flag(verdict, "answerCorrect")
    state.history.append({"challengeName": CHALLENGE, "challengeResult": correct, "challengeMetadata": state.metadata})
    return _next_round(backend, pool, client, user, state, client_metadata)


def password_verified(
    backend: Backend,
    pool: Pool,
    client: AppClient,
    user: User | None,
    state: SignInSession,
    right: bool,
    client_metadata: dict[str, str] | None,
) -> dict[str, Any]:
    """The PASSWORD_VERIFIER answer of a custom flow (checked by ``srp_auth``): its result joins the
    session, and DefineAuthChallenge decides the next round."""
    state.history.append({"challengeName": srp_auth.CHALLENGE, "challengeResult": right, "challengeMetadata": None})
    return _next_round(backend, pool, client, user, state, client_metadata)
