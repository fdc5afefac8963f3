"""Benchmark: the engine running migrate_user.yaml vs the same flow written by hand with boto3.

Both run on the same warm embedded local AWS (stack deployed once, triggers firing), alternating
so that machine noise hits both alike. Prints median times and the ratio engine / hand-written.
Not a test: run it on demand with `python benchmarks/engine_overhead.py [--rounds N]`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import time
from pathlib import Path

from botocore.exceptions import ClientError

from engine import stack
from engine.aws.clients import Clients
from engine.local import LocalAWS
from engine.run.files import RunOptions, run_files

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "migrate_user.yaml"
ANSWERS = ROOT / "scenarios" / "answers" / "migrate_user.yaml"
USER, EMAIL, WEAK, STRONG = "migrated_user", "migrated_user@example.com", "weakpassword", "Str0ng-Passw0rd!"


def engine_run() -> None:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = run_files(
            (SCENARIO,),
            RunOptions(answers=(ANSWERS,), stack_name=stack.DEFAULT_STACK_NAME, non_interactive=True, no_color=True),
        )
    assert code == 0, "the engine run failed"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    with LocalAWS() as local:
        clients = Clients.for_local(local.region)
        out = stack.deploy(clients, log=lambda _: None)
        engine_run()  # warm-up: imports, first Lambda cold start
        hand_written(clients, out, local.outbox)
        engine_times, hand_times = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            engine_run()
            engine_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            hand_written(clients, out, local.outbox)
            hand_times.append(time.perf_counter() - start)
    engine_median, hand_median = statistics.median(engine_times), statistics.median(hand_times)
    print(f"rounds: {rounds}")
    print(f"hand-written boto3 (baseline): median {hand_median * 1000:.1f} ms")
    print(f"engine (scenario-run):         median {engine_median * 1000:.1f} ms")
    print(
        f"ratio engine / hand-written:   {engine_median / hand_median:.2f}x "
        f"(+{(engine_median / hand_median - 1) * 100:.0f}%)"
    )


if __name__ == "__main__":
    main()
