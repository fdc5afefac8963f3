"""The local AWS over HTTP: the outbox endpoint, shared state, concurrent clients."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError
from localaws import PASSWORD, Env, error_of, session, zipped

from engine.local import LocalAWS
from engine.local.outbox import Message
from engine.local.server import LocalServer
from engine.run.targets import HttpOutbox


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Content-Type"] == "application/json"
        return json.load(response)


def test_outbox_over_http_with_filters(served: Env) -> None:
    pool_id, client_id = served.pool()
    served.sign_up(client_id, "ann")
    served.sign_up(client_id, "bob")
    everything = get_json(f"{served.url}/_scenario/outbox")["messages"]
    assert [m["username"] for m in everything] == ["ann", "bob"]
    [ann] = get_json(f"{served.url}/_scenario/outbox?username=ann&kind=SignUp&user_pool_id={pool_id}")["messages"]
    assert ann["recipient"] == "ann@example.com" and ann["code"] == served.outbox.latest(username="ann").code
    assert ann["kind"] == "SignUp" and ann["user_pool_id"] == pool_id and ann["medium"] == "EMAIL"
    assert ann["time"].endswith("+00:00") and ann["code"] in ann["text"]
    assert get_json(f"{served.url}/_scenario/outbox?kind=ForgotPassword")["messages"] == []
    served.sign_up(client_id, "ann2")
    [newest] = get_json(f"{served.url}/_scenario/outbox?kind=SignUp&latest=1")["messages"]
    assert newest["username"] == "ann2"
    assert get_json(f"{served.url}/_scenario/outbox?kind=ForgotPassword&latest=1")["messages"] == []
    reader = HttpOutbox(served.url)  # what a run reads a code with
    assert reader.latest(username="ann").code == ann["code"]  # type: ignore[union-attr]
    assert reader.latest(kind="ForgotPassword") is None


def test_outbox_endpoint_only_reads(served: Env) -> None:
    request = urllib.request.Request(f"{served.url}/_scenario/outbox", data=b"{}", method="POST")
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("POST should fail")
    except urllib.error.HTTPError as error:
        assert error.code == 405
        error.close()


def test_engine_http_outbox_reads_the_endpoint(served: Env) -> None:
    from engine.run.targets import HttpOutbox

    _, client_id = served.pool()
    served.sign_up(client_id, "cat")
    message = HttpOutbox(str(served.url)).latest(username="cat", kind="SignUp")
    assert message is not None and message.code == served.outbox.latest(username="cat").code


def test_a_server_outbox_is_subscribed_to_like_the_local_one_but_pushes_nothing(served: Env) -> None:
    from engine.run.targets import HttpOutbox

    heard: list[Message] = []
    unsubscribe = HttpOutbox(str(served.url)).subscribe(heard.append)
    _, client_id = served.pool()
    served.sign_up(client_id, "dog")
    unsubscribe()
    assert heard == []


def test_the_outbox_types_and_the_targets_import_no_moto() -> None:
    # --target aws must work without moto: engine.run.targets imports engine.local.outbox at module level.
    code = (
        "import sys, engine.run.targets, engine.local.outbox;"
        " print(sorted(m for m in sys.modules if m.startswith('moto')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_port_zero_picks_a_free_port_and_stop_is_idempotent() -> None:
    server = LocalServer()
    url = server.start()
    assert url == server.url and url.startswith("http://127.0.0.1:") and server.port > 0
    assert server.start() == url
    server.stop()
    server.stop()


def test_in_process_local_aws_shares_the_server_state(served: Env) -> None:
    pool_id, _ = served.pool()
    with LocalAWS() as aws:
        in_process = session().client("cognito-idp")
        assert in_process.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Id"] == pool_id
        assert aws.outbox is served.outbox
        in_process.close()
    assert served.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Id"] == pool_id


def test_trigger_in_the_server_writes_where_http_clients_read(served: Env) -> None:
    dynamodb = served.client("dynamodb")
    dynamodb.create_table(
        TableName="signups",
        KeySchema=[{"AttributeName": "user", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "user", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    arn = served.function(
        "record",
        "import boto3\ndef handler(event, context):\n"
        "    boto3.client('dynamodb').put_item(TableName='signups',\n"
        "        Item={'user': {'S': event['userName']}})\n"
        "    event['response']['autoConfirmUser'] = True\n    return event\n",
    )
    _, client_id = served.pool({"PreSignUp": arn})
    assert served.sign_up(client_id, "dan")["UserConfirmed"] is True
    assert dynamodb.get_item(TableName="signups", Key={"user": {"S": "dan"}})["Item"] == {"user": {"S": "dan"}}


def test_concurrent_clients_keep_state_consistent(served: Env) -> None:
    pre = served.trigger("pre")
    pool_id, client_id = served.pool({"PreSignUp": pre})
    clients = [
        session().client("cognito-idp", endpoint_url=served.url, config=Config(retries={"max_attempts": 1}))
        for _ in range(6)
    ]
    failures: list[BaseException] = []
    duplicates: list[str] = []

    def user_life(index: int) -> None:
        idp = clients[index]
        name = f"user{index}"
        try:
            idp.sign_up(
                ClientId=client_id,
                Username=name,
                Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
            )
            code = served.outbox.latest(username=name).code
            idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code)
            idp.initiate_auth(
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
            )
            try:  # everybody also races for the same user name: exactly one may win
                idp.sign_up(ClientId=client_id, Username="contested", Password=PASSWORD)
            except ClientError as error:
                duplicates.append(error.response["Error"]["Code"])
        except BaseException as error:  # reported below, on the test's thread
            failures.append(error)

    threads = [threading.Thread(target=user_life, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for idp in clients:
        idp.close()
    assert failures == []
    assert duplicates == ["UsernameExistsException"] * (len(clients) - 1)
    users = {u["Username"]: u["UserStatus"] for u in served.idp.list_users(UserPoolId=pool_id)["Users"]}
    assert users == {**{f"user{i}": "CONFIRMED" for i in range(len(clients))}, "contested": "UNCONFIRMED"}
    assert len(served.events("pre")) == len(clients) + 1


def test_errors_keep_their_codes_over_http(served: Env) -> None:
    assert error_of(lambda: served.idp.delete_user(AccessToken="nope")) == (
        "NotAuthorizedException",
        "Invalid Access Token",
    )


RECORD_SIGNUP = (
    "import boto3\ndef handler(event, context):\n"
    "    boto3.client('dynamodb').put_item(TableName='signups', Item={'user': {'S': event['userName']}})\n"
    "    return event\n"
)


def test_a_server_in_another_process() -> None:
    """As ``scenario serve`` runs it: triggers run inside the server process and reach its state."""
    code = (
        "import sys\nfrom engine.local.server import LocalServer\n"
        "server = LocalServer()\nprint(server.start(), flush=True)\nsys.stdin.read()\nserver.stop()\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        env = Env(url, None)
        dynamodb = env.client("dynamodb")
        dynamodb.create_table(
            TableName="signups",
            KeySchema=[{"AttributeName": "user", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "user", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        arn = env.lam.create_function(
            FunctionName="record",
            Runtime="python3.12",
            Role=env.role(),
            Handler="index.handler",
            Code={"ZipFile": zipped({"index.py": RECORD_SIGNUP})},
        )["FunctionArn"]
        _, client_id = env.pool({"PreSignUp": arn})
        env.sign_up(client_id, "zed")
        assert dynamodb.get_item(TableName="signups", Key={"user": {"S": "zed"}})["Item"] == {"user": {"S": "zed"}}
        [message] = get_json(f"{url}/_scenario/outbox?username=zed")["messages"]
        assert message["kind"] == "SignUp" and len(message["code"]) == 6
        env.close()
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(30)
        if process.stdout is not None:
            process.stdout.close()
