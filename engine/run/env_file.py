"""Where a scenario's ``env.<NAME>`` values come from: the environment, an ``--env-file``, a default.

The process environment wins over the file (as docker compose and python-dotenv do), so a value
exported for one run overrides the file kept for every run; the scenario's default comes last.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from engine.errors import InputError, Location
from engine.plan.model import Plan

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines; ``#`` starts a comment line, values may be quoted ('…' or "…")."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read the env file {path}: {exc.strerror if isinstance(exc, OSError) else exc}",
            hint="give a readable text file of KEY=VALUE lines",
        ) from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise InputError(
                "an env file line must be KEY=VALUE",
                location=Location(str(path), number, 1),
                hint="e.g. MY_SETTING=value (a # line is a comment)",
            )
        name, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()  # an unquoted value ends at a comment
        values[name] = value
    return values


def resolve_env(plan: Plan, from_file: Mapping[str, str] | None = None) -> dict[str, str]:
    """The value of each ``env:`` name; a name without a value anywhere is bad input."""
    values: dict[str, str] = {}
    for name in plan.env:
        value = os.environ.get(name)
        if value is None and from_file is not None:
            value = from_file.get(name)
        if value is None:
            value = plan.env_defaults.get(name)
        if value is None:
            raise InputError(
                f"environment variable {name} is not set",
                location=plan.env_location,
                hint=f"the scenario reads env.{name}; export it, put it in an --env-file, "
                f"or declare a default: {{name: {name}, default: ...}}",
            )
        values[name] = value
    return values
