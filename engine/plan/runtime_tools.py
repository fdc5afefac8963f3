"""Whether this machine has what the stack's Lambda runtimes need to run on the local target.

The local Lambda starts Node.js functions with ``node``, and runs a provided runtime's bootstrap only
when it is built for this machine: otherwise the first trigger would fail in the middle of a run.
Checked from the stack template before any step runs (and by ``scenario validate``), each problem
names the function, the template's file:line and what to install or change.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from engine.errors import InputError, Location
from engine.local.awslambda.runtimes import host_architecture, missing_tool
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
            # Nodes only: CloudFormation tags need no constructor. The C parser when built: this runs every run.
            root = yaml.compose(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # deploying reports an unreadable template with its own message
    problems = []
    inherited = _value(_value(root, "Globals"), "Function")  # a SAM function's defaults
    for name, resource in _mapping_items(_value(root, "Resources")):
        kind = _scalar(_value(resource, "Type"))
        if kind not in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            continue
        properties = _value(resource, "Properties")
        defaults = inherited if kind == "AWS::Serverless::Function" else None
        runtime_node = _setting(properties, defaults, "Runtime")
        runtime = _scalar(runtime_node)
        if runtime is not None and runtime_node is not None and (missing := missing_tool(runtime)) is not None:
            problems.append(
                InputError(
                    f"function {name} uses runtime {runtime}, but {missing}",
                    location=_where(path, runtime_node),
                    hint="install it so that the local target can run the function, or run with --target aws",
                )
            )
        architectures = _setting(properties, defaults, "Architectures")
        wanted = _scalar(architectures.value[0]) if isinstance(architectures, yaml.SequenceNode) else None
        if architectures is not None and wanted is not None and wanted != (host := host_architecture()):
            problems.append(
                InputError(
                    f"function {name} is built for {wanted}, and this machine is {host}",
                    location=_where(path, architectures),
                    hint=f"build it for {host} and set Architectures: [{host}] to run it locally, "
                    "or run with --target aws",
                )
            )
    return problems


def _setting(properties: yaml.Node | None, defaults: yaml.Node | None, key: str) -> yaml.Node | None:
    """A function's own ``key``, else the one of SAM's ``Globals: Function:`` (``defaults``)."""
    own = _value(properties, key)
    return own if own is not None else _value(defaults, key)


def _where(path: Path, node: yaml.Node) -> Location:
    return Location(str(path), node.start_mark.line + 1, node.start_mark.column + 1)


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
