"""Flow actions: narrative, checks, variables and waiting."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

from engine.action import ActionContext, JsonValue, action, obj
from engine.errors import StepFailed
from engine.template.assertions import explain

# A lone "{{ expression }}" keeps its type, so the text may render to a list, a number, null...
_SAYABLE = {"type": ["string", "number", "boolean", "array", "null"]}
Sayable = str | int | float | bool | Sequence[JsonValue] | None


class SayArgs(TypedDict):
    text: JsonValue
    rule: NotRequired[bool]


@action(
    "say",
    "Print narrative text (templated), as the seed's scenarios do between calls; "
    "a value that is not text (a list, a number) is printed as it would be inside text.",
    {"oneOf": [_SAYABLE, obj({"text": {}, "rule": {"type": "boolean"}}, ["text"])]},
    "Let's sign in as {{ answers.username }}...",
    quiet=True,
)
def say(args: SayArgs | Sayable, ctx: ActionContext) -> JsonValue:
    text = args["text"] if isinstance(args, dict) else args
    rule = isinstance(args, dict) and args.get("rule", False)
    # str() as Jinja does for "Users: {{ names }}", so the value reads the same alone or in a sentence.
    ctx.console.say(text if isinstance(text, str) else str(text))
    if rule:
        ctx.console.rule()
    return {"text": text}


@action(
    "rule",
    "Print a separator line of 88 dashes, as the seed does between sections.",
    {"type": ["null", "boolean"]},
    None,
    quiet=True,
)
def rule(args: bool | None, ctx: ActionContext) -> JsonValue:
    ctx.console.rule()
    return None


@action(
    "check",
    "Fail the run unless every expression is true (a standalone assertion).",
    {
        "oneOf": [
            {"type": "string", "minLength": 1},
            {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
        ]
    },
    ["steps.sign_in.status == 'ok'"],
    expressions=True,
)
def check(args: str | list[str], ctx: ActionContext) -> JsonValue:
    expressions = [args] if isinstance(args, str) else list(args)
    for expression in expressions:
        if not ctx.evaluate(expression):
            raise StepFailed(explain("check failed", expression, ctx.evaluate, ctx.secrets.mask), code="CheckFailed")
    return {"checked": len(expressions)}


@action(
    "set_vars",
    "Set or change variables (vars.<name>) from templated values.",
    {"type": "object", "minProperties": 1},
    {"user_name": "{{ answers.username | lower }}"},
    quiet=True,
    sets_vars=True,
)
def set_vars(args: Mapping[str, JsonValue], ctx: ActionContext) -> JsonValue:
    for name, value in args.items():
        ctx.set_var(name, value)
    return dict(args)


@action(
    "sleep",
    "Wait a number of seconds (e.g. for eventually consistent AWS reads).",
    {"type": "number", "minimum": 0, "maximum": 600},
    2,
)
def sleep(args: float, ctx: ActionContext) -> JsonValue:
    time.sleep(float(args))
    return {"slept": args}


ACTIONS = [say, rule, check, set_vars, sleep]
