"""SAM templates (``Transform: AWS::Serverless-2016-10-31``), expanded the way SAM CLI expands them.

On AWS, CloudFormation runs the transform itself: the template goes as it is (its code paths packaged) with
``CAPABILITY_AUTO_EXPAND``. The local CloudFormation has no transforms, so for a local target the template is
expanded here with ``aws-sam-translator``, the library SAM CLI and CloudFormation's own transform use; an
``Events: {Type: Cognito}`` function becomes the pool's ``LambdaConfig`` and an invoke permission, as on AWS.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.aws.clients import Clients
from engine.errors import InputError, Location

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# Transforms a local deploy knows: SAM's, expanded here. AWS::LanguageExtensions and macros run on AWS only.
KNOWN_TRANSFORMS = (SAM_TRANSFORM,)


def transforms(template: Mapping[str, Any]) -> list[str]:
    """The template's ``Transform`` as a list (it may be one name, a list, or absent)."""
    value = template.get("Transform")
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item if isinstance(item, str) else str(item.get("Name")) for item in items if item]


def unknown_transforms(template: Mapping[str, Any]) -> list[str]:
    """The transforms a local deploy cannot expand."""
    return [name for name in transforms(template) if name not in KNOWN_TRANSFORMS]


def expand(
    template: dict[str, Any], path: Path, clients: Clients, parameters: Mapping[str, str], stack_name: str
) -> dict[str, Any]:
    """The plain CloudFormation ``template`` (SAM, with its code already in S3) expands to."""
    from samtranslator.model.exceptions import InvalidDocumentException, InvalidResourceException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import to_py27_compatible_template, undo_mark_unicode_str_in_template

    account = clients.client("sts").get_caller_identity()["Account"]
    values: dict[str, Any] = {
        "AWS::Region": clients.region,
        "AWS::AccountId": account,
        "AWS::Partition": "aws",
        "AWS::StackName": stack_name,
        "AWS::URLSuffix": "amazonaws.com",
    }
    declared = template.get("Parameters") or {}
    for name, spec in declared.items():
        if isinstance(spec, dict) and "Default" in spec:
            values[name] = spec["Default"]
    values.update(parameters)
    loader = ManagedPolicyLoader(clients.client("iam"))
    fragment = copy.deepcopy(template)  # the translator changes what it is given
    try:
        # As samtranslator.translator.transform.transform does, with the target's session: its region and
        # partition, never the environment's.
        to_py27_compatible_template(fragment, values)
        translated = Translator(None, Parser(), boto_session=clients.session).translate(
            fragment, parameter_values=values, get_managed_policy_map=loader.load
        )
        expanded: dict[str, Any] = undo_mark_unicode_str_in_template(translated)
    except (InvalidDocumentException, InvalidResourceException) as exc:
        from engine.stack.preflight import resource_lines

        causes = [getattr(cause, "message", str(cause)) for cause in getattr(exc, "causes", [])] or [exc.message]
        named = re.search(r"Resource with id \[([^\]]+)\]", causes[0])
        line = resource_lines(path).get(named.group(1), 0) if named else 0
        raise InputError(
            f"the SAM template {path} does not expand: {'; '.join(causes)}",
            location=Location(str(path), line),
            hint="fix the template (`sam validate --lint` shows the same problems)",
        ) from None
    return expanded
