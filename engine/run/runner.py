"""Runs one planned scenario: its steps in order, then cleanup that never leaks.

Each step's arguments are rendered just before it runs (``engine.run.dispatch``), so a step sees
the results of every earlier step. Whatever happens (success, failure, Ctrl-C, a bug), the
scenario's cleanup steps run and every registered undo is attempted last-in-first-out; the
first failure stays the one reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from botocore.exceptions import BotoCoreError, ClientError

from engine.aws import along
from engine.aws.errors import describe as _describe
from engine.aws.faults import NO_FAULTS, FaultInjector
from engine.cleanup.journal import Journal, finish_command, new_run_id
from engine.cleanup.leases import Leases, NoLeases
from engine.cleanup.target_journal import TargetJournal
from engine.cleanup.undo import UndoContext, UndoEntry, UndoFailure, UndoStack
from engine.errors import InputError, Interrupted, ScenarioError, StepFailed, TargetError
from engine.local.outbox import Message
from engine.plan.model import CLEANUP_PROMPT_ID, Plan
from engine.prompts.prompter import Prompter, PromptSpec
from engine.reports.console import Console
from engine.run import interrupts
from engine.run.dispatch import Dispatcher
from engine.run.env_file import resolve_env
from engine.run.records import RunResult, StepRecord
from engine.run.targets import Target
from engine.secrets import Secrets
from engine.template.render import render
from engine.template.scope import Scope


class Runner:
    """Executes a plan against an opened target.

    Everything a run uses is made here, once: on a target that outlives this process that
    includes opening its journal, so building a ``Runner`` may raise; ``run`` never does.
    """

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
        env_file: Mapping[str, str] | None = None,
        faults: FaultInjector = NO_FAULTS,
    ) -> None:
        self.plan = plan
        self.env_file = env_file  # values read from --env-file (the environment wins over them)
        self.target = target
        self.prompter = prompter
        self.console = console
        self.stack_name = stack_name
        self.on_record = on_record
        self.journal = self._open_journal()
        try:
            self._build(target, secrets, faults)
        except BaseException:  # an interrupt while the run is being built: nothing was made, nothing is kept
            if self.journal is not None:
                self.journal.close(remove=True)
            raise

    def _build(self, target: Target, secrets: Secrets, faults: FaultInjector) -> None:
        plan, prompter, console = self.plan, self.prompter, self.console
        self.leases = self._leases(self.journal)
        self.undo = UndoStack(UndoContext(target.clients, self.leases), self.journal, faults)
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
            leases=self.leases,
            on_record=self._record,
            base_dir=plan.path.parent,
        )
        self._unsubscribe: Callable[[], None] | None = None
        self._cleanup_steps_done = False
        self._resources_kept = False

    def run(self) -> RunResult:
        """Run the steps, then clean up; never raises."""
        started = time.monotonic()
        error: BaseException | None = None
        try:
            self._prepare()
            with self.target.clients.counting_calls():
                for step in self.plan.steps:
                    interrupts.raise_if_pending()
                    self.dispatcher.execute(step, "steps")
            interrupts.raise_if_pending()
        except KeyboardInterrupt:
            interrupts.clear()
            error = Interrupted("interrupted by Ctrl-C; cleaning up")
        except BaseException as exc:  # reported by the caller; cleanup must run first
            error = exc
        if isinstance(error, InputError) and self.target.clients.calls:
            # Found only after AWS calls were made: not "nothing ran" (exit 2) but a failed run.
            error = StepFailed(
                error.message, code=type(error).__name__, location=error.location, step=error.step, hint=error.hint
            )
        failures, step_failures = self._cleanup_to_the_end(interrupted=isinstance(error, Interrupted))
        after_error, after_failures = self._after_cleanup(interrupted=isinstance(error, Interrupted))
        failures += after_failures
        left = self.undo.pending()
        self._close(left)
        if error is None and (failures or step_failures):
            names = "; ".join([*step_failures, *(f"{f.entry.description}: {_describe(f.error)}" for f in failures)])
            error = StepFailed(f"cleanup failed: {names}", code="CleanupFailed", hint=self._leftover_hint(left))
        if error is None and after_error is not None:
            error = after_error
        if error is None and self.undo.interrupted:
            error = Interrupted(
                "interrupted by Ctrl-C during cleanup", hint=self._leftover_hint(left) if left else None
            )
        return RunResult(self.plan, self.records, error, failures, time.monotonic() - started)

    def _open_journal(self) -> Journal | None:
        """On a target that outlives this process, what the run makes is journalled."""
        if self.target.name == "local":
            return None  # the embedded AWS dies with the process: nothing can be left behind
        clients = self.target.clients
        run_id = new_run_id()
        mirror = TargetJournal(clients.uncounted().client("dynamodb"), run_id, new=True)
        try:
            mirror.open()
        except (ClientError, BotoCoreError) as exc:
            raise TargetError(
                f"cannot keep the run's journal on {clients.endpoint_url or self.target.name}: {_describe(exc)}",
                hint="check that the endpoint is up and reachable (and, on AWS, that DynamoDB may be used)",
            ) from None
        return Journal.create(
            {
                "run": run_id,
                "scenario": str(self.plan.path),
                "target": {
                    "kind": self.target.name,
                    "endpoint_url": clients.endpoint_url,
                    "region": clients.region,
                    "profile": self.target.profile,
                },
            },
            mirror=mirror,
        )

    def _leases(self, journal: Journal | None) -> NoLeases:
        """A journalled run leases the pools it shares with other runs, and journals each lease it takes."""
        if journal is None:
            return NoLeases()
        return Leases(
            self.target.clients.uncounted().client("dynamodb"),
            journal.run_id,
            on_wait=lambda text: self.console.step("wait", "lease", "lease", text),
            on_take=lambda key: journal.write({"op": "lease", "key": key}),
            on_takeover=self._finish_dead_run,
        )

    def _finish_dead_run(self, owner: str) -> None:
        from engine.cleanup.recovery import finish_taken_over

        finish_taken_over(self.target, self.console.say, owner=owner)

    def _close(self, left: list[UndoEntry]) -> None:
        try:
            # A run with nothing left deletes the target's copy of its journal with its leases, in one request.
            removal = self.journal.hand_over_removal() if self.journal is not None and not left else None
            self.leases.release_all(also_delete=removal)
        finally:
            if self.journal is not None:
                if left:
                    # Why it is left, for the next run's warning: not every journal left behind was killed.
                    outcome = "kept" if self._resources_kept else "interrupted" if self.undo.interrupted else "failed"
                    self.journal.write({"op": "end", "outcome": outcome})
                self.journal.close(remove=not left)
                if left:
                    from engine.cleanup.recovery import forget_checked

                    forget_checked(self.target)
                    for entry in left:
                        self.console.warn(f"left behind: {entry.description}")
                    if not self._resources_kept:
                        self.console.warn(self._leftover_hint(left))

    def _leftover_hint(self, left: list[UndoEntry]) -> str:
        if self.journal is not None and left:
            clients = self.target.clients
            command = finish_command(self.target.name, clients.endpoint_url, clients.region, self.target.profile)
            return f"run `{command}` to finish (journal: {self.journal.path})"
        return "remove what is listed by hand (AWS console or CLI)"

    def _prepare(self) -> None:
        if self.journal is not None:
            from engine.cleanup.recovery import finish_before_run  # only runs on a shared target need it

            finish_before_run(self.target, self.console.say, run_id=self.journal.run_id)
        self.scope.set_env(resolve_env(self.plan, self.env_file))

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

    def _cleanup_to_the_end(self, *, interrupted: bool) -> tuple[list[UndoFailure], list[str]]:
        """Cleanup, carried on once more if a signal cuts it short (a third leaves the rest journalled)."""
        try:
            try:
                return self._cleanup(interrupted=interrupted)
            except KeyboardInterrupt:
                self.undo.mark_interrupted()
                return self._cleanup(interrupted=True)
        except KeyboardInterrupt:
            self.undo.mark_interrupted()
            return [], []
        finally:
            if self._unsubscribe is not None:
                self._unsubscribe()

    def _cleanup(self, *, interrupted: bool) -> tuple[list[UndoFailure], list[str]]:
        if not len(self.undo) and not self.plan.cleanup_steps:
            return [], []
        if not interrupted and self.plan.cleanup_question is not None:
            spec = PromptSpec(id=CLEANUP_PROMPT_ID, type="confirm", default=True, text=self.plan.cleanup_question)
            try:
                remove = self.prompter.ask(spec)
            except (KeyboardInterrupt, EOFError, ScenarioError):
                remove = True
            if not remove:
                self._resources_kept = True
                self.console.say("Be sure to remove resources when you're done with them to avoid unexpected charges!")
                for entry in self.undo.pending():
                    self.console.step("skipped", entry.step_id, "undo", entry.description)
                return [], []
        step_failures = []
        for step in self.plan.cleanup_steps if not self._cleanup_steps_done else ():
            try:
                self.dispatcher.execute(step, "cleanup")
            except (Exception, KeyboardInterrupt) as exc:
                step_failures.append(f"cleanup step '{step.id}': {_describe(exc)}")
                self.console.warn(f"cleanup step '{step.id}' failed: {_describe(exc)}")
        self._cleanup_steps_done = True
        try:
            return self.undo.run_all(self._undo_done, before_last=self._offer_end), step_failures
        finally:
            along.withdraw_end()

    def _offer_end(self) -> None:
        """Before the last undo, when every other one was done: the run's end (its leases given back, its journal's
        target copy deleted, as ``_close`` does) may go with that undo's last call, applied after it succeeded
        (``engine.aws.along``), unless checks run after the cleanup (they may take leases and journal again)."""
        journal, leases = self.journal, self.leases
        if journal is None or not isinstance(leases, Leases) or self.plan.after_cleanup:
            return

        def ended() -> None:
            leases.released()
            journal.removed()

        along.offer_end(
            leases.client.meta.endpoint_url,
            lambda: leases.release_items(also_delete=journal.hand_over_removal()),
            ended,
        )

    def _after_cleanup(self, *, interrupted: bool) -> tuple[BaseException | None, list[UndoFailure]]:
        """The ``after_cleanup`` checks, once the cleanup is done: (the first failure, failed undos of
        anything the checks made). Every check runs even when one fails."""
        if not self.plan.after_cleanup or self.undo.interrupted:
            return None, []
        if interrupted or self._resources_kept:
            self.console.step("skipped", "after_cleanup", "after_cleanup", "resources were kept: nothing to check")
            return None, []
        before = {id(entry) for entry in self.undo.pending()}
        first: BaseException | None = None
        try:
            for step in self.plan.after_cleanup:
                try:
                    self.dispatcher.execute(step, "after_cleanup")
                except Exception as exc:
                    first = first or exc
        except KeyboardInterrupt:
            first = Interrupted("interrupted by Ctrl-C during the after_cleanup checks")
        made = any(id(entry) not in before for entry in self.undo.pending())
        return first, self.undo.run_all(self._undo_done) if made else []

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
        detail = f": {_describe(error)}" if error is not None else (f" ({entry.note})" if entry.note else "")
        self.console.step("undo" if error is None else "failed", entry.step_id, "undo", entry.description + detail)
