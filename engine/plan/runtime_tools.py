"""Whether this machine has what the stack's Lambda runtimes need to run on the local target.

The local Lambda starts Node.js functions with ``node``: without it, the first trigger would fail in
the middle of a run. Checked from the stack template before any step runs (and by ``scenario
validate``), each problem names the function, the template's file:line and what to install.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from engine.errors import InputError, Location
from engine.local.awslambda.runtimes import missing_tool
from engine.plan.model import Plan


def runtime_problems(plan: Plan) -> list[InputError]:
    """One error per function of the scenario's stack template whose runtime's tool is missing here."""
    template = plan.stack.get("template") if plan.stack else None
    if not isinstance(template, str):
        return []
    path = Path(template)
    if not path.is_absolute():
        path = (plan.path.parent / path).resolve()
    try:
        with path.open(encoding="utf-8") as stream:
            root = yaml.compose(stream, Loader=yaml.SafeLoader)  # nodes only: CloudFormation tags need no constructor
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # deploying reports an unreadable template with its own message
    problems = []
    for name, resource in _mapping_items(_value(root, "Resources")):
        if _scalar(_value(resource, "Type")) != "AWS::Lambda::Function":
            continue
        runtime_node = _value(_value(resource, "Properties"), "Runtime")
        runtime = _scalar(runtime_node)
        if runtime is None or runtime_node is None or (missing := missing_tool(runtime)) is None:
            continue
        mark = runtime_node.start_mark
        problems.append(
            InputError(
                f"function {name} uses runtime {runtime}, but {missing}",
                location=Location(str(path), mark.line + 1, mark.column + 1),
                hint="install it so that the local target can run the function, or run with --target aws",
            )
        )
    return problems


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    for name, value in _mapping_items(node):
        if name == key:
            return value
    return None


def _mapping_items(node: yaml.Node | None) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(k.value), v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]


def _scalar(node: yaml.Node | None) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None
