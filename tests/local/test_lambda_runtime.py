"""Lambda functions run in-process: Invoke, errors, logs, environment, timeout, code loading."""

from __future__ import annotations

import base64
import json
import os
import sys

import pytest
from localaws import Env, error_of, zipped

ECHO = """
import json, logging, os
logger = logging.getLogger()

def handler(event, context):
    print("printed", event.get("n"))
    logger.warning("logged %s", event.get("n"))
    logger.info("info is below the default WARNING level")
    return {"event": event, "function": context.function_name, "memory": context.memory_limit_in_mb,
            "arn": context.invoked_function_arn, "request": context.aws_request_id,
            "group": context.log_group_name, "stream": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
            "env": {k: os.environ.get(k) for k in ("GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION",
                                                   "AWS_LAMBDA_LOG_STREAM_NAME", "_HANDLER")}}
"""


def invoke(env: Env, name: str, payload: object, **kwargs: object) -> tuple[dict[str, object], object]:
    response = env.lam.invoke(FunctionName=name, Payload=json.dumps(payload), **kwargs)
    return response, json.loads(response["Payload"].read())


def log_messages(env: Env, name: str) -> dict[str, list[str]]:
    logs = env.client("logs")
    group = f"/aws/lambda/{name}"
    return {
        s["logStreamName"]: [
            e["message"]
            for e in logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"], startFromHead=True)[
                "events"
            ]
        ]
        for s in logs.describe_log_streams(logGroupName=group)["logStreams"]
    }


def test_invoke_returns_the_handler_result_with_context_and_environment(aws: Env) -> None:
    arn = aws.function("echo", ECHO, env={"GREETING": "hello"}, timeout=7)
    response, body = invoke(aws, "echo", {"n": 1})
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert body["event"] == {"n": 1}
    assert body["function"] == "echo" and body["arn"] == arn and body["memory"] == "128"
    assert body["group"] == "/aws/lambda/echo"
    assert 0 < body["remaining"] <= 7000
    assert body["env"] == {
        "GREETING": "hello",
        "AWS_LAMBDA_FUNCTION_NAME": "echo",
        "AWS_REGION": "us-east-1",
        "AWS_LAMBDA_LOG_STREAM_NAME": body["stream"],
        "_HANDLER": "index.handler",
    }
    assert "GREETING" not in os.environ and "AWS_LAMBDA_FUNCTION_NAME" not in os.environ


def test_logs_go_to_the_function_log_group_with_start_end_report(aws: Env) -> None:
    aws.function("echo", ECHO)
    _, first = invoke(aws, "echo", {"n": 1})
    _, second = invoke(aws, "echo", {"n": 2})
    streams = log_messages(aws, "echo")
    assert list(streams) == [first["stream"]]  # warm start: same stream
    assert first["stream"].startswith("20") and "/[$LATEST]" in first["stream"]
    assert len(first["stream"].rsplit("]", 1)[1]) == 32
    lines = streams[first["stream"]]
    request = first["request"]
    assert lines[0] == f"START RequestId: {request} Version: $LATEST\n"
    assert lines[1] == "printed 1\n"
    assert lines[2].startswith("[WARNING]\t") and lines[2].endswith(f"Z\t{request}\tlogged 1\n")
    assert lines[3] == f"END RequestId: {request}\n"
    assert lines[4].startswith(f"REPORT RequestId: {request}\tDuration: ")
    for part in ("\tBilled Duration: ", " ms\tMemory Size: 128 MB\tMax Memory Used: ", "\tInit Duration: "):
        assert part in lines[4]
    assert not any("info is below" in line for line in lines)
    assert lines[5] == f"START RequestId: {second['request']} Version: $LATEST\n"
    assert "Init Duration" not in lines[-1]


def test_new_code_is_a_cold_start_in_a_new_stream(aws: Env) -> None:
    aws.function("echo", ECHO)
    _, first = invoke(aws, "echo", {})
    aws.lam.update_function_code(FunctionName="echo", ZipFile=zipped({"index.py": ECHO + "\n# v2\n"}))
    _, second = invoke(aws, "echo", {})
    assert first["stream"] != second["stream"]
    assert set(log_messages(aws, "echo")) == {first["stream"], second["stream"]}


def test_a_function_made_again_with_the_same_code_is_a_cold_start(aws: Env) -> None:
    aws.function("echo", ECHO)
    _, first = invoke(aws, "echo", {})
    aws.lam.delete_function(FunctionName="echo")
    aws.function("echo", ECHO)  # same name, code and configuration: a new function all the same
    _, second = invoke(aws, "echo", {})
    assert first["stream"] != second["stream"]
    report = log_messages(aws, "echo")[second["stream"]][-1]
    assert report.startswith("REPORT RequestId: ") and "\tInit Duration: " in report


def test_a_changed_configuration_is_a_cold_start(aws: Env) -> None:
    aws.function("echo", ECHO, env={"GREETING": "hello"})
    _, first = invoke(aws, "echo", {})
    aws.lam.update_function_configuration(FunctionName="echo", Environment={"Variables": {"GREETING": "hi"}})
    _, second = invoke(aws, "echo", {})
    assert first["stream"] != second["stream"] and second["env"]["GREETING"] == "hi"


def test_unhandled_error_payload_and_log(aws: Env) -> None:
    aws.function("boom", "def handler(event, context):\n    raise ValueError('no good')\n")
    response, body = invoke(aws, "boom", {}, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert body["errorMessage"] == "no good" and body["errorType"] == "ValueError"
    assert body["stackTrace"] and '"/var/task/index.py", line 2, in handler' in body["stackTrace"][0]
    tail = base64.b64decode(response["LogResult"]).decode()
    assert "[ERROR] ValueError: no good\nTraceback (most recent call last):" in tail
    assert "REPORT RequestId" in tail


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message"),
    [
        (
            {"index.py": "x = 1\n"},
            "index.handler",
            "Runtime.HandlerNotFound",
            "Handler 'handler' missing on module 'index'",
        ),
        (
            {"index.py": "import not_there\n"},
            "index.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'index': No module named 'not_there'",
        ),
        (
            {"index.py": "def handler(:\n"},
            "index.handler",
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'index'",
        ),
        (
            {"index.py": "def handler(e, c):\n    return object()\n"},
            "index.handler",
            "Runtime.MarshalError",
            "Unable to marshal response: Object of type object is not JSON serializable",
        ),
    ],
)
def test_code_problems_are_reported_like_lambda(
    local: Env, files: dict[str, str], handler: str, error_type: str, message: str
) -> None:
    local.function("broken", files, handler=handler)
    response, body = invoke(local, "broken", {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == error_type and body["errorMessage"].startswith(message)


def test_timeout(local: Env) -> None:
    local.function("slow", "import time\ndef handler(e, c):\n    while True:\n        time.sleep(0.01)\n", timeout=1)
    response, body = invoke(local, "slow", {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    lines = next(iter(log_messages(local, "slow").values()))
    assert any(line.endswith("Task timed out after 1.00 seconds\n") for line in lines)
    # The timed-out environment is replaced: the next call is a cold start in a new stream.
    invoke(local, "slow", {})
    assert len(log_messages(local, "slow")) == 2


def test_environment_variables_never_leak_between_functions(local: Env) -> None:
    show = "import os\ndef handler(e, c):\n    return {k: os.environ.get(k) for k in ('ONLY_A', 'ONLY_B')}\n"
    local.function("a", show, env={"ONLY_A": "a"})
    local.function("b", show, env={"ONLY_B": "b"})
    assert invoke(local, "a", {})[1] == {"ONLY_A": "a", "ONLY_B": None}
    assert invoke(local, "b", {})[1] == {"ONLY_A": None, "ONLY_B": "b"}
    assert "ONLY_A" not in os.environ and "ONLY_B" not in os.environ


def test_same_module_names_in_two_functions_do_not_clash(local: Env) -> None:
    for name in ("one", "two"):
        local.function(
            name,
            {
                "index.py": "import helpers\ndef handler(e, c):\n    return helpers.NAME\n",
                "helpers.py": f"NAME = {name!r}\n",
            },
        )
    assert invoke(local, "one", {})[1] == "one"
    assert invoke(local, "two", {})[1] == "two"
    assert invoke(local, "one", {})[1] == "one"


def test_handler_in_a_package_path(local: Env) -> None:
    local.function(
        "pkg",
        {
            "src/__init__.py": "",
            "src/app.py": "from . import util\ndef main(e, c):\n    return util.VALUE\n",
            "src/util.py": "VALUE = 42\n",
        },
        handler="src/app.main",
    )
    assert invoke(local, "pkg", {})[1] == 42


def test_handler_boto3_calls_reach_the_same_backend(aws: Env) -> None:
    aws.client("dynamodb").create_table(
        TableName="seen",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    aws.function(
        "writer",
        "import boto3\ndef handler(e, c):\n"
        "    boto3.client('dynamodb').put_item(TableName='seen', Item={'k': {'S': e['k']}})\n"
        "    return boto3.client('dynamodb').scan(TableName='seen')['Count']\n",
    )
    assert invoke(aws, "writer", {"k": "x"})[1] == 1
    assert aws.client("dynamodb").get_item(TableName="seen", Key={"k": {"S": "x"}})["Item"] == {"k": {"S": "x"}}


def test_code_from_s3(local: Env) -> None:
    s3 = local.client("s3")
    s3.create_bucket(Bucket="code")
    s3.put_object(Bucket="code", Key="fn.zip", Body=zipped({"app.py": "def go(e, c):\n    return 's3'\n"}))
    local.lam.create_function(
        FunctionName="from-s3",
        Runtime="python3.11",
        Role=local.role(),
        Handler="app.go",
        Code={"S3Bucket": "code", "S3Key": "fn.zip"},
    )
    assert invoke(local, "from-s3", {})[1] == "s3"


def test_a_runtime_with_no_local_runner_is_a_clear_error(local: Env) -> None:
    local.function("java", {"Handler.java": "class Handler {}"}, handler="Handler::handle", runtime="java21")
    code, message = error_of(lambda: local.lam.invoke(FunctionName="java", Payload=b"{}"))
    assert code == "InvalidRuntimeException"
    assert message == (
        "function java uses runtime java21; the local Lambda runtime runs provided.al2, provided.al2023, "
        "nodejs18.x, nodejs20.x, nodejs22.x, python3.*"
    )


def test_dry_run_does_not_run_the_function(local: Env) -> None:
    local.function("echo", ECHO)
    response = local.lam.invoke(FunctionName="echo", InvocationType="DryRun")
    assert response["StatusCode"] == 204
    assert "/aws/lambda/echo" not in [
        g["logGroupName"] for g in local.client("logs").describe_log_groups()["logGroups"]
    ]


def test_a_published_version_runs_as_that_version(local: Env) -> None:
    local.function("echo", ECHO)
    version = local.lam.publish_version(FunctionName="echo")["Version"]
    # moto's Invoke ignores the Qualifier parameter; a qualified function name selects the version.
    response, body = invoke(local, f"echo:{version}", {})
    assert response["ExecutedVersion"] == version
    assert f"/[{version}]" in body["stream"]
    assert log_messages(local, "echo")[body["stream"]][0].endswith(f" Version: {version}\n")


def test_sys_exit_is_a_runtime_exit_error(local: Env) -> None:
    local.function("quit", "import sys\ndef handler(e, c):\n    sys.exit(3)\n")
    response, body = invoke(local, "quit", {})
    assert response["FunctionError"] == "Unhandled" and body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Runtime exited with error: exit status 3")


def test_closing_the_output_router_leaves_the_stream_behind_it_alone() -> None:
    # io closes the router when it is garbage collected, by when the stream it stood in for may be closed.
    from engine.local.awslambda import logs

    with open(os.devnull, "w") as stream:
        router = logs._Router(stream)
    router.close()
    assert router.closed


def test_without_the_resource_module_the_report_gives_the_memory_size(monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows has no `resource`: the local AWS still imports and runs, reporting the function's memory size.
    from engine.local.awslambda import outcome

    monkeypatch.setitem(sys.modules, "resource", None)  # `import resource` now raises ImportError
    assert outcome.max_memory_mb(128) == 128
