"""Whether a scenario deploys code that runs on this machine when the target is local.

On the local target, Lambda functions run in-process: a scenario that creates or updates one (or
deploys a stack, whose template may define one) runs code outside the template sandbox and the
``env:`` allow-list. Scenario files are to be trusted like scripts; this says so when it matters.
"""

from __future__ import annotations

from typing import Any

# (service, operation) of generic calls that deploy code.
CODE_OPERATIONS = frozenset(
    {
        ("lambda", "CreateFunction"),
        ("lambda", "UpdateFunctionCode"),
        ("lambda", "PublishLayerVersion"),
        ("cloudformation", "CreateStack"),
        ("cloudformation", "UpdateStack"),
        ("cloudformation", "CreateChangeSet"),
    }
)


def code_deployments(data: Any) -> list[str]:
    """What in the loaded scenario ``data`` deploys code: a stack template, code-deploying calls."""
    if not isinstance(data, dict):
        return []
    found = []
    stack = data.get("stack")
    if isinstance(stack, dict) and stack.get("template"):
        found.append(f"stack template {stack['template']}")
    cleanup = data.get("cleanup")
    steps = list(data.get("steps") or [])
    if isinstance(cleanup, dict):
        steps += list(cleanup.get("steps") or [])
    for step in steps:
        call = step.get("aws_call") if isinstance(step, dict) else None
        if isinstance(call, dict) and (call.get("service"), call.get("operation")) in CODE_OPERATIONS:
            found.append(f"{call['service']} {call['operation']}")
    return found


def code_notice(data: Any) -> str | None:
    """A one-line notice when the scenario deploys code that will run on this machine locally, else None."""
    found = code_deployments(data)
    if not found:
        return None
    return (
        f"note: this scenario deploys code ({', '.join(dict.fromkeys(found))}) that runs on this machine "
        "with your permissions on the local target; run only scenario files you trust"
    )
