"""``include:`` in the planner: the step kind, and the included file read and matched to its ``with:``.

The included file's steps are planned by a checker of their own (``engine.plan.steps``); this
module only reads the file and checks what the including step passes against its ``params``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from engine.action import ActionBase, ActionContext
from engine.errors import Location, SchemaError
from engine.plan.include_params import declared_params
from engine.plan.loader import load_referenced_yaml, locate
from engine.plan.model import INCLUDE, INCLUDE_SCHEMA, INCLUDED_FILE_SCHEMA
from engine.plan.schema_errors import problems, raise_first, with_suggestion


class _IncludeStep(ActionBase):
    """``include:`` as the checker sees it: a step kind with its schema; the dispatcher runs its steps."""

    name = INCLUDE
    description = "Run the steps of another file with parameters."
    schema = INCLUDE_SCHEMA
    example = {"file": "common/sign_in.yaml", "with": {"user": "{{ answers.username }}"}}

    def run(self, args: object, ctx: ActionContext) -> NoReturn:
        raise AssertionError("include steps are run by the dispatcher")


INCLUDE_ACTION = _IncludeStep()


@dataclass(frozen=True)
class IncludedFile:
    """An included file, read and checked against what the including step passes."""

    path: Path
    data: Mapping[str, object]
    names: frozenset[str]  # its params (params.<name>)
    params: dict[str, object]  # their values: the file's defaults, then the step's `with:`


def read_include(
    args: object, location: Location | None, step_id: str, *, base_dir: Path, chain: tuple[Path, ...], deps: list[Path]
) -> IncludedFile:
    """The file an ``include:`` step (schema-checked ``args``) names; ``chain`` are the files being
    included, outermost first, so a cycle is refused; the file is added to ``deps``."""
    spec: Mapping[str, object] = {"file": args} if isinstance(args, str) else args if isinstance(args, dict) else {}
    path = (base_dir / str(spec["file"])).resolve()
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain[chain.index(path) :], path))
        raise SchemaError(
            f"include cycle: {cycle}", location=location, step=step_id, hint="a file cannot include itself"
        )
    deps.append(path)
    data = load_referenced_yaml(path, location, step_id)
    if not isinstance(data, dict):
        raise SchemaError(
            "an included file must be a mapping with 'steps' (and optional 'params')",
            location=getattr(data, "location", Location(str(path), 1, 1)),
        )
    raise_first(problems(data, INCLUDED_FILE_SCHEMA, lambda p, key: locate(data, p, key=key)))
    declared = declared_params(data, path.name)
    defaults, names = dict(declared.defaults), declared.names
    passed = spec.get("with")
    given = dict(passed) if isinstance(passed, dict) else {}
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
    return IncludedFile(path=path, data=data, names=names, params={**defaults, **given})
