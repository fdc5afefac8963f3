"""What the load tests share: the flow they load, `scenario load` run as a person runs it (a process of
its own, which starts Locust's), its CSV statistics, and the `scenario serve` it loads."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.aws.clients import Clients

BIN = Path(sys.executable).parent
# Found without importing it: importing Locust would patch the test process with gevent.
needs_locust = pytest.mark.skipif(
    importlib.util.find_spec("locust") is None, reason="needs the load extra: pip install -e '.[load]'"
)
STACK = "scenario-run-cognito"
# Sign up a user of this iteration's own, confirm them with the emailed code, sign in, delete them.
FLOW = f"""\
name: Sign up, sign in, delete
stack:
  name: {STACK}
  outputs: [UserPoolId, UserPoolClientId]
vars:
  client_id: "{{{{ stack.UserPoolClientId }}}}"
steps:
  - prompt: {{id: prefix, text: "User name prefix"}}
  - prompt: {{id: password, type: password, text: Password}}
  - set_vars: {{user: "{{{{ answers.prefix }}}}-{{{{ run_id }}}}"}}
  - id: sign_up
    sign_up:
      client_id: "{{{{ vars.client_id }}}}"
      user_pool_id: "{{{{ stack.UserPoolId }}}}"
      user_name: "{{{{ vars.user }}}}"
      password: "{{{{ answers.password }}}}"
      email: "{{{{ vars.user }}}}@example.com"
  - id: confirm
    confirm_sign_up:
      client_id: "{{{{ vars.client_id }}}}"
      user_name: "{{{{ vars.user }}}}"
      code: "{{{{ outbox_code(vars.user, 'SignUp') }}}}"
  - id: sign_in
    sign_in:
      client_id: "{{{{ vars.client_id }}}}"
      user_name: "{{{{ vars.user }}}}"
      password: "{{{{ answers.password }}}}"
  - delete_user: {{access_token: "{{{{ steps.sign_in.result.AccessToken }}}}"}}
"""
STEPS = ("sign_up", "confirm", "sign_in", "delete_user")


@dataclass
class Served:
    """A `scenario serve` with the project's stack deployed in it."""

    url: str
    clients: Clients
    pool_id: str

    def users(self) -> list[str]:
        listed = self.clients.client("cognito-idp").list_users(UserPoolId=self.pool_id)["Users"]
        return [user["Username"] for user in listed]

    def sign_ups(self) -> list[str]:
        """Every user the pool sent a sign-up code to, from the server's outbox."""
        with urllib.request.urlopen(f"{self.url}/_scenario/outbox?kind=SignUp", timeout=10) as response:
            data = json.load(response)
        return [message["username"] for message in data["messages"]]


def scenario_load(*args: object, cwd: Path) -> subprocess.Popen[str]:
    """`scenario load ARGS` started in ``cwd``; its output is read when it ends."""
    return subprocess.Popen(
        [str(BIN / "scenario"), "load", *map(str, args)],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str]:
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def stats(prefix: Path) -> dict[tuple[str, str], tuple[int, int]]:
    """Locust's ``PREFIX_stats.csv``: (type, name) -> (requests, failures)."""
    with prefix.with_name(prefix.name + "_stats.csv").open() as file:
        rows = list(csv.DictReader(file))
    return {(row["Type"], row["Name"]): (int(row["Request Count"]), int(row["Failure Count"])) for row in rows}
