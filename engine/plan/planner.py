"""Where a step is planned: a scenario file loaded, checked and turned into a ``Plan``.

Everything here runs without touching AWS, so ``scenario validate`` and the start of every run
share it: a scenario that validates cannot fail for a reason this stage could have seen. This
stage is the only one that reads the YAML; everything after it reads the plan. Here the file's
shape is checked; each file's steps are checked by ``engine.plan.steps``, their references last,
once every id is known.
"""

from __future__ import annotations

from collections.abc import Set
from pathlib import Path

from engine.action import Action
from engine.errors import InputError, InputErrors, Location, SchemaError
from engine.plan.loader import load_yaml_file, locate
from engine.plan.model import CLEANUP_PROMPT_ID, DEFAULT_CLEANUP_QUESTION, Plan, VarPlan, env_entries
from engine.plan.schema import generic_step_schema, top_level_schema
from engine.plan.schema_errors import located_problems
from engine.plan.steps import Collected, StepChecker
from engine.prompts.answers import Answers
from engine.template.render import NodePath

_TOP_LEVEL = top_level_schema(generic_step_schema())


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
    broken: set[NodePath] = set()
    for where, error in located_problems(data, _TOP_LEVEL, lambda p, key: locate(data, p, key=key)):
        errors.append(error)
        step = _step_path(where)
        if step is None:
            return None, errors  # the file's shape is wrong: nothing below can be trusted
        broken.add(step)
    collected = Collected(errors, deps if deps is not None else [])
    checker = StepChecker(path, data, registry, collected, broken=broken)
    steps = checker.steps(data["steps"], ("steps",))
    cleanup = data.get("cleanup") or {}
    cleanup_steps = checker.steps(cleanup.get("steps") or [], ("cleanup", "steps"))
    after_cleanup = checker.steps(data.get("after_cleanup") or [], ("after_cleanup",))
    ask = cleanup.get("ask", True)
    question = None if ask is False else (ask if isinstance(ask, str) else DEFAULT_CLEANUP_QUESTION)
    checker.templates.check_outside_steps()
    stack = data.get("stack")
    if isinstance(stack, dict) and stack.get("template"):
        from engine.stack.validate import stack_problems  # the template's own checks live with the stack code

        errors.extend(stack_problems(stack, path))
    prompt_ids = set(collected.prompt_ids) | ({CLEANUP_PROMPT_ID} if question else set())
    for each in collected.files:
        each.check_references(prompt_ids)
    if answers is not None:
        try:
            answers.check_known(prompt_ids)
        except InputError as error:
            errors.append(error)  # a misspelt answer: its prompt's "no answer" would only repeat it
        else:
            _check_answered(collected, set(answers.entries), str(answers.path))
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
        needs_answer=tuple(collected.needs_answer),
    ), []


def _order(error: InputError, file: str) -> tuple[bool, int, int]:
    where = error.location
    if where is None:
        return (True, 0, 0)
    return (where.file != file, where.line, where.column)


def _check_answered(collected: Collected, answered: Set[str], answers_file: str) -> None:
    """With an answers file: every prompt that has no default must have an answer there."""
    for prompt_id, location in collected.needs_answer:
        if prompt_id not in answered:
            collected.report(
                InputError(
                    f"prompt '{prompt_id}' has no answer in {answers_file} and no default",
                    location=location,
                    step=prompt_id,
                    hint=f"add '{prompt_id}: ...' to {answers_file}, or give the prompt a default",
                )
            )


def _step_path(path: NodePath) -> NodePath | None:
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
