"""Reading the stack's state from CloudFormation: whether it exists and is usable, waiting for an
operation to finish, and why one failed (with a hint for each status)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import WaiterError

from engine.aws.clients import Clients
from engine.errors import TargetError
from engine.stack.errors import aws_errors, destroy_command, redeploy

# Statuses in which the stack is usable, and in which it must be deleted before anything else.
READY = {
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
}
_BROKEN = {
    "CREATE_FAILED",
    "ROLLBACK_COMPLETE",
    "ROLLBACK_FAILED",
    "DELETE_FAILED",
    "UPDATE_ROLLBACK_FAILED",
    "IMPORT_ROLLBACK_FAILED",
}
_WAIT = {"Delay": 5, "MaxAttempts": 180}  # up to 15 minutes; each poll is immediate on the local backend


def describe(clients: Clients, stack_name: str) -> dict[str, Any] | None:
    """The live stack called ``stack_name``, or None if there is none (deleted stacks do not count)."""
    cfn = clients.client("cloudformation")
    try:
        with aws_errors(f"describing stack {stack_name}"):
            stacks = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    except TargetError as error:
        if "does not exist" in error.message:
            return None
        raise
    live = [stack for stack in stacks if stack["StackStatus"] != "DELETE_COMPLETE"]
    return live[0] if live else None


def check_updatable(clients: Clients, stack: dict[str, Any]) -> None:
    """Raise unless ``stack`` can take an update now (it is neither broken nor in the middle of one)."""
    status, name = stack["StackStatus"], stack["StackName"]
    if status in _BROKEN:
        raise TargetError(
            f"stack {name} is {status}: {failure_reason(clients, stack)}", hint=status_hint(status, name, clients)
        )
    if status.endswith("_IN_PROGRESS"):
        raise TargetError(
            f"stack {name} is busy ({status})",
            hint="wait for the current operation to finish (or, on the local target, "
            f"`{destroy_command(name, clients)}`), then deploy again",
        )


def status_hint(status: str, stack_name: str, clients: Clients | None = None) -> str:
    """What a person can do about a stack left in ``status``."""
    if status == "UPDATE_ROLLBACK_COMPLETE":
        return "the update was rolled back and the stack still works as before; fix the cause and deploy again"
    if status == "UPDATE_ROLLBACK_FAILED":
        return (
            f"fix the cause, then `aws cloudformation continue-update-rollback --stack-name {stack_name}`"
            f" or `{destroy_command(stack_name, clients)}`"
        )
    if status.endswith("_IN_PROGRESS"):
        return "wait for the current operation to finish"
    return f"fix the cause, then {redeploy(stack_name, clients)}"


def wait(
    clients: Clients, waiter_name: str, stack_id: str, stack_name: str, log: Callable[[str], None] = lambda _: None
) -> None:
    """Wait for a stack operation, showing each new stack event as it happens (a create can take
    minutes on AWS); on failure, raise with the reason of the resource that failed first."""
    waiter = clients.client("cloudformation").get_waiter(waiter_name)
    seen: set[str] = set()
    for _ in range(_WAIT["MaxAttempts"]):
        try:
            waiter.wait(StackName=stack_id, WaiterConfig={"Delay": _WAIT["Delay"], "MaxAttempts": 1})
        except WaiterError as exc:
            if "Max attempts exceeded" in str(exc):
                _show_new_events(clients, stack_id, seen, log)
                time.sleep(_WAIT["Delay"])
                continue
            _show_new_events(clients, stack_id, seen, log)
            _raise_failed(clients, stack_id, stack_name, exc)
        _show_new_events(clients, stack_id, seen, log)
        return
    _raise_failed(clients, stack_id, stack_name, None)


def _raise_failed(clients: Clients, stack_id: str, stack_name: str, exc: Exception | None) -> None:
    stack = describe(clients, stack_id) or {"StackId": stack_id, "StackName": stack_name, "StackStatus": "UNKNOWN"}
    status = stack["StackStatus"]
    raise TargetError(
        f"stack {stack_name} ended {status}: {failure_reason(clients, stack)}",
        hint=status_hint(status, stack_name, clients),
    ) from exc


def _events(clients: Clients, stack_id: str) -> list[dict[str, Any]]:
    try:
        with aws_errors("reading stack events"):
            return list(clients.client("cloudformation").describe_stack_events(StackName=stack_id)["StackEvents"])
    except TargetError:
        return []


def _show_new_events(clients: Clients, stack_id: str, seen: set[str], log: Callable[[str], None]) -> None:
    """``  12:01:05 UserPool AWS::Cognito::UserPool CREATE_COMPLETE``, oldest first, each once, from the
    start of the latest operation (the stack's "User Initiated" event) on."""
    latest = []
    for event in _events(clients, stack_id):  # newest first
        latest.append(event)
        if event.get("ResourceStatusReason") == "User Initiated":
            break
    for event in reversed(latest):
        if event["EventId"] in seen:
            continue
        seen.add(event["EventId"])
        when = event.get("Timestamp")
        stamp = when.strftime("%H:%M:%S") if hasattr(when, "strftime") else ""
        reason = f" ({event['ResourceStatusReason']})" if event.get("ResourceStatusReason") else ""
        log(
            f"  {stamp} {event.get('LogicalResourceId')} {event.get('ResourceType')} "
            f"{event.get('ResourceStatus')}{reason}"
        )


def failure_reason(clients: Clients, stack: dict[str, Any]) -> str:
    """Why the stack's latest operation failed: the first resource that failed in it, with its reason."""
    try:
        with aws_errors("reading stack events"):
            events = clients.client("cloudformation").describe_stack_events(StackName=stack["StackId"])["StackEvents"]
    except TargetError:
        events = []
    failed = None
    for event in events:  # newest first: stop at the start of the latest operation
        if event.get("ResourceStatusReason") == "User Initiated":
            break
        reason = event.get("ResourceStatusReason") or ""
        if (
            event.get("ResourceStatus", "").endswith("_FAILED")
            and event.get("LogicalResourceId") != stack.get("StackName")
            and "cancelled" not in reason.lower()
        ):
            failed = f"{event['LogicalResourceId']} ({event.get('ResourceType')}): {reason}"
    return failed or stack.get("StackStatusReason") or "no reason given"
