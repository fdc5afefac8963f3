"""Lambda's limits, locally: the 6 MB response and (for a function in a process of its own) MemorySize."""

from __future__ import annotations

import json

import pytest
from localaws import Env, error_of

from engine.local.awslambda.runtimes import OUT_OF_PROCESS_VARIABLE

BIG_ANSWER = """
def handler(event, context):
    event["response"]["padding"] = "x" * (7 * 1024 * 1024)
    return event
"""

HUNGRY = """
def handler(event, context):
    hoard = []
    for _ in range(60):
        hoard.append(bytearray(10 * 1024 * 1024))  # touched: resident, not just reserved
    return len(hoard)
"""


@pytest.mark.parametrize("where", ["in-process", "own process"])
def test_a_response_over_6_mb_fails_as_on_aws(aws: Env, where: str) -> None:
    variables = {OUT_OF_PROCESS_VARIABLE: "1"} if where == "own process" else {}
    arn = aws.function(f"big-{where.replace(' ', '-')}", BIG_ANSWER, env=variables)
    answer = aws.lam.invoke(FunctionName=arn, Payload=b'{"response": {}}')
    assert answer["FunctionError"] == "Unhandled"
    body = json.loads(answer["Payload"].read())
    assert body["errorType"] == "Function.ResponseSizeTooLarge"
    assert body["errorMessage"] == "Response payload size exceeded maximum allowed payload size (6291456 bytes)."
    _, client_id = aws.pool({"PreSignUp": arn})
    code, message = error_of(lambda: aws.sign_up(client_id, "ann"))
    assert code == "UserLambdaValidationException"
    assert message.startswith("PreSignUp failed with error Response payload size exceeded")


def test_a_function_in_its_own_process_over_its_memory_size_is_killed(aws: Env) -> None:
    arn = aws.function("hungry", HUNGRY, env={OUT_OF_PROCESS_VARIABLE: "1"}, timeout=30)
    answer = aws.lam.invoke(FunctionName=arn, Payload=b"{}")
    assert answer["FunctionError"] == "Unhandled"
    body = json.loads(answer["Payload"].read())
    assert body["errorType"] == "Runtime.OutOfMemory"
    assert body["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    again = aws.lam.invoke(FunctionName=arn, Payload=b"{}")  # a new environment, killed the same way
    assert json.loads(again["Payload"].read())["errorType"] == "Runtime.OutOfMemory"
