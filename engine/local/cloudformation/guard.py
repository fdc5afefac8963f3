"""No local stack deploys half-way: a template is checked before moto creates anything, and a resource that
fails rolls the stack back.

moto skips a resource type it has no model for (a warning on stderr) and reports ``CREATE_COMPLETE``
without it, and an exception inside one resource leaves the stack ``CREATE_IN_PROGRESS`` with the resources
before it created. Here ``CreateStack`` and ``UpdateStack`` refuse a template with a type the local
CloudFormation cannot create (a ``ValidationError`` naming the logical id, the type and what is supported,
which reaches the caller in-process and over HTTP alike), and a resource that fails is recorded as
``CREATE_FAILED`` with its cause, the resources already created are deleted and the stack ends
``ROLLBACK_COMPLETE``, as on AWS.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError

from engine.local import cloudformation_imports
from engine.local.cloudformation.common import HOOK
from engine.local.compat import check_attribute, check_callable
from engine.stack.local_types import unsupported_message


def supported_types() -> list[str]:
    """Every resource type the local CloudFormation creates (moto's models and ours)."""
    cloudformation_imports.load_all()  # the services whose models load when a template first uses them
    # moto's model map holds a placeholder type (AWS::SERVICE::RESOURCE) besides the real ones.
    return sorted(t for t in {*parsing.get_model_map(), *parsing.NULL_MODELS} if "SERVICE::" not in t)


def _creatable(kind: object) -> bool:
    return kind in parsing.get_model_map() or kind in parsing.NULL_MODELS


def unsupported(resources: Any, supported: Iterable[str]) -> list[tuple[str, str]]:
    """``(logical id, type)`` of each resource in ``resources`` whose type is not in ``supported``."""
    known = set(supported)
    if not isinstance(resources, dict):
        return []
    return [
        (logical, str(resource.get("Type")))
        for logical, resource in resources.items()
        if isinstance(resource, dict) and resource.get("Type") not in known
    ]


class ResourceFailed(Exception):
    """A resource whose creation raised: its logical id, type and cause."""

    def __init__(self, logical: str, kind: str, cause: Exception) -> None:
        # moto's API errors carry the AWS code and message; anything else is moto failing on the resource.
        code, text = getattr(cause, "error_type", None), getattr(cause, "message", None)
        if not (code and isinstance(text, str)):
            code, text = type(cause).__name__, str(cause)
        first = text.strip().splitlines()[0] if text.strip() else ""
        super().__init__(f"{code}: {first}" if first else str(code))
        self.logical, self.kind = logical, kind


def _check(template: str) -> None:
    try:
        parsed = cfn_models.Stack.parse_template(template)
    except Exception:
        return  # moto reports an unreadable template itself
    if not isinstance(parsed, dict):
        return
    resources = parsed.get("Resources")
    if isinstance(resources, dict):
        cloudformation_imports.load_for(r.get("Type") for r in resources.values() if isinstance(r, dict))
    if all(_creatable(kind) for _, kind in unsupported(resources, ())):
        return
    supported = supported_types()  # one is not: the message lists what is
    for logical, kind in unsupported(resources, supported):
        raise ValidationError(message=unsupported_message(logical, kind, supported))


def _named_failures(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def create(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original(logical_id, resource_json, *args, **kwargs)
        except ResourceFailed:
            raise
        except Exception as exc:
            raise ResourceFailed(logical_id, str(resource_json.get("Type")), exc) from exc

    return create


def _event(stack: Any, logical: str, physical: str, kind: str, status: str, reason: str | None) -> None:
    stack.events.append(cfn_models.Event(stack.stack_id, stack.name, logical, physical, kind, status, reason, None))


def _guarded_create(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def create_stack(self: Any, name: str, template: str, *args: Any, **kwargs: Any) -> Any:
        _check(template)
        try:
            return original(self, name, template, *args, **kwargs)
        except ResourceFailed as failure:
            stack = next(s for s in self.stacks.values() if s.name == name and s.status != "DELETE_COMPLETE")
            _event(stack, failure.logical, "", failure.kind, "CREATE_FAILED", str(failure))
            _event(stack, stack.name, stack.stack_id, "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS", None)
            stack.resource_map.delete()
            stack.status = "ROLLBACK_COMPLETE"
            _event(stack, stack.name, stack.stack_id, "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE", None)
            return stack
        except ValidationError:
            raise
        except Exception as exc:  # before any resource: parameters, conditions, the template itself
            raise ValidationError(message=f"{type(exc).__name__}: {exc}") from exc

    return create_stack


def _guarded_update(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def update_stack(self: Any, name: str, template: str, *args: Any, **kwargs: Any) -> Any:
        _check(template)
        try:
            return original(self, name, template, *args, **kwargs)
        except ResourceFailed as failure:
            stack = self.get_stack(name)
            _event(stack, failure.logical, "", failure.kind, "UPDATE_FAILED", str(failure))
            stack.status = "UPDATE_ROLLBACK_FAILED"
            _event(stack, stack.name, stack.stack_id, "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_FAILED", None)
            return stack

    return update_stack


def _references(value: Any) -> set[str]:
    """The logical ids ``value`` reads with Ref or Fn::GetAtt."""
    if isinstance(value, list):
        return set().union(*(_references(item) for item in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, inner in value.items():
        if key == "Ref" and isinstance(inner, str):
            found.add(inner)
        elif key == "Fn::GetAtt":
            target = inner[0] if isinstance(inner, list) and inner else str(inner).split(".", 1)[0]
            found.add(str(target))
        else:
            found |= _references(inner)
    return found


def _with_dependents(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto updates only resources whose own text changed; on AWS a resource that reads a replaced one (an
    attachment naming a renamed user) is updated too. The Cognito models are added after what they read."""

    @functools.wraps(original)
    def build_resource_diff(self: Any, other_template: dict[str, Any], parameters: Any = None) -> Any:
        diff = original(self, other_template, parameters)
        resources = other_template.get("Resources") or {}
        changed = set(diff["Modify"]) | set(diff["Add"])
        current = set(self.resources)  # the logical ids of the template deployed now
        grew = True
        while grew:
            grew = False
            for name, resource in resources.items():
                cognito = isinstance(resource, dict) and str(resource.get("Type")).startswith("AWS::Cognito::")
                existing = name not in changed and name in current
                if cognito and existing and _references(resource) & changed:
                    changed.add(name)
                    diff["Modify"].append(name)
                    grew = True
        return diff

    return build_resource_diff


def check_hooks() -> None:
    """What ``install_guard`` patches and calls, checked against the installed moto."""
    check_attribute(HOOK, parsing, "NULL_MODELS")
    check_callable(
        HOOK,
        parsing,
        "parse_and_create_resource",
        ("logical_id", "resource_json", "resources_map", "account_id", "region_name"),
    )
    create = (
        *("self", "name", "template", "parameters", "notification_arns", "tags", "role_arn"),
        *("enable_termination_protection", "timeout_in_mins", "stack_policy_body"),
    )
    check_callable(HOOK, cfn_models.CloudFormationBackend, "create_stack", create)
    update = ("self", "name", "template", "role_arn", "parameters", "tags")
    check_callable(HOOK, cfn_models.CloudFormationBackend, "update_stack", update)
    check_attribute(HOOK, cfn_models, "Event")
    check_callable(HOOK, parsing.ResourceMap, "build_resource_diff", ("self", "other_template", "parameters"))
    check_callable(HOOK, cfn_models.Stack, "parse_template", ("template",))


def install_guard() -> None:
    """Patch moto's CreateStack/UpdateStack (once): the type check before, the rollback after a failure."""
    backend = cfn_models.CloudFormationBackend
    if getattr(backend.create_stack, "__wrapped__", None) is None:
        patches: tuple[tuple[Any, str, Callable[..., Any]], ...] = (
            (parsing, "parse_and_create_resource", _named_failures),
            (backend, "create_stack", _guarded_create),
            (backend, "update_stack", _guarded_update),
            (parsing.ResourceMap, "build_resource_diff", _with_dependents),
        )
        for owner, name, wrap in patches:  # moto's functions, replaced for every backend as engine.local.hooks does
            setattr(owner, name, wrap(getattr(owner, name)))
