"""The Lambda Runtime API as AWS specifies it, spoken to directly; Python's opt-in process; function
processes that end with the local AWS and die with the process that started them."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest
from localaws import Env

from engine.local import LocalAWS
from engine.local.awslambda.runtime_api import Invocation, RuntimeApiServer


def test_next_delivers_the_event_with_lambdas_headers_and_answers_are_accepted_chunked() -> None:
    api = RuntimeApiServer()
    try:
        invocation = Invocation("req-1", b'{"n": 1}', "arn:aws:lambda:us-east-1:123456789012:function:f", 3.0, "Root=1")
        api.mailbox.submit(invocation)
        before = int(time.time() * 1000)
        with urllib.request.urlopen(f"http://{api.address}/2018-06-01/runtime/invocation/next") as delivered:
            headers, event = delivered.headers, delivered.read()
        assert event == b'{"n": 1}'
        assert headers["Lambda-Runtime-Aws-Request-Id"] == "req-1"
        assert headers["Lambda-Runtime-Invoked-Function-Arn"] == invocation.function_arn
        assert headers["Lambda-Runtime-Trace-Id"] == "Root=1"
        deadline = int(headers["Lambda-Runtime-Deadline-Ms"])  # absolute, in epoch milliseconds
        assert before + 2900 <= deadline <= int(time.time() * 1000) + 3000

        connection = http.client.HTTPConnection(api.address)
        connection.putrequest("POST", "/2018-06-01/runtime/invocation/req-1/response")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        for chunk in (b'{"answer"', b": 42}"):
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        connection.send(b"0\r\n\r\n")
        answer = connection.getresponse()
        assert (answer.status, json.loads(answer.read())) == (202, {"status": "OK"})
        connection.close()
        assert (invocation.outcome, invocation.body) == ("response", b'{"answer": 42}')

        again = urllib.request.Request(
            f"http://{api.address}/2018-06-01/runtime/invocation/req-1/error", data=b"{}", method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(again)
        with refused.value as error:
            assert error.code == 400
            assert json.loads(error.read())["errorType"] == "InvalidRequestID"

        failed = urllib.request.Request(
            f"http://{api.address}/2018-06-01/runtime/init/error", data=b'{"errorType": "E"}', method="POST"
        )
        with urllib.request.urlopen(failed) as accepted:
            assert accepted.status == 202
        assert api.mailbox.init_error == b'{"errorType": "E"}'
    finally:
        api.close()


# Runs in its own process when the function asks for it, reaching the local AWS over AWS_ENDPOINT_URL.
PYTHON_HANDLER = """
import os
import boto3

def handler(event, context):
    tables = boto3.client("dynamodb").list_tables()["TableNames"]
    return {"pid": os.getpid(), "tables": tables, "left": context.get_remaining_time_in_millis()}
"""


def test_a_python_function_can_opt_into_a_process_of_its_own(aws: Env) -> None:
    aws.client("dynamodb").create_table(
        TableName="seen",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    aws.function("apart", PYTHON_HANDLER, env={"SCENARIO_RUN_LAMBDA_PROCESS": "1"})
    response = aws.lam.invoke(FunctionName="apart", Payload=b"{}")
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    assert body["pid"] != os.getpid() and body["tables"] == ["seen"] and 0 < body["left"] <= 3000


PID_HANDLER = "import os\n\ndef handler(event, context):\n    return {'pid': os.getpid()}\n"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_processes_end_with_the_local_aws() -> None:
    with LocalAWS() as local_aws:
        env = Env(None, local_aws.outbox)
        env.function("apart", PID_HANDLER, env={"SCENARIO_RUN_LAMBDA_PROCESS": "1"})
        pid = json.loads(env.lam.invoke(FunctionName="apart", Payload=b"{}")["Payload"].read())["pid"]
        assert alive(pid)
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


def test_a_killed_run_leaves_no_function_process_behind(tmp_path) -> None:
    # The run is killed with SIGKILL (no cleanup of its own can run) while its function spins in a loop,
    # so the function is not waiting on the Runtime API either: only the parent-death signal ends it.
    script = tmp_path / "run.py"
    script.write_text(
        textwrap.dedent(
            """
            import io, json, threading, time, zipfile
            from engine.local import LocalAWS
            import boto3
            code = io.BytesIO()
            with zipfile.ZipFile(code, "w") as archive:
                handler = "import os\\ndef handler(e, c):\\n    while e: pass\\n    return os.getpid()\\n"
                archive.writestr("index.py", handler)
            def client(name):
                return boto3.client(name, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
            with LocalAWS():
                lam = client("lambda")
                role = client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
                lam.create_function(FunctionName="f", Runtime="python3.12", Role=role, Handler="index.handler",
                                    Code={"ZipFile": code.getvalue()}, Timeout=60,
                                    Environment={"Variables": {"SCENARIO_RUN_LAMBDA_PROCESS": "1"}})
                print(json.loads(lam.invoke(FunctionName="f", Payload=b"{}")["Payload"].read()), flush=True)
                spin = lambda: lam.invoke(FunctionName="f", Payload=b'{"spin": 1}')
                threading.Thread(target=spin, daemon=True).start()
                time.sleep(0.5)
                print("spinning", flush=True)
                time.sleep(60)
            """
        )
    )
    run = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout is not None
        pid = int(run.stdout.readline())
        assert run.stdout.readline() == "spinning\n" and alive(pid)
    finally:
        run.kill()
        run.communicate()
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)
