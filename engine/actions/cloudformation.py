"""CloudFormation actions: read a stack's outputs."""

from __future__ import annotations

from typing import Any

from engine.action import STRING, ActionContext, action, obj


@action(
    "stack_outputs",
    "Read the outputs of a CloudFormation stack as a mapping (result.<OutputKey>).",
    obj({"stack_name": STRING}, ["stack_name"]),
    {"stack_name": "scenario-run-cognito"},
)
def stack_outputs(args: Any, ctx: ActionContext) -> Any:
    stacks = ctx.client("cloudformation").describe_stacks(StackName=args["stack_name"])["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


ACTIONS = [stack_outputs]
