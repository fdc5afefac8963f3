"""The runner and dispatcher on a small fake target: retries, outcomes, timeouts, undo order.

These drive ``Runner`` directly with plugin-style actions, so the engine's own logic is pinned
without any AWS backend; the CLI-level tests cover the same paths against the local AWS.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterator
from typing import Any

import pytest

from engine.action import ActionContext, action
from engine.errors import StepFailed
from engine.plan.planner import load_scenario
from engine.plan.registry import load_registry
from engine.prompts.answers import Answers
from engine.prompts.prompter import Prompter
from engine.reports.console import Console
from engine.run.runner import Runner
from engine.run.targets import Target
from engine.secrets import Secrets


class FakeClients:
    """What the runner reads of a target's clients: the calls made and when the steps' calls are counted."""

    endpoint_url = None
    region = "us-east-1"

    def __init__(self) -> None:
        self.calls: list[str] = []

    @contextlib.contextmanager
    def counting_calls(self) -> Iterator[None]:
        yield


class Flaky:
    """Per-test state of the fake actions."""

    failures_left = 0
    undone: list[str] = []


@action("flaky", "Fails with code Boom until its failures are used up.", {"type": "null"}, None)
def flaky(args: Any, ctx: ActionContext) -> Any:
    ctx.clients.calls.append("fake.Flaky")
    if Flaky.failures_left:
        Flaky.failures_left -= 1
        raise StepFailed("boom", code="Boom")
    return {"ok": True}


@action("make", "Creates a named thing; its undo records the name.", {"type": "string"}, "a")
def make(args: Any, ctx: ActionContext) -> Any:
    ctx.undo.push(f"remove {args}", lambda: Flaky.undone.append(args))
    return {"made": args}


@action("hang", "Sleeps for the given seconds.", {"type": "number"}, 1)
def hang(args: Any, ctx: ActionContext) -> Any:
    time.sleep(float(args))
    return None


@pytest.fixture
def run(write):
    Flaky.failures_left = 0
    Flaky.undone = []
    registry = {**load_registry(), "flaky": flaky, "make": make, "hang": hang}

    def go(text: str):
        plan = load_scenario(write("s.yaml", "name: fake\n" + text), registry)
        secrets = Secrets()
        out = io.StringIO()
        runner = Runner(
            plan,
            Target("local", FakeClients()),  # type: ignore[arg-type]
            prompter=Prompter(Answers(), secrets, interactive=False),
            console=Console(secrets, stream=out, color=False),
            secrets=secrets,
        )
        return runner.run(), out.getvalue()

    return go


def test_retry_on_an_error_code_until_it_passes(run):
    Flaky.failures_left = 2
    result, out = run("steps:\n  - flaky:\n    retry: {on_error: Boom, attempts: 3}\n")
    assert result.error is None
    (record,) = result.records
    assert (record.status, record.attempts, record.calls) == ("ok", 3, ["fake.Flaky"] * 3)
    assert out.count("[retry] flaky (flaky)  Boom: boom") == 2


def test_retries_are_bounded_and_the_last_error_is_reported(run):
    Flaky.failures_left = 5
    result, _ = run("steps:\n  - flaky:\n    retry: {on_error: Boom, attempts: 2}\n")
    assert isinstance(result.error, StepFailed) and result.error.code == "Boom"
    assert result.records[0].attempts == 2 and result.records[0].status == "failed"


def test_expected_and_allowed_errors_are_outcomes(run):
    Flaky.failures_left = 2
    result, _ = run(
        "steps:\n  - flaky:\n    expect_error: Boom\n  - flaky:\n    allow_error: [Other, Boom]\n"
        "  - check: steps.flaky.status == 'expected_error' and steps.flaky_2.error.code == 'Boom'\n"
    )
    assert result.error is None, result.error
    assert [r.status for r in result.records] == ["expected_error", "allowed_error", "ok"]


def test_an_expected_error_that_does_not_come_fails_the_step(run):
    result, _ = run("steps:\n  - flaky:\n    expect_error: Boom\n")
    assert isinstance(result.error, StepFailed) and result.error.code == "UnexpectedSuccess"


def test_a_step_that_overruns_its_timeout_fails_and_cleanup_still_runs(run):
    result, _ = run("steps:\n  - make: first\n  - hang: 30\n    timeout: 0.2\n  - make: never\n")
    assert isinstance(result.error, StepFailed) and result.error.code == "StepTimeout"
    assert result.error.render().endswith(
        "s.yaml:4:5: step 'hang': timed out after 0.2s\n  hint: raise the step's `timeout:` if it needs longer"
    )
    assert Flaky.undone == ["first"]
    assert [(r.step_id, r.status) for r in result.records] == [("make", "ok"), ("hang", "failed"), ("make", "ok")]


def test_the_timeout_covers_retries(run):
    Flaky.failures_left = 100
    result, _ = run("steps:\n  - flaky:\n    retry: {on_error: Boom, attempts: 100, delay: 0.1}\n    timeout: 0.35\n")
    assert isinstance(result.error, StepFailed)
    assert result.records[0].attempts < 100


def test_undo_runs_last_in_first_out_after_a_failure(run):
    Flaky.failures_left = 1
    result, _ = run("steps:\n  - make: a\n  - make: b\n  - flaky:\n  - make: c\ncleanup:\n  ask: false\n")
    assert isinstance(result.error, StepFailed)
    assert Flaky.undone == ["b", "a"]


def test_skipped_steps_and_registered_results_reach_the_template_scope(run):
    result, _ = run(
        "steps:\n  - make: a\n    register: thing\n  - flaky:\n    when: false\n"
        "  - check: [\"thing.made == 'a'\", \"steps.flaky.status == 'skipped'\"]\n"
    )
    assert result.error is None, result.error
