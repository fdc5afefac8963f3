"""Answers files: replies to prompts keyed by prompt id, for non-interactive replays.

Format (YAML)::

    username: test_user_9            # one value
    new_password:                    # a prompt asked more than once: one value per asking
      - weak
      - Str0ng-Passw0rd!
    api_key: {value: abc123, secret: true}   # never shown in output
    password: {env: MY_PASSWORD}             # read from an environment variable (secret)
    new_password: [weak, {env: MY_PASSWORD}] # a list may mix values and env/file references
    token: {file: ~/.secrets/token}          # read from a file, trailing newline dropped (secret)

``--answer ID=VALUE`` on the command line overrides the file (repeat it for several values), and
an environment variable ``SCENARIO_ANSWER_<ID>`` overrides both; answers taken from the environment
or a file are secret, so a password need never be on a command line where ``ps`` shows it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from engine.errors import InputError, InputErrors, Location, MissingAnswerError
from engine.plan.loader import MarkedDict, MarkedList, load_yaml_text, read_text_file

MISSING = object()
ENV_PREFIX = "SCENARIO_ANSWER_"


@lru_cache(maxsize=32)
def _parsed(text: str, name: str) -> object:
    """An answers file's YAML, parsed once per process while its text is the same (replays read the same file
    run after run); the result is only read, never changed."""
    return load_yaml_text(text, name)


@dataclass
class _Entry:
    values: list[object]
    location: Location | None
    secret: bool = False
    used: int = 0


@dataclass
class Answers:
    """Replies per prompt id, consumed in order; the last value of a list is not repeated."""

    path: Path | None = None
    entries: dict[str, _Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None, overrides: list[str] | None = None) -> Answers:
        """The answers file at ``path`` (if any), then ``--answer ID=VALUE`` overrides, then the environment."""
        entries: dict[str, _Entry] = {}
        if path is not None:
            data = _parsed(read_text_file(path), str(path))
            if data is None:
                data = MarkedDict()
            if not isinstance(data, dict):
                raise InputError(
                    "an answers file must be a mapping of prompt id to answer",
                    location=getattr(data, "location", Location(str(path))),
                    hint="write lines such as 'username: alice'",
                )
            for key, value in data.items():
                loc = data.key_locations.get(key) if isinstance(data, MarkedDict) else None
                entries[key] = _parse_entry(key, value, loc)
        grouped: dict[str, list[str]] = {}
        for item in overrides or []:
            if "=" not in item:
                raise InputError(
                    f"--answer {item!r} is not of the form ID=VALUE", hint="for example: --answer username=alice"
                )
            key, value = item.split("=", 1)
            grouped.setdefault(key.strip(), []).append(value)
        for key, values in grouped.items():
            secret = entries[key].secret if key in entries else False
            entries[key] = _Entry(list(values), Location("--answer"), secret)
        # Names first: reading every value of the environment costs more than the rest of loading the file.
        for name in sorted(name for name in os.environ if name.startswith(ENV_PREFIX) and len(name) > len(ENV_PREFIX)):
            entries[name[len(ENV_PREFIX) :]] = _Entry([os.environ[name]], Location(f"${name}"), True)
        return cls(path, entries)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], *, source: str = "<answers>") -> Answers:
        """Answers given as a mapping in the answers-file format (``{"password": ["weak", "Str0ng!"]}``);
        ``source`` names where they came from in error messages."""
        location = Location(source)
        return cls(entries={str(key): _parse_entry(str(key), value, location) for key, value in data.items()})

    def secret_values(self) -> Iterator[object]:
        """Every value of a secret answer, so the console can mask it."""
        for entry in self.entries.values():
            if entry.secret:
                yield from entry.values

    def take(self, prompt_id: str) -> object:
        """The next reply for ``prompt_id``, or ``MISSING`` when there is none left."""
        entry = self.entries.get(prompt_id)
        if entry is None or entry.used >= len(entry.values):
            return MISSING
        value = entry.values[entry.used]
        entry.used += 1
        return value

    def is_secret(self, prompt_id: str) -> bool:
        entry = self.entries.get(prompt_id)
        return bool(entry and entry.secret)

    def location(self, prompt_id: str) -> Location | None:
        entry = self.entries.get(prompt_id)
        return entry.location if entry else None

    def check_answered(self, needed: Iterable[tuple[str, Location]]) -> None:
        """Non-interactively, every prompt in ``needed`` (asked for sure, no default) must have an answer."""
        missing = [
            MissingAnswerError(
                f"prompt '{prompt_id}' needs an answer and this run is non-interactive",
                location=location,
                step=prompt_id,
                hint=(
                    f"pass --answers FILE with '{prompt_id}: <value>' in it, or --answer {prompt_id}=VALUE"
                    if self.path is None
                    else f"add '{prompt_id}: <value>' to {self.path}, or pass --answer {prompt_id}=VALUE"
                ),
            )
            for prompt_id, location in needed
            if prompt_id not in self.entries
        ]
        if missing:
            raise missing[0] if len(missing) == 1 else InputErrors(list(missing))

    def check_known(self, prompt_ids: Set[str]) -> None:
        """Every answer must belong to a prompt of the scenario: a typo must not go unnoticed."""
        for key, entry in self.entries.items():
            if key not in prompt_ids:
                known = ", ".join(sorted(prompt_ids)) or "none"
                raise InputError(
                    f"answer '{key}' matches no prompt in the scenario",
                    location=entry.location,
                    hint=f"prompt ids in this scenario: {known}",
                )


def _parse_entry(key: str, value: object, location: Location | None) -> _Entry:
    if isinstance(value, dict) and ("env" in value or "file" in value):
        return _indirect_entry(key, value, location)
    if isinstance(value, dict):
        if "value" not in value or set(value) - {"value", "secret"}:
            raise InputError(
                f"answer '{key}' must be a value, a list, or {{value: ..., secret: true}}",
                location=location,
                hint="for example: password: {value: S3cret!, secret: true}",
            )
        return replace(_parse_entry(key, value["value"], location), secret=bool(value.get("secret", False)))
    if isinstance(value, MarkedList | list):
        if not value:
            raise InputError(
                f"answer '{key}' is an empty list", location=location, hint="give at least one value, or remove the key"
            )
        # A list may mix plain values and {env: NAME} items (--save-answers writes those).
        indirect = [_indirect_entry(key, v, location) if _is_indirect(v) else None for v in value]
        values = [e.values[0] if e else _scalar(key, v, location) for e, v in zip(indirect, value, strict=True)]
        return _Entry(values, location, any(e is not None and e.secret for e in indirect))
    return _Entry([_scalar(key, value, location)], location)


def _is_indirect(value: object) -> bool:
    return isinstance(value, dict) and ("env" in value or "file" in value)


def _scalar(key: str, value: object, location: Location | None) -> object:
    if isinstance(value, dict | list):
        raise InputError(
            f"answer '{key}' has a nested {'list' if isinstance(value, list) else 'mapping'}; answers are plain values",
            location=location,
        )
    return value


def _indirect_entry(key: str, value: Mapping[str, object], location: Location | None) -> _Entry:
    """``{env: NAME}`` or ``{file: PATH}``: a secret answer kept off the command line and out of the file."""
    if set(value) - {"env", "file", "secret"} or ("env" in value) == ("file" in value):
        raise InputError(
            f"answer '{key}' must have exactly one of env: or file:",
            location=location,
            hint="for example: password: {env: MY_PASSWORD}",
        )
    secret = bool(value.get("secret", True))
    if "env" in value:
        name = str(value["env"])
        if name not in os.environ:
            raise InputError(
                f"answer '{key}' reads environment variable {name}, which is not set",
                location=location,
                hint=f"export {name} before the run",
            )
        return _Entry([os.environ[name]], location, secret)
    path = Path(os.path.expanduser(str(value["file"])))
    if not path.is_absolute() and location is not None and location.file:
        path = Path(location.file).parent / path
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"answer '{key}' cannot read {path}: {exc.strerror if isinstance(exc, OSError) else exc}",
            location=location,
            hint="give a readable text file (a relative path is relative to the answers file)",
        ) from None
    return _Entry([text.removesuffix("\n")], location, secret)
