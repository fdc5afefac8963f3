"""What the Locust process needs to know about the scenario, passed from ``scenario load`` as JSON.

It travels in an environment variable rather than as Locust options: a Locust master sends its own
options to its workers, and a worker must keep its own endpoint and answers.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from engine.errors import InputError, Location
from engine.plan.loader import MarkedDict, MarkedList, load_yaml_file
from engine.prompts.answers import Answers

CONFIG_ENV = "SCENARIO_LOAD_CONFIG"
# A Locust option of the master's, which Locust hands to each worker with every spawn (engine.load.events).
WORKERS_OPTION = "--scenario-workers"


@dataclass(frozen=True)
class LoadConfig:
    """The scenario side of a load run; Locust's own options stay on Locust's command line."""

    scenario: str
    target: str  # endpoint | aws: the embedded backend never runs inside the Locust process
    endpoint_url: str | None = None
    stack_name: str | None = None
    region: str | None = None
    profile: str | None = None
    answers: str | None = None
    fail_ratio: float | None = None
    env_file: str | None = None  # KEY=VALUE lines for the scenario's `env:` (the environment wins), as scenario-run

    def to_env(self) -> dict[str, str]:
        return {CONFIG_ENV: json.dumps(asdict(self), sort_keys=True)}

    @classmethod
    def from_env(cls) -> LoadConfig:
        text = os.environ.get(CONFIG_ENV)
        if not text:
            raise InputError(
                f"${CONFIG_ENV} is not set: this Locust file runs only under `scenario load`",
                hint="run `scenario load FLOW.yaml ...` instead of `locust -f` on it",
            )
        return cls(**json.loads(text))


_TIMESPAN = re.compile(r"(?:(?P<hours>\d+)h)?(?:(?P<minutes>\d+)m)?(?:(?P<seconds>\d+)s)?")


def run_time_seconds(text: str) -> int:
    """``--run-time`` in seconds, in Locust's formats: 90, 90s, 2m, 1h30m, 1h30m10s."""
    if text.isdigit():
        return int(text)
    match = _TIMESPAN.fullmatch(text)
    if not text or match is None or not any(match.groupdict().values()):
        raise InputError(
            f"--run-time {text!r} is not a time span", hint="write it as Locust does: 90, 90s, 2m, 1h30m or 1h30m10s"
        )
    hours, minutes, seconds = (int(match[name] or 0) for name in ("hours", "minutes", "seconds"))
    return hours * 3600 + minutes * 60 + seconds


def answer_sets(path: Path | None) -> list[Answers]:
    """The answers file as answer sets: a mapping is one set for every user, a list of mappings gives
    user N the set N modulo their number. Each set is fresh: answers are used up as a run takes them."""
    if path is None:
        return [Answers()]
    data = load_yaml_file(path)
    if not isinstance(data, list):
        return [Answers.load(path)]
    if not data:
        raise InputError(
            "the answers file is an empty list of answer sets",
            location=getattr(data, "location", Location(str(path))),
            hint="give one mapping of prompt id to answer per set, or a single mapping for every user",
        )
    sets = []
    for index, item in enumerate(data):
        where = data.item_locations[index] if isinstance(data, MarkedList) else Location(str(path))
        if not isinstance(item, Mapping):
            raise InputError(
                f"answer set {index + 1} is not a mapping of prompt id to answer",
                location=where,
                hint="write each set as '- {username: alice, password: ...}'",
            )
        source = str(item.location if isinstance(item, MarkedDict) else where)
        sets.append(Answers.from_mapping(item, source=f"{source} (answer set {index + 1})"))
    return sets
