"""A slow or stuck trigger delays only the request that fired it; other clients are served meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from localaws import PASSWORD, Env, error_of, session

from engine.local.awslambda.runtimes import OUT_OF_PROCESS_VARIABLE

# Records its start in DynamoDB (a call back into the backend while its caller waits), then either
# sleeps SECONDS or waits until a "go" item appears, then records its end.
RECORDING = """
import os, time, boto3

table = boto3.client("dynamodb")

def put(kind, who):
    table.put_item(TableName="marks", Item={"id": {"S": kind + ":" + who}, "at": {"N": repr(time.time())}})

def handler(event, context):
    who = event["userName"]
    put("start", who)
    if os.environ.get("WAIT_FOR_GO"):
        while "Item" not in table.get_item(TableName="marks", Key={"id": {"S": "go"}}):
            time.sleep(0.02)
    else:
        time.sleep(float(os.environ["SECONDS"]))
    put("end", who)
    event["response"]["autoConfirmUser"] = True
    return event
"""

STUCK = """
import time, boto3

def handler(event, context):
    boto3.client("dynamodb").put_item(TableName="marks", Item={"id": {"S": "start:" + event["userName"]}})
    time.sleep(7)  # one C call: no Python bytecode runs, so no exception can be delivered into it
    return event
"""


def _marks(env: Env) -> dict[str, float]:
    items = env.client("dynamodb").scan(TableName="marks")["Items"]
    return {item["id"]["S"]: float(item["at"]["N"]) if "at" in item else 0.0 for item in items}


def _setup(env: Env, code: str, variables: dict[str, str], timeout: int = 10) -> str:
    env.client("dynamodb").create_table(
        TableName="marks",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    arn = env.function("recording", code, env=variables, timeout=timeout)
    return env.pool({"PreSignUp": arn})[1]


def _in_threads(count: int, work: Callable[[int], Any]) -> tuple[list[threading.Thread], dict[int, Any]]:
    results: dict[int, Any] = {}

    def run(index: int) -> None:
        try:
            results[index] = work(index)
        except Exception as error:  # reported by the assertions on results
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads, results


def _client(url: str) -> Any:
    return session().client("cognito-idp", endpoint_url=url, config=Config(retries={"max_attempts": 1}))


def _sign_up(url: str, client_id: str, username: str) -> Any:
    client = _client(url)
    try:
        return client.sign_up(
            ClientId=client_id,
            Username=username,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        )
    finally:
        client.close()


def _wait_until(check: Callable[[], bool], what: str) -> None:
    event = threading.Event()
    for _ in range(1500):  # bounded: at most 30 s
        if check():
            return
        event.wait(0.02)
    raise AssertionError(f"never happened: {what}")


@pytest.mark.parametrize("where", ["in-process", "own process"])
def test_concurrent_sign_ups_run_their_slow_triggers_at_the_same_time(served: Env, where: str) -> None:
    count = 4
    variables = {"SECONDS": "2", **({OUT_OF_PROCESS_VARIABLE: "1"} if where == "own process" else {})}
    client_id = _setup(served, RECORDING, variables)
    assert served.url is not None
    url = served.url
    threads, results = _in_threads(count, lambda i: _sign_up(url, client_id, f"user{i}"))
    for thread in threads:
        thread.join(60)
    assert all(result["UserConfirmed"] is True for result in results.values()), results
    marks = _marks(served)
    starts = [marks[f"start:user{i}"] for i in range(count)]
    ends = [marks[f"end:user{i}"] for i in range(count)]
    # Every handler had started before any had finished: the invocations overlapped.
    assert max(starts) < min(ends)


def test_a_control_request_is_answered_while_triggers_are_running(served: Env) -> None:
    count = 3
    client_id = _setup(served, RECORDING, {"WAIT_FOR_GO": "1"})
    assert served.url is not None
    url = served.url
    threads, results = _in_threads(count, lambda i: _sign_up(url, client_id, f"user{i}"))
    # The handlers wait for "go": until it is written, none of the sign-ups can have been answered.
    _wait_until(lambda: sum(k.startswith("start:") for k in _marks(served)) == count, "every handler started")
    control = _client(url)
    try:
        pools = control.list_user_pools(MaxResults=10)["UserPools"]
        other = control.create_user_pool(PoolName="other")["UserPool"]["Id"]
    finally:
        control.close()
    assert results == {} and len(pools) == 1 and other
    assert not any(k.startswith("end:") for k in _marks(served))
    served.client("dynamodb").put_item(TableName="marks", Item={"id": {"S": "go"}})
    for thread in threads:
        thread.join(60)
    assert sorted(results) == list(range(count))
    assert all(result["UserConfirmed"] is True for result in results.values()), results


def test_a_trigger_stuck_in_native_code_is_abandoned_at_cognitos_5_seconds(served: Env) -> None:
    client_id = _setup(served, STUCK, {}, timeout=30)
    assert served.url is not None
    url = served.url
    threads, results = _in_threads(1, lambda i: error_of(lambda: _sign_up(url, client_id, "stuck")))
    _wait_until(lambda: "start:stuck" in _marks(served), "the handler started")
    assert served.idp.list_user_pools(MaxResults=10)["UserPools"]  # answered while it is stuck
    assert results == {}
    threads[0].join(60)
    assert results[0] == (
        "UnexpectedLambdaException",
        "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.",
    )


def test_a_handler_calling_back_into_a_trigger_of_its_own_still_works(served: Env) -> None:
    # A PreSignUp handler whose AdminCreateUser fires the same trigger again (a nested invocation).
    code = """
import boto3

def handler(event, context):
    if event["userName"].startswith("outer"):
        boto3.client("cognito-idp").admin_create_user(
            UserPoolId=event["userPoolId"], Username="inner-" + event["userName"], MessageAction="SUPPRESS"
        )
    event["response"]["autoConfirmUser"] = True
    return event
"""
    arn = served.function("nested", code, timeout=10)
    pool_id, client_id = served.pool({"PreSignUp": arn})
    assert served.sign_up(client_id, "outer1")["UserConfirmed"] is True
    names = {u["Username"] for u in served.idp.list_users(UserPoolId=pool_id)["Users"]}
    assert names == {"outer1", "inner-outer1"}
