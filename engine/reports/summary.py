"""``--json PATH``: one JSON document for the whole run, for CI dashboards and scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.errors import ScenarioError
from engine.records import RunResult
from engine.secrets import Secrets


def _error(error: BaseException | None) -> dict[str, Any] | None:
    if error is None:
        return None
    if isinstance(error, ScenarioError):
        return {
            "type": type(error).__name__,
            "code": getattr(error, "code", None),
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
        "exit_code": None,
    }


def write_summary(path: Path, results: list[RunResult], exit_code: int, secrets: Secrets) -> None:
    """The run's outcome: exit code, then per scenario its status, error, steps and undos."""
    document = {
        "exit_code": exit_code,
        "scenarios": [
            {
                "name": result.scenario.name,
                "file": str(result.scenario.path),
                "status": "passed" if result.error is None else "failed",
                "duration": round(result.duration, 4),
                "error": _error(result.error),
                "left_behind": [f.entry.description for f in result.cleanup_failures],
                "steps": [
                    {
                        "id": r.step_id,
                        "action": r.action,
                        "phase": r.phase,
                        "status": r.status,
                        "location": r.location,
                        "duration": round(r.duration, 4),
                        "attempts": r.attempts,
                        "error": r.error,
                        "aws_calls": r.calls,
                    }
                    for r in result.records
                ],
            }
            for result in results
        ],
    }
    text = json.dumps(secrets.mask_data(document), indent=2, default=str)
    path.write_text(secrets.mask(text) + "\n", encoding="utf-8")
