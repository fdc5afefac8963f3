"""Benchmark: `scenario serve` under concurrent clients, flows per second and latency percentiles.

A *flow* is what a shared dev server sees most: SignUp (a PreSignUp trigger auto-confirms), InitiateAuth
with the password, GetUser with the access token, AdminDeleteUser. The server is started here on
127.0.0.1 (a free port), in a process of its own, and nothing else is contacted. Each level (8 and 32
clients by default) runs a bounded number of flows; prints flows/s and p50/p95/p99 of the flow latency.

With ``--cognito-local DIR`` (a directory where ``npm install cognito-local`` was run) the same flows,
without the trigger (cognito-local's triggers need a Lambda endpoint), also run against cognito-local on
another free port, and the ratio of the two throughputs is printed.

Not a test: run it on demand with ``python benchmarks/serve_load.py [--flows N] [--clients 8,32]``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

PASSWORD = "Passw0rd!-Bench"
TRIGGER = "def handler(event, context):\n    event['response']['autoConfirmUser'] = True\n    return event\n"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port} after {seconds}s")


def client(url: str, service: str) -> Any:
    config = Config(retries={"max_attempts": 1}, max_pool_connections=64, read_timeout=120)
    return boto3.client(service, endpoint_url=url, config=config, **CREDENTIALS)


def setup(url: str, with_trigger: bool) -> tuple[str, str]:
    idp = client(url, "cognito-idp")
    config: dict[str, object] = {}
    if with_trigger:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("index.py", TRIGGER)
        trust = json.dumps(
            {
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ]
            }
        )
        role = client(url, "iam").create_role(RoleName=f"bench-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument=trust)
        arn = client(url, "lambda").create_function(
            FunctionName=f"bench-{uuid.uuid4().hex[:8]}",
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="index.handler",
            Code={"ZipFile": buffer.getvalue()},
        )["FunctionArn"]
        config["LambdaConfig"] = {"PreSignUp": arn}
    pool_id = idp.create_user_pool(PoolName="bench", **config)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="bench",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def flow(idp: Any, pool_id: str, client_id: str, confirm: bool) -> None:
    name = f"u{uuid.uuid4().hex[:12]}@example.com"  # cognito-local wants e-mail user names
    idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD)
    if confirm:
        idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=name)
    tokens = idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD}
    )["AuthenticationResult"]
    idp.get_user(AccessToken=tokens["AccessToken"])
    idp.admin_delete_user(UserPoolId=pool_id, Username=name)


def measure(url: str, clients: int, flows: int, *, with_trigger: bool) -> tuple[float, list[float], int]:
    pool_id, client_id = setup(url, with_trigger)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    left = [flows]

    def work() -> None:
        idp = client(url, "cognito-idp")
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            started = time.perf_counter()
            try:
                flow(idp, pool_id, client_id, confirm=not with_trigger)
            except Exception:  # counted and reported: a benchmark goes on
                with lock:
                    errors[0] += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, latencies, errors[0]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


def report(label: str, clients: int, elapsed: float, latencies: list[float], errors: int) -> float:
    rate = len(latencies) / elapsed if elapsed else 0.0
    ms = [v * 1000 for v in latencies]
    print(
        f"{label:14} {clients:3} clients  {rate:8.1f} flows/s  p50 {percentile(ms, 50):7.1f} ms  "
        f"p95 {percentile(ms, 95):7.1f} ms  p99 {percentile(ms, 99):7.1f} ms  errors {errors}"
    )
    return rate


def run_server(command: list[str], port: int, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(port, process)
    return process


def each_level(label: str, url: str, levels: list[int], flows: int, with_trigger: bool) -> dict[int, float]:
    rates: dict[int, float] = {}
    for clients in levels:
        elapsed, latencies, errors = measure(url, clients, flows, with_trigger=with_trigger)
        rates[clients] = report(label, clients, elapsed, latencies, errors)
    return rates


def stopping(process: subprocess.Popen[bytes]) -> Callable[[], None]:
    def stop() -> None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()

    return stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=400, help="flows per level (bounded: at most 5000)")
    parser.add_argument("--clients", default="8,32", help="comma-separated client counts")
    parser.add_argument("--cognito-local", type=Path, help="a directory where `npm install cognito-local` ran")
    parser.add_argument("--state-dir", type=Path, help="run scenario serve with --state-dir (snapshot cost)")
    args = parser.parse_args()
    flows = min(args.flows, 5000)
    levels = [int(n) for n in args.clients.split(",")]

    port = free_port()
    scenario = str(Path(sys.executable).parent / "scenario")
    kept = ["--state-dir", str(args.state_dir)] if args.state_dir is not None else []
    stop = stopping(run_server([scenario, "serve", "--port", str(port), *kept], port))
    try:
        print(f"{flows} flows per level: SignUp (PreSignUp trigger), InitiateAuth, GetUser, AdminDeleteUser")
        ours = each_level("scenario serve", f"http://127.0.0.1:{port}", levels, flows, with_trigger=True)
    finally:
        stop()

    if args.cognito_local is None:
        print("cognito-local: not measured (pass --cognito-local DIR after `npm install cognito-local` in DIR)")
        return
    port = free_port()
    binary = args.cognito_local / "node_modules" / ".bin" / "cognito-local"
    environment = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1"}
    process = subprocess.Popen(
        [str(binary)], cwd=args.cognito_local, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for(port, process)
    stop = stopping(process)
    try:
        print("cognito-local: the same flows with AdminConfirmSignUp instead of the trigger")
        theirs = each_level("cognito-local", f"http://127.0.0.1:{port}", levels, flows, with_trigger=False)
    finally:
        stop()
    for clients in levels:
        if theirs.get(clients):
            ratio = ours[clients] / theirs[clients]
            print(f"{clients:3} clients: scenario serve / cognito-local throughput = {ratio:.2f}")


if __name__ == "__main__":
    main()
