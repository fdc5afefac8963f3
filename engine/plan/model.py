"""The run plan: a scenario file parsed once into typed, normalised, frozen values.

``engine.plan.planner.load_scenario`` builds it (and is the only place that reads the YAML); the
runner consumes only this. Every value that can still fail at run time (a template, an
expression) carries its file location, so no error needs the YAML again.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypedDict, TypeVar

from engine.errors import Location
from engine.plan.include_params import PARAMS_SCHEMA
from engine.plan.loader import locate
from engine.run.arg_check import Verdict, rendered_check
from engine.run.retry import DEFAULT_ATTEMPTS, MAX_ATTEMPTS, MAX_DELAY, ONCE, Expr, RetryPolicy
from engine.template.render import NodePath

if TYPE_CHECKING:
    from engine.action import Action, JsonSchema

Phase = Literal["steps", "cleanup", "after_cleanup"]
TARGET_NAMES = ("local", "endpoint", "aws")
DEFAULT_CLEANUP_QUESTION = "Do you want to remove all of the AWS resources that were created during this demo (y/n)?"
CLEANUP_PROMPT_ID = "remove_resources"
MAX_TIMEOUT = 3600
Locate = Callable[[NodePath], Location | None]

_ONE_OR_MORE: JsonSchema = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
    ]
}
_NAME: JsonSchema = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}
_EXPECTED_ERROR: JsonSchema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code"],
    "properties": {
        "code": {"type": "string", "minLength": 1},
        "message": {"type": "string", "description": "The error message, exactly."},
        "matches": {"type": "string", "description": "A regular expression found in the error message."},
    },
}

# Every step modifier: its schema here, its normalised form in ``StepPlan``, its parsing in
# ``engine.plan.modifiers``. Adding one touches those two modules and the dispatcher's use of it.
STEP_MODIFIERS: dict[str, JsonSchema] = {
    "id": {**_NAME, "description": "Name of the step; its result is steps.<id>. Defaults to the action name."},
    "title": {"type": "string", "description": "Human title shown in reports."},
    "when": {"type": ["string", "boolean"], "description": "Run the step only when this expression is true."},
    "expect_error": {
        "description": "The step passes only if the call fails with this AWS error code (or one of these); "
        "`{code: CODE, message: TEXT}` also needs that exact message, `{code: CODE, matches: REGEX}` a message "
        "the regular expression finds.",
        "oneOf": [
            {"type": "string", "minLength": 1},
            _EXPECTED_ERROR,
            {"type": "array", "minItems": 1, "items": {"oneOf": [{"type": "string", "minLength": 1}, _EXPECTED_ERROR]}},
        ],
    },
    "allow_error": {**_ONE_OR_MORE, "description": "These AWS error codes do not fail the step (result.error is set)."},
    "retry": {
        "type": "object",
        "additionalProperties": False,
        "description": "Try the step again, bounded: on given error codes and/or until a condition holds.",
        "properties": {
            "on_error": {**_ONE_OR_MORE, "description": "AWS error codes that make the step try again."},
            "attempts": {"type": "integer", "minimum": 1, "maximum": MAX_ATTEMPTS, "default": DEFAULT_ATTEMPTS},
            "reprompt": {
                "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                "description": "Prompt ids asked again (with their retry_text) before the next try.",
            },
            "delay": {"type": "number", "minimum": 0, "maximum": MAX_DELAY, "default": 0},
            "until": {"type": "string", "description": "Expression on `result`; retry until it is true."},
        },
    },
    "register": {**_NAME, "description": "Also store the result as a top-level template variable of this name."},
    "assert": {**_ONE_OR_MORE, "description": "Expressions on `result` that must be true after the step."},
    "for_each": {
        "description": "Run the step once per item (a list, a template giving one, or {file: data.csv|yaml}); "
        "the item is `item` (or the name given with `as`), its position `index`.",
        "oneOf": [
            {"type": "array"},
            {"type": "string", "minLength": 1},
            {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "items": {"type": ["array", "string"]},
                    "file": {"type": "string", "minLength": 1},
                    "as": _NAME,
                },
            },
        ],
    },
    "timeout": {
        "type": "number",
        "exclusiveMinimum": 0,
        "maximum": MAX_TIMEOUT,
        "description": "Seconds the whole step (every attempt and retry delay) may take; then it fails.",
    },
    "match": {
        "description": "The result must contain this, as a partial match: every key given has the value given "
        "(compared the same way inside), extra keys are allowed, and each list item given matches some item.",
    },
    "only_on": {
        "description": "Run the step only on these targets (local, endpoint, aws); elsewhere it is skipped and says "
        "so, e.g. `only_on: aws` for what only real AWS does.",
        "oneOf": [
            {"enum": list(TARGET_NAMES)},
            {"type": "array", "items": {"enum": list(TARGET_NAMES)}, "minItems": 1, "uniqueItems": True},
        ],
    },
}


@dataclass(frozen=True)
class ForEach:
    """A step run once per item: ``items`` is a list (written out, or read from a data file when
    the scenario is loaded) or a template that gives one; ``name`` is the item's template name."""

    items: list[object] | str
    name: str = "item"
    location: Location | None = None
    from_file: bool = False  # rows of a data file are data: their text is never rendered as a template


@dataclass(frozen=True)
class Expected:
    """A step's ``match:``: the value its result must contain (templates rendered after the call)."""

    value: object
    location: Location | None = None


@dataclass(frozen=True)
class Include:
    """An ``include:`` step: another file's steps, run with ``params`` (templates rendered in the
    including scope) and their own ``steps`` namespace; its result maps each inner id to its outcome."""

    path: Path
    params: Mapping[str, object]
    steps: tuple[StepPlan, ...]


INCLUDE = "include"
INCLUDE_SCHEMA: JsonSchema = {
    "description": "Run the steps of another file (its `steps:`, and `params:` it expects), with `with:` values "
    "as `params.<name>`; the path is relative to this file.",
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["file"],
            "properties": {"file": {"type": "string", "minLength": 1}, "with": {"type": "object"}},
        },
    ],
}
INCLUDED_FILE_SCHEMA: JsonSchema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["steps"],
    "properties": {
        "description": {"type": "string"},
        "params": PARAMS_SCHEMA,
        "steps": {"type": "array", "minItems": 1, "items": {"type": "object", "properties": STEP_MODIFIERS}},
    },
}


@dataclass(frozen=True)
class StepPlan:
    """One step, ready to run: its action, its arguments as written, and its modifiers normalised."""

    id: str
    action: Action
    args: object  # as written: templates unrendered; mappings and lists know their own locations
    location: Location
    args_location: Location
    title: str
    templated: bool = False  # some argument is a template: re-checked once rendered
    when: Expr | None = None
    expect_errors: frozenset[str] = frozenset()
    # What an expected error's message must be, by code: (exact message or None, regex or None).
    expect_messages: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)
    allow_errors: frozenset[str] = frozenset()
    retry: RetryPolicy = ONCE
    register: str | None = None
    asserts: tuple[Expr, ...] = ()
    timeout: float | None = None
    for_each: ForEach | None = None
    include: Include | None = None
    match: Expected | None = None
    only_on: frozenset[str] | None = None  # None: every target

    @property
    def action_name(self) -> str:
        return self.action.name

    @cached_property
    def location_text(self) -> str:
        """``location`` as a record shows it (plans are kept while their files are unchanged: made once)."""
        return str(self.location)

    @cached_property
    def rendered_args(self) -> tuple[object, dict[str, object], Verdict]:
        """(what is rendered each run, the deferred arguments kept as written, the test of whether the rendered
        arguments need the schema checked again): the same every run, so made once."""
        raw, kept = self.args, {}
        deferred = self.action.deferred
        if deferred and isinstance(raw, dict):
            kept = {k: raw[k] for k in deferred if k in raw}
            raw = {k: v for k, v in raw.items() if k not in deferred}
        return raw, kept, rendered_check(raw, self.action.schema)

    def arg_location(self, path: NodePath, key: bool = False) -> Location:
        """Where the argument at ``path`` (keys and indexes inside ``args``) is written."""
        return locate(self.args, path, key=key) or self.args_location


@dataclass(frozen=True)
class VarPlan:
    """A ``vars`` entry: rendered in order before the first step."""

    name: str
    value: object
    location: Location

    def location_of(self, path: NodePath) -> Location:
        return locate(self.value, path) or self.location


class StackSpec(TypedDict, total=False):
    """The ``stack:`` section, as its schema (``engine.plan.schema``) lets it be written."""

    name: str
    template: str
    parameters: dict[str, object]
    outputs: list[str]


@dataclass(frozen=True)
class Plan:
    """A whole scenario file, checked and normalised."""

    path: Path
    name: str
    description: str
    steps: tuple[StepPlan, ...]
    cleanup_steps: tuple[StepPlan, ...] = ()
    # The question asked before undoing (prompt id ``remove_resources``); None never asks.
    cleanup_question: str | None = DEFAULT_CLEANUP_QUESTION
    stack: StackSpec | None = None  # plain values (templates are refused there)
    vars: tuple[VarPlan, ...] = ()
    env: tuple[str, ...] = ()  # every declared name
    env_defaults: Mapping[str, str] = field(default_factory=dict)  # used when a name is set nowhere
    env_secrets: frozenset[str] = frozenset()  # names declared `secret: true`
    env_location: Location | None = None
    prompt_ids: frozenset[str] = field(default_factory=frozenset)
    tags: tuple[str, ...] = ()
    after_cleanup: tuple[StepPlan, ...] = ()  # checks of the state the cleanup left
    # Prompts that are always asked and have no default: (id, location), so a replay missing one
    # of their answers stops before anything runs.
    needs_answer: tuple[tuple[str, Location], ...] = ()


R = TypeVar("R")


def once_per_plan(func: Callable[[Plan], R]) -> Callable[[Plan], R]:
    """``func(plan)`` worked out once per plan: plans are frozen and kept while their files are unchanged
    (``engine.plan.planner``), so what follows from a plan alone is the same every run. The value is shared
    between callers: ``func`` must return one nobody changes."""
    memo: dict[int, tuple[weakref.ref[Plan], R]] = {}

    @functools.wraps(func)
    def wrapper(plan: Plan) -> R:
        key = id(plan)
        found = memo.get(key)
        if found is not None and found[0]() is plan:
            return found[1]
        value = func(plan)

        def forget(ref: weakref.ref[Plan]) -> None:
            if memo.get(key, (None,))[0] is ref:
                del memo[key]

        memo[key] = (weakref.ref(plan, forget), value)
        return value

    return wrapper


@dataclass(frozen=True)
class EnvEntry:
    """An ``env:`` entry: ``NAME`` or ``{name: NAME, default: VALUE, secret: true}``."""

    name: str
    default: str | None = None
    secret: bool = False


def env_entries(raw: object) -> tuple[EnvEntry, ...]:
    """The ``env:`` list (already schema-checked; anything else in it is skipped)."""
    entries: list[EnvEntry] = []
    for item in raw if isinstance(raw, list | tuple) else ():
        if isinstance(item, str):
            entries.append(EnvEntry(item))
        elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
            default = item.get("default")
            if isinstance(default, bool):
                default = "true" if default else "false"
            entries.append(
                EnvEntry(item["name"], None if default is None else str(default), bool(item.get("secret", False)))
            )
    return tuple(entries)


ENV_ENTRY_SCHEMA: JsonSchema = {
    "oneOf": [
        {**_NAME, "description": "A variable that must be set (in the environment or the --env-file)."},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {
                "name": _NAME,
                "default": {
                    "type": ["string", "number", "boolean"],
                    "description": "The value when the variable is set neither in the environment nor the --env-file.",
                },
                "secret": {"type": "boolean", "description": "Mask the value in every output."},
            },
        },
    ]
}
