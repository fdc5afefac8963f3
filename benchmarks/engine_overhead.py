"""Benchmark: the engine running migrate_user.yaml vs the same flow written by hand with boto3.

Both run on the same warm embedded local AWS (stack deployed once, triggers firing), alternating
so that machine noise hits both alike, first in this process, then against a `scenario serve` started
on 127.0.0.1 in a process of its own, as a team runs it (the engine journals and leases there, as against
any endpoint). Prints median times and the
ratio engine / hand-written for each (target: at most 1.10x).
Not a test: run it on demand with `python benchmarks/engine_overhead.py [--rounds N] [--only local|serve]`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from botocore.exceptions import ClientError

from engine import stack
from engine.aws.clients import Clients
from engine.local import LocalAWS
from engine.run.files import RunOptions, run_files
from engine.run.targets import HttpOutbox

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "migrate_user.yaml"
ANSWERS = ROOT / "scenarios" / "answers" / "migrate_user.yaml"
USER, EMAIL, WEAK, STRONG = "migrated_user", "migrated_user@example.com", "weakpassword", "Str0ng-Passw0rd!"


def engine_run(endpoint_url: str | None = None) -> None:
    options = RunOptions(
        answers=(ANSWERS,),
        stack_name=stack.DEFAULT_STACK_NAME,
        non_interactive=True,
        no_color=True,
        endpoint_url=endpoint_url,
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = run_files((SCENARIO,), options)
    assert code == 0, f"the engine run failed:\n{out.getvalue()}"


def hand_written(clients: Clients, out: dict[str, str], outbox: object) -> None:
    """The seed's MigrateUser scenario, call for call, with its cleanup."""
    idp, ddb, logs = clients.client("cognito-idp"), clients.client("dynamodb"), clients.client("logs")
    clients.client("cloudformation").describe_stacks(StackName=stack.DEFAULT_STACK_NAME)  # GetStackOutputs
    pool_id, client_id, table = out["UserPoolId"], out["UserPoolClientId"], out["TableName"]
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    config = dict(pool.get("LambdaConfig") or {})
    idp.update_user_pool(UserPoolId=pool_id, LambdaConfig={**config, "UserMigration": out["MigrateUserFunctionArn"]})
    ddb.put_item(TableName=table, Item={"UserName": {"S": USER}, "UserEmail": {"S": EMAIL}})
    try:
        idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH", ClientId=client_id, AuthParameters={"USERNAME": USER, "PASSWORD": "_"}
        )
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "PasswordResetRequiredException"
    # The shipped scenario checks the migrated user's status (its `migrated_status` step): the same call here,
    # so the comparison is of the engine, not of what the scenario chooses to check.
    idp.admin_get_user(UserPoolId=pool_id, Username=USER)
    group = f"/aws/lambda/{out['MigrateUserFunction']}"
    stream = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True, limit=1)[
        "logStreams"
    ][0]["logStreamName"]
    logs.get_log_events(logGroupName=group, logStreamName=stream, limit=10)
    idp.forgot_password(ClientId=client_id, Username=USER)
    code = outbox.latest(username=USER, kind="ForgotPassword").code  # type: ignore[attr-defined]
    for password in (WEAK, STRONG):
        try:
            idp.confirm_forgot_password(ClientId=client_id, Username=USER, ConfirmationCode=code, Password=password)
            break
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "InvalidPasswordException"
    token = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH", ClientId=client_id, AuthParameters={"USERNAME": USER, "PASSWORD": STRONG}
    )["AuthenticationResult"]
    idp.delete_user(AccessToken=token["AccessToken"])
    idp.describe_user_pool(UserPoolId=pool_id)  # the seed's UpdateTriggers reads the pool first
    idp.update_user_pool(UserPoolId=pool_id, LambdaConfig=config)
    ddb.delete_item(TableName=table, Key={"UserEmail": {"S": EMAIL}})


def _measure(rounds: int, clients: Clients, outbox: object, endpoint_url: str | None) -> tuple[float, float]:
    out = stack.deploy(clients, log=lambda _: None)
    engine_run(endpoint_url)  # warm-up: imports, first Lambda cold start
    hand_written(clients, out, outbox)
    engine_times, hand_times = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        engine_run(endpoint_url)
        engine_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        hand_written(clients, out, outbox)
        hand_times.append(time.perf_counter() - start)
    return statistics.median(engine_times), statistics.median(hand_times)


def _report(where: str, engine_median: float, hand_median: float) -> None:
    print(f"{where}: hand-written boto3 (baseline): median {hand_median * 1000:.1f} ms")
    print(f"{where}: engine (scenario-run):         median {engine_median * 1000:.1f} ms")
    ratio = engine_median / hand_median
    print(f"{where}: ratio engine / hand-written:   {ratio:.2f}x (+{(ratio - 1) * 100:.0f}%, target <= 1.10x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--only", choices=["local", "serve"])
    args = parser.parse_args()
    print(f"rounds: {args.rounds}")
    if args.only != "serve":
        with LocalAWS() as local:
            clients = Clients.for_local(local.region)
            _report("local", *_measure(args.rounds, clients, local.outbox, None))
            clients.close()
    if args.only != "local":
        with tempfile.TemporaryDirectory() as state, _served() as url:
            os.environ["SCENARIO_RUN_STATE_DIR"] = state  # the run's journals, never the user's
            clients = Clients.for_local("us-east-1", endpoint_url=url)
            _report("serve", *_measure(args.rounds, clients, HttpOutbox(url), url))
            clients.close()


@contextlib.contextmanager
def _served() -> Iterator[str]:
    """A `scenario serve` of this environment on a free port, stopped after."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    command = [str(Path(sys.executable).parent / "scenario"), "serve", "--port", str(port)]
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "Local AWS listening on" in line, line
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
