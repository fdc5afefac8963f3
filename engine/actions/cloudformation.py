"""CloudFormation actions: read a stack's outputs."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from engine.action import STRING, ActionContext, JsonValue, action, obj


class StackOutputsArgs(TypedDict):
    stack_name: str


class _Output(TypedDict):
    OutputKey: str
    OutputValue: str


class _StackView(TypedDict):
    """What stack_outputs reads of a stack in DescribeStacks' answer."""

    Outputs: NotRequired[list[_Output]]


@action(
    "stack_outputs",
    "Read the outputs of a CloudFormation stack as a mapping (result.<OutputKey>).",
    obj({"stack_name": STRING}, ["stack_name"]),
    {"stack_name": "scenario-run-cognito"},
)
def stack_outputs(args: StackOutputsArgs, ctx: ActionContext) -> JsonValue:
    stacks: list[_StackView] = ctx.client("cloudformation").describe_stacks(StackName=args["stack_name"])["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


ACTIONS = [stack_outputs]
