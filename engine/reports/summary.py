"""``--json PATH`` (``-`` for stdout): one JSON document for the whole run, for CI dashboards and scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

import click

from engine.errors import ScenarioError, StepFailed, exit_code_for
from engine.reports.cases import cases
from engine.run.records import RunResult
from engine.secrets import Secrets

STDOUT = Path("-")


class ErrorData(TypedDict):
    """How a run's error appears in the JSON summary."""

    type: str
    code: str | None
    message: str
    location: str | None
    step: str | None
    hint: str | None
    exit_code: int


def error_data(error: BaseException | None) -> ErrorData | None:
    """An error as JSON: type, code, message, file:line:col, step, hint and its exit code."""
    if error is None:
        return None
    if isinstance(error, ScenarioError):
        return {
            "type": type(error).__name__,
            "code": error.code if isinstance(error, StepFailed) else None,
            "message": error.message,
            "location": str(error.location) if error.location else None,
            "step": error.step,
            "hint": error.hint,
            "exit_code": error.exit_code,
        }
    return {
        "type": type(error).__name__,
        "code": None,
        "message": str(error),
        "location": None,
        "step": None,
        "hint": None,
        "exit_code": exit_code_for(error),
    }


def _status(result: RunResult) -> str:
    if result.not_run:
        return "not_run"
    return "passed" if result.error is None else "failed"


def write_summary(path: Path, results: list[RunResult], exit_code: int, secrets: Secrets) -> None:
    """The run's outcome: exit code, then per scenario its status, error, steps and undos."""
    document = {
        "exit_code": exit_code,
        "scenarios": [
            {
                "name": result.scenario.name,
                "file": str(result.scenario.path),
                "tags": list(result.scenario.tags),
                "status": _status(result),
                "not_run": result.not_run,
                "duration": round(result.duration, 4),
                "error": error_data(result.error),
                "left_behind": [f.entry.description for f in result.cleanup_failures],
                "steps": [
                    {
                        "id": case.step_id,
                        "name": case.name,
                        "action": case.action,
                        "phase": case.phase,
                        "status": case.status,
                        "reason": case.reason,
                        "title": case.record.title if case.record and case.phase == "undo" else None,
                        "location": case.location,
                        "duration": round(case.record.duration, 4) if case.record else 0.0,
                        "attempts": case.record.attempts if case.record else 0,
                        "error": case.record.error if case.record else None,
                        "aws_calls": case.record.calls if case.record else [],
                    }
                    for case in cases(result)
                ],
            }
            for result in results
        ],
    }
    text = secrets.mask(json.dumps(secrets.mask_data(document), indent=2, default=str))
    if path == STDOUT:
        click.echo(text)
    else:
        path.write_text(text + "\n", encoding="utf-8")
