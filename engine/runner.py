"""Runs one planned scenario: its steps in order, then cleanup that never leaks.

Each step's arguments are rendered just before it runs (``engine.dispatch``), so a step sees
the results of every earlier step. Whatever happens (success, failure, Ctrl-C, a bug), the
scenario's cleanup steps run and every registered undo is attempted last-in-first-out; the
first failure stays the one reported.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from engine.aws_errors import describe as _describe
from engine.console import Console
from engine.dispatch import Dispatcher
from engine.errors import InputError, Interrupted, ScenarioError, StepFailed
from engine.local.outbox import Message
from engine.plan import CLEANUP_PROMPT_ID, Plan
from engine.prompter import Prompter, PromptSpec
from engine.records import RunResult, StepRecord
from engine.scope import Scope
from engine.secrets import Secrets
from engine.targets import Target
from engine.templating import render
from engine.undo import UndoEntry, UndoFailure, UndoStack


class Runner:
    """Executes a plan against an opened target."""

    def __init__(
        self,
        plan: Plan,
        target: Target,
        *,
        prompter: Prompter,
        console: Console,
        secrets: Secrets,
        stack_name: str | None = None,
        on_record: Callable[[StepRecord], None] | None = None,
    ) -> None:
        self.plan = plan
        self.target = target
        self.prompter = prompter
        self.console = console
        self.stack_name = stack_name
        self.on_record = on_record
        self.undo = UndoStack()
        self.records: list[StepRecord] = []
        self.scope = Scope(target=target.name, answers=prompter.replies, outbox=target.outbox)
        self.dispatcher = Dispatcher(
            plan.name,
            target,
            self.scope,
            prompter=prompter,
            console=console,
            secrets=secrets,
            undo=self.undo,
            on_record=self._record,
        )
        self._unsubscribe: Callable[[], None] | None = None

    def run(self) -> RunResult:
        """Run the steps, then clean up; never raises."""
        started = time.monotonic()
        error: BaseException | None = None
        try:
            self._prepare()
            self.target.clients.counting = True
            for step in self.plan.steps:
                self.dispatcher.execute(step, "steps")
        except KeyboardInterrupt:
            error = Interrupted("interrupted by Ctrl-C; cleaning up")
        except BaseException as exc:  # reported by the caller; cleanup must run first
            error = exc
        finally:
            self.target.clients.counting = False
        try:
            failures = self._cleanup(interrupted=isinstance(error, Interrupted))
        finally:
            if self._unsubscribe is not None:
                self._unsubscribe()
        if error is None and failures:
            names = "; ".join(f"{f.entry.description}: {_describe(f.error)}" for f in failures)
            error = StepFailed(
                f"cleanup failed: {names}",
                code="CleanupFailed",
                hint="remove what is listed by hand (AWS console or CLI)",
            )
        if error is None and self.undo.interrupted:
            error = Interrupted("interrupted by Ctrl-C during cleanup")
        return RunResult(self.plan, self.records, error, failures, time.monotonic() - started)

    def _prepare(self) -> None:
        missing = [name for name in self.plan.env if name not in os.environ]
        if missing:
            raise InputError(
                f"environment variable {missing[0]} is not set",
                location=self.plan.env_location,
                hint=f"the scenario reads env.{missing[0]}; export it before the run",
            )
        self.scope.set_env({name: os.environ[name] for name in self.plan.env})

        def log(text: str) -> None:
            self.console.step("ok", "stack", "deploy", text)

        self.scope.set_stack(self.target.stack_outputs(self.plan.stack, self.plan.path.parent, self.stack_name, log))
        for var in self.plan.vars:
            self.scope.set_var(var.name, render(var.value, self.scope.context(), location_of=var.location_of))
        if self.target.outbox is not None:
            self._unsubscribe = self.target.outbox.subscribe(self._show_message)

    def _show_message(self, message: Message) -> None:
        code = f" (code {message.code})" if message.code else ""
        self.console.message(f"[outbox] {message.kind} message to {message.recipient}{code}: {message.text}")

    def _record(self, record: StepRecord) -> None:
        self.records.append(record)
        if self.on_record:
            self.on_record(record)

    # -- cleanup -----------------------------------------------------------------------------

    def _cleanup(self, *, interrupted: bool) -> list[UndoFailure]:
        if not len(self.undo) and not self.plan.cleanup_steps:
            return []
        if not interrupted and self.plan.cleanup_question is not None:
            spec = PromptSpec(id=CLEANUP_PROMPT_ID, type="confirm", default=True, text=self.plan.cleanup_question)
            try:
                remove = self.prompter.ask(spec)
            except (KeyboardInterrupt, EOFError, ScenarioError):
                remove = True
            if not remove:
                self.console.say("Be sure to remove resources when you're done with them to avoid unexpected charges!")
                for entry in self.undo.pending():
                    self.console.step("skipped", entry.step_id, "undo", entry.description)
                return []
        for step in self.plan.cleanup_steps:
            try:
                self.dispatcher.execute(step, "cleanup")
            except (Exception, KeyboardInterrupt) as exc:
                self.console.warn(f"cleanup step '{step.id}' failed: {_describe(exc)}")
        return self.undo.run_all(self._undo_done)

    def _undo_done(self, entry: UndoEntry, error: BaseException | None) -> None:
        self._record(
            StepRecord(
                scenario=self.plan.name,
                step_id=entry.step_id,
                action="undo",
                title=entry.description,
                phase="undo",
                status="failed" if error else "ok",
                location="",
                error=None if error is None else {"code": type(error).__name__, "message": _describe(error)},
            )
        )
        self.console.step(
            "undo" if error is None else "failed",
            entry.step_id,
            "undo",
            entry.description + ("" if error is None else f": {_describe(error)}"),
        )
