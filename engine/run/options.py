"""The options of a run, as ``scenario-run`` takes them and ``engine.api.run_scenario`` fills them in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunOptions:
    """How to run scenario files: the ``scenario-run`` options, with their defaults."""

    answers: tuple[Path, ...] = ()  # one for all files, or one per file; none: found by convention
    answer: tuple[str, ...] = ()  # ID=VALUE overrides
    target: str = "local"  # local | aws
    endpoint_url: str | None = None
    stack_name: str | None = None
    region: str | None = None
    profile: str | None = None
    non_interactive: bool = False
    junit: Path | None = None
    transcript: Path | None = None
    json_report: Path | None = None  # Path("-"): stdout, and the narrative goes to stderr
    no_color: bool = False
    fault_at: int | None = None  # testing: fail the Nth AWS call of the steps
    quiet: bool = False
    verbose: bool = False
    tag: tuple[str, ...] = ()  # run only scenarios with one of these tags
    skip_tag: tuple[str, ...] = ()  # never run scenarios with one of these tags
    fail_fast: bool = False
    shard: str | None = None  # INDEX/COUNT
    save_answers: Path | None = None
    env_file: Path | None = None  # KEY=VALUE lines for the scenarios' `env:` (the environment wins)
