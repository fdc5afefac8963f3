"""Benchmark: sign-up + sign-in cycles per second through `scenario serve`, with and without triggers.

Two identical pools on one local server; one has PreSignUp and PostAuthentication triggers (a
small Python function run in-process), the other none. Each cycle is SignUp, AdminConfirmSignUp
and InitiateAuth (USER_PASSWORD_AUTH). Batches alternate between the pools so machine noise hits
both alike; the output is cycles per second for each and the overhead the trigger path adds.
Not a test: `python benchmarks/trigger_overhead.py [--cycles N] [--batches B]`.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import zipfile
from typing import Any

from engine.aws.clients import Clients
from engine.local.server import LocalServer

HANDLER = """
def handler(event, context):
    print("trigger", event["triggerSource"], event["userName"])
    return event
"""
PASSWORD = "Str0ng-Passw0rd!"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("noop.py", HANDLER)
    return buffer.getvalue()


def _pool(clients: Clients, name: str, lambda_config: dict[str, str]) -> tuple[str, str]:
    idp = clients.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName=name, LambdaConfig=lambda_config)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName=name, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def _cycles(idp: Any, pool: tuple[str, str], prefix: str, count: int) -> float:
    pool_id, client_id = pool
    start = time.perf_counter()
    for i in range(count):
        user = f"{prefix}{i}"
        idp.sign_up(
            ClientId=client_id,
            Username=user,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": f"{user}@example.com"}],
        )
        idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=user)
        idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH", ClientId=client_id, AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD}
        )
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=30, help="cycles per batch")
    parser.add_argument("--batches", type=int, default=5)
    args = parser.parse_args()
    with LocalServer(port=0) as server:
        clients = Clients.for_local("us-east-1", endpoint_url=server.url)
        role = clients.client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        arn = clients.client("lambda").create_function(
            FunctionName="noop", Runtime="python3.12", Role=role, Handler="noop.handler", Code={"ZipFile": _zip()}
        )["FunctionArn"]
        plain = _pool(clients, "plain", {})
        triggered = _pool(clients, "triggered", {"PreSignUp": arn, "PostAuthentication": arn})
        idp = clients.client("cognito-idp")
        _cycles(idp, plain, "warm-plain-", 3)
        _cycles(idp, triggered, "warm-trig-", 3)
        without, with_triggers = [], []
        for batch in range(args.batches):
            without.append(_cycles(idp, plain, f"p{batch}-", args.cycles))
            with_triggers.append(_cycles(idp, triggered, f"t{batch}-", args.cycles))
    base, trig = statistics.median(without), statistics.median(with_triggers)
    print(f"batches: {args.batches} x {args.cycles} cycles (SignUp + AdminConfirmSignUp + InitiateAuth)")
    print(f"without triggers (baseline): {base:.1f} cycles/s")
    print(f"with PreSignUp + PostAuthentication: {trig:.1f} cycles/s")
    print(f"ratio with / without: {trig / base:.2f} (each cycle {1000 / trig - 1000 / base:+.1f} ms for 2 invocations)")


if __name__ == "__main__":
    main()
