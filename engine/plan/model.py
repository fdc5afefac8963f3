"""The run plan: a scenario file parsed once into typed, normalised, frozen values.

``engine.plan.planner.load_scenario`` builds it (and is the only place that reads the YAML); the
runner consumes only this. Every value that can still fail at run time (a template, an
expression) carries its file location, so no error needs the YAML again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypedDict, cast

from engine.errors import InputError, Location, SchemaError
from engine.plan.include_params import PARAMS_SCHEMA
from engine.plan.loader import load_referenced_yaml, locate, read_text_file
from engine.run.retry import DEFAULT_ATTEMPTS, MAX_ATTEMPTS, MAX_DELAY, ONCE, Expr, RetryPolicy
from engine.template.render import NodePath
from engine.template.scope import RESERVED_NAMES

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
# ``modifiers()`` below. Adding one touches this module and the runner's use of it, nothing else.
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


class RetrySpec(TypedDict, total=False):
    """``retry:`` as its schema lets it be written."""

    on_error: str | list[str]
    attempts: int
    reprompt: str | list[str]
    delay: float
    until: str


class ExpectedErrorSpec(TypedDict, total=False):
    """An ``expect_error`` item that pins the message: ``{code, message}`` or ``{code, matches}``."""

    code: str
    message: str
    matches: str


ForEachSpec = TypedDict("ForEachSpec", {"items": list[object] | str, "file": str, "as": str}, total=False)
# A step's modifiers as their schemas (``STEP_MODIFIERS``) let them be written; its action key is not here.
ModifiersSpec = TypedDict(
    "ModifiersSpec",
    {
        "id": str,
        "title": str,
        "when": str | bool,
        "expect_error": str | ExpectedErrorSpec | list[str | ExpectedErrorSpec],
        "allow_error": str | list[str],
        "retry": RetrySpec,
        "register": str,
        "assert": str | list[str],
        "for_each": list[object] | str | ForEachSpec,
        "timeout": float,
        "match": object,
        "only_on": str | list[str],
    },
    total=False,
)


class Modifiers(TypedDict, total=False):
    """The ``StepPlan`` fields a step's modifiers give."""

    when: Expr
    expect_errors: frozenset[str]
    expect_messages: Mapping[str, tuple[str | None, str | None]]
    allow_errors: frozenset[str]
    retry: RetryPolicy
    register: str
    asserts: tuple[Expr, ...]
    timeout: float
    for_each: ForEach
    include: Include
    match: Expected
    only_on: frozenset[str]


def expected_errors(value: object) -> list[tuple[str, str | None, str | None]]:
    """``expect_error`` as (code, exact message, regex) triples, whichever of its forms is written."""
    items = [] if value is None else value if isinstance(value, list) else [value]
    out: list[tuple[str, str | None, str | None]] = []
    for item in items:
        if isinstance(item, Mapping):
            message, pattern = item.get("message"), item.get("matches")
            out.append(
                (
                    str(item["code"]),
                    None if message is None else str(message),
                    None if pattern is None else str(pattern),
                )
            )
        else:
            out.append((str(item), None, None))
    return out


def _one_or_more(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def modifiers(
    raw: Mapping[str, object],
    where: Locate,
    *,
    step_id: str,
    prompts_before: list[str],
    base_dir: Path = Path(),
) -> Modifiers:
    """The ``StepPlan`` fields of a step's modifiers (already schema-checked), defaults applied once.

    ``where(path)`` locates a value under the step; ``prompts_before`` are the prompt ids a
    ``retry.reprompt`` may name.
    """
    spec = cast(ModifiersSpec, raw)  # the step matched STEP_MODIFIERS before it is planned
    expected = expected_errors(spec.get("expect_error"))
    fields = Modifiers(
        expect_errors=frozenset(code for code, _, _ in expected),
        expect_messages={code: (message, pattern) for code, message, pattern in expected if message or pattern},
        allow_errors=frozenset(_one_or_more(spec.get("allow_error"))),
    )
    for index, (code, message, pattern) in enumerate(expected):
        at: NodePath = ("expect_error",) if isinstance(spec.get("expect_error"), Mapping) else ("expect_error", index)
        if message is not None and pattern is not None:
            raise SchemaError(
                f"expect_error {code} gives both 'message' and 'matches'",
                location=where(at),
                step=step_id,
                hint="keep 'message' for the exact text or 'matches' for a regular expression",
            )
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise SchemaError(
                    f"expect_error matches {pattern!r}, which is not a regular expression ({exc})",
                    location=where((*at, "matches")),
                    step=step_id,
                ) from None
    if "when" in spec:
        fields["when"] = Expr(spec["when"], where(("when",)))
    if spec.get("retry"):
        fields["retry"] = _retry(spec["retry"], where, step_id=step_id, prompts_before=prompts_before)
    if "register" in spec:
        if spec["register"] in RESERVED_NAMES:
            raise SchemaError(
                f"register name '{spec['register']}' is reserved", location=where(("register",)), step=step_id
            )
        fields["register"] = spec["register"]
    asserts = spec.get("assert")
    if asserts is not None:
        if isinstance(asserts, str):
            fields["asserts"] = (Expr(asserts, where(("assert",))),)
        else:
            fields["asserts"] = tuple(Expr(text, where(("assert", i))) for i, text in enumerate(asserts))
    if "timeout" in spec:
        fields["timeout"] = float(spec["timeout"])
    if "for_each" in spec:
        fields["for_each"] = _for_each(spec["for_each"], where, step_id=step_id, base_dir=base_dir)
    if "match" in spec:
        fields["match"] = Expected(spec["match"], where(("match",)))
    if "only_on" in spec:
        fields["only_on"] = frozenset(_one_or_more(spec["only_on"]))
    return fields


def _for_each(raw: list[object] | str | ForEachSpec, where: Locate, *, step_id: str, base_dir: Path) -> ForEach:
    location = where(("for_each",))
    if not isinstance(raw, dict):
        return ForEach(list(raw) if isinstance(raw, list) else raw, "item", location)
    name = raw.get("as", "item")
    if "file" in raw and "items" in raw:
        raise SchemaError("for_each takes either 'items' or 'file', not both", location=location, step=step_id)
    if "file" in raw:
        rows = read_items(base_dir / raw["file"], where(("for_each", "file")), step_id)
        return ForEach(rows, name, location, from_file=True)
    if "items" not in raw:
        raise SchemaError(
            "for_each needs 'items' or 'file'", location=location, step=step_id, hint="e.g. for_each: {file: users.csv}"
        )
    items = raw["items"]
    return ForEach(list(items) if isinstance(items, list) else items, name, location)


def read_items(path: Path, location: Location | None, step_id: str) -> list[object]:
    """The rows of a data file: a YAML list, or a CSV file with a header (one mapping per row)."""
    if path.suffix.lower() == ".csv":
        try:
            text = read_text_file(path, "data file")
        except InputError as exc:
            raise InputError(exc.message, location=location, step=step_id, hint=exc.hint) from None
        return [dict(row) for row in csv.DictReader(io.StringIO(text))]
    data = load_referenced_yaml(path, location, step_id)
    if not isinstance(data, list):
        raise SchemaError(
            f"the data file {path} must hold a list (one item per run of the step)", location=location, step=step_id
        )
    return list(data)


def _retry(raw: RetrySpec, where: Locate, *, step_id: str, prompts_before: list[str]) -> RetryPolicy:
    if "on_error" not in raw and "until" not in raw:
        raise SchemaError(
            "retry needs 'on_error' (error codes) or 'until' (a condition)",
            location=where(("retry",)),
            step=step_id,
            hint="e.g. retry: {on_error: InvalidPasswordException, reprompt: password, attempts: 3}",
        )
    reprompt = _one_or_more(raw.get("reprompt"))
    for prompt_id in reprompt:
        if prompt_id not in prompts_before:
            known = ", ".join(prompts_before) or "none yet"
            raise SchemaError(
                f"retry.reprompt names '{prompt_id}', which is not a prompt defined earlier",
                location=where(("retry", "reprompt")),
                step=step_id,
                hint=f"prompts defined before this step: {known}",
            )
    until = raw.get("until")
    attempts, delay = raw.get("attempts", DEFAULT_ATTEMPTS), raw.get("delay", 0)
    # The schema reports a wrong type too; this keeps the model from being built out of one meanwhile.
    for field_name, value in (("attempts", attempts), ("delay", delay)):
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise SchemaError(
                f"retry.{field_name} must be a number, not {type(value).__name__}",
                location=where(("retry", field_name)),
                step=step_id,
                hint="e.g. retry: {attempts: 3, delay: 1}",
            )
    return RetryPolicy(
        on_error=frozenset(_one_or_more(raw.get("on_error"))),
        until=Expr(until, where(("retry", "until"))) if until else None,
        attempts=int(attempts),
        delay=float(delay),
        reprompt=reprompt,
    )
