"""Runs one scenario: steps in order, then cleanup that never leaks.

Each step's arguments are rendered just before it runs, so a step sees the results of every
earlier step. Whatever happens (success, failure, Ctrl-C, a bug), every registered undo is
attempted last-in-first-out, and the first failure stays the one reported.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from engine.actions.base import Action, ActionContext
from engine.console import Console
from engine.errors import (
    ActionArgumentError,
    InputError,
    Interrupted,
    ScenarioError,
    StepFailed,
    TemplateError,
)
from engine.loader import locate
from engine.prompter import Prompter, PromptSpec
from engine.records import RunResult, StepRecord
from engine.scenario import CLEANUP_PROMPT_ID, Scenario, Step, check_rendered_arguments
from engine.secrets import Secrets
from engine.targets import Target
from engine.templating import evaluate, is_template, iter_strings, render
from engine.undo import UndoEntry, UndoFailure, UndoStack


class Runner:
    """Executes a validated scenario against an opened target."""

    def __init__(
        self,
        scenario: Scenario,
        registry: dict[str, Action],
        target: Target,
        *,
        prompter: Prompter,
        console: Console,
        secrets: Secrets,
        stack_name: str | None = None,
        on_record: Callable[[StepRecord], None] | None = None,
    ) -> None:
        self.scenario = scenario
        self.registry = registry
        self.target = target
        self.prompter = prompter
        self.console = console
        self.secrets = secrets
        self.stack_name = stack_name
        self.on_record = on_record
        self.undo = UndoStack()
        self.records: list[StepRecord] = []
        self.cache: dict[str, Any] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self.context: dict[str, Any] = {
            "target": target.name,
            "stack": {},
            "vars": {},
            "answers": prompter.replies,
            "steps": {},
            "env": {},
            "outbox_code": self._outbox_code,
            "outbox_messages": self._outbox_messages,
        }

    # -- the run -----------------------------------------------------------------------------

    def run(self) -> RunResult:
        """Run the steps, then clean up; never raises."""
        started = time.monotonic()
        error: BaseException | None = None
        try:
            self._prepare()
            self.target.clients.counting = True
            for step in self.scenario.steps:
                self._execute(step, "steps")
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
        return RunResult(self.scenario, self.records, error, failures, time.monotonic() - started)

    def _prepare(self) -> None:
        missing = [name for name in self.scenario.env if name not in os.environ]
        if missing:
            raise InputError(
                f"environment variable {missing[0]} is not set",
                location=locate(self.scenario.raw, ("env",)),
                hint=f"the scenario reads env.{missing[0]}; export it before the run",
            )
        self.context["env"] = {name: os.environ[name] for name in self.scenario.env}
        scenario_dir = self.scenario.path.parent

        def log(text: str) -> None:
            self.console.step("ok", "stack", "deploy", text)

        self.context["stack"] = self.target.stack_outputs(self.scenario.stack, scenario_dir, self.stack_name, log)
        for name, value in self.scenario.vars.items():
            self.context["vars"][name] = render(
                value, self.context, location_of=lambda p, n=name: locate(self.scenario.raw, ("vars", n, *p))
            )
        if self.target.outbox is not None and hasattr(self.target.outbox, "subscribe"):
            self._unsubscribe = self.target.outbox.subscribe(self._show_message)

    def _show_message(self, message: Any) -> None:
        code = f" (code {message.code})" if message.code else ""
        self.console.message(f"[outbox] {message.kind} message to {message.recipient}{code}: {message.text}")

    # -- one step ----------------------------------------------------------------------------

    def _execute(self, step: Step, phase: str) -> None:
        action = self.registry[step.action]
        record = StepRecord(self.scenario.name, step.id, step.action, step.title, phase, "ok", str(step.location))
        started = time.monotonic()
        first_call = len(self.target.clients.calls)
        try:
            self._attempts(step, action, record)
        except BaseException as exc:
            record.status = "failed"
            if isinstance(exc, ScenarioError):
                # Errors from deep inside (a prompt, a template) are reported at the step.
                exc.location = exc.location or step.location
                exc.step = exc.step or step.id
            if isinstance(exc, ScenarioError) and record.error is None:
                record.error = {"code": getattr(exc, "code", None) or type(exc).__name__, "message": exc.message}
            elif record.error is None:
                record.error = {"code": type(exc).__name__, "message": str(exc)}
            raise
        finally:
            record.duration = time.monotonic() - started
            record.calls = self.target.clients.calls[first_call:]
            self._finish(record)

    def _attempts(self, step: Step, action: Action, record: StepRecord) -> None:
        when = step.modifiers.get("when")
        if when is not None and not self._truth(when, step, "when"):
            record.status = "skipped"
            self.context["steps"][step.id] = {"status": "skipped", "result": None, "error": None}
            return
        retry = step.modifiers.get("retry") or {}
        retry_on = set(_codes(retry.get("on_error")))
        max_attempts = int(retry.get("attempts", 3)) if retry else 1
        expect, allow = set(step.codes("expect_error")), set(step.codes("allow_error"))
        while True:
            record.attempts += 1
            args = self._render_args(step, action)
            record.args = self.secrets.mask_data(args)
            result, error = self._call(step, action, args)
            if error is not None:
                code, message, from_aws = error
                if code in retry_on and record.attempts < max_attempts:
                    self._before_retry(step, record, f"{code}: {message}", retry)
                    continue
                record.error = {"code": code, "message": message}
                if code in expect or code in allow:
                    record.status = "expected_error" if code in expect else "allowed_error"
                    result = None
                    break
                attempts = f" after {record.attempts} attempts" if record.attempts > 1 else ""
                raise StepFailed(
                    f"{step.action} failed{attempts}: {code}: {message}" if from_aws else message,
                    code=code,
                    location=step.location,
                    step=step.id,
                )
            if expect:
                raise StepFailed(
                    f"expected {' or '.join(sorted(expect))}, but {step.action} succeeded",
                    code="UnexpectedSuccess",
                    location=step.location,
                    step=step.id,
                    hint="check the scenario's state: was a previous run cleaned up?",
                )
            until = retry.get("until")
            if until and not self._truth(until, step, "retry", result=result):
                if record.attempts < max_attempts:
                    self._before_retry(step, record, f"not yet: {until}", retry)
                    continue
                raise StepFailed(
                    f"retry.until still false after {record.attempts} attempts: {until}",
                    code="RetryExhausted",
                    location=step.location,
                    step=step.id,
                )
            break
        record.result = result
        self.secrets.collect(result)
        entry = {"status": record.status, "result": result, "error": record.error}
        self.context["steps"][step.id] = entry
        if "register" in step.modifiers:
            self.context[step.modifiers["register"]] = result
        asserts = step.modifiers.get("assert")
        for expression in [asserts] if isinstance(asserts, str) else asserts or []:
            if not self._truth(expression, step, "assert", result=result, error=record.error):
                raise StepFailed(
                    f"assertion failed: {expression}",
                    code="AssertionFailed",
                    location=locate(self.scenario.raw, (*step.path, "assert")) or step.location,
                    step=step.id,
                )

    def _call(self, step: Step, action: Action, args: Any) -> tuple[Any, tuple[str, str, bool] | None]:
        """(result, None) or (None, (code, message, from_aws))."""
        ctx = ActionContext(
            clients=self.target.clients,
            console=self.console,
            prompter=self.prompter,
            undo=self.undo,
            secrets=self.secrets,
            target=self.target.name,
            step_id=step.id,
            template_vars=self.context,
            outbox=self.target.outbox,
            cache=self.cache,
            render=partial(self._render_with, step_id=step.id),
            base_dir=self.scenario.path.parent,
        )
        self.undo.step_id = step.id
        try:
            return action.run(args, ctx), None
        except ClientError as exc:
            err = exc.response.get("Error", {})
            return None, (str(err.get("Code", "ClientError")), str(err.get("Message", exc)), True)
        except StepFailed as exc:
            if exc.code is None:
                raise
            return None, (exc.code, exc.message, False)
        except ParamValidationError as exc:
            raise ActionArgumentError(
                f"invalid parameters for AWS: {' '.join(str(exc).split())}",
                location=step.location,
                step=step.id,
                hint="check the templated values of this step's arguments",
            ) from None
        except BotoCoreError as exc:
            return None, (type(exc).__name__, str(exc), True)

    def _render_with(self, value: Any, extra: dict[str, Any] | None = None, *, step_id: str) -> Any:
        return render(value, {**self.context, **(extra or {})}, step=step_id)

    def _before_retry(self, step: Step, record: StepRecord, why: str, retry: dict[str, Any]) -> None:
        self.console.step("retry", step.id, step.action, why)
        reprompt = retry.get("reprompt") or []
        for prompt_id in [reprompt] if isinstance(reprompt, str) else reprompt:
            self.prompter.ask(self.prompter.specs[prompt_id], again=True)
        if retry.get("delay"):
            time.sleep(float(retry["delay"]))

    def _render_args(self, step: Step, action: Action) -> Any:
        deferred = set(getattr(action, "deferred", ()))
        raw = step.args
        kept = {}
        if deferred and isinstance(raw, dict):
            kept = {k: raw[k] for k in deferred if k in raw}
            raw = {k: v for k, v in raw.items() if k not in deferred}
        rendered = render(
            raw,
            self.context,
            step=step.id,
            location_of=lambda p: locate(self.scenario.raw, (*step.path, step.action, *p)),
        )
        if any(is_template(text) for _, text in iter_strings(raw)):
            # Template-free arguments were fully checked when the scenario was loaded.
            check_rendered_arguments(rendered, action, self.scenario.raw, (*step.path, step.action), step.id)
        if kept:
            rendered.update(kept)
        return rendered

    def _truth(self, expression: Any, step: Step, key: str, **extra: Any) -> bool:
        if isinstance(expression, bool):
            return expression
        location = locate(self.scenario.raw, (*step.path, key)) or step.location
        return bool(evaluate(str(expression), {**self.context, **extra}, location=location, step=step.id))

    def _finish(self, record: StepRecord) -> None:
        self.records.append(record)
        detail = f"{record.duration:.2f}s"
        if record.status in ("expected_error", "allowed_error") and record.error:
            detail = f"{record.error['code']} ({'expected' if record.status == 'expected_error' else 'allowed'})"
        elif record.status == "failed" and record.error:
            detail = f"{record.error['code']}: {record.error['message']}"
        status = record.status if record.status in ("failed", "skipped") else "ok"
        quiet = getattr(self.registry.get(record.action), "quiet", False)
        if not (quiet and status != "failed"):
            self.console.step(status, record.step_id, record.action, "" if status == "skipped" else detail)
        if self.on_record:
            self.on_record(record)

    # -- cleanup -----------------------------------------------------------------------------

    def _cleanup(self, *, interrupted: bool) -> list[UndoFailure]:
        if not len(self.undo) and not self.scenario.cleanup_steps:
            return []
        if not interrupted and self.scenario.cleanup_ask is not False:
            question = self.scenario.cleanup_ask if isinstance(self.scenario.cleanup_ask, str) else None
            spec = PromptSpec(
                id=CLEANUP_PROMPT_ID,
                type="confirm",
                default=True,
                text=question
                or "Do you want to remove all of the AWS resources that were created during this demo (y/n)?",
            )
            try:
                remove = self.prompter.ask(spec)
            except (KeyboardInterrupt, EOFError, ScenarioError):
                remove = True
            if not remove:
                self.console.say("Be sure to remove resources when you're done with them to avoid unexpected charges!")
                for entry in self.undo.pending():
                    self.console.step("skipped", entry.step_id, "undo", entry.description)
                return []
        for step in self.scenario.cleanup_steps:
            try:
                self._execute(step, "cleanup")
            except (Exception, KeyboardInterrupt) as exc:
                self.console.warn(f"cleanup step '{step.id}' failed: {_describe(exc)}")
        return self.undo.run_all(self._undo_done)

    def _undo_done(self, entry: UndoEntry, error: BaseException | None) -> None:
        record = StepRecord(
            self.scenario.name,
            entry.step_id,
            "undo",
            entry.description,
            "undo",
            "failed" if error else "ok",
            "",
            error=None if error is None else {"code": type(error).__name__, "message": _describe(error)},
        )
        self.records.append(record)
        self.console.step(
            "undo" if error is None else "failed",
            entry.step_id,
            "undo",
            entry.description + ("" if error is None else f": {_describe(error)}"),
        )
        if self.on_record:
            self.on_record(record)

    # -- template functions ------------------------------------------------------------------

    def _outbox_code(self, user_name: str, kind: str | None = None) -> str:
        if self.target.outbox is None:
            raise TemplateError(
                "outbox_code() works only on the local target or a `scenario serve` endpoint",
                hint="guard it: {{ outbox_code(user) if target != 'aws' else none }}",
            )
        message = self.target.outbox.latest(username=user_name, kind=kind)
        if message is None or not message.code:
            raise TemplateError(f"the local outbox has no code for user '{user_name}'")
        return str(message.code)

    def _outbox_messages(self, user_name: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        if self.target.outbox is None:
            return []
        return [m.__dict__ | {"time": str(m.time)} for m in self.target.outbox.messages(username=user_name, kind=kind)]


def _codes(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code')}: {err.get('Message')}"
    if isinstance(exc, ScenarioError):
        return exc.message
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"{type(exc).__name__}: {exc}"
