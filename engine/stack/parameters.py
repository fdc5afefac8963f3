"""The parameters a deploy passes: what the scenario gives, checked against what the template declares."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine.errors import InputError, Location

# The project's own template takes its packaged triggers through these two (see ``engine.stack.deploy``).
LEGACY_CODE_PARAMETERS = ("CodeBucket", "CodeKey")


def check_parameters(
    declared: Mapping[str, Any],
    given: Mapping[str, Any],
    template: Path,
    *,
    source: str = "--parameter",
    where: Callable[[str | None], Location | None] = lambda _: None,
    filled: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """``given`` as CloudFormation parameter values, once each is declared and no required one is missing.

    ``source`` names where the values come from (the scenario file) and ``where(name)`` locates one of them
    (``where(None)``: the whole set); ``filled`` are parameters the deploy fills in itself.
    """
    for name in given:
        if name not in declared:
            raise InputError(
                f"stack parameter '{name}' is not declared in the template {template}",
                location=where(name),
                hint=f"declare it under Parameters in {template}, or remove it from {source}",
            )
    for name, spec in declared.items():
        if name in given or name in filled or (isinstance(spec, dict) and "Default" in spec):
            continue
        raise InputError(
            f"the template {template} requires the parameter '{name}' (it has no Default)",
            location=where(None),
            hint=f"give it under stack.parameters in {source}"
            if source != "--parameter"
            else f"pass --parameter {name}=VALUE",
        )
    return {name: _text(value) for name, value in given.items()}


def _text(value: Any) -> str:
    """CloudFormation parameters are strings; a YAML list is a CommaDelimitedList."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    return str(value)
