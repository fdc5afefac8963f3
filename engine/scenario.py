"""A scenario file loaded and checked: schema, actions, arguments, templates, prompt references.

Everything here runs without touching AWS, so ``scenario validate`` and the start of every run
share it: a scenario that validates cannot fail for a reason this module could have seen.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import jinja2
import jsonschema

from engine.actions.base import Action, StaticCheck
from engine.errors import (
    ActionArgumentError,
    InputError,
    Location,
    SchemaError,
    TemplateError,
    UnknownActionError,
)
from engine.loader import MarkedDict, load_yaml_file, locate
from engine.schema import RESERVED_NAMES, STEP_MODIFIERS, generic_step_schema, top_level_schema
from engine.templating import attribute_refs, check_syntax, is_template, iter_strings

CLEANUP_PROMPT_ID = "remove_resources"
CLEANUP_QUESTION = "Do you want to remove all of the AWS resources that were created during this demo (y/n)?"
JINJA_GLOBALS = frozenset(jinja2.Environment().globals)
# Prompt-like actions whose step id doubles as their prompt id.
PROMPT_ACTIONS = frozenset({"prompt", "pause"})


_TOP_LEVEL = top_level_schema(generic_step_schema())
_VALIDATORS: dict[int, tuple[dict[str, Any], jsonschema.protocols.Validator]] = {}


def _validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    """A compiled validator per schema object (action schemas live as long as the process)."""
    cached = _VALIDATORS.get(id(schema))
    if cached is None or cached[0] is not schema:
        cached = (schema, jsonschema.Draft202012Validator(schema))
        _VALIDATORS[id(schema)] = cached
    return cached[1]


@dataclass
class Step:
    """One step: its action, raw (unrendered) arguments and modifiers, and where it is."""

    id: str
    action: str
    args: Any
    modifiers: dict[str, Any]
    path: tuple[Any, ...]
    location: Location

    @property
    def title(self) -> str:
        return str(self.modifiers.get("title") or self.id)

    def codes(self, key: str) -> list[str]:
        value = self.modifiers.get(key)
        if value is None:
            return []
        return [value] if isinstance(value, str) else list(value)


@dataclass
class Scenario:
    """A validated scenario file."""

    path: Path
    name: str
    description: str
    stack: dict[str, Any] | None
    vars: dict[str, Any]
    env: list[str]
    steps: list[Step]
    cleanup_steps: list[Step]
    cleanup_ask: str | bool
    prompt_ids: set[str]
    raw: Any = field(repr=False, default=None)

    def location_of(self, path: tuple[Any, ...]) -> Location | None:
        return locate(self.raw, path)


def load_scenario(path: Path, registry: dict[str, Action]) -> Scenario:
    """Load ``path`` and check it completely; raise an ``InputError`` subclass at the first problem."""
    data = load_yaml_file(path)
    file = str(path)
    if not isinstance(data, dict):
        raise SchemaError(
            "a scenario file must be a mapping with at least 'name' and 'steps'",
            location=getattr(data, "location", Location(file, 1, 1)),
            hint="start from one of the files in scenarios/",
        )
    _validate(data, _TOP_LEVEL, data, ())
    checker = _Checker(path, data, registry)
    steps = checker.steps(data["steps"], ("steps",))
    cleanup = data.get("cleanup") or {}
    cleanup_steps = checker.steps(cleanup.get("steps") or [], ("cleanup", "steps"))
    ask = cleanup.get("ask", CLEANUP_QUESTION)
    checker.check_templates_outside_steps()
    prompt_ids = set(checker.prompt_ids)
    if ask is not False:
        prompt_ids.add(CLEANUP_PROMPT_ID)
    return Scenario(
        path=path,
        name=data["name"],
        description=data.get("description", ""),
        stack=data.get("stack"),
        vars=dict(data.get("vars") or {}),
        env=list(data.get("env") or []),
        steps=steps,
        cleanup_steps=cleanup_steps,
        cleanup_ask=ask,
        prompt_ids=prompt_ids,
        raw=data,
    )


def check_rendered_arguments(args: Any, action: Action, root: Any, path: tuple[Any, ...], step_id: str) -> None:
    """Check a step's arguments again once templates are rendered: a template may yield anything."""
    try:
        _validate(args, action.schema, root, path, step=step_id, error_class=ActionArgumentError)
    except ActionArgumentError as exc:
        exc.message = f"after rendering templates: {exc.message}"
        raise


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=3)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _validate(
    instance: Any,
    schema: dict[str, Any],
    root: Any,
    prefix: tuple[Any, ...],
    *,
    step: str | None = None,
    error_class: type[InputError] = SchemaError,
) -> None:
    """jsonschema validation; the first real problem is raised at its file location.

    A templated string stands for a value only known at run time, so errors whose instance
    is a template are not problems here.
    """
    validator = _validator(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: (len(e.absolute_path), str(e.absolute_path)))
    for error in errors:
        leaf = _leaf_error(error)
        if leaf is None:
            continue
        path = (*prefix, *leaf.absolute_path)
        # An action's whole argument (`sleep: abc`) is named after the action.
        message, hint, key = _explain(leaf, str(prefix[-1]) if prefix and step else "value")
        location = locate(root, (*path, key), key=True) if key is not None else locate(root, path)
        raise error_class(message, location=location, step=step, hint=hint)


def _leaf_error(error: jsonschema.ValidationError) -> jsonschema.ValidationError | None:
    if is_template(error.instance):
        return None
    if error.context:
        # oneOf/anyOf: report the branch that got furthest, ignoring template-only failures.
        branches = [e for e in error.context if not is_template(e.instance)]
        if not branches:
            return None
        if all(e.validator == "type" for e in branches) and len(branches) == len(error.context):
            return error
        return max(branches, key=lambda e: len(e.absolute_path))
    return error


def _explain(error: jsonschema.ValidationError, whole: str = "value") -> tuple[str, str | None, str | None]:
    """(message, hint, offending key) for a jsonschema error, in the scenario's own words."""
    where = ".".join(str(p) for p in error.absolute_path)
    at = f" in '{where}'" if where else ""
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing required key '{missing}'{at}", f"add '{missing}: ...'", None
    if error.validator == "additionalProperties":
        allowed = sorted((error.schema.get("properties") or {}).keys())
        extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        name = extra[0] if extra else "?"
        suggestion = _suggest(name, allowed)
        hint = (suggestion + " " if suggestion else "") + f"allowed keys: {', '.join(allowed)}"
        return f"unknown key '{name}'{at}", hint, name
    if error.validator == "type" and len(error.absolute_path) >= 2 and error.absolute_path[-2] == "steps":
        return (
            f"'{where}' must be a mapping, not {_typename(error.instance)}",
            "a step is one action key plus optional modifiers, e.g. `- say: hello`",
            None,
        )
    if error.validator == "type":
        return (
            f"'{where or whole}' must be {_types(error.validator_value)}, not {_typename(error.instance)}",
            None,
            None,
        )
    if error.validator == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        return f"'{where}' is {error.instance!r}, not one of the allowed values", f"use one of: {options}", None
    if error.validator == "oneOf" and error.context and all(e.validator == "type" for e in error.context):
        kinds = " or ".join(_types(e.validator_value) for e in error.context)
        return f"'{where or whole}' must be {kinds}, not {_typename(error.instance)}", None, None
    return f"{error.message}{at}", None, None


def _types(value: Any) -> str:
    names = value if isinstance(value, list) else [value]
    article = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "integer": "an integer",
        "number": "a number",
        "boolean": "true or false",
        "null": "null",
    }
    return " or ".join(article.get(str(n), str(n)) for n in names)


def _typename(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {
        dict: "a mapping",
        MarkedDict: "a mapping",
        str: "a string",
        int: "an integer",
        float: "a number",
        type(None): "null",
    }.get(type(value), "a list" if isinstance(value, list) else type(value).__name__)


class _Checker:
    """Second pass: per-step actions, arguments, ids, templates and prompt references."""

    def __init__(self, path: Path, root: Any, registry: dict[str, Action]) -> None:
        self.file = str(path)
        self.root = root
        self.registry = registry
        self.step_ids: set[str] = set()
        self.prompt_ids: list[str] = []
        self.registered: set[str] = set()
        self.var_names = set((root.get("vars") or {}).keys())

    def steps(self, raw_steps: list[Any], prefix: tuple[Any, ...]) -> list[Step]:
        out = []
        for index, raw in enumerate(raw_steps):
            out.append(self.step(raw, (*prefix, index)))
        return out

    def step(self, raw: dict[str, Any], path: tuple[Any, ...]) -> Step:
        location = locate(self.root, path) or Location(self.file)
        candidates = [key for key in raw if key not in STEP_MODIFIERS]
        actions = [key for key in candidates if key in self.registry] or candidates
        strays = [key for key in candidates if key not in actions]
        if strays:
            suggestion = _suggest(strays[0], [*STEP_MODIFIERS, *self.registry])
            raise SchemaError(
                f"unknown key '{strays[0]}' in a '{actions[0]}' step",
                location=locate(self.root, (*path, strays[0]), key=True),
                hint=(suggestion + " " if suggestion else "")
                + f"step keys: one action plus {', '.join(STEP_MODIFIERS)}",
            )
        if not actions:
            raise UnknownActionError(
                "step has no action",
                location=location,
                hint=f"add one action key, e.g. {', '.join(sorted(self.registry)[:6])}, …"
                " (`scenario actions` lists them all)",
            )
        if len(actions) > 1:
            raise SchemaError(
                f"step has more than one action: {', '.join(actions)}",
                location=locate(self.root, (*path, actions[1]), key=True),
                hint="split it into one step per action",
            )
        name = actions[0]
        if name not in self.registry:
            suggestion = _suggest(name, sorted(self.registry))
            raise UnknownActionError(
                f"unknown action '{name}'",
                location=locate(self.root, (*path, name), key=True),
                hint=(suggestion + " " if suggestion else "") + "run `scenario actions` to list the actions",
            )
        action = self.registry[name]
        args = raw[name]
        explicit_id = raw.get("id")
        if name in PROMPT_ACTIONS and isinstance(args, dict) and isinstance(args.get("id"), str):
            explicit_id = explicit_id or args["id"]
        step_id = explicit_id or self._auto_id(name)
        if step_id in self.step_ids:
            raise SchemaError(
                f"step id '{step_id}' is used twice", location=location, hint="give each step a unique id"
            )
        if step_id in RESERVED_NAMES:
            raise SchemaError(
                f"step id '{step_id}' is a reserved name",
                location=location,
                hint=f"reserved: {', '.join(sorted(RESERVED_NAMES))}",
            )
        self.step_ids.add(step_id)
        _validate(args, action.schema, self.root, (*path, name), step=step_id, error_class=ActionArgumentError)
        if hasattr(action, "check"):  # the optional StaticCheck part of the contract
            for sub, message in cast(StaticCheck, action).check(args):
                raise ActionArgumentError(message, location=locate(self.root, (*path, name, *sub)), step=step_id)
        modifiers = {k: v for k, v in raw.items() if k != name}
        self._check_retry(modifiers, path, step_id)
        self._check_step_templates(raw, path, step_id, name, tuple(getattr(action, "deferred", ())))
        if name in PROMPT_ACTIONS:
            self.prompt_ids.append(step_id)
        if "register" in modifiers:
            if modifiers["register"] in RESERVED_NAMES:
                raise SchemaError(
                    f"register name '{modifiers['register']}' is reserved",
                    location=locate(self.root, (*path, "register")),
                    step=step_id,
                )
            self.registered.add(modifiers["register"])
        return Step(step_id, name, args, modifiers, path, location)

    def _auto_id(self, name: str) -> str:
        if name not in self.step_ids:
            return name
        n = 2
        while f"{name}_{n}" in self.step_ids:
            n += 1
        return f"{name}_{n}"

    def _check_retry(self, modifiers: dict[str, Any], path: tuple[Any, ...], step_id: str) -> None:
        retry = modifiers.get("retry")
        if not retry:
            return
        if "on_error" not in retry and "until" not in retry:
            raise SchemaError(
                "retry needs 'on_error' (error codes) or 'until' (a condition)",
                location=locate(self.root, (*path, "retry")),
                step=step_id,
                hint="e.g. retry: {on_error: InvalidPasswordException, reprompt: password, attempts: 3}",
            )
        reprompt = retry.get("reprompt") or []
        for prompt_id in [reprompt] if isinstance(reprompt, str) else reprompt:
            if prompt_id not in self.prompt_ids:
                known = ", ".join(self.prompt_ids) or "none yet"
                raise SchemaError(
                    f"retry.reprompt names '{prompt_id}', which is not a prompt defined earlier",
                    location=locate(self.root, (*path, "retry", "reprompt")),
                    step=step_id,
                    hint=f"prompts defined before this step: {known}",
                )

    def _known_names(self, *, with_result: bool) -> set[str]:
        names = {"stack", "vars", "answers", "steps", "env", "target", "outbox_code", "outbox_messages"}
        names |= self.registered | JINJA_GLOBALS
        if with_result:
            names |= {"result", "error"}
        return names

    def _check_step_templates(
        self, raw: dict[str, Any], path: tuple[Any, ...], step_id: str, action: str, deferred: tuple[str, ...]
    ) -> None:
        for sub, text in iter_strings(raw):
            top = sub[0] if sub else None
            expression = top in ("when", "assert") or (top == "retry" and len(sub) > 1 and sub[1] == "until")
            # Deferred arguments (an aws_call's undo) are rendered after the call, with its result.
            in_deferred = top == action and len(sub) > 1 and sub[1] in deferred
            with_result = top in ("assert", "retry") or in_deferred
            self._check_text(text, (*path, *sub), step_id, expression=expression, with_result=with_result)

    def _check_text(
        self, text: str, path: tuple[Any, ...], step_id: str | None, *, expression: bool, with_result: bool = False
    ) -> None:
        if not expression and not is_template(text):
            return
        error, names = check_syntax(text, expression=expression)
        location = locate(self.root, path)
        if error:
            raise TemplateError(
                error, location=location, step=step_id, hint="templates use {{ expression }}; check brackets and quotes"
            )
        unknown = sorted(names - self._known_names(with_result=with_result))
        if unknown:
            suggestion = _suggest(unknown[0], sorted(self._known_names(with_result=with_result)))
            raise TemplateError(
                f"template refers to '{unknown[0]}', which is not defined",
                location=location,
                step=step_id,
                hint=(suggestion + " " if suggestion else "")
                + "available: stack, vars, answers, steps, env, target, outbox_code(), "
                "registered names",
            )
        self._check_declared(text, location, step_id, expression=expression)

    def _check_declared(self, text: str, location: Location | None, step_id: str | None, *, expression: bool) -> None:
        """env.X must be in `env:`, and stack.X in `stack.outputs` when the scenario lists its outputs."""
        env = set(self.root.get("env") or [])
        for name in sorted(attribute_refs(text, "env", expression=expression) - env):
            raise TemplateError(
                f"template reads env.{name}, which the scenario does not declare",
                location=location,
                step=step_id,
                hint=f"add {name} to the scenario's `env:` list (only listed variables are visible)",
            )
        outputs = (self.root.get("stack") or {}).get("outputs")
        if outputs:
            for name in sorted(attribute_refs(text, "stack", expression=expression) - set(outputs)):
                suggestion = _suggest(name, sorted(outputs))
                raise TemplateError(
                    f"template reads stack.{name}, which is not in the scenario's stack outputs",
                    location=location,
                    step=step_id,
                    hint=(suggestion + " " if suggestion else "") + "add it to `stack.outputs` if the stack has it",
                )

    def check_templates_outside_steps(self) -> None:
        for sub, text in iter_strings(self.root.get("vars") or {}):
            self._check_text(text, ("vars", *sub), None, expression=False)
        # The stack is read before anything can be rendered, so its settings are plain values.
        for sub, text in iter_strings(self.root.get("stack") or {}):
            if is_template(text):
                raise SchemaError(
                    "the stack settings cannot use templates",
                    location=locate(self.root, ("stack", *sub)),
                    hint="write the name as it is, or choose the stack on the command line with --stack NAME",
                )
