"""A step's modifiers (``when``, ``expect_error``, ``retry``, ``for_each``, ``match``, ...) parsed into the
``StepPlan`` fields they give, defaults applied once. Their schemas are ``model.STEP_MODIFIERS``; adding a
modifier touches that, this module and the dispatcher's use of it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TypedDict, cast

from engine.errors import InputError, Location, SchemaError
from engine.plan.loader import load_referenced_yaml, read_text_file
from engine.plan.model import Expected, ForEach, Include, Locate
from engine.run.retry import DEFAULT_ATTEMPTS, Expr, RetryPolicy
from engine.template.render import NodePath
from engine.template.scope import RESERVED_NAMES


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
