"""USER_SRP_AUTH and SRP inside CUSTOM_AUTH against the local Cognito, driven by pycognito's SRP client
(which computes what the AWS SDKs compute) on the ``aws`` fixture's boto3 client, in-process and over HTTP.

See https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow.html
and, for an unknown user, cognito-user-pool-managing-errors.html (a simulated challenge, then
NotAuthorizedException at the password verifier).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from localaws import PASSWORD, Env, error_of
from pycognito.aws_srp import AWSSRP

SRP_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"]
WRONG = "Wr0ng-Passw0rd!"


# DefineAuthChallenge as the developer guide's example (SRP_A, PASSWORD_VERIFIER, one CUSTOM_CHALLENGE),
# with Create/VerifyAuthChallengeResponse asking 2+2; every event is printed for the test to read.
CUSTOM_SRP = """
import json

def handler(event, context):
    print("EVENT " + json.dumps(event))
    source, request, response = event["triggerSource"], event["request"], event["response"]
    if source == "DefineAuthChallenge_Authentication":
        s = request["session"]
        if len(s) == 1 and s[0]["challengeName"] == "SRP_A":
            response.update(challengeName="PASSWORD_VERIFIER", issueTokens=False, failAuthentication=False)
        elif len(s) == 2 and s[1]["challengeName"] == "PASSWORD_VERIFIER" and s[1]["challengeResult"]:
            response.update(challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)
        elif len(s) == 3 and s[2]["challengeName"] == "CUSTOM_CHALLENGE" and s[2]["challengeResult"]:
            response.update(issueTokens=True, failAuthentication=False)
        else:
            response.update(issueTokens=False, failAuthentication=True)
    elif source == "CreateAuthChallenge_Authentication":
        response.update(publicChallengeParameters={"question": "2+2"}, privateChallengeParameters={"answer": "4"})
    elif source == "VerifyAuthChallengeResponse_Authentication":
        response["answerCorrect"] = request["challengeAnswer"] == request["privateChallengeParameters"]["answer"]
    return event
"""


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def srp_pool(
    aws: Env, lambda_config: dict[str, Any] | None = None, *, secret: bool = False, **config: Any
) -> tuple[str, str, str | None]:
    """A pool and an app client allowing SRP: (pool id, client id, client secret)."""
    client_config = {k: config.pop(k) for k in ("PreventUserExistenceErrors", "ExplicitAuthFlows") if k in config}
    client_config.setdefault("ExplicitAuthFlows", SRP_FLOWS)
    pool_id, _ = aws.pool(lambda_config, **config)
    client = aws.idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="srp", GenerateSecret=secret, **client_config
    )["UserPoolClient"]
    return pool_id, client["ClientId"], client.get("ClientSecret")


def user(aws: Env, pool_id: str, name: str, password: str = PASSWORD, **attributes: str) -> None:
    attrs = [{"Name": k, "Value": v} for k, v in attributes.items()]
    aws.idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS", UserAttributes=attrs)
    aws.idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=password, Permanent=True)


def srp(aws: Env, pool_id: str, client_id: str, name: str, password: str = PASSWORD, **kw: Any) -> AWSSRP:
    return AWSSRP(name, password, pool_id, client_id, client=aws.idp, **kw)


def verifier_answer(aws: Env, client: AWSSRP, **kw: Any) -> Any:
    """InitiateAuth USER_SRP_AUTH, then RespondToAuthChallenge PASSWORD_VERIFIER (no Session, as pycognito)."""
    params = client.get_auth_params()
    challenge = aws.idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    return aws.idp.respond_to_auth_challenge(
        ClientId=client.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=client.process_challenge(challenge["ChallengeParameters"], params),
        **kw,
    )


def test_the_right_password_signs_in_and_the_triggers_fire(aws: Env) -> None:
    pre, post, tokens = aws.trigger("pre"), aws.trigger("post"), aws.trigger("tokens")
    pool_id, client_id, _ = srp_pool(
        aws, {"PreAuthentication": pre, "PostAuthentication": post, "PreTokenGeneration": tokens}
    )
    user(aws, pool_id, "sam", email="sam@example.com")
    client = srp(aws, pool_id, client_id, "sam")
    params = client.get_auth_params()
    challenge = aws.idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params, ClientMetadata={"at": "initiate"}
    )
    parameters = challenge["ChallengeParameters"]
    assert set(parameters) == {"SALT", "SRP_B", "SECRET_BLOCK", "USERNAME", "USER_ID_FOR_SRP"}
    assert (parameters["USERNAME"], parameters["USER_ID_FOR_SRP"]) == ("sam", "sam")
    assert "Session" not in challenge  # as Cognito answers USER_SRP_AUTH
    result = aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=client.process_challenge(parameters, params),
        ClientMetadata={"at": "respond"},
    )["AuthenticationResult"]
    assert claims(result["AccessToken"])["username"] == "sam"
    [pre_event], [post_event], [token_event] = aws.events("pre"), aws.events("post"), aws.events("tokens")
    assert pre_event["triggerSource"] == "PreAuthentication_Authentication"
    assert pre_event["request"]["validationData"] == {"at": "initiate"}
    assert post_event["triggerSource"] == "PostAuthentication_Authentication"
    assert post_event["request"]["clientMetadata"] == {"at": "respond"}
    assert token_event["triggerSource"] == "TokenGeneration_Authentication"
    assert token_event["request"]["clientMetadata"] == {"at": "respond"}
    # The salt stays with the password; pycognito's own authenticate_user round trip works too.
    again = aws.idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    assert again["ChallengeParameters"]["SALT"] == parameters["SALT"]
    assert again["ChallengeParameters"]["SRP_B"] != parameters["SRP_B"]
    assert "AccessToken" in srp(aws, pool_id, client_id, "sam").authenticate_user()["AuthenticationResult"]


def test_admin_initiate_auth_takes_srp_and_a_session_may_be_sent(aws: Env) -> None:
    pool_id, client_id, _ = srp_pool(aws)
    user(aws, pool_id, "ada")
    client = srp(aws, pool_id, client_id, "ada")
    params = client.get_auth_params()
    challenge = aws.idp.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    result = aws.idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id,
        ClientId=client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=client.process_challenge(challenge["ChallengeParameters"], params),
    )
    assert "AccessToken" in result["AuthenticationResult"]


def test_a_wrong_password_is_refused_and_counts_toward_the_lockout(aws: Env) -> None:
    pool_id, client_id, _ = srp_pool(aws)
    user(aws, pool_id, "wes")
    wrong = srp(aws, pool_id, client_id, "wes", WRONG)
    assert error_of(lambda: verifier_answer(aws, wrong)) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )
    assert error_of(lambda: wrong.authenticate_user()) == ("NotAuthorizedException", "Incorrect username or password.")
    # Password and SRP failures count together: 2 + 2 + 1 wrong, then even the right password is locked
    # out (the first lockout lasts a second: the right answer is ready before the fifth failure).
    for _ in range(2):
        assert error_of(lambda: aws.sign_in(client_id, "wes", WRONG))[1] == "Incorrect username or password."
    right = srp(aws, pool_id, client_id, "wes")
    params = right.get_auth_params()
    challenge = aws.idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    answer = right.process_challenge(challenge["ChallengeParameters"], params)
    assert error_of(lambda: verifier_answer(aws, wrong))[1] == "Incorrect username or password."
    assert error_of(
        lambda: aws.idp.respond_to_auth_challenge(
            ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
        )
    ) == ("NotAuthorizedException", "Password attempts exceeded")


def test_a_right_signature_for_another_exchange_is_refused(aws: Env) -> None:
    pool_id, client_id, _ = srp_pool(aws)
    user(aws, pool_id, "ian")
    client = srp(aws, pool_id, client_id, "ian")
    params = client.get_auth_params()
    first = aws.idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    second = aws.idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    answer = client.process_challenge(first["ChallengeParameters"], params)
    # first's signature with second's secret block proves nothing
    mixed = {**answer, "PASSWORD_CLAIM_SECRET_BLOCK": second["ChallengeParameters"]["SECRET_BLOCK"]}
    respond = aws.idp.respond_to_auth_challenge
    assert error_of(
        lambda: respond(ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=mixed)
    ) == ("NotAuthorizedException", "Incorrect username or password.")
    # an exchange is answered once
    ok = respond(ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer)
    assert "AccessToken" in ok["AuthenticationResult"]
    again = error_of(lambda: respond(ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer))
    assert again[0] == "NotAuthorizedException"


def test_bad_srp_input_gets_cognito_errors(aws: Env) -> None:
    pool_id, client_id, _ = srp_pool(aws)
    user(aws, pool_id, "bob")

    def initiate(params: dict[str, str]) -> Any:
        return aws.idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)

    assert error_of(lambda: initiate({"USERNAME": "bob"})) == (
        "InvalidParameterException",
        "Missing required parameter SRP_A",
    )
    assert error_of(lambda: initiate({"USERNAME": "bob", "SRP_A": "not hex"}))[0] == "InvalidParameterException"
    assert error_of(lambda: initiate({"USERNAME": "bob", "SRP_A": "0"}))[0] == "InvalidParameterException"
    client = srp(aws, pool_id, client_id, "bob")
    params = client.get_auth_params()
    challenge = initiate(params)
    answer = client.process_challenge(challenge["ChallengeParameters"], params)
    for missing in ("PASSWORD_CLAIM_SIGNATURE", "TIMESTAMP"):
        partial = {k: v for k, v in answer.items() if k != missing}
        assert error_of(
            lambda partial=partial: aws.idp.respond_to_auth_challenge(
                ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=partial
            )
        ) == ("InvalidParameterException", f"Missing required parameter {missing}")
    garbled = {**answer, "PASSWORD_CLAIM_SIGNATURE": "%%% not base64 %%%"}
    assert error_of(
        lambda: aws.idp.respond_to_auth_challenge(
            ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=garbled
        )
    ) == ("NotAuthorizedException", "Incorrect username or password.")
    plain = aws.idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="no-srp", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    assert error_of(lambda: aws.idp.initiate_auth(ClientId=plain, AuthFlow="USER_SRP_AUTH", AuthParameters=params)) == (
        "InvalidParameterException",
        "Auth flow not enabled for this client",
    )


def test_unknown_and_disabled_users(aws: Env) -> None:
    pre = aws.trigger("pre")
    migrate = aws.trigger("migrate", response={"userAttributes": {"email": "ghost@example.com"}})
    pool_id, legacy, _ = srp_pool(aws, {"PreAuthentication": pre, "UserMigration": migrate})
    ghost = srp(aws, pool_id, legacy, "ghost")
    # Migration needs the password, which SRP never sends: the user is unknown.
    assert error_of(lambda: ghost.authenticate_user()) == ("UserNotFoundException", "User does not exist.")
    assert aws.events("migrate") == []
    assert aws.events("pre") == []
    prevented = aws.idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="prevent", ExplicitAuthFlows=SRP_FLOWS, PreventUserExistenceErrors="ENABLED"
    )["UserPoolClient"]["ClientId"]
    ghost = srp(aws, pool_id, prevented, "ghost")
    params = ghost.get_auth_params()
    first = aws.idp.initiate_auth(ClientId=prevented, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    second = aws.idp.initiate_auth(ClientId=prevented, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    assert first["ChallengeName"] == "PASSWORD_VERIFIER"
    # the same salt and UUID-shaped internal id each time for the same user name
    for key in ("SALT", "USER_ID_FOR_SRP"):
        assert first["ChallengeParameters"][key] == second["ChallengeParameters"][key]
    assert len(first["ChallengeParameters"]["USER_ID_FOR_SRP"]) == 36
    answer = ghost.process_challenge(first["ChallengeParameters"], params)
    assert error_of(
        lambda: aws.idp.respond_to_auth_challenge(
            ClientId=prevented, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
        )
    ) == ("NotAuthorizedException", "Incorrect username or password.")
    assert all(event["request"]["userNotFound"] for event in aws.events("pre"))
    user(aws, pool_id, "dan", email="dan@example.com", email_verified="true")
    aws.idp.admin_disable_user(UserPoolId=pool_id, Username="dan")
    assert error_of(lambda: srp(aws, pool_id, legacy, "dan").authenticate_user()) == (
        "NotAuthorizedException",
        "User is disabled.",
    )
    aws.idp.admin_enable_user(UserPoolId=pool_id, Username="dan")
    aws.idp.admin_reset_user_password(UserPoolId=pool_id, Username="dan")
    assert error_of(lambda: srp(aws, pool_id, legacy, "dan").authenticate_user()) == (
        "PasswordResetRequiredException",
        "Password reset required for the user",
    )


def test_a_temporary_password_leads_to_new_password_required(aws: Env) -> None:
    pool_id, client_id, _ = srp_pool(aws)
    aws.idp.admin_create_user(
        UserPoolId=pool_id, Username="tom", TemporaryPassword="Temp-Passw0rd1", MessageAction="SUPPRESS"
    )
    challenge = verifier_answer(aws, srp(aws, pool_id, client_id, "tom", "Temp-Passw0rd1"))
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == "tom"
    done = aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "tom", "NEW_PASSWORD": PASSWORD},
    )
    assert "AccessToken" in done["AuthenticationResult"]
    # the new password signs in over SRP; the temporary one no longer does
    assert "AccessToken" in srp(aws, pool_id, client_id, "tom").authenticate_user()["AuthenticationResult"]
    old = srp(aws, pool_id, client_id, "tom", "Temp-Passw0rd1")
    assert error_of(lambda: old.authenticate_user())[1] == "Incorrect username or password."


def test_email_as_username_signs_in_with_the_internal_user_id(aws: Env) -> None:
    pool_id, client_id, _ = srp_pool(aws, UsernameAttributes=["email"])
    aws.idp.sign_up(
        ClientId=client_id,
        Username="eve@example.com",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "eve@example.com"}],
    )
    aws.idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="eve@example.com")
    internal = aws.idp.admin_get_user(UserPoolId=pool_id, Username="eve@example.com")["Username"]
    client = srp(aws, pool_id, client_id, "eve@example.com")
    params = client.get_auth_params()
    challenge = aws.idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == internal != "eve@example.com"
    assert challenge["ChallengeParameters"]["USERNAME"] == internal
    result = aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=client.process_challenge(challenge["ChallengeParameters"], params),
    )["AuthenticationResult"]
    assert claims(result["IdToken"])["email"] == "eve@example.com"
    wrong = srp(aws, pool_id, client_id, "eve@example.com", WRONG)
    assert error_of(lambda: wrong.authenticate_user())[1] == "Incorrect username or password."


def test_a_client_with_a_secret_needs_the_secret_hash(aws: Env) -> None:
    pool_id, client_id, secret = srp_pool(aws, secret=True)
    user(aws, pool_id, "kim")
    with_secret = srp(aws, pool_id, client_id, "kim", client_secret=secret)
    assert "AccessToken" in with_secret.authenticate_user()["AuthenticationResult"]
    assert error_of(lambda: srp(aws, pool_id, client_id, "kim").authenticate_user()) == (
        "NotAuthorizedException",
        f"Client {client_id} is configured for secret but secret was not received",
    )
    params = with_secret.get_auth_params()
    challenge = aws.idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    answer = with_secret.process_challenge(challenge["ChallengeParameters"], params)
    answer["SECRET_HASH"] = AWSSRP.get_secret_hash("kim", client_id, "not-the-secret")
    assert error_of(
        lambda: aws.idp.respond_to_auth_challenge(
            ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
        )
    ) == ("NotAuthorizedException", f"Unable to verify secret hash for client {client_id}")


def _custom_start(aws: Env, client_id: str, client: AWSSRP) -> tuple[dict[str, str], Any]:
    params = {**client.get_auth_params(), "CHALLENGE_NAME": "SRP_A"}
    challenge = aws.idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters=params)
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    assert {"SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP"} <= set(challenge["ChallengeParameters"])
    return params, challenge


def test_custom_auth_starting_with_srp(aws: Env) -> None:
    fn = aws.function("custom", CUSTOM_SRP)
    triggers = {name: fn for name in ("DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse")}
    pool_id, client_id, _ = srp_pool(aws, triggers)
    user(aws, pool_id, "cal")
    client = srp(aws, pool_id, client_id, "cal")
    params, challenge = _custom_start(aws, client_id, client)
    custom = aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=challenge["Session"],
        ChallengeResponses=client.process_challenge(challenge["ChallengeParameters"], params),
    )
    assert custom["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert custom["ChallengeParameters"]["question"] == "2+2"
    done = aws.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=custom["Session"],
        ChallengeResponses={"USERNAME": "cal", "ANSWER": "4"},
    )
    assert claims(done["AuthenticationResult"]["AccessToken"])["username"] == "cal"
    defines = [e for e in aws.events("custom") if e["triggerSource"] == "DefineAuthChallenge_Authentication"]
    assert [e["request"]["session"] for e in defines] == [
        [{"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}],
        [
            {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None},
            {"challengeName": "PASSWORD_VERIFIER", "challengeResult": True, "challengeMetadata": None},
        ],
        [
            {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None},
            {"challengeName": "PASSWORD_VERIFIER", "challengeResult": True, "challengeMetadata": None},
            {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": True, "challengeMetadata": None},
        ],
    ]


def test_a_wrong_password_in_custom_auth_reaches_define_auth_challenge(aws: Env) -> None:
    fn = aws.function("custom", CUSTOM_SRP)
    triggers = {name: fn for name in ("DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse")}
    pool_id, client_id, _ = srp_pool(aws, triggers)
    user(aws, pool_id, "cat")
    client = srp(aws, pool_id, client_id, "cat", WRONG)
    params, challenge = _custom_start(aws, client_id, client)
    answer = client.process_challenge(challenge["ChallengeParameters"], params)
    assert error_of(
        lambda: aws.idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="PASSWORD_VERIFIER",
            Session=challenge["Session"],
            ChallengeResponses=answer,
        )
    ) == ("NotAuthorizedException", "Incorrect username or password.")
    last = [e for e in aws.events("custom") if e["triggerSource"] == "DefineAuthChallenge_Authentication"][-1]
    assert last["request"]["session"][-1] == {
        "challengeName": "PASSWORD_VERIFIER",
        "challengeResult": False,
        "challengeMetadata": None,
    }
    # CHALLENGE_NAME SRP_A without the SRP_A value
    assert error_of(
        lambda: aws.idp.initiate_auth(
            ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "cat", "CHALLENGE_NAME": "SRP_A"}
        )
    ) == ("InvalidParameterException", "Missing required parameter SRP_A")
