"""The scenario a Locust process runs: planned once per process, shared by all its users.

A ``Plan`` is frozen and a ``Runner`` only reads it, so every user runs the same plan; what a run
changes (its answers, its scope, its undo stack) is made afresh for each iteration.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import Interrupted, ScenarioError
from engine.load.config import LoadConfig, answer_sets
from engine.plan.model import Plan
from engine.prompts.answers import Answers
from engine.run.env_file import read_env_file, resolve_env
from engine.run.options import RunOptions
from engine.run.pipeline import plan_files

logger = logging.getLogger(__name__)


@dataclass
class LoadedScenario:
    """The plan, the answer sets to spread over the users, and the options of every iteration."""

    config: LoadConfig
    plan: Plan
    answer_sets: list[Answers]
    options: RunOptions
    env_values: dict[str, str] | None = None  # the --env-file, read once for every iteration
    _logged: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        """The first part of each statistics entry's name (``scenario:step``)."""
        return self.plan.path.stem

    def note_failure(self, error: BaseException) -> None:
        """The statistics keep only error codes: each distinct failure is also logged once in full."""
        if isinstance(error, Interrupted | KeyboardInterrupt):
            return  # a stop, not a failure
        text = error.render() if isinstance(error, ScenarioError) else f"{type(error).__name__}: {error}"
        key = text.splitlines()[0] if text else type(error).__name__
        if key not in self._logged:
            self._logged.add(key)
            logger.warning("iteration failed (shown once): %s", text)


_loaded: LoadedScenario | None = None


def load(config: LoadConfig) -> LoadedScenario:
    """Plan the scenario and check every answer set against it (as ``scenario-run`` would)."""
    options = RunOptions(
        target=config.target,
        endpoint_url=config.endpoint_url,
        stack_name=config.stack_name,
        region=config.region,
        profile=config.profile,
        non_interactive=True,
        env_file=Path(config.env_file) if config.env_file else None,
    )
    sets = answer_sets(Path(config.answers) if config.answers else None)
    plans: list[Plan] = []
    plan_files([Path(config.scenario)], options, interactive=False, plans=plans, answers=sets[0])
    for answers in sets[1:]:
        answers.check_known(plans[0].prompt_ids)
        answers.check_answered(plans[0].needs_answer)
    env_values = read_env_file(options.env_file) if options.env_file else None
    resolve_env(plans[0], env_values)  # a value missing everywhere stops the load before any user starts
    return LoadedScenario(config, plans[0], sets, options, env_values)


def loaded() -> LoadedScenario:
    """This process's scenario, planned on first use from ``scenario load``'s configuration."""
    global _loaded
    if _loaded is None:
        _loaded = load(LoadConfig.from_env())
    return _loaded
