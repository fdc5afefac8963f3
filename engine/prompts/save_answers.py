"""``--save-answers FILE``: the answers file that replays an interactive run, so nobody writes one by hand.

Keyed by prompt id in the order first asked; a prompt asked more than once (a rejected password)
gets a list. A secret answer (a password, a prompt or answer marked secret) is never written: it
becomes ``{env: NAME}``, read from the environment at replay time, and the names to export are
returned so the run can print them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from engine.errors import InputError
from engine.prompts.prompter import PromptSpec

ENV_PREFIX = "SCENARIO_SECRET_"


def env_name(prompt_id: str, index: int | None = None) -> str:
    """The environment variable a secret answer is read from: ``SCENARIO_SECRET_PASSWORD[_2]``."""
    base = ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", prompt_id).upper()
    return base if index is None else f"{base}_{index}"


def answers_document(history: Sequence[tuple[PromptSpec, object, bool]]) -> tuple[dict[str, object], dict[str, str]]:
    """The answers mapping, and the secret values by the environment variable that must hold them."""
    grouped: dict[str, list[tuple[object, bool]]] = {}
    for spec, value, secret in history:
        if spec.type == "pause":  # skipped in replays
            continue
        if spec.type == "choice":
            value = str(value)  # replays match a choice by its text
        grouped.setdefault(spec.id, []).append((value, secret))
    document: dict[str, object] = {}
    secrets: dict[str, str] = {}
    for prompt_id, replies in grouped.items():
        items: list[object] = []
        for n, (value, secret) in enumerate(replies, 1):
            if secret:
                name = env_name(prompt_id, n if len(replies) > 1 else None)
                secrets[name] = "" if value is None else str(value)
                items.append({"env": name})
            else:
                items.append(value)
        document[prompt_id] = items[0] if len(items) == 1 else items
    return document, secrets


def save_answers(path: Path, history: Sequence[tuple[PromptSpec, object, bool]], scenario: Path) -> list[str]:
    """Write the answers file; returns the environment variables a replay needs."""
    document, secrets = answers_document(history)
    header = f"# Answers recorded from an interactive run of {scenario}; replay with --answers {path}.\n"
    if secrets:
        header += f"# Secret answers are read from the environment: export {', '.join(secrets)} first.\n"
    text = header + (yaml.safe_dump(document, sort_keys=False, allow_unicode=True) if document else "{}\n")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot write the answers to {path}: {exc.strerror}", hint="give a path in an existing, writable folder"
        ) from None
    return list(secrets)
