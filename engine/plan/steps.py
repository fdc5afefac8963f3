"""One file's steps checked and planned: the action key, its arguments, id, modifiers and templates.

Every problem is kept (``Collected.report``), so ``scenario validate`` lists them all. An included
file gets a ``StepChecker`` of its own: its step ids and variables are its own, while prompts and
``register`` names are shared by every file of the scenario.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from engine.action import Action, JsonValue
from engine.errors import ActionArgumentError, InputError, Location, SchemaError, UnknownActionError
from engine.plan.declared import variables_set
from engine.plan.error_codes import check_error_codes
from engine.plan.ids import StepIds, check_shadowing
from engine.plan.include import INCLUDE_ACTION, read_include
from engine.plan.loader import locate
from engine.plan.model import INCLUDE, STEP_MODIFIERS, Include, Locate, StepPlan
from engine.plan.modifiers import Modifiers, modifiers
from engine.plan.references import TemplateChecker
from engine.plan.schema_errors import Locator, located_problems, with_suggestion
from engine.template.render import NodePath, is_template, iter_strings


@dataclass
class Collected:
    """What checking gathers across the scenario file and the files it includes."""

    errors: list[InputError]
    deps: list[Path]  # every file the plan is made from
    registered: set[str] = field(default_factory=set)
    # Prompts are keyed by id across files: one answers file serves them all.
    prompt_ids: list[str] = field(default_factory=list)
    needs_answer: list[tuple[str, Location]] = field(default_factory=list)
    files: list[StepChecker] = field(default_factory=list)  # their references are checked once all ids are known

    def report(self, error: InputError) -> None:
        self.errors.append(error)


class StepChecker:
    """Checks and plans the steps of one file; ``broken`` are the steps (by path) its schema check
    already found wrong, of which only the ids are read."""

    def __init__(
        self,
        path: Path,
        root: Mapping[str, object],
        registry: Mapping[str, Action],
        collected: Collected,
        *,
        broken: Set[NodePath] = frozenset(),
        chain: tuple[Path, ...] = (),
        params: frozenset[str] = frozenset(),
    ) -> None:
        self.file = str(path)
        self._root = root
        self._plugins = registry
        self._registry = {**registry, INCLUDE: INCLUDE_ACTION}
        self._collected = collected
        self._report = collected.report
        self._broken = broken
        self._chain = (*chain, path.resolve())  # the files being included, outermost first: cycles are refused
        self.ids = StepIds(collected.report)
        self.templates = TemplateChecker(root, params=params, registered=collected.registered, report=self._report)
        variables = root.get("vars")
        self.var_names: set[str] = set(variables) if isinstance(variables, dict) else set()
        collected.files.append(self)

    def check_references(self, prompt_ids: Set[str]) -> None:
        self.templates.check_references(self.ids.taken, prompt_ids, self.var_names)

    def steps(self, raw_steps: object, prefix: NodePath) -> list[StepPlan | None]:
        if not isinstance(raw_steps, list):
            return []
        return [self.step(raw, (*prefix, index)) for index, raw in enumerate(raw_steps)]

    def step(self, raw: object, path: NodePath) -> StepPlan | None:
        location = locate(self._root, path) or Location(self.file)
        if not isinstance(raw, dict):
            return None
        if path in self._broken:
            self.ids.note(raw)
            return None
        try:
            name = action_key(raw, path, location, self._root, self._registry)
        except InputError as error:
            self._report(error)
            self.ids.note(raw)
            return None
        action = self._registry[name]
        args = cast(JsonValue, raw[name])  # loaded YAML: mappings, lists and scalars
        step_id: str = raw.get("id") or action.step_id(args) or self.ids.auto(name)
        self.ids.claim(step_id, location)

        def where(sub: NodePath, key: bool = False) -> Location | None:
            return locate(self._root, (*path, *sub), key=key)

        args_valid = self._check_args(action, name, args, lambda sub, key: where((name, *sub), key), step_id)
        fields = self._modifiers(raw, where, step_id, args, include=name == INCLUDE and args_valid)
        loop = (fields or {}).get("for_each")
        loop_names = {loop.name, "index"} if loop is not None else set()
        self.templates.check_step(raw, path, step_id, name, action, loop_names)
        if args_valid:
            check_error_codes(raw, action, args, where, step_id, self._report)
        if action.asks:
            self._collected.prompt_ids.append(step_id)
            if _needs_answer(action, args) and "when" not in raw:
                self._collected.needs_answer.append((step_id, location))
        for variable in variables_set(action, args):
            self.var_names.add(variable)
            check_shadowing(self._report, "variable", variable, where((name, variable), True) or location, step_id)
        if fields is None:
            return None
        if "register" in fields:
            self._collected.registered.add(fields["register"])
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

    def _check_args(self, action: Action, name: str, args: JsonValue, at: Locator, step_id: str) -> bool:
        """Report what is wrong with the step's arguments (``at`` locates a path inside them); True when
        they match the action's schema."""
        arg_errors = [
            error
            for _, error in located_problems(
                args,
                action.schema,
                at,
                whole=name,
                step=step_id,
                error_class=ActionArgumentError,
            )
        ]
        self._collected.errors.extend(arg_errors)
        if arg_errors:
            return False
        for sub, message in action.check(args):  # an action's own checks may rely on its schema
            self._report(ActionArgumentError(message, location=at(tuple(sub), False), step=step_id))
        return True

    def _modifiers(
        self, raw: Mapping[str, object], where: Locate, step_id: str, args: object, *, include: bool
    ) -> Modifiers | None:
        """The step's ``StepPlan`` fields, or None (its problem reported); with ``include``, the included
        file planned as well."""
        try:
            fields = modifiers(
                raw,
                where,
                step_id=step_id,
                prompts_before=self._collected.prompt_ids,
                base_dir=Path(self.file).parent,
            )
            for_each = raw.get("for_each")
            if isinstance(for_each, dict) and "file" in for_each:
                self._collected.deps.append(Path(self.file).parent / for_each["file"])
            if include:
                fields["include"] = self._include(args, where((INCLUDE,)), step_id)
        except InputError as error:
            self._report(error)
            return None
        return fields

    def _include(self, args: object, location: Location | None, step_id: str) -> Include:
        """Plan the included file's steps with a checker of their own (their ids are their own)."""
        included = read_include(
            args, location, step_id, base_dir=Path(self.file).parent, chain=self._chain, deps=self._collected.deps
        )
        child = StepChecker(
            included.path, included.data, self._plugins, self._collected, chain=self._chain, params=included.names
        )
        steps = child.steps(included.data["steps"], ("steps",))
        return Include(path=included.path, params=included.params, steps=tuple(s for s in steps if s is not None))


def _needs_answer(action: Action, args: object) -> bool:
    """A step that asks and could be given a ``default`` but is not: a replay must answer it."""
    offers_default = "default" in (action.schema.get("properties") or {})
    return offers_default and isinstance(args, dict) and "default" not in args


def action_key(
    raw: Mapping[str, object],
    path: NodePath,
    location: Location,
    root: Mapping[str, object],
    registry: Mapping[str, Action],
) -> str:
    """The step's one action key, or an error saying what is wrong with its keys."""
    candidates = [key for key in raw if key not in STEP_MODIFIERS]
    actions = [key for key in candidates if key in registry] or candidates
    strays = [key for key in candidates if key not in actions]
    if strays:
        raise SchemaError(
            f"unknown key '{strays[0]}' in a '{actions[0]}' step",
            location=locate(root, (*path, strays[0]), key=True),
            hint=with_suggestion(
                strays[0],
                [*STEP_MODIFIERS, *registry],
                f"step keys: one action plus {', '.join(STEP_MODIFIERS)}",
            ),
        )
    if not actions:
        raise UnknownActionError(
            "step has no action",
            location=location,
            hint=f"add one action key, e.g. {', '.join(sorted(registry)[:6])}, … (`scenario actions` lists them all)",
        )
    if len(actions) > 1:
        raise SchemaError(
            f"step has more than one action: {', '.join(actions)}",
            location=locate(root, (*path, actions[1]), key=True),
            hint="split it into one step per action",
        )
    name = actions[0]
    if name not in registry:
        raise UnknownActionError(
            f"unknown action '{name}'",
            location=locate(root, (*path, name), key=True),
            hint=with_suggestion(name, sorted(registry), "run `scenario actions` to list the actions"),
        )
    return name
