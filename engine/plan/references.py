"""The template checks of the planner: names each template reads, and references to steps,
prompts and variables, which can only be checked once every id in the file is known."""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import NamedTuple

import jinja2

from engine.action import Action
from engine.errors import Location, SchemaError, TemplateError
from engine.plan.ids import Report
from engine.plan.loader import locate
from engine.plan.model import env_entries
from engine.plan.schema_errors import with_suggestion
from engine.template import helpers as template_helpers
from engine.template.checks import known_filters_and_tests, read_names, unknown_filters_and_tests
from engine.template.render import NodePath, attribute_refs, check_syntax, is_template, iter_strings
from engine.template.scope import NAMES_HINT, RESULT_NAMES, TEMPLATE_NAMES

JINJA_GLOBALS = frozenset(jinja2.Environment().globals)


# Templates run in Jinja's sandbox: Python's internals are out of reach by design.
_SANDBOX_HINT = "templates may read data (results, vars, answers) but not Python internals: remove the __name__ part"


class Reference(NamedTuple):
    """A template whose names read off ``steps``, ``answers`` and ``vars`` are checked once every id is known."""

    text: str
    location: Location | None
    step_id: str | None
    expression: bool


class TemplateChecker:
    """The templates of one file: each checked where it is written; its references kept for the end."""

    def __init__(
        self, root: Mapping[str, object], *, params: frozenset[str], registered: Set[str], report: Report
    ) -> None:
        self._root = root
        self._params = params  # an included file's parameter names (params.<name>)
        self._registered = registered  # register: names so far, in every file: it grows as steps are checked
        self._report = report
        env = root.get("env")
        self._env = {entry.name for entry in env_entries(env)} if isinstance(env, list) else set()
        self.references: list[Reference] = []

    def _known_names(self, loop_names: Set[str], *, with_result: bool) -> set[str]:
        names = set(TEMPLATE_NAMES) | set(self._registered) | JINJA_GLOBALS | set(loop_names)
        if self._params:
            names.add("params")
        if with_result:
            names |= set(RESULT_NAMES)
        return names

    def check_step(
        self,
        raw: Mapping[str, object],
        path: NodePath,
        step_id: str,
        name: str,
        action: Action,
        loop_names: Set[str] = frozenset(),
    ) -> None:
        """Every template of a step; ``loop_names`` are its ``for_each`` item and index names."""
        for sub, text in iter_strings(raw):
            top = sub[0] if sub else None
            if top == "for_each":
                # The list is made before any item exists: the loop's own names are not defined there.
                self._check_text(text, (*path, *sub), step_id, frozenset(), expression=False)
                continue
            in_args = top == name
            expression = (
                top in ("when", "assert")
                or (top == "retry" and len(sub) > 1 and sub[1] == "until")
                or (in_args and action.expressions)
            )
            # Deferred arguments (an undo that uses the call's result) are rendered after the call, with its result.
            in_deferred = in_args and len(sub) > 1 and sub[1] in action.deferred
            with_result = top in ("assert", "retry", "match") or in_deferred
            self._check_text(text, (*path, *sub), step_id, loop_names, expression=expression, with_result=with_result)

    def _check_text(
        self,
        text: str,
        path: NodePath,
        step_id: str | None,
        loop_names: Set[str],
        *,
        expression: bool,
        with_result: bool = False,
    ) -> None:
        if not expression and not is_template(text):
            return
        location = locate(self._root, path)
        unknown_functions = unknown_filters_and_tests(text, expression=expression)
        for kind, function in unknown_functions:
            self._report(
                TemplateError(
                    f"template uses the {kind} '{function}', which does not exist",
                    location=location,
                    step=step_id,
                    hint=with_suggestion(function, known_filters_and_tests(kind), _known_hint(kind)),
                )
            )
        if unknown_functions:
            return
        error, names = check_syntax(text, expression=expression)
        if error:
            self._report(
                TemplateError(
                    error,
                    location=location,
                    step=step_id,
                    hint=_SANDBOX_HINT
                    if error.startswith("template not allowed")
                    else "templates use {{ expression }}; check brackets and quotes",
                )
            )
            return
        known = self._known_names(loop_names, with_result=with_result)
        unknown = sorted(names - known)
        if unknown:
            self._report(
                TemplateError(
                    f"template refers to '{unknown[0]}', which is not defined",
                    location=location,
                    step=step_id,
                    hint=with_suggestion(unknown[0], sorted(known), NAMES_HINT),
                )
            )
            return
        self._check_declared(text, location, step_id, expression=expression)
        self.references.append(Reference(text, location, step_id, expression))

    def _check_declared(self, text: str, location: Location | None, step_id: str | None, *, expression: bool) -> None:
        """env.X must be in `env:`, and stack.X in `stack.outputs` when the scenario lists its outputs."""
        for name in sorted(attribute_refs(text, "env", expression=expression) - self._env):
            self._report(
                TemplateError(
                    f"template reads env.{name}, which the scenario does not declare",
                    location=location,
                    step=step_id,
                    hint=f"add {name} to the scenario's `env:` list (only listed variables are visible)",
                )
            )
            break
        stack = self._root.get("stack")
        outputs = stack.get("outputs") if isinstance(stack, dict) else None
        if outputs and isinstance(outputs, list):
            for name in sorted(attribute_refs(text, "stack", expression=expression) - set(map(str, outputs))):
                self._report(
                    TemplateError(
                        f"template reads stack.{name}, which is not in the scenario's stack outputs",
                        location=location,
                        step=step_id,
                        hint=with_suggestion(
                            name, sorted(map(str, outputs)), "add it to `stack.outputs` if the stack has it"
                        ),
                    )
                )
                break

    def check_references(self, step_ids: Set[str], prompt_ids: Set[str], var_names: Set[str]) -> None:
        """steps.X, answers.X and vars.X must name a step, a prompt and a variable the file defines."""
        kinds = (
            ("steps", step_ids, "step", "steps.<id> is the outcome of the step with that id"),
            ("answers", prompt_ids, "prompt", "answers.<id> is the reply to the prompt with that id"),
            ("vars", var_names, "variable", "vars.<name> comes from `vars:` or a set_vars step"),
        )
        for text, location, step_id, expression in self.references:
            for root, defined, what, rest in kinds:
                for name in sorted(read_names(text, root, expression=expression) - defined):
                    self._report(
                        TemplateError(
                            f"template reads {root}.{name}, but no {what} has the id '{name}'"
                            if what != "variable"
                            else f"template reads vars.{name}, which is not set anywhere in the scenario",
                            location=location,
                            step=step_id,
                            hint=with_suggestion(name, sorted(defined), rest),
                        )
                    )

    def check_outside_steps(self) -> None:
        """The templates of ``vars:``; the stack settings, which cannot have any."""
        for sub, text in iter_strings(self._root.get("vars") or {}):
            self._check_text(text, ("vars", *sub), None, frozenset(), expression=False)
        # The stack is read before anything can be rendered, so its settings are plain values.
        for sub, text in iter_strings(self._root.get("stack") or {}):
            if is_template(text):
                self._report(
                    SchemaError(
                        "the stack settings cannot use templates",
                        location=locate(self._root, ("stack", *sub)),
                        hint="write the name as it is, or choose the stack on the command line with --stack NAME",
                    )
                )


def _known_hint(kind: str) -> str:
    ours = sorted(template_helpers.TESTS if kind == "test" else template_helpers.FILTERS)
    return f"the {kind}s are Jinja's built-in {kind}s and {', '.join(ours)}"
