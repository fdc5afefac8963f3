"""Reading the local backend's state after a scenario run: users, triggers, table items, transcript."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.aws.clients import Clients

PROJECT = Path(__file__).resolve().parents[2]
SCENARIOS = PROJECT / "scenarios"
STACK = "scenario-run-cognito"
# The flows written from issue 11's list, as a new user would write them.
NEW_FLOWS = [
    "new_password_challenge",
    "custom_claims",
    "custom_message",
    "pre_auth_block_list",
    "groups_in_token",
    "attributes_and_global_sign_out",
    "table_of_users",
    "disable_enable_reset",
]
# The flows written from issue 20's list.
ROUND_THREE_FLOWS = [
    "pre_token_v2",
    "refresh_and_revoke",
    "post_confirmation_group",
    "email_username",
    "data_driven_sign_ups",
]


def outputs(clients: Clients) -> dict[str, str]:
    stack = clients.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def users(clients: Clients, pool_id: str) -> dict[str, dict[str, Any]]:
    found = clients.client("cognito-idp").list_users(UserPoolId=pool_id)["Users"]
    return {
        u["Username"]: {"status": u["UserStatus"], **{a["Name"]: a["Value"] for a in u["Attributes"]}} for u in found
    }


def groups(clients: Clients, pool_id: str) -> list[str]:
    return [g["GroupName"] for g in clients.client("cognito-idp").list_groups(UserPoolId=pool_id)["Groups"]]


def run_functions(clients: Clients) -> list[str]:
    """Lambda functions a scenario made with create_function (the stack's own are kept)."""
    found = clients.client("lambda").list_functions()["Functions"]
    return sorted(
        f["FunctionName"]
        for f in found
        if f["FunctionName"].startswith("scenario-") and not f["FunctionName"].startswith(f"{STACK}-")
    )


def table_items(clients: Clients, table: str) -> list[dict[str, Any]]:
    return list(clients.client("dynamodb").scan(TableName=table)["Items"])


def lambda_config(clients: Clients, pool_id: str) -> dict[str, str]:
    pool = clients.client("cognito-idp").describe_user_pool(UserPoolId=pool_id)["UserPool"]
    return dict(pool.get("LambdaConfig") or {})


def transcript(path: Path) -> dict[str, dict[str, Any]]:
    """Step records of a transcript by step id (the steps phase only)."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return {line["id"]: line for line in lines if line["phase"] == "steps"}
