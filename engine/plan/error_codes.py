"""``expect_error`` codes checked against the errors a step's AWS calls (or the engine) can give."""

from __future__ import annotations

from collections.abc import Mapping

from engine.action import Action
from engine.aws.model import codes_for
from engine.errors import SchemaError
from engine.plan.declared import operations_called
from engine.plan.ids import Report
from engine.plan.model import Locate
from engine.plan.modifiers import expected_errors
from engine.plan.schema_errors import with_suggestion


def check_error_codes(
    raw: Mapping[str, object], action: Action, args: object, where: Locate, step_id: str, report: Report
) -> None:
    """Each ``expect_error`` code of the step ``raw`` must be one its calls can give; unknown calls check nothing."""
    codes = raw.get("expect_error")
    if codes is None:
        return
    known = codes_for(operations_called(action, args))
    if known is None:
        return
    listed = [code for code, _, _ in expected_errors(codes)]
    for index, code in enumerate(listed):
        if code in known:
            continue
        report(
            SchemaError(
                f"expect_error '{code}' is not an error {action.name} can give",
                location=where(("expect_error",) if not isinstance(codes, list) else ("expect_error", index))
                or where(()),
                step=step_id,
                hint=with_suggestion(
                    str(code),
                    sorted(known),
                    f"the codes are the errors botocore's model lists for the AWS calls {action.name} makes, "
                    "the common AWS errors and the engine's own",
                ),
            )
        )
