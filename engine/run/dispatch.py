"""Where a step is dispatched: render its arguments, call its action, retry, judge, record.

One ``Dispatcher`` serves a whole run; ``execute`` runs one planned step and returns its record.
How often a step is tried lives in ``engine.run.retry``; what a template sees, in ``engine.template.scope``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from engine.action import ActionContext
from engine.aws.errors import error_code, error_message
from engine.cleanup.leases import NoLeases
from engine.cleanup.undo import UndoStack
from engine.errors import ActionArgumentError, ScenarioError, StepFailed
from engine.plan.model import Expected, Phase, StepPlan
from engine.plan.schema_errors import problems, raise_first
from engine.prompts.prompter import Prompter
from engine.reports.console import Console
from engine.run.records import StepRecord
from engine.run.retry import Expr
from engine.run.targets import Target
from engine.run.timeouts import StepTimedOut, time_limit
from engine.secrets import Secrets
from engine.template.assertions import explain, partial_mismatch
from engine.template.render import evaluate, render
from engine.template.scope import Scope


@dataclass(frozen=True)
class _Failure:
    """How one attempt failed: an AWS error code (or the action's own), and whether AWS said it."""

    code: str
    message: str
    from_aws: bool
    hint: str | None = None  # the action's own advice (a StepFailed's), shown when the failure fails the step


class Dispatcher:
    """Runs planned steps one at a time against a target, in one template scope."""

    def __init__(
        self,
        scenario: str,
        target: Target,
        scope: Scope,
        *,
        prompter: Prompter,
        console: Console,
        secrets: Secrets,
        undo: UndoStack,
        leases: NoLeases,
        on_record: Callable[[StepRecord], None],
        base_dir: Path,
        prefix: str = "",
        run_state: dict[type, object] | None = None,
    ) -> None:
        self.scenario = scenario
        self.target = target
        self.scope = scope
        self.prompter = prompter
        self.console = console
        self.secrets = secrets
        self.undo = undo
        self.leases = leases
        self.on_record = on_record
        self.base_dir = base_dir  # the scenario file's folder: relative paths in arguments start there
        self.prefix = prefix  # "include_id/" for the steps of an included file
        self.run_state: dict[type, object] = {} if run_state is None else run_state  # ActionContext.state

    def _child(self, prefix: str, base_dir: Path) -> Dispatcher:
        """The dispatcher of an included file's steps: the same run, their own ids and folder."""
        return Dispatcher(
            self.scenario,
            self.target,
            self.scope,
            prompter=self.prompter,
            console=self.console,
            secrets=self.secrets,
            undo=self.undo,
            leases=self.leases,
            on_record=self.on_record,
            base_dir=base_dir,
            prefix=prefix,
            run_state=self.run_state,
        )

    def execute(self, step: StepPlan, phase: Phase) -> None:
        """Run ``step`` (once, or once per item of its ``for_each``); each run's record is reported
        whatever happens; a failure is raised after that."""
        if step.for_each is None:
            self._execute_once(step, phase, step.id)
            return
        items = self._items(step)
        results = []
        for index, item in enumerate(items):
            with self.scope.frame({step.for_each.name: item, "index": index}):
                results.append(self._execute_once(step, phase, f"{step.id}[{index}]").result)
        self.scope.set_outcome(step.id, "ok", results, None)
        if step.register:
            self.scope.register(step.register, results)

    def _items(self, step: StepPlan) -> list[object]:
        assert step.for_each is not None
        items = step.for_each.items
        if not step.for_each.from_file:  # a written-out list's items are templates too
            items = render(items, self.scope.context(), location_of=lambda _: step.for_each.location, step=step.id)
        if not isinstance(items, list):
            raise StepFailed(
                f"for_each needs a list, and its template gave {type(items).__name__}",
                code="ForEachNotAList",
                location=step.for_each.location,
                step=step.id,
                hint='e.g. for_each: "{{ vars.users }}" where vars.users is a list',
            )
        return items

    def _execute_once(self, step: StepPlan, phase: Phase, record_id: str) -> StepRecord:
        record = StepRecord(
            scenario=self.scenario,
            step_id=self.prefix + record_id,
            action=step.action_name,
            title=step.title,
            phase=phase,
            status="ok",
            location=step.location_text,
        )
        started = time.monotonic()
        first_call = len(self.target.clients.calls)
        try:
            if step.timeout is None:
                self._run(step, record, None)
            else:
                with time_limit(step.timeout) as deadline:
                    self._run(step, record, deadline)
        except StepTimedOut:
            error = StepFailed(
                f"timed out after {step.timeout:g}s",
                code="StepTimeout",
                location=step.location,
                step=step.id,
                hint="raise the step's `timeout:` if it needs longer",
            )
            self._failed(record, error)
            raise error from None
        except BaseException as exc:
            if isinstance(exc, ScenarioError):
                # Errors from deep inside (a prompt, a template) are reported at the step.
                exc.location = exc.location or step.location
                exc.step = exc.step or step.id
            self._failed(record, exc)
            raise
        finally:
            record.duration = time.monotonic() - started
            record.calls = self.target.clients.calls[first_call:]
            self._report(record, quiet=step.action.quiet)
        return record

    # -- the parts of one step ---------------------------------------------------------------

    def _run(self, step: StepPlan, record: StepRecord, deadline: float | None) -> None:
        if step.only_on is not None and self.target.name not in step.only_on:
            record.status, record.reason = "skipped", f"only on {' or '.join(sorted(step.only_on))}"
            self.scope.set_outcome(step.id, "skipped", None, None)
            return
        if step.when is not None and not self._truth(step.when, step):
            record.status = "skipped"
            self.scope.set_outcome(step.id, "skipped", None, None)
            return
        if step.include is not None:
            self._finish(step, record, self._run_include(step, record))
            return
        result = None
        attempts = step.retry.start(partial(self._before_retry, step), deadline)
        for _ in attempts:
            record.attempts = attempts.count
            args = record.args = self._render_args(step)
            # Secrets in the arguments (a password field) are masked from here on; the record keeps the
            # arguments as given, masked where they are written (``engine.reports.transcript``), like its result.
            self.secrets.collect(args)
            result, failure = self._call(step, args, record.step_id)
            if failure is not None:
                if failure.code in step.retry.on_error and attempts.again(f"{failure.code}: {failure.message}"):
                    continue
                self._settle(step, record, failure, attempts.count)
                result = None
                break
            if step.expect_errors:
                raise StepFailed(
                    f"expected {' or '.join(sorted(step.expect_errors))}, but {step.action_name} succeeded",
                    code="UnexpectedSuccess",
                    location=step.location,
                    step=step.id,
                    hint="check the scenario's state: was a previous run cleaned up?",
                )
            until = step.retry.until
            if until is not None and not self._truth(until, step, result=result):
                if attempts.again(f"not yet: {until}"):
                    continue
                raise StepFailed(
                    f"retry.until still false after {attempts.count} attempts: {until}",
                    code="RetryExhausted",
                    location=step.location,
                    step=step.id,
                )
            break
        self._finish(step, record, result)

    def _finish(self, step: StepPlan, record: StepRecord, result: object) -> None:
        """The step's outcome: recorded, visible to later templates, registered, asserted."""
        record.result = result
        self.secrets.collect(result)
        self.scope.set_outcome(step.id, record.status, result, record.error)
        if step.register:
            self.scope.register(step.register, result)
        for expression in step.asserts:
            if not self._truth(expression, step, result=result, error=record.error):
                context = self.scope.context({"result": result, "error": record.error})
                raise StepFailed(
                    explain("assertion failed", str(expression), partial(_evaluate_in, context), self.secrets.mask),
                    code="AssertionFailed",
                    location=expression.location or step.location,
                    step=step.id,
                )
        if step.match is not None:
            self._check_match(step, step.match, result)

    def _check_match(self, step: StepPlan, expected: Expected, result: Any) -> None:
        """``match:``: the result contains the expected value (extra keys and list items allowed)."""
        context = self.scope.context({"result": result})
        wanted = render(expected.value, context, location_of=lambda _: expected.location, step=step.id)
        mismatch = partial_mismatch(wanted, result)
        if mismatch is not None:
            raise StepFailed(
                f"the result does not match: {self.secrets.mask(mismatch)}",
                code="ResultMismatch",
                location=expected.location or step.location,
                step=step.id,
                hint="match: compares only what it lists; check the step's result in --transcript",
            )

    def _run_include(self, step: StepPlan, record: StepRecord) -> dict[str, object]:
        """The included file's steps, with ``params`` and a ``steps`` of their own; the result is that ``steps``."""
        assert step.include is not None
        params = render(dict(step.include.params), self.scope.context(), step=step.id, location_of=step.arg_location)
        inner: dict[str, object] = {}
        included = self._child(f"{record.step_id}/", step.include.path.parent)
        with self.scope.frame({"params": params, "steps": inner}):
            for child in step.include.steps:
                included.execute(child, "cleanup" if record.phase == "cleanup" else "steps")
        return inner

    def _settle(self, step: StepPlan, record: StepRecord, failure: _Failure, attempts: int) -> None:
        """An error the step expects or allows is its outcome; any other fails the step."""
        record.error = {"code": failure.code, "message": failure.message}
        if failure.code in step.expect_errors:
            self._check_expected_message(step, failure)
            record.status = "expected_error"
        elif failure.code in step.allow_errors:
            record.status = "allowed_error"
        else:
            after = f" after {attempts} attempts" if attempts > 1 else ""
            raise StepFailed(
                f"{step.action_name} failed{after}: {failure.code}: {failure.message}"
                if failure.from_aws
                else failure.message,
                code=failure.code,
                location=step.location,
                step=step.id,
                hint=failure.hint,
            )

    def _check_expected_message(self, step: StepPlan, failure: _Failure) -> None:
        """An expected code whose message is pinned (``message``/``matches``) must carry that message too."""
        message, pattern = step.expect_messages.get(failure.code, (None, None))
        if message is not None and failure.message != message:
            wanted = f"the message {message!r}"
        elif pattern is not None and re.search(pattern, failure.message) is None:
            wanted = f"a message matching {pattern!r}"
        else:
            return
        raise StepFailed(
            f"expected {failure.code} with {wanted}, but its message was {failure.message!r}",
            code="UnexpectedErrorMessage",
            location=step.location,
            step=step.id,
            hint="the code matched; fix the expected message, or the flow if the message is right",
        )

    def _call(self, step: StepPlan, args: Any, record_id: str) -> tuple[object, _Failure | None]:
        ctx = ActionContext(
            clients=self.target.clients,
            console=self.console,
            prompter=self.prompter,
            undo=self.undo.for_step(record_id),
            secrets=self.secrets,
            target=self.target.name,
            step_id=step.id,
            outbox=self.target.outbox,
            render=partial(self._render_value, step_id=step.id),
            evaluate=partial(self._evaluate, step_id=step.id),
            set_var=self.scope.set_var,
            run_state=self.run_state,
            leases=self.leases,
            base_dir=self.base_dir,
        )
        try:
            return step.action.run(args, ctx), None
        except ClientError as exc:
            return None, _Failure(error_code(exc), error_message(exc), True)
        except StepFailed as exc:
            if exc.code is None:
                raise
            return None, _Failure(exc.code, exc.message, False, exc.hint)
        except ParamValidationError as exc:
            raise ActionArgumentError(
                f"invalid parameters for AWS: {' '.join(str(exc).split())}",
                location=step.location,
                step=step.id,
                hint="check the templated values of this step's arguments",
            ) from None
        except BotoCoreError as exc:
            return None, _Failure(type(exc).__name__, str(exc), True)

    def _before_retry(self, step: StepPlan, why: str) -> None:
        self.console.step("retry", step.id, step.action_name, why)
        for prompt_id in step.retry.reprompt:
            self.prompter.ask_again(prompt_id)

    def _render_args(self, step: StepPlan) -> Any:
        raw, kept, still_valid = step.rendered_args
        rendered = render(raw, self.scope.context(), step=step.id, location_of=step.arg_location)
        if step.templated and not still_valid(rendered):
            # Template-free arguments were fully checked when the scenario was loaded; a template may yield anything.
            try:
                raise_first(
                    problems(
                        rendered,
                        step.action.schema,
                        step.arg_location,
                        whole=step.action_name,
                        step=step.id,
                        error_class=ActionArgumentError,
                    )
                )
            except ActionArgumentError as exc:
                exc.message = f"after rendering templates: {exc.message}"
                raise
        if kept:
            rendered.update(kept)
        return rendered

    def _render_value(self, value: object, extra: Mapping[str, object] | None = None, *, step_id: str) -> Any:
        return render(value, self.scope.context(extra), step=step_id)

    def _evaluate(self, expression: str, *, step_id: str) -> object:
        return evaluate(expression, self.scope.context(), step=step_id)

    def _truth(self, expression: Expr, step: StepPlan, **extra: object) -> bool:
        if isinstance(expression.source, bool):
            return expression.source
        location = expression.location or step.location
        return bool(evaluate(expression.source, self.scope.context(extra), location=location, step=step.id))

    # -- records -----------------------------------------------------------------------------

    def _failed(self, record: StepRecord, exc: BaseException) -> None:
        record.status = "failed"
        if record.error is None:
            code = (exc.code if isinstance(exc, StepFailed) else None) or type(exc).__name__
            message = exc.message if isinstance(exc, ScenarioError) else str(exc)
            record.error = {"code": code, "message": message}

    def _report(self, record: StepRecord, *, quiet: bool) -> None:
        status = record.status if record.status in ("failed", "skipped") else "ok"
        if not (quiet and status != "failed") or record.reason:
            self.console.step(status, record.step_id, record.action, _detail(record))
        self.on_record(record)


def _detail(record: StepRecord) -> str:
    """What a step's line says after its id and action: why it was skipped, its error, or how long it took."""
    if record.status == "skipped":
        return record.reason or ""
    if record.status in ("expected_error", "allowed_error") and record.error:
        return f"{record.error['code']} ({'expected' if record.status == 'expected_error' else 'allowed'})"
    if record.status == "failed" and record.error:
        return f"{record.error['code']}: {record.error['message']}"
    return f"{record.duration:.2f}s"


def _evaluate_in(context: dict[str, object], expression: str) -> object:
    return evaluate(expression, context)
