"""``--transcript PATH``: one JSON object per line for every step, undo included, secrets masked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from engine.errors import InputError
from engine.run.records import StepRecord
from engine.secrets import Secrets


class Transcript:
    """Appends each step record as it finishes, so a crash still leaves what ran."""

    def __init__(self, path: Path, secrets: Secrets) -> None:
        self.path = path
        self.secrets = secrets
        try:
            self._file: IO[str] = path.open("w", encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"cannot write the transcript to {path}: {exc.strerror}",
                hint="give a path in an existing, writable folder",
            ) from None

    def write(self, record: StepRecord) -> None:
        line: dict[str, object] = {
            "scenario": record.scenario,
            "id": record.step_id,
            "action": record.action,
            "phase": record.phase,
            "status": record.status,
            "location": record.location,
            "args": record.args,
            "result": _summary(record.result),
            "error": record.error,
            "duration": round(record.duration, 4),
            "attempts": record.attempts,
            "aws_calls": record.calls,
        }
        text = json.dumps(self.secrets.mask_data(line), default=str)
        self._file.write(self.secrets.mask(text) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def _summary(result: object, limit: int = 4000) -> object:
    text = json.dumps(result, default=str)
    if len(text) <= limit:
        return result
    return {"truncated": True, "preview": text[:limit]}
