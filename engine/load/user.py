"""The Locust user: the scenario end to end, again and again, each iteration a run of its own.

Each iteration goes through the shared pipeline (``engine.run.pipeline.run_planned``) with a fresh
copy of the user's answer set, so it has its own ``run_id``, its own undo stack and, on a target
that outlives the process, its own journal. When Locust stops the user (``--run-time`` reached,
Ctrl-C, SIGTERM, the master's stop), the iteration under way is interrupted as Ctrl-C interrupts a
run: it stops between its steps and cleans up, and the user ends only once that is done.
"""

from __future__ import annotations

import copy
import io
import itertools
import logging

import gevent
from gevent import GreenletExit
from locust import User, constant, task
from locust.runners import WorkerRunner

from engine.load.scenario import LoadedScenario, loaded
from engine.load.stats import samples
from engine.reports.console import Console
from engine.run.pipeline import Planned, mask_inputs, run_planned
from engine.run.records import RunResult
from engine.run.targets import Target, open_target
from engine.secrets import Secrets

logger = logging.getLogger(__name__)
_numbers = itertools.count()  # the users this process started, in order


class ScenarioUser(User):
    """Runs the scenario ``scenario load`` was given, in a loop, with no wait between iterations."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self._scenario: LoadedScenario = loaded()
        config = self._scenario.config
        self._target: Target = open_target(
            config.target, region=config.region, endpoint_url=config.endpoint_url, profile=config.profile
        )
        number = next(_numbers)
        runner, options = self.environment.runner, self.environment.parsed_options
        if isinstance(runner, WorkerRunner) and options is not None:
            # Interleaved over the workers (their number comes from the master), so that no two
            # workers' users take the same answer set while there are sets enough for all.
            number = number * max(getattr(options, "scenario_workers", 1), 1) + max(runner.worker_index, 0)
        sets = self._scenario.answer_sets
        self._answers = sets[number % len(sets)]

    def on_stop(self) -> None:
        self._target.close()

    @task
    def iteration(self) -> None:
        # The iteration runs in a greenlet of its own: Locust's stop (GreenletExit, raised into this
        # user) then becomes an interrupt of the run, which cleans up before the user ends.
        run = gevent.spawn(self._iterate)
        stops = 0
        while not run.dead:
            try:
                run.join()
            except GreenletExit:
                stops += 1
                run.kill(KeyboardInterrupt, block=False)
        result = run.value
        if result is not None:
            self._report(result)
        if stops:
            raise GreenletExit

    def _iterate(self) -> RunResult | None:
        # The user's clients serve one iteration after another: each run counts its own AWS calls
        # (the runner tells "nothing ran yet" from an empty count), and the count must not grow forever.
        self._target.clients.calls.clear()
        try:
            planned = Planned(self._scenario.plan, copy.deepcopy(self._answers))
            secrets = Secrets()
            mask_inputs([planned], self._scenario.env_values, secrets)
            console = Console(secrets, stream=io.StringIO(), color=False, quiet=True)
            result, _ = run_planned(
                planned,
                self._scenario.options,
                console=console,
                secrets=secrets,
                interactive=False,
                target=self._target,
                env_values=self._scenario.env_values,
            )
        except KeyboardInterrupt:
            return None  # stopped before the run began: nothing was made
        for line in console.lines:
            if line.startswith("warning: "):
                logger.warning("%s", line.removeprefix("warning: "))
        if result.error is not None:
            self._scenario.note_failure(result.error)
        return result

    def _report(self, result: RunResult) -> None:
        for sample in samples(self._scenario.name, result):
            self.environment.events.request.fire(
                request_type=sample.request_type,
                name=sample.name,
                response_time=sample.response_time,
                response_length=0,
                exception=sample.error,
                context={},
            )
