"""What is checked in a template before a local deploy creates anything: its transforms and its resource
types, each problem located at the resource's line in the template file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from engine.errors import InputError, Location
from engine.stack.local_types import LOCAL_TYPES, unsupported_message
from engine.stack.sam import KNOWN_TRANSFORMS, SAM_TRANSFORM, transforms, unknown_transforms


def template_problems(template: dict[str, Any], path: Path) -> list[InputError]:
    """Every reason the local target cannot deploy ``template`` (read from ``path``), as InputErrors."""
    problems = []
    lines = resource_lines(path)
    for name in unknown_transforms(template):
        problems.append(
            InputError(
                f"the template {path} uses the transform {name}, which the local target cannot expand",
                location=Location(str(path), lines.get("Transform", 0)),
                hint=f"the local target expands {', '.join(KNOWN_TRANSFORMS)}; deploy this one with --target aws",
            )
        )
    sam = SAM_TRANSFORM in transforms(template)
    for logical, resource in (template.get("Resources") or {}).items():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if not isinstance(kind, str) or kind in LOCAL_TYPES or (sam and kind.startswith("AWS::Serverless::")):
            continue
        problems.append(unsupported(logical, kind, path, lines))
    return problems


def unsupported(logical: str, kind: str, path: Path, lines: dict[str, int] | None = None) -> InputError:
    """``logical`` (of type ``kind``) refused, at its line in ``path``; a resource a transform made (not in
    the file) is placed at the resource whose logical id it starts with."""
    lines = resource_lines(path) if lines is None else lines
    line = lines.get(logical) or next(
        (lines[name] for name in sorted(lines, key=len, reverse=True) if name and logical.startswith(name)), None
    )
    return InputError(
        unsupported_message(logical, kind),
        location=Location(str(path), line or lines.get("Resources", 0)),
        hint="remove it or replace it with a supported type, or deploy this template with --target aws",
    )


def resource_lines(path: Path) -> dict[str, int]:
    """The 1-based line of each resource's logical id (and of ``Resources``, ``Transform``) in ``path``."""
    try:
        with path.open(encoding="utf-8") as stream:
            root = yaml.compose(stream, Loader=_AnyTagLoader)
    except (OSError, yaml.YAMLError):
        return {}
    found: dict[str, int] = {}
    if not isinstance(root, yaml.MappingNode):
        return found
    for key, value in root.value:
        if key.value in ("Resources", "Transform"):
            found[key.value] = key.start_mark.line + 1
        if key.value == "Resources" and isinstance(value, yaml.MappingNode):
            for logical, _ in value.value:
                found[str(logical.value)] = logical.start_mark.line + 1
    return found


class _AnyTagLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml's parser if built
    """Composes nodes only, so CloudFormation's short-form tags need no constructor."""
