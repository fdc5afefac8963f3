"""``include:`` in the planner: another file's steps planned with a checker of their own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.action import Action, ActionBase, ActionContext
from engine.errors import InputError, Location, SchemaError
from engine.plan.include_params import declared_params
from engine.plan.loader import load_referenced_yaml, locate
from engine.plan.model import INCLUDE, INCLUDE_SCHEMA, INCLUDED_FILE_SCHEMA, Include
from engine.plan.schema_errors import problems, raise_first, with_suggestion


class _IncludeStep(ActionBase):
    """``include:`` as the checker sees it: a step kind with its schema; the dispatcher runs its steps."""

    name = INCLUDE
    description = "Run the steps of another file with parameters."
    schema = INCLUDE_SCHEMA
    example = {"file": "common/sign_in.yaml", "with": {"user": "{{ answers.username }}"}}

    def run(self, args: Any, ctx: ActionContext) -> Any:
        raise AssertionError("include steps are run by the dispatcher")


INCLUDE_ACTION = _IncludeStep()


class IncludePlanning:
    """What ``_Checker`` does with an ``include:`` step."""

    file: str
    chain: tuple[Path, ...]
    deps: list[Path]
    plugins: dict[str, Action]
    errors: list[InputError]
    registered: set[str]
    prompt_ids: list[str]
    needs_answer: list[tuple[str, Location]]
    included: list[Any]

    def steps(self, raw_steps: Any, prefix: tuple[Any, ...]) -> list[Any]:
        raise NotImplementedError

    def _include(self, args: Any, where: Any, step_id: str) -> Include:
        """Plan the included file's steps with a checker of their own (their ids are their own)."""
        spec: dict[str, Any] = {"file": args} if isinstance(args, str) else args
        location = where((INCLUDE,))
        path = (Path(self.file).parent / spec["file"]).resolve()
        if path in self.chain:
            cycle = " -> ".join(p.name for p in (*self.chain[self.chain.index(path) :], path))
            raise SchemaError(
                f"include cycle: {cycle}", location=location, step=step_id, hint="a file cannot include itself"
            )
        self.deps.append(path)
        data = load_referenced_yaml(path, location, step_id)
        if not isinstance(data, dict):
            raise SchemaError(
                "an included file must be a mapping with 'steps' (and optional 'params')",
                location=getattr(data, "location", Location(str(path), 1, 1)),
            )
        raise_first(problems(data, INCLUDED_FILE_SCHEMA, lambda p, key: locate(data, p, key=key)))
        declared = declared_params(data, path.name)
        defaults, names = dict(declared.defaults), declared.names
        given = dict(spec.get("with") or {})
        for key in sorted(set(given) - names):
            raise SchemaError(
                f"include passes '{key}', which {path.name} does not declare in its params",
                location=locate(spec, ("with", key), key=True) or location,
                step=step_id,
                hint=with_suggestion(key, sorted(names), f"params of {path.name}: {', '.join(sorted(names)) or '-'}"),
            )
        for key in sorted(names - set(given) - set(defaults)):
            raise SchemaError(
                f"include does not pass '{key}', which {path.name} needs",
                location=location,
                step=step_id,
                hint=f"add it under with: (with: {{{key}: ...}})",
            )
        make: Any = type(self)  # the checker class itself: an included file is checked the same way
        child = make(path, data, self.plugins, self.errors, set(), chain=self.chain, params=names, deps=self.deps)
        child.registered = self.registered
        child.prompt_ids = self.prompt_ids  # prompts are keyed by id across files: one answers file serves all
        child.needs_answer = self.needs_answer
        steps = child.steps(data["steps"], ("steps",))
        self.included.append(child)
        return Include(path=path, params={**defaults, **given}, steps=tuple(s for s in steps if s is not None))
