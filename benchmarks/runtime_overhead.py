"""Benchmark: what a warm out-of-process invocation costs against the in-process one.

One embedded local AWS, the same tiny handler three ways: Python in-process (the default path),
Python in a process of its own behind the Runtime API (``SCENARIO_RUN_LAMBDA_PROCESS=1``) and Node.js
(when ``node`` is on PATH). Each is invoked once to warm it, then rounds alternate between them so
that machine noise hits all alike; the output is the median and p90 Invoke latency of each and the
ratio to in-process Python. A second table does the same with a handler that makes one DynamoDB call,
which for the out-of-process functions goes over the loopback endpoint.
Not a test: `python benchmarks/runtime_overhead.py [--rounds N]`.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import time
import zipfile

import boto3

from engine.local import LocalAWS

PYTHON = """
import boto3

def handler(event, context):
    if event.get("call"):
        boto3.client("dynamodb").get_item(TableName="bench", Key={"k": {"S": "x"}})
    return {"ok": True}
"""
NODE = """
const { DynamoDBClient, GetItemCommand } = require("@aws-sdk/client-dynamodb");
const client = new DynamoDBClient({});
exports.handler = async (event) => {
  if (event.call) await client.send(new GetItemCommand({ TableName: "bench", Key: { k: { S: "x" } } }));
  return { ok: true };
};
"""


def _zip(name: str, source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, source)
    return buffer.getvalue()


def _client(service: str) -> boto3.client:
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="bench", aws_secret_access_key="bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    with LocalAWS():
        lam = _client("lambda")
        role = _client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        _client("dynamodb").create_table(
            TableName="bench",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        functions = {
            "python in-process": ("python3.12", "index.py", PYTHON, {}),
            "python process": ("python3.12", "index.py", PYTHON, {"SCENARIO_RUN_LAMBDA_PROCESS": "1"}),
        }
        if shutil.which("node"):
            functions["node process"] = ("nodejs20.x", "index.js", NODE, {})
        for name, (runtime, file, source, env) in functions.items():
            lam.create_function(
                FunctionName=name.replace(" ", "-"),
                Runtime=runtime,
                Role=role,
                Handler="index.handler",
                Code={"ZipFile": _zip(file, source)},
                Environment={"Variables": env},
            )
        for call in (False, True):
            payload = json.dumps({"call": call}).encode()
            timings: dict[str, list[float]] = {name: [] for name in functions}
            for name in functions:  # cold start, not measured
                lam.invoke(FunctionName=name.replace(" ", "-"), Payload=payload)
            for _ in range(rounds):
                for name in functions:
                    start = time.perf_counter()
                    response = lam.invoke(FunctionName=name.replace(" ", "-"), Payload=payload)
                    timings[name].append((time.perf_counter() - start) * 1000)
                    assert "FunctionError" not in response, response["Payload"].read()
            base = statistics.median(timings["python in-process"])
            handler = "with one DynamoDB GetItem" if call else "returning at once"
            print(f"\nwarm Invoke, {rounds} rounds, handler {handler}")
            for name, values in timings.items():
                median = statistics.median(values)
                p90 = statistics.quantiles(values, n=10)[-1]
                print(f"  {name:18} median {median:6.2f} ms   p90 {p90:6.2f} ms   {median / base:4.2f}x")


if __name__ == "__main__":
    main()
