"""Custom authentication triggers for a simple arithmetic challenge (DefineAuthChallenge,
CreateAuthChallenge, VerifyAuthChallengeResponse): the user is asked to add two numbers and gets
tokens for a right answer; three wrong answers fail the sign-in.

One module, three handlers: define_handler, create_handler, verify_handler.
"""

from __future__ import annotations

import secrets
from typing import Any

MAX_ATTEMPTS = 3


def define_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    session = event["request"]["session"]
    response = event["response"]
    if event["request"].get("userNotFound"):
        response.update(issueTokens=False, failAuthentication=True)
    elif session and session[-1]["challengeName"] == "CUSTOM_CHALLENGE" and session[-1]["challengeResult"]:
        response.update(issueTokens=True, failAuthentication=False)
    elif len(session) >= MAX_ATTEMPTS:
        response.update(issueTokens=False, failAuthentication=True)
    else:
        response.update(challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)
    print(f"Define: {len(session)} answer(s) so far for user '{event['userName']}'")
    return event


def create_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    a, b = secrets.randbelow(90) + 10, secrets.randbelow(90) + 10
    event["response"].update(
        publicChallengeParameters={"question": f"What is {a} + {b}?", "a": str(a), "b": str(b)},
        privateChallengeParameters={"answer": str(a + b)},
        challengeMetadata="ARITHMETIC",
    )
    print(f"Create: asked user '{event['userName']}' to add {a} and {b}")
    return event


def verify_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    expected = event["request"]["privateChallengeParameters"]["answer"]
    correct = event["request"]["challengeAnswer"].strip() == expected
    event["response"]["answerCorrect"] = correct
    print(f"Verify: answer for user '{event['userName']}' is {'right' if correct else 'wrong'}")
    return event
