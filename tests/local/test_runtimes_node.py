"""Node.js functions run as processes behind the Lambda Runtime API: through the real CLI on the embedded
target and over `scenario serve`, and invoked directly (in-process and over HTTP: the ``aws`` fixture)."""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from localaws import Env, error_of
from support import PROJECT

from engine.local.server import LocalServer

NODE_PROJECT = PROJECT / "tests" / "fixtures" / "runtimes" / "node"
pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js (`node`) is not installed")

# CommonJS, callback style: answers with what a handler sees of Lambda (context, environment), and
# counts its invocations in a module variable, which only a warm process keeps.
CALLBACK_HANDLER = """
let invocations = 0;
exports.handler = function (event, context, callback) {
  invocations += 1;
  if (event.fail) return callback(new TypeError(event.fail));
  if (event.spin) { for (;;) {} }
  console.log("invocation", invocations, "of", context.functionName);
  const env = {};
  for (const name of ["AWS_LAMBDA_RUNTIME_API", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION",
                      "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME",
                      "_HANDLER", "LAMBDA_TASK_ROOT", "AWS_ACCESS_KEY_ID", "GREETING"]) env[name] = process.env[name];
  setTimeout(() => callback(null, {
    invocations, env, arn: context.invokedFunctionArn, request: context.awsRequestId,
    remaining: context.getRemainingTimeInMillis(), memory: context.memoryLimitInMB,
  }), 1);
};
"""


def invoke(env: Env, name: str, payload: object) -> tuple[dict[str, object], object]:
    response = env.lam.invoke(FunctionName=name, Payload=json.dumps(payload), LogType="Tail")
    return response, json.loads(response["Payload"].read())


@pytest.fixture
def server() -> Iterator[str]:
    with LocalServer(port=0) as running:
        yield running.url


def test_a_node_trigger_reads_dynamodb_with_the_sdk_and_auto_confirms(scenario_run) -> None:
    result = scenario_run(NODE_PROJECT / "scenario.yaml", "--non-interactive")
    assert result.exit_code == 0, result.output
    assert "[ok] status (admin_get_user)" in result.output
    assert "PASSED scenario.yaml: 6 steps, 3 undone" in result.output


def test_the_node_trigger_over_scenario_serve(scenario_cli, scenario_run, server: str) -> None:
    template = NODE_PROJECT / "template.yaml"
    deployed = scenario_cli(
        "stack", "deploy", "--endpoint-url", server, "--stack", "node-trigger", "--template", template
    )
    assert deployed.exit_code == 0, deployed.output
    result = scenario_run(
        NODE_PROJECT / "scenario.yaml", "--endpoint-url", server, "--stack", "node-trigger", "--non-interactive"
    )
    assert result.exit_code == 0, result.output
    assert "PASSED scenario.yaml: 6 steps, 3 undone" in result.output


def test_without_node_the_run_stops_before_any_step_and_validate_says_so(scenario_run, scenario_cli) -> None:
    no_node = {"PATH": str(Path(os.__file__).parent)}  # a PATH with no node on it
    expected = (
        f"Error: {NODE_PROJECT / 'template.yaml'}:29:16: function PreSignUp uses runtime nodejs20.x, but `node` is "
        "not on PATH: install Node.js 18 or newer (e.g. apt-get install nodejs)\n"
        "  hint: install it so that the local target can run the function, or run with --target aws\n"
    )
    result = scenario_run(NODE_PROJECT / "scenario.yaml", "--non-interactive", env=no_node)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "[ok]" not in result.output  # nothing ran, not even the stack's deployment
    checked = scenario_cli("validate", NODE_PROJECT / "scenario.yaml", env=no_node)
    assert checked.exit_code == 2 and checked.stderr == expected


def test_context_environment_and_a_warm_process(aws: Env) -> None:
    arn = aws.function("cb", {"index.js": CALLBACK_HANDLER}, runtime="nodejs18.x", env={"GREETING": "hi"}, timeout=4)
    first, body = invoke(aws, "cb", {})
    assert "FunctionError" not in first and isinstance(body, dict)
    env = body["env"]
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")  # the local AWS, never real AWS
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA") and len(env["AWS_ACCESS_KEY_ID"]) == 20
    assert {k: env[k] for k in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME", "_HANDLER")} == {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "cb",
        "_HANDLER": "index.handler",
    }
    assert env["GREETING"] == "hi" and env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/cb"
    assert Path(env["LAMBDA_TASK_ROOT"], "index.js").is_file()
    assert body["arn"] == arn and body["memory"] == "128" and 0 < body["remaining"] <= 4000
    assert body["invocations"] == 1
    second, again = invoke(aws, "cb", {})
    assert isinstance(again, dict) and again["invocations"] == 2  # the same process, warm
    assert again["env"]["AWS_ACCESS_KEY_ID"] == env["AWS_ACCESS_KEY_ID"]
    tail = base64.b64decode(second["LogResult"]).decode()
    lines = tail.splitlines()
    assert lines[0] == f"START RequestId: {again['request']} Version: $LATEST"
    assert lines[1].endswith(f"\t{again['request']}\tINFO\tinvocation 2 of cb")
    assert lines[2] == f"END RequestId: {again['request']}"
    assert lines[3].startswith(f"REPORT RequestId: {again['request']}\tDuration: ")
    assert "Init Duration" not in lines[3]


def test_an_unhandled_error_is_reported_like_lambda(aws: Env) -> None:
    aws.function("cb", {"index.js": CALLBACK_HANDLER}, runtime="nodejs22.x")
    response, body = invoke(aws, "cb", {"fail": "bad input"})
    assert response["FunctionError"] == "Unhandled"
    assert isinstance(body, dict) and body["errorType"] == "TypeError" and body["errorMessage"] == "bad input"
    assert body["trace"][0] == "TypeError: bad input"
    tail = base64.b64decode(response["LogResult"]).decode()
    assert '\tERROR\tInvoke Error \t{"errorType":"TypeError","errorMessage":"bad input"' in tail


def test_a_handler_that_times_out_is_killed_and_the_next_call_starts_afresh(aws: Env) -> None:
    aws.function("cb", {"index.js": CALLBACK_HANDLER}, runtime="nodejs20.x", timeout=1)
    response, body = invoke(aws, "cb", {"spin": True})
    assert response["FunctionError"] == "Unhandled"
    assert isinstance(body, dict) and body["errorType"] == "Sandbox.Timedout"
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    _, fresh = invoke(aws, "cb", {})
    assert isinstance(fresh, dict) and fresh["invocations"] == 1


def test_a_trigger_that_crashes_at_init_fails_the_cognito_call(aws: Env) -> None:
    crash = 'throw new Error("CONFIG is not set");\nexports.handler = async (event) => event;\n'
    arn = aws.function("crash", {"index.js": crash}, runtime="nodejs20.x")
    _, client_id = aws.pool({"PreSignUp": arn})
    code, message = error_of(lambda: aws.sign_up(client_id, "nina"))
    assert (code, message) == ("UserLambdaValidationException", "PreSignUp failed with error CONFIG is not set.")
    response, body = invoke(aws, "crash", {})
    assert response["FunctionError"] == "Unhandled"
    assert isinstance(body, dict) and (body["errorType"], body["errorMessage"]) == ("Error", "CONFIG is not set")


def test_es_module_and_handler_problems(aws: Env) -> None:
    esm = {"app.mjs": "export const handler = async (event) => ({ doubled: event.n * 2 });"}
    aws.function("esm", esm, runtime="nodejs20.x", handler="app.handler")
    assert invoke(aws, "esm", {"n": 21})[1] == {"doubled": 42}
    aws.function("missing", esm, runtime="nodejs20.x", handler="app.nope")
    response, body = invoke(aws, "missing", {})
    assert response["FunctionError"] == "Unhandled"
    assert body == {
        "errorType": "Runtime.HandlerNotFound",
        "errorMessage": "app.nope is undefined or not exported",
        "trace": body["trace"] if isinstance(body, dict) else None,
    }


def test_a_callback_to_cognito_while_its_trigger_runs_does_not_deadlock(aws: Env) -> None:
    # PreSignUp asks Cognito itself (ListUsers on the same pool) while the SignUp that fired it waits.
    code = """
const { CognitoIdentityProviderClient, ListUsersCommand } = require("@aws-sdk/client-cognito-identity-provider");
const cognito = new CognitoIdentityProviderClient({});
exports.handler = async (event) => {
  const { Users } = await cognito.send(new ListUsersCommand({ UserPoolId: event.userPoolId }));
  console.log(`users before ${event.userName}: ${Users.length}`);
  event.response.autoConfirmUser = Users.length === 0;
  return event;
};
"""
    arn = aws.function("first-confirmed", {"index.js": code}, runtime="nodejs20.x")
    pool_id, client_id = aws.pool({"PreSignUp": arn})
    assert aws.sign_up(client_id, "first")["UserConfirmed"] is True
    assert aws.sign_up(client_id, "second")["UserConfirmed"] is False
    users = aws.idp.list_users(UserPoolId=pool_id)["Users"]
    assert sorted((u["Username"], u["UserStatus"]) for u in users) == [
        ("first", "CONFIRMED"),
        ("second", "UNCONFIRMED"),
    ]


def test_a_trigger_slower_than_cognitos_five_seconds_is_given_up_on(local: Env) -> None:
    slow = "exports.handler = async (event) => { await new Promise((r) => setTimeout(r, 8000)); return event; };"
    arn = local.function("slow", {"index.js": slow}, runtime="nodejs20.x", timeout=10)
    _, client_id = local.pool({"PreSignUp": arn})
    assert error_of(lambda: local.sign_up(client_id, "sam")) == (
        "UnexpectedLambdaException",
        "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.",
    )


def test_a_server_with_an_access_key_serves_its_function_processes() -> None:
    lists_tables = """
const { DynamoDBClient, ListTablesCommand } = require("@aws-sdk/client-dynamodb");
exports.handler = async () => (await new DynamoDBClient({}).send(new ListTablesCommand({}))).TableNames;
"""
    with LocalServer(access_key_id="AKIDSECRET1") as served:
        session = boto3.session.Session(
            aws_access_key_id="AKIDSECRET1", aws_secret_access_key="x", region_name="us-east-1"
        )
        clients = Env(served.url, served.outbox)
        clients.clients = {name: session.client(name, endpoint_url=served.url) for name in ("lambda", "iam")}
        clients.function("lists", {"index.js": lists_tables}, runtime="nodejs20.x")
        response = clients.lam.invoke(FunctionName="lists", Payload=b"{}")
        assert "FunctionError" not in response and json.loads(response["Payload"].read()) == []
        clients.close()


def test_init_code_may_call_the_local_aws_before_the_first_event(aws: Env) -> None:
    # Top-level await in an ES module: the call is made while the invocation that started the process waits.
    init = """
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
const { TableNames } = await new DynamoDBClient({}).send(new ListTablesCommand({}));
export const handler = async () => ({ tablesAtInit: TableNames });
"""
    aws.function("init-call", {"index.mjs": init}, runtime="nodejs20.x")
    assert invoke(aws, "init-call", {})[1] == {"tablesAtInit": []}


def test_cognito_sends_a_node_trigger_the_same_event_and_reads_its_answer_the_same_way(aws: Env) -> None:
    echo = """
exports.handler = async (event) => {
  process.stdout.write("EVENT " + JSON.stringify(event) + "\\n");
  if (event.userName === "garbage") return "this is not an event";
  event.response.autoConfirmUser = true;
  return event;
};
"""
    node_pool, node_client = aws.pool(
        {"PreSignUp": aws.function("node-echo", {"index.js": echo}, runtime="nodejs20.x")}
    )
    python_pool, python_client = aws.pool({"PreSignUp": aws.trigger("python-echo", response={"autoConfirmUser": True})})
    assert aws.sign_up(node_client, "ivy", ClientMetadata={"source": "test"})["UserConfirmed"]
    assert aws.sign_up(python_client, "ivy", ClientMetadata={"source": "test"})["UserConfirmed"]
    (node_event,), (python_event,) = aws.events("node-echo"), aws.events("python-echo")
    assert node_event["userPoolId"] == node_pool and python_event["userPoolId"] == python_pool
    assert node_event["callerContext"].pop("clientId") == node_client
    assert python_event["callerContext"].pop("clientId") == python_client
    del node_event["userPoolId"], python_event["userPoolId"]
    assert node_event == python_event
    assert error_of(lambda: aws.sign_up(node_client, "garbage")) == (
        "InvalidLambdaResponseException",
        "Unrecognizable lambda output",
    )


def test_a_trigger_that_fires_itself_again_gets_a_second_environment(aws: Env) -> None:
    # PreSignUp of a self sign-up creates the user's partner with AdminCreateUser, which fires the same
    # function (PreSignUp_AdminCreateUser) while the first invocation's environment is busy waiting.
    code = """
const { CognitoIdentityProviderClient, AdminCreateUserCommand } = require("@aws-sdk/client-cognito-identity-provider");
const cognito = new CognitoIdentityProviderClient({});
const started = Date.now();
exports.handler = async (event) => {
  console.log(`${event.triggerSource} ${event.userName} in environment ${started}`);
  if (event.triggerSource === "PreSignUp_SignUp") {
    await cognito.send(new AdminCreateUserCommand({
      UserPoolId: event.userPoolId, Username: `${event.userName}-partner`, MessageAction: "SUPPRESS",
    }));
  }
  return event;
};
"""
    arn = aws.function("pairs", {"index.js": code}, runtime="nodejs20.x", timeout=6)
    pool_id, client_id = aws.pool({"PreSignUp": arn})
    aws.sign_up(client_id, "lee")
    names = sorted(u["Username"] for u in aws.idp.list_users(UserPoolId=pool_id)["Users"])
    assert names == ["lee", "lee-partner"]
    streams = aws.client("logs").describe_log_streams(logGroupName="/aws/lambda/pairs")["logStreams"]
    assert len(streams) == 2  # one per environment, as in Lambda


def test_without_npm_an_uncached_sdk_is_a_clear_error(local: Env, tmp_path: Path, monkeypatch) -> None:
    only_node = tmp_path / "bin"
    only_node.mkdir()
    (only_node / "node").symlink_to(shutil.which("node") or "node")
    monkeypatch.setenv("PATH", str(only_node))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    uses_sdk = 'const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");\nexports.handler = async () => 1;\n'
    arn = local.function("needs-sdk", {"index.js": uses_sdk}, runtime="nodejs20.x")
    _, client_id = local.pool({"PreSignUp": arn})
    assert error_of(lambda: local.sign_up(client_id, "una")) == (
        "UnexpectedLambdaException",
        "PreSignUp invocation failed due to error function needs-sdk: the AWS SDK for JavaScript v3 is not cached "
        "yet and `npm` is not on PATH: install npm, or bundle the SDK with the function (node_modules/@aws-sdk in "
        "its package).",
    )
