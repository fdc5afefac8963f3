"""Reading the stack's CloudFormation template, checked before anything is sent to AWS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from engine.errors import TargetError

# libyaml's parser where PyYAML was built with it (several times faster on a template), else PyYAML's own.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_template(template: Path) -> str:
    """The template's text, once it is known to be a YAML (or JSON) mapping with Resources."""
    if not template.is_file():
        raise TargetError(
            f"stack template {template} not found",
            hint="run from a scenario-run checkout, or pass the path of a template",
        )
    body = template.read_text(encoding="utf-8")
    try:
        with template.open(encoding="utf-8") as stream:  # a stream, so that errors name the file
            parsed = yaml.load(stream, Loader=_TemplateLoader)  # a SafeLoader: builds no arbitrary objects
    except yaml.YAMLError as exc:
        raise TargetError(f"stack template {template} is not valid YAML: {exc}") from exc
    if not isinstance(parsed, dict) or not isinstance(parsed.get("Resources"), dict):
        raise TargetError(
            f"stack template {template} has no Resources mapping",
            hint="a CloudFormation template is a mapping with a Resources section",
        )
    return body


class _TemplateLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that accepts CloudFormation's short-form tags (!Ref, !Sub, !GetAtt...)."""


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_TemplateLoader.add_multi_constructor("!", _construct_tagged)


def load_template(template: Path) -> dict[str, Any]:
    """The template as data, short-form tags in their long form (``!Ref X`` is ``{"Ref": "X"}``).

    Call after ``read_template``. The result dumps to a JSON template CloudFormation accepts, which is how a
    template whose code paths were replaced is sent (``aws cloudformation package`` does the same).
    """
    with template.open(encoding="utf-8") as stream:
        parsed: dict[str, Any] = yaml.load(stream, Loader=_LongFormLoader)
    return parsed


class _LongFormLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that turns CloudFormation's short-form tags into their long-form mappings."""


def _construct_long_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    value = _construct_tagged(loader, suffix, node)
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    return {f"Fn::{suffix}": value}


_LongFormLoader.add_multi_constructor("!", _construct_long_form)
