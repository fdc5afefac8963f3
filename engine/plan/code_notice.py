"""Whether a scenario deploys code that runs on this machine when the target is local.

On the local target, Lambda functions run in-process: a scenario that creates or updates one (or
deploys a stack, whose template may define one) runs code outside the template sandbox and the
``env:`` allow-list. Scenario files are to be trusted like scripts; this says so when it matters.
"""

from __future__ import annotations

from engine.plan.declared import operations_called
from engine.plan.model import Plan, once_per_plan

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


def code_deployments(plan: Plan) -> list[str]:
    """What in the plan deploys code: a stack template, a function created, code-deploying calls."""
    found: list[str] = []
    if plan.stack and plan.stack.get("template"):
        found.append(f"stack template {plan.stack['template']}")
    for step in (*plan.steps, *plan.cleanup_steps):
        # create_function declares no operations yet, so it is the one action still known by name here.
        if step.action_name == "create_function":
            args = step.args if isinstance(step.args, dict) else {}
            found.append(f"Lambda function from {args.get('code') or 'inline code'}")
            continue
        for service, operation in operations_called(step.action, step.args):
            if (service, operation) in CODE_OPERATIONS:
                found.append(f"{service} {operation}")
    return found


@once_per_plan
def code_notice(plan: Plan) -> str | None:
    """A one-line notice when the scenario deploys code that will run on this machine locally, else None."""
    found = code_deployments(plan)
    if not found:
        return None
    return (
        f"note: this scenario deploys code ({', '.join(dict.fromkeys(found))}) that runs on this machine "
        "with your permissions on the local target; run only scenario files you trust"
    )
