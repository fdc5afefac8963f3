"""Which AWS operations the embedded local AWS answers, so a run on it fails before its first call.

A generic call (``aws_call`` and any action that names its service and operation in its arguments)
to an operation neither moto nor the local Cognito implements would fail in the middle of a run with
``UnsupportedOperationException``; ``scenario validate`` and a run on the local target report it first,
at the step, with the way out: ``only_on: aws`` on the step, or ``--target aws``.

Operations are looked up by name on the moto response class of each service whose protocol names its
handler methods after the operation (JSON and query protocols); REST services (Lambda, S3) are not
checked here. A step that runs only elsewhere (``only_on`` without ``local``) is not checked.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from functools import cache

from engine.errors import InputError
from engine.plan.declared import operations_called
from engine.plan.model import Plan, StepPlan, once_per_plan

# service -> (moto module, response class) for the services checked.
_RESPONSES = {
    "cognito-idp": ("moto.cognitoidp.responses", "CognitoIdpResponse"),
    "dynamodb": ("moto.dynamodb.responses", "DynamoHandler"),
    "logs": ("moto.logs.responses", "LogsResponse"),
    "kms": ("moto.kms.responses", "KmsResponse"),
    "ssm": ("moto.ssm.responses", "SimpleSystemManagerResponse"),
    "cloudformation": ("moto.cloudformation.responses", "CloudFormationResponse"),
    "iam": ("moto.iam.responses", "IamResponse"),
    "sts": ("moto.sts.responses", "TokenResponse"),
}


def _snake(operation: str) -> str:
    from moto.core.utils import camelcase_to_underscores  # the name moto dispatches an operation to

    return str(camelcase_to_underscores(operation))


@cache
def _answered(service: str) -> frozenset[str] | None:
    """The snake_case operations the local AWS answers for ``service``; None when it is not checked."""
    spec = _RESPONSES.get(service)
    if spec is None:
        return None
    module, name = spec
    response = getattr(importlib.import_module(module), name)
    names = {attr for attr in dir(response) if not attr.startswith("_")}
    if service == "cognito-idp":
        from engine.local.cognito import responses as local_cognito

        names |= set(local_cognito.ADDED) | set(local_cognito.REPLACED)
    return frozenset(names)


def supported_locally(service: str, operation: str) -> bool:
    answered = _answered(service)
    return answered is None or _snake(operation) in answered


def _every_step(steps: Iterable[StepPlan]) -> Iterator[StepPlan]:
    for step in steps:
        yield step
        if step.include is not None:
            yield from _every_step(step.include.steps)


def unsupported_locally(plan: Plan) -> list[InputError]:
    """One error per generic call in ``plan`` that the local target cannot answer."""
    return [
        InputError(
            f"{service} {operation} is not supported by the local target",
            location=step.location,
            step=step.id,
            hint="run the scenario with --target aws, or mark the step `only_on: aws` so that it runs there only",
        )
        for step, service, operation in _unsupported_calls(plan)
    ]


@once_per_plan
def _unsupported_calls(plan: Plan) -> tuple[tuple[StepPlan, str, str], ...]:
    found = []
    for step in _every_step((*plan.steps, *plan.cleanup_steps, *plan.after_cleanup)):
        if step.action.operations or (step.only_on is not None and "local" not in step.only_on):
            continue  # a typed action's calls are the local target's own; this step runs elsewhere
        for service, operation in operations_called(step.action, step.args):
            if not supported_locally(service, operation):
                found.append((step, service, operation))
    return tuple(found)
