"""Reading the stack's CloudFormation template, checked before anything is sent to AWS.

A template is read from its file every time, and parsed once per text in a process: validating a scenario,
checking its stack and deploying it each read the template, and ``scenario-run FILE...`` does that for every
file (a changed file is a new text, so it is parsed again).
"""

from __future__ import annotations

import functools
import io
import pickle
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
    _check(body, str(template))
    return body


@functools.lru_cache(maxsize=32)
def _check(body: str, name: str) -> None:
    """Raises unless ``body`` is a YAML mapping with Resources (a failure is not cached: it is raised again)."""
    try:
        parsed = yaml.load(_named(body, name), Loader=_TemplateLoader)  # a SafeLoader: builds no arbitrary objects
    except yaml.YAMLError as exc:
        raise TargetError(f"stack template {name} is not valid YAML: {exc}") from exc
    if not isinstance(parsed, dict) or not isinstance(parsed.get("Resources"), dict):
        raise TargetError(
            f"stack template {name} has no Resources mapping",
            hint="a CloudFormation template is a mapping with a Resources section",
        )


def _named(body: str, name: str) -> io.StringIO:
    stream = io.StringIO(body)
    stream.name = name  # what a YAML error says the text is
    return stream


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
    body = template.read_text(encoding="utf-8")
    parsed: dict[str, Any] = pickle.loads(_long_form(body, str(template)))  # a copy the caller may change
    return parsed


@functools.lru_cache(maxsize=32)
def _long_form(body: str, name: str) -> bytes:
    return pickle.dumps(yaml.load(_named(body, name), Loader=_LongFormLoader), protocol=pickle.HIGHEST_PROTOCOL)


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
