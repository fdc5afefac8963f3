"""Prompt actions: ask a person, or read the answers file in a replay."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from engine.action import ActionContext, JsonValue, action, obj
from engine.prompts.prompter import PromptSpec

PROMPT_SCHEMA = obj(
    {
        "id": {
            "type": "string",
            "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
            "description": "Key in the answers file and in `answers`.",
        },
        "text": {"type": "string", "minLength": 1},
        "type": {"enum": ["text", "password", "confirm", "choice"], "default": "text"},
        "default": {"description": "Used when the person just presses Enter, and in non-interactive runs."},
        "choices": {"type": ["array", "string"], "description": "For type choice: a list or a template giving one."},
        "min_length": {"type": "integer", "minimum": 0},
        "retry_text": {"type": "string", "description": "Asked instead of text when a retry re-prompts."},
        "secret": {"type": "boolean", "description": "Never show the answer (always true for passwords)."},
    },
    ["id", "text"],
)


class PromptArgs(TypedDict):
    id: str
    text: str
    type: NotRequired[Literal["text", "password", "confirm", "choice"]]
    default: NotRequired[JsonValue]
    choices: NotRequired[list[JsonValue] | str]
    min_length: NotRequired[int]
    retry_text: NotRequired[str]
    secret: NotRequired[bool]


@action(
    "prompt",
    "Ask a question: text, password (never echoed or logged), yes/no, or a choice.",
    PROMPT_SCHEMA,
    {
        "id": "password",
        "type": "password",
        "min_length": 8,
        "text": "Enter a password that has at least eight characters, uppercase, lowercase, numbers and symbols.",
        "retry_text": "Enter another password:",
    },
    quiet=True,
    asks=True,
    id_from="id",
)
def prompt(args: PromptArgs, ctx: ActionContext) -> JsonValue:
    given = args.get("choices") or []
    choices: list[object] = [*given] if isinstance(given, list) else [given]
    spec = PromptSpec(
        id=args["id"],
        text=args["text"],
        type=args.get("type", "text"),
        default=args.get("default"),
        choices=choices,
        min_length=int(args.get("min_length", 0)),
        retry_text=args.get("retry_text"),
        secret=bool(args.get("secret", False)),
    )
    if spec.type == "choice" and not choices:
        from engine.errors import StepFailed

        raise StepFailed(f"prompt '{spec.id}' has no choices to offer", code="NoChoices")
    answer: JsonValue = ctx.ask(spec)
    return answer


class PauseArgs(TypedDict):
    id: NotRequired[str]
    text: str


@action(
    "pause",
    'Wait for Enter ("Press Enter when you\'re ready"); skipped in non-interactive runs.',
    {
        "oneOf": [
            {"type": "string", "minLength": 1},
            obj({"id": {"type": "string"}, "text": {"type": "string", "minLength": 1}}, ["text"]),
        ]
    },
    "Press Enter when you're ready to continue.",
    quiet=True,
    asks=True,
    id_from="id",
)
def pause(args: str | PauseArgs, ctx: ActionContext) -> JsonValue:
    text = args if isinstance(args, str) else args["text"]
    spec = PromptSpec(id=ctx.step_id, text=text, type="pause", default="")
    ctx.ask(spec)
    return None


ACTIONS = [prompt, pause]
