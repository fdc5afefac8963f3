"""What ``scenario validate`` sees in a scenario's stack template without deploying it: a transform the local
target cannot expand, a resource type it cannot create, a CDK asset missing from the cloud assembly."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.errors import InputError, Location, ScenarioError
from engine.plan.loader import locate, read_text_file
from engine.stack import cdk
from engine.stack.preflight import template_problems
from engine.stack.template import load_template, read_template


def stack_problems(spec: Mapping[str, Any], scenario: Path) -> list[InputError]:
    """Every problem of the template ``spec["template"]`` (relative to ``scenario``); none when it is absent
    (a run reports a missing template itself, naming the target it looked on)."""
    template = Path(str(spec.get("template")))
    if not template.is_absolute():
        template = scenario.parent / template
    try:
        if not template.exists():
            return []
    except OSError as exc:  # a name too long for the file system, say: not a template anyone has
        where = locate(spec, ("template",)) or Location(str(scenario))
        return [InputError(f"stack.template cannot be a file: {exc.strerror}", location=where, hint="check the path")]
    problems: list[InputError] = []
    try:
        if cdk.is_assembly(template):
            assembly = cdk.resolve(template, str(spec.get("name") or ""))
            manifest = str(assembly.assets or template)
            problems += [
                InputError(
                    f"CDK asset {path} is missing from the cloud assembly",
                    location=Location(manifest),
                    hint="synthesize the app again (`npx cdk synth`) so cdk.out holds its assets",
                )
                for path in cdk.missing_assets(assembly)
            ]
            template = assembly.template
        if template.is_dir():
            return problems  # a folder that is not an assembly: the run says so
        read_text_file(template, "CloudFormation template")  # a binary file, device or FIFO: bad input
        read_template(template)
        problems += template_problems(load_template(template), template)
    except InputError as error:
        problems.append(error)
    except ScenarioError as error:  # an unreadable template: a TargetError at deploy time, bad input here
        problems.append(InputError(error.message, location=Location(str(template)), hint=error.hint))
    return problems
