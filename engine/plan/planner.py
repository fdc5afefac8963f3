"""Where a step is planned: a scenario file loaded, checked and turned into a ``Plan``.

Everything here runs without touching AWS, so ``scenario validate`` and the start of every run
share it: a scenario that validates cannot fail for a reason this module could have seen. This
is the only module that reads the YAML; everything after it reads the plan.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from engine.action import Action
from engine.aws.model import codes_for
from engine.errors import (
    ActionArgumentError,
    InputError,
    InputErrors,
    Location,
    SchemaError,
    UnknownActionError,
)
from engine.plan.include import INCLUDE_ACTION, IncludePlanning
from engine.plan.loader import load_yaml_file, locate
from engine.plan.model import (
    CLEANUP_PROMPT_ID,
    DEFAULT_CLEANUP_QUESTION,
    INCLUDE,
    STEP_MODIFIERS,
    Plan,
    StepPlan,
    VarPlan,
    env_entries,
    expected_errors,
    modifiers,
)
from engine.plan.references import TemplateChecks
from engine.plan.schema import generic_step_schema, top_level_schema
from engine.plan.schema_errors import located_problems, with_suggestion
from engine.prompts.answers import Answers
from engine.template.checks import DICT_ATTRIBUTES
from engine.template.render import is_template, iter_strings
from engine.template.scope import RESERVED_NAMES

_TOP_LEVEL = top_level_schema(generic_step_schema())
# The one action whose arguments are variable names (vars.<name>) the file defines.
_SETS_VARS = "set_vars"


# Plans of files already loaded in this process, by path: (the files they were made from, with
# their modification stamps; the plan). A runner that replays a scenario (the pytest plugin, the
# API, a benchmark) plans it once while none of its files change. Plans are frozen.
_PLANS: dict[tuple[Path, int], tuple[tuple[tuple[Path, tuple[int, int]], ...], Plan]] = {}


def _stamp(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except OSError:
        return (-1, -1)
    return (info.st_mtime_ns, info.st_size)


def load_scenario(path: Path, registry: dict[str, Action]) -> Plan:
    """Load ``path`` and check it completely; raise its problems (``InputErrors`` when there are several)."""
    key = (path.resolve(), id(registry))
    cached = _PLANS.get(key)
    if cached is not None and all(_stamp(dep) == stamp for dep, stamp in cached[0]):
        return cached[1]
    deps: list[Path] = [path]
    plan, errors = check_scenario(path, registry, deps=deps)
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    assert plan is not None
    _PLANS[key] = (tuple((dep, _stamp(dep)) for dep in deps), plan)
    return plan


def check_scenario(
    path: Path, registry: dict[str, Action], *, answers: Answers | None = None, deps: list[Path] | None = None
) -> tuple[Plan | None, list[InputError]]:
    """Check ``path`` completely: (the plan, or None when there is any problem; every problem found).

    With ``answers``, each answer must belong to a prompt, and each prompt without a default
    must have an answer.
    """
    try:
        data = load_yaml_file(path)
    except InputError as exc:
        return None, [exc]
    if not isinstance(data, dict):
        return None, [
            SchemaError(
                "a scenario file must be a mapping with at least 'name' and 'steps'",
                location=getattr(data, "location", Location(str(path), 1, 1)),
                hint="start from one of the files in scenarios/",
            )
        ]
    errors: list[InputError] = []
    broken: set[tuple[Any, ...]] = set()
    for where, error in located_problems(data, _TOP_LEVEL, lambda p, key: locate(data, p, key=key)):
        errors.append(error)
        step = _step_path(where)
        if step is None:
            return None, errors  # the file's shape is wrong: nothing below can be trusted
        broken.add(step)
    checker = _Checker(path, data, registry, errors, broken, deps=deps)
    steps = checker.steps(data["steps"], ("steps",))
    cleanup = data.get("cleanup") or {}
    cleanup_steps = checker.steps(cleanup.get("steps") or [], ("cleanup", "steps"))
    after_cleanup = checker.steps(data.get("after_cleanup") or [], ("after_cleanup",))
    ask = cleanup.get("ask", True)
    question = None if ask is False else (ask if isinstance(ask, str) else DEFAULT_CLEANUP_QUESTION)
    checker.check_templates_outside_steps()
    prompt_ids = set(checker.prompt_ids) | ({CLEANUP_PROMPT_ID} if question else set())
    for each in (checker, *checker.included):
        each.check_references(prompt_ids)
    if answers is not None:
        try:
            answers.check_known(prompt_ids)
        except InputError as error:
            errors.append(error)  # a misspelt answer: its prompt's "no answer" would only repeat it
        else:
            checker.check_answered(set(answers.entries), str(answers.path))
    if errors:
        # In file order; a problem in another file (the answers file) after this file's own.
        # A fragment included twice is checked twice: its problems are reported once.
        unique = {(e.message, str(e.location)): e for e in errors}
        return None, sorted(unique.values(), key=lambda e: _order(e, str(path)))
    variables = data.get("vars") or {}
    env = env_entries(data.get("env") or ())
    return Plan(
        path=path,
        name=data["name"],
        description=data.get("description", ""),
        steps=tuple(step for step in steps if step is not None),
        cleanup_steps=tuple(step for step in cleanup_steps if step is not None),
        cleanup_question=question,
        stack=data.get("stack"),
        vars=tuple(
            VarPlan(name, value, locate(data, ("vars", name)) or Location(str(path)))
            for name, value in variables.items()
        ),
        env=tuple(entry.name for entry in env),
        env_defaults={entry.name: entry.default for entry in env if entry.default is not None},
        env_secrets=frozenset(entry.name for entry in env if entry.secret),
        env_location=locate(data, ("env",)),
        prompt_ids=frozenset(prompt_ids),
        tags=tuple(data.get("tags") or ()),
        after_cleanup=tuple(step for step in after_cleanup if step is not None),
        needs_answer=tuple(checker.needs_answer),
    ), []


def _order(error: InputError, file: str) -> tuple[bool, int, int]:
    where = error.location
    if where is None:
        return (True, 0, 0)
    return (where.file != file, where.line, where.column)


def _needs_answer(action: Action, args: Any) -> bool:
    """A step that asks and could be given a ``default`` but is not: a replay must answer it."""
    offers_default = "default" in (action.schema.get("properties") or {})
    return offers_default and isinstance(args, dict) and "default" not in args


def _step_path(path: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The step a problem at ``path`` is inside (its path), or None when it is outside every step."""
    if len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int):
        return path[:2]
    if len(path) >= 3 and path[:2] == ("cleanup", "steps") and isinstance(path[2], int):
        return path[:3]
    if len(path) >= 2 and path[0] == "after_cleanup" and isinstance(path[1], int):
        return path[:2]
    if path and path[0] in ("name", "description", "vars", "env", "stack"):
        return ()  # a problem that spoils no step: keep checking the steps
    return None


class _Checker(IncludePlanning, TemplateChecks):
    """Second pass: per-step actions, arguments, ids, templates and references; every problem is kept."""

    def __init__(
        self,
        path: Path,
        root: Any,
        registry: dict[str, Action],
        errors: list[InputError],
        broken: set[tuple[Any, ...]],
        *,
        chain: tuple[Path, ...] = (),
        params: frozenset[str] = frozenset(),
        deps: list[Path] | None = None,
    ) -> None:
        self.file = str(path)
        self.root = root
        self.registry = {**registry, INCLUDE: INCLUDE_ACTION}
        self.plugins = registry
        self.chain = (*chain, path.resolve())  # the files being included, outermost first: cycles are refused
        self.params = params  # an included file's parameter names (params.<name>)
        self.deps = deps if deps is not None else []  # every file the plan is made from
        self.included: list[_Checker] = []  # the checkers of included files (their references are checked last)
        self.loop_names: set[str] = set()  # a for_each step's item and index names, while it is checked
        self.errors = errors
        self.broken = broken  # steps (by path) the schema already found wrong: only their ids are read
        self.step_ids: set[str] = set()
        self.auto_ids: Counter[str] = Counter()
        self.prompt_ids: list[str] = []
        self.registered: set[str] = set()
        self.var_names: set[str] = (
            set(self.root.get("vars") or {}) if isinstance(self.root.get("vars"), dict) else set()
        )
        self.needs_answer: list[tuple[str, Location]] = []
        # (text, where, step id, is it an expression): checked against every id once all are known
        self.references: list[tuple[str, Location | None, str | None, bool]] = []

    def report(self, error: InputError) -> None:
        self.errors.append(error)

    def steps(self, raw_steps: Any, prefix: tuple[Any, ...]) -> list[StepPlan | None]:
        if not isinstance(raw_steps, list):
            return []
        return [self.step(raw, (*prefix, index)) for index, raw in enumerate(raw_steps)]

    def step(self, raw: Any, path: tuple[Any, ...]) -> StepPlan | None:
        location = locate(self.root, path) or Location(self.file)
        if not isinstance(raw, dict):
            return None
        if path in self.broken:
            self._note_id(raw)
            return None
        try:
            name = self._action_key(raw, path, location)
        except InputError as error:
            self.report(error)
            self._note_id(raw)
            return None
        action = self.registry[name]
        args = raw[name]
        step_id = raw.get("id") or action.step_id(args) or self._auto_id(name)
        self._check_id(step_id, location)
        self.step_ids.add(step_id)

        def where(sub: tuple[Any, ...], key: bool = False) -> Location | None:
            return locate(self.root, (*path, *sub), key=key)

        arg_errors = [
            error
            for _, error in located_problems(
                args,
                action.schema,
                lambda p, key: where((name, *p), key),
                whole=name,
                step=step_id,
                error_class=ActionArgumentError,
            )
        ]
        self.errors.extend(arg_errors)
        if not arg_errors:  # an action's own checks may rely on its schema
            for sub, message in action.check(args):
                self.report(ActionArgumentError(message, location=where((name, *sub)), step=step_id))
        fields: dict[str, Any] | None = None
        try:
            fields = modifiers(
                raw, where, step_id=step_id, prompts_before=self.prompt_ids, base_dir=Path(self.file).parent
            )
            if isinstance(raw.get("for_each"), dict) and "file" in raw["for_each"]:
                self.deps.append(Path(self.file).parent / raw["for_each"]["file"])
            if name == INCLUDE and not arg_errors:
                fields["include"] = self._include(args, where, step_id)
        except InputError as error:
            self.report(error)
            fields = None
        loop = (fields or {}).get("for_each")
        self.loop_names = {loop.name, "index"} if loop is not None else set()
        self._check_step_templates(raw, path, step_id, name, action)
        self.loop_names = set()
        if not arg_errors:
            self._check_error_codes(raw, action, args, where, step_id)
        if action.asks:
            self.prompt_ids.append(step_id)
            if _needs_answer(action, args) and "when" not in raw:
                self.needs_answer.append((step_id, location))
        if name == _SETS_VARS and isinstance(args, dict):
            self.var_names |= {str(key) for key in args}
            for key in args:
                self._check_shadowing("variable", str(key), where((name, key), True) or location, step_id)
        if fields is None:
            return None
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

    def _note_id(self, raw: dict[str, Any]) -> None:
        """A step too broken to check still defines its id, so references to it are not reported too."""
        step_id = raw.get("id")
        if not isinstance(step_id, str):
            keys = [key for key in raw if key not in STEP_MODIFIERS]
            step_id = self._auto_id(str(keys[0])) if keys else None
        if isinstance(step_id, str):
            self.step_ids.add(step_id)

    def _check_id(self, step_id: str, location: Location) -> None:
        if step_id in self.step_ids:
            self.report(
                SchemaError(f"step id '{step_id}' is used twice", location=location, hint="give each step a unique id")
            )
        elif step_id in RESERVED_NAMES:
            self.report(
                SchemaError(
                    f"step id '{step_id}' is a reserved name",
                    location=location,
                    hint=f"reserved: {', '.join(sorted(RESERVED_NAMES))}",
                )
            )
        else:
            self._check_shadowing("step id", step_id, location, None)

    def _check_shadowing(self, what: str, name: str, location: Location, step_id: str | None) -> None:
        if name in DICT_ATTRIBUTES:
            parent = "steps" if what == "step id" else "vars"
            self.report(
                SchemaError(
                    f"{what} '{name}' hides the mapping method {parent}.{name}",
                    location=location,
                    step=step_id,
                    hint=f"templates read {parent}.{name} as the method, so {parent}.{name}.… fails at run time; "
                    f"choose another name, e.g. '{name}_1'",
                )
            )

    def _check_error_codes(self, raw: dict[str, Any], action: Action, args: Any, where: Any, step_id: str) -> None:
        """``expect_error`` codes must be ones the step's AWS operations (or the engine) can give."""
        codes = raw.get("expect_error")
        if codes is None:
            return
        operations = action.operations
        if action.name == "aws_call" and isinstance(args, dict):
            service, operation = args.get("service"), args.get("operation")
            if isinstance(service, str) and isinstance(operation, str) and not is_template(service + operation):
                operations = ((service, operation),)
        known = codes_for(operations)
        if known is None:
            return
        listed = [code for code, _, _ in expected_errors(codes)]
        for index, code in enumerate(listed):
            if code in known:
                continue
            self.report(
                SchemaError(
                    f"expect_error '{code}' is not an error {action.name} can give",
                    location=where(("expect_error",) if not isinstance(codes, list) else ("expect_error", index))
                    or where(()),
                    step=step_id,
                    hint=with_suggestion(
                        code,
                        sorted(known),
                        f"the codes are the errors botocore's model lists for the AWS calls {action.name} makes, "
                        "the common AWS errors and the engine's own",
                    ),
                )
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
