"""Where a step is planned: a scenario file loaded, checked and turned into a ``Plan``.

Everything here runs without touching AWS, so ``scenario validate`` and the start of every run
share it: a scenario that validates cannot fail for a reason this module could have seen. This
is the only module that reads the YAML; everything after it reads the plan.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import jinja2

from engine.actions.base import Action
from engine.errors import ActionArgumentError, Location, SchemaError, TemplateError, UnknownActionError
from engine.loader import load_yaml_file, locate
from engine.plan import (
    CLEANUP_PROMPT_ID,
    DEFAULT_CLEANUP_QUESTION,
    STEP_MODIFIERS,
    Plan,
    StepPlan,
    VarPlan,
    modifiers,
)
from engine.schema import generic_step_schema, top_level_schema
from engine.schema_errors import problems, raise_first, with_suggestion
from engine.scope import NAMES_HINT, RESERVED_NAMES, RESULT_NAMES, TEMPLATE_NAMES
from engine.templating import attribute_refs, check_syntax, is_template, iter_strings

JINJA_GLOBALS = frozenset(jinja2.Environment().globals)
_TOP_LEVEL = top_level_schema(generic_step_schema())


def load_scenario(path: Path, registry: dict[str, Action]) -> Plan:
    """Load ``path`` and check it completely; raise an ``InputError`` subclass at the first problem."""
    data = load_yaml_file(path)
    if not isinstance(data, dict):
        raise SchemaError(
            "a scenario file must be a mapping with at least 'name' and 'steps'",
            location=getattr(data, "location", Location(str(path), 1, 1)),
            hint="start from one of the files in scenarios/",
        )
    raise_first(problems(data, _TOP_LEVEL, lambda p, key: locate(data, p, key=key)))
    checker = _Checker(path, data, registry)
    steps = checker.steps(data["steps"], ("steps",))
    cleanup = data.get("cleanup") or {}
    cleanup_steps = checker.steps(cleanup.get("steps") or [], ("cleanup", "steps"))
    ask = cleanup.get("ask", True)
    question = None if ask is False else (ask if isinstance(ask, str) else DEFAULT_CLEANUP_QUESTION)
    after_cleanup = checker.steps(data.get("after_cleanup") or [], ("after_cleanup",))
    checker.check_templates_outside_steps()
    prompt_ids = set(checker.prompt_ids) | ({CLEANUP_PROMPT_ID} if question else set())
    variables = data.get("vars") or {}
    return Plan(
        path=path,
        name=data["name"],
        description=data.get("description", ""),
        steps=tuple(steps),
        cleanup_steps=tuple(cleanup_steps),
        cleanup_question=question,
        stack=data.get("stack"),
        vars=tuple(
            VarPlan(name, value, locate(data, ("vars", name)) or Location(str(path)))
            for name, value in variables.items()
        ),
        env=tuple(data.get("env") or ()),
        env_location=locate(data, ("env",)),
        prompt_ids=frozenset(prompt_ids),
        after_cleanup=tuple(after_cleanup),
    )


class _Checker:
    """Second pass: per-step actions, arguments, ids, templates and prompt references."""

    def __init__(self, path: Path, root: Any, registry: dict[str, Action]) -> None:
        self.file = str(path)
        self.root = root
        self.registry = registry
        self.step_ids: set[str] = set()
        self.auto_ids: Counter[str] = Counter()
        self.prompt_ids: list[str] = []
        self.registered: set[str] = set()

    def steps(self, raw_steps: list[Any], prefix: tuple[Any, ...]) -> list[StepPlan]:
        return [self.step(raw, (*prefix, index)) for index, raw in enumerate(raw_steps)]

    def step(self, raw: dict[str, Any], path: tuple[Any, ...]) -> StepPlan:
        location = locate(self.root, path) or Location(self.file)
        name = self._action_key(raw, path, location)
        action = self.registry[name]
        args = raw[name]
        step_id = raw.get("id") or action.step_id(args) or self._auto_id(name)
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

        def where(sub: tuple[Any, ...], key: bool = False) -> Location | None:
            return locate(self.root, (*path, *sub), key=key)

        raise_first(
            problems(
                args,
                action.schema,
                lambda p, key: where((name, *p), key),
                whole=name,
                step=step_id,
                error_class=ActionArgumentError,
            )
        )
        for sub, message in action.check(args):
            raise ActionArgumentError(message, location=where((name, *sub)), step=step_id)
        fields = modifiers(raw, where, step_id=step_id, prompts_before=self.prompt_ids)
        self._check_step_templates(raw, path, step_id, name, action.deferred)
        if action.asks:
            self.prompt_ids.append(step_id)
        if "register" in fields:
            self.registered.add(fields["register"])
        rendered = {k: v for k, v in args.items() if k not in action.deferred} if isinstance(args, dict) else args
        return StepPlan(
            id=step_id,
            action=action,
            args=args,
            location=location,
            args_location=where((name,)) or location,
            title=str(raw.get("title") or step_id),
            templated=any(is_template(text) for _, text in iter_strings(rendered)),
            **fields,
        )

    def _action_key(self, raw: dict[str, Any], path: tuple[Any, ...], location: Location) -> str:
        """The step's one action key, or an error saying what is wrong with its keys."""
        candidates = [key for key in raw if key not in STEP_MODIFIERS]
        actions = [key for key in candidates if key in self.registry] or candidates
        strays = [key for key in candidates if key not in actions]
        if strays:
            raise SchemaError(
                f"unknown key '{strays[0]}' in a '{actions[0]}' step",
                location=locate(self.root, (*path, strays[0]), key=True),
                hint=with_suggestion(
                    strays[0],
                    [*STEP_MODIFIERS, *self.registry],
                    f"step keys: one action plus {', '.join(STEP_MODIFIERS)}",
                ),
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
            raise UnknownActionError(
                f"unknown action '{name}'",
                location=locate(self.root, (*path, name), key=True),
                hint=with_suggestion(name, sorted(self.registry), "run `scenario actions` to list the actions"),
            )
        return name

    def _auto_id(self, name: str) -> str:
        """The action name, then name_2, name_3, …: one counter per name keeps this linear."""
        while True:
            self.auto_ids[name] += 1
            n = self.auto_ids[name]
            candidate = name if n == 1 else f"{name}_{n}"
            if candidate not in self.step_ids:
                return candidate

    def _known_names(self, *, with_result: bool) -> set[str]:
        names = set(TEMPLATE_NAMES) | self.registered | JINJA_GLOBALS
        if with_result:
            names |= set(RESULT_NAMES)
        return names

    def _check_step_templates(
        self, raw: dict[str, Any], path: tuple[Any, ...], step_id: str, action: str, deferred: frozenset[str]
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
        known = self._known_names(with_result=with_result)
        unknown = sorted(names - known)
        if unknown:
            raise TemplateError(
                f"template refers to '{unknown[0]}', which is not defined",
                location=location,
                step=step_id,
                hint=with_suggestion(unknown[0], sorted(known), NAMES_HINT),
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
                raise TemplateError(
                    f"template reads stack.{name}, which is not in the scenario's stack outputs",
                    location=location,
                    step=step_id,
                    hint=with_suggestion(name, sorted(outputs), "add it to `stack.outputs` if the stack has it"),
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
