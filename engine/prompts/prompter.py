"""Asking a person, or reading the answers file when nobody is there to ask.

Interactive only when stdin is a TTY, ``CI`` is not set and ``--non-interactive`` was not given.
Non-interactively a prompt takes its answer from the answers file, else its default; with
neither, the run stops at once with the prompt id and the answers file named (exit 2).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import click

from engine.errors import InputError, Location, MissingAnswerError
from engine.prompts.answers import MISSING, Answers
from engine.secrets import Secrets

TRUE_WORDS = {"y", "yes", "true", "1", "on"}
FALSE_WORDS = {"n", "no", "false", "0", "off"}


def stdin_is_interactive() -> bool:
    """A person may be typing: stdin is a TTY and this is not a CI job."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        return False
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass
class PromptSpec:
    """A question as the scenario declares it (already rendered)."""

    id: str
    text: str
    type: str = "text"  # text | password | confirm | choice | pause
    default: object = None
    choices: list[object] = field(default_factory=list)
    min_length: int = 0
    retry_text: str | None = None
    secret: bool = False
    location: Location | None = None


class Prompter:
    """Gets the reply to each prompt and remembers every reply by prompt id."""

    def __init__(self, answers: Answers, secrets: Secrets, *, interactive: bool) -> None:
        self.answers = answers
        self.secrets = secrets
        self.interactive = interactive
        self.replies: dict[str, object] = {}
        self.specs: dict[str, PromptSpec] = {}
        # Every reply in order, with whether it is secret: what ``--save-answers`` writes.
        self.history: list[tuple[PromptSpec, object, bool]] = []

    def ask(self, spec: PromptSpec, *, again: bool = False) -> object:
        """The reply to ``spec``; ``again`` asks with ``retry_text`` (a rejected value)."""
        self.specs[spec.id] = spec
        text = spec.retry_text if again and spec.retry_text else spec.text
        secret = spec.type == "password" or spec.secret or self.answers.is_secret(spec.id)
        value = self.answers.take(spec.id)
        if value is not MISSING:
            value = self._check_given(spec, value)
        elif self.interactive:
            value = self._ask_person(spec, text)
        elif spec.default is not None:
            value = self._coerce_default(spec)
        else:
            if self.answers.path is None:
                hint = f"pass --answers FILE with '{spec.id}: <value>' in it, or --answer {spec.id}=VALUE"
            else:
                hint = f"add '{spec.id}: <value>' to {self.answers.path}, or pass --answer {spec.id}=VALUE"
            raise MissingAnswerError(
                f"prompt '{spec.id}' needs an answer and this run is non-interactive"
                + (" (no more answers for it in the file)" if spec.id in self.answers.entries else ""),
                location=spec.location,
                hint=hint,
            )
        if secret:
            self.secrets.add(value)
        self.replies[spec.id] = value
        self.history.append((spec, value, secret))
        return value

    def ask_again(self, prompt_id: str) -> object:
        """Ask the prompt ``prompt_id`` once more (a retry rejected its value)."""
        return self.ask(self.specs[prompt_id], again=True)

    def _check_given(self, spec: PromptSpec, value: object) -> object:
        where = self.answers.location(spec.id)
        if spec.type == "confirm":
            parsed = _as_bool(value)
            if parsed is None:
                raise InputError(f"answer for '{spec.id}' must be yes or no, not {value!r}", location=where)
            return parsed
        if spec.type == "pause":
            return "" if value is None else str(value)
        text = "" if value is None else str(value)
        if spec.type == "choice":
            names = [str(c) for c in spec.choices]
            if text not in names:
                raise InputError(
                    f"answer for '{spec.id}' is {text!r}, which is not one of the choices",
                    location=where,
                    hint=f"choices: {', '.join(names) or '(none)'}",
                )
            return spec.choices[names.index(text)]
        if len(text) < spec.min_length:
            raise InputError(
                f"answer for '{spec.id}' is shorter than {spec.min_length} characters",
                location=where,
                hint="give a longer value in the answers file",
            )
        return text

    def _coerce_default(self, spec: PromptSpec) -> object:
        if spec.type == "confirm":
            return bool(_as_bool(spec.default))
        if spec.type == "choice" and spec.default not in spec.choices:
            raise InputError(f"default of prompt '{spec.id}' is not one of its choices", location=spec.location)
        return spec.default

    def _ask_person(self, spec: PromptSpec, text: str) -> object:
        try:
            return self._ask_terminal(spec, text.rstrip())
        except click.exceptions.Abort:
            # click turns Ctrl-C (and end of input) at a prompt into Abort: it is an interrupt.
            raise KeyboardInterrupt from None

    def _ask_terminal(self, spec: PromptSpec, text: str) -> object:
        if spec.type == "confirm":
            default = _as_bool(spec.default) if spec.default is not None else None
            return click.confirm(text, default=default)
        if spec.type == "pause":
            click.prompt(text, default="", show_default=False, prompt_suffix=" ")
            return ""
        if spec.type == "choice":
            click.echo(text)
            for i, choice in enumerate(spec.choices, 1):
                click.echo(f"  {i}. {choice}")
            while True:
                number: int = click.prompt(
                    "Enter a number",
                    type=int,
                    default=(spec.choices.index(spec.default) + 1 if spec.default in spec.choices else None),
                )
                if 1 <= number <= len(spec.choices):
                    return spec.choices[number - 1]
                click.echo(f"Enter a number between 1 and {len(spec.choices)}.")
        hidden = spec.type == "password"
        while True:
            reply = click.prompt(
                text,
                hide_input=hidden,
                default=spec.default,
                show_default=not hidden and spec.default is not None,
                prompt_suffix=" ",
            )
            reply = str(reply)
            if len(reply) >= spec.min_length:
                return reply
            click.echo(f"The value must be at least {spec.min_length} characters long.")


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
